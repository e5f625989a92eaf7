"""One type decision and one ACLED decision for `powderkeg code` and `powderkeg eval`."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from powderkeg.coder import Coder
from powderkeg.coder.models import TYPE_LABELS, load_models
from powderkeg.coder.models.decision import TypeRule, apply_quad_prior, tune_rule
from powderkeg.coder.pipeline import (
    STATEMENT_CAMEO,
    TypeDecision,
    mark_pair,
    mark_spans,
    noun_phrase_span,
)
from powderkeg.evaluate import EvalItem, evaluate, plv_spans, the_coder
from powderkeg.types import Document

PLV_HEADER = "\tsentence_id\tsentence\tmarked_sentence\tsource\ttarget\tgold_penta\tsilver_root\tgold_root\n"
LABELS = ["ACCUSE", "ASSAULT", "MOBILIZE"]


@pytest.fixture(scope="module")
def coder() -> Coder:
    return the_coder()


class RecordingModels:
    """The shipped models, recording what the coder asks of them; optional fixed outputs."""

    def __init__(self, *, meta: dict | None = None, case_best: str | None = None) -> None:
        self.real = load_models()
        self.meta = dict(self.real.meta, **(meta or {}))
        self.case_to_acled = self.real.case_to_acled
        self.version = "test"
        self.case_best = case_best
        self.marked_calls: list[list[str | None]] = []
        self.case_calls: list[list[str]] = []

    def type_proba(self, sentences, marked=None):
        if marked is not None:
            self.marked_calls.append(list(marked))
        return self.real.type_proba(sentences, marked)

    def type_knows(self, words):
        return self.real.type_knows(words)

    def quad_proba(self, sentences):
        return self.real.quad_proba(sentences)

    def case_scores(self, snippets):
        self.case_calls.append(list(snippets))
        classes, d = self.real.case_scores(snippets)
        if self.case_best is not None:
            d = np.full_like(d, -1.0)
            d[:, classes.index(self.case_best)] = 1.0
        return classes, d


def _with(coder: Coder, models) -> Coder:
    other = copy.copy(coder)
    other.models = models
    other.__dict__.pop("_acled_families", None)
    return other


# -- the rule -------------------------------------------------------------------------------


def test_rule_spans_model_alone_to_lexicon_first():
    p = np.array([0.1, 0.6, 0.3])
    assert LABELS[TypeRule(0.0, 0.0).choose("MOBILIZE", LABELS, p)] == "ASSAULT"  # model alone
    assert LABELS[TypeRule(float("inf")).choose("MOBILIZE", LABELS, p)] == "MOBILIZE"
    assert LABELS[TypeRule(0.3, 0.0).choose("MOBILIZE", LABELS, p)] == "ASSAULT"  # 0.6 >= 0.3+0.3
    assert LABELS[TypeRule(0.35, 0.0).choose("MOBILIZE", LABELS, p)] == "MOBILIZE"
    assert LABELS[TypeRule(0.0, 0.7).choose("MOBILIZE", LABELS, p)] == "MOBILIZE"  # p < 0.7
    assert LABELS[TypeRule(1.0).choose(None, LABELS, p)] == "ASSAULT"  # no trigger: the model


def test_tune_rule_prefers_fewer_overrides_within_tolerance():
    # the model is right on rows 0-1, the lexicon on row 2; overriding everywhere ties with
    # overriding only where the model is sure, which overrides less
    P = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.45, 0.1, 0.45]])
    lex = ["ASSAULT", "ASSAULT", "MOBILIZE"]
    gold = ["ACCUSE", "ACCUSE", "MOBILIZE"]
    rule, acc = tune_rule(lex, LABELS, P, gold)
    assert acc == 1.0
    assert rule.choose_all(lex, LABELS, P) == gold
    assert rule.min_override_p >= 0.5 or rule.lexicon_bonus > 0.0
    rule0, acc0 = tune_rule(lex, LABELS, P, ["ASSAULT", "ASSAULT", "MOBILIZE"])
    assert acc0 == 1.0 and rule0.choose_all(lex, LABELS, P) == ["ASSAULT", "ASSAULT", "MOBILIZE"]


def test_rule_parameters_come_from_the_model_metadata(coder):
    assert coder.type_rule == TypeRule.from_meta(coder.models.meta)
    assert coder.type_rule.to_meta() == load_models().meta["type_rule"]
    fake = _with(coder, RecordingModels(meta={"type_rule": {"lexicon_bonus": 0.0,
                                                            "min_override_p": 0.0}}))
    assert fake.type_rule == TypeRule(0.0, 0.0)
    assert TypeRule.from_meta({}) == TypeRule(1.0, 0.0)  # no rule stored: lexicon first


# -- the quad model's prior ------------------------------------------------------------------

PENTA = [3, 4, 4]  # penta classes of LABELS: ACCUSE verbal conflict, the others material


def test_quad_prior_multiplies_by_the_penta_probability():
    P = np.array([[0.5, 0.3, 0.2]])
    Q = np.array([[0.0, 0.0, 0.0, 0.2, 0.8]])
    got = apply_quad_prior(P, PENTA, Q, 1.0)
    want = np.array([0.5 * 0.2, 0.3 * 0.8, 0.2 * 0.8])
    assert np.allclose(got, want / want.sum())
    assert apply_quad_prior(P, PENTA, Q, 0.0) is P  # no prior
    assert apply_quad_prior(P, PENTA, None, 1.0) is P  # no quad model
    half = apply_quad_prior(P, PENTA, Q, 0.5)
    assert got[0, 1] > half[0, 1] > P[0, 1]  # the exponent sets the strength


def test_decisions_apply_the_rules_quad_prior(coder):
    labels = list(TYPE_LABELS)
    P = np.zeros((1, len(labels)))
    P[0, labels.index("ACCUSE")] = 0.55
    P[0, labels.index("ASSAULT")] = 0.45
    Q = np.array([[0.02, 0.02, 0.02, 0.04, 0.9]])  # the quad model: material conflict
    plain = coder.decisions_from_proba(labels, P, [None], TypeRule(0.0, 0.0))[0]
    assert plain.type == "ACCUSE"
    with_prior = coder.decisions_from_proba(labels, P, [None], TypeRule(0.0, 0.0, 1.0),
                                            quad=Q)[0]
    assert with_prior.type == "ASSAULT" and with_prior.p > 0.45
    # the lexicon's type still needs the bonus to be overridden
    kept = coder.decisions_from_proba(labels, P, ["ACCUSE"], TypeRule(0.9, 0.0, 1.0), quad=Q)
    assert kept[0].type == "ACCUSE"


def test_tune_rule_takes_a_prior_only_where_it_helps():
    P = np.array([[0.55, 0.45, 0.0], [0.6, 0.4, 0.0], [0.2, 0.1, 0.7]])
    lex = [None, None, None]
    gold = ["ASSAULT", "ASSAULT", "MOBILIZE"]
    informative = np.array([[0, 0, 0, 0.05, 0.95], [0, 0, 0, 0.05, 0.95], [0, 0, 0, 0.5, 0.5]])
    rule, acc = tune_rule(lex, LABELS, P, gold, Q=informative, penta_of_label=PENTA)
    assert acc == 1.0 and rule.quad_prior > 0
    flat = np.full((3, 5), 0.2)  # a prior that changes nothing: the weakest (none) is kept
    rule0, acc0 = tune_rule(lex, LABELS, P, ["ACCUSE", "ACCUSE", "MOBILIZE"], Q=flat,
                            penta_of_label=PENTA)
    assert acc0 == 1.0 and rule0.quad_prior == 0.0
    assert TypeRule.from_meta({"type_rule": {"quad_prior": 0.5}}).quad_prior == 0.5
    assert TypeRule(0.4, 0.4, 0.25).to_meta() == {
        "lexicon_bonus": 0.4, "min_override_p": 0.4, "quad_prior": 0.25}


def test_the_coder_asks_the_quad_model_for_its_prior(coder):
    calls = []

    class Quad(RecordingModels):
        def quad_proba(self, sentences):
            calls.append(list(sentences))
            return self.real.quad_proba(sentences)

    text = "Serbia accused Kosovo of provocations."
    c = _with(coder, Quad(meta={"type_rule": {"lexicon_bonus": 0.4, "quad_prior": 0.5}}))
    c.pair_types([text], [[(0, 6)]], [[(15, 21)]])
    assert calls == [[text]]
    calls.clear()
    c0 = _with(coder, Quad(meta={"type_rule": {"lexicon_bonus": 0.4, "quad_prior": 0.0}}))
    c0.pair_types([text], [[(0, 6)]], [[(15, 21)]])
    assert calls == []


class NeutralQuad(RecordingModels):
    """The shipped models, with a quad model that reads every sentence as neutral (0)."""

    def quad_proba(self, sentences):
        labels, P = self.real.quad_proba(sentences)
        P = np.zeros_like(P)
        P[:, labels.index(0)] = 1.0
        return labels, P


def test_verbal_events_of_a_neutral_sentence_get_the_statement_code(coder):
    text = "Serbia accused Kosovo of provocations."
    c = _with(coder, NeutralQuad())
    c.workers = 1
    ev = next(e for e in c.code(Document.from_text(text, "n")).events if e.type == "ACCUSE")
    assert (ev.cameo, ev.goldstein, ev.quad) == (STATEMENT_CAMEO, 0.0, "verbal_conflict")
    assert c.sentence_pentas([text]) == [0]
    shipped = next(e for e in coder.code(Document.from_text(text, "s")).events
                   if e.type == "ACCUSE")
    assert shipped.cameo != STATEMENT_CAMEO  # the shipped quad model: verbal conflict
    assert coder.sentence_pentas([text]) == [3]
    # material events keep their code whatever the quad model says
    attack = "Serbian troops attacked Kosovo police near the border."
    evs = c.code(Document.from_text(attack, "a")).events
    assert evs and all(e.cameo != STATEMENT_CAMEO for e in evs if e.quad.startswith("material"))


# -- the pair method and the pipeline -------------------------------------------------------


def test_mentions_are_marked_as_noun_phrases(coder):
    text = "About 120,000 Russian troops have massed near Kharkiv."
    sdoc = coder.nlp(text)
    a = text.index("Russian")
    assert text[slice(*noun_phrase_span(sdoc, a, a + 7))] == "About 120,000 Russian troops"
    text2 = "The Serbian army blocked the roads of Kosovo and Germany's decision came late."
    sdoc2 = coder.nlp(text2)
    s, k, g = text2.index("Serbian"), text2.index("Kosovo"), text2.index("Germany")
    assert text2[slice(*noun_phrase_span(sdoc2, s, s + 7))] == "The Serbian army"
    assert noun_phrase_span(sdoc2, k, k + 6) == (k, k + 6)  # a pobj noun: its own span
    assert noun_phrase_span(sdoc2, g, g + 7) == (g, g + 7)  # a possessor stays itself (plv)
    assert mark_pair(sdoc2, [(s, s + 7)], [(k, k + 6)]) == (
        "<s>The Serbian army</s> blocked the roads of <t>Kosovo</t> and Germany's decision "
        "came late.")
    # widened spans that would overlap: each keeps its own
    text3 = "Russian and Ukrainian officials met."
    sdoc3 = coder.nlp(text3)
    assert mark_pair(sdoc3, [(0, 7)], [(12, 21)]) == (
        "<s>Russian</s> and <t>Ukrainian</t> officials met.")


def test_code_and_eval_mark_the_same_noun_phrases(coder):
    models = RecordingModels(meta={"type_rule": {"lexicon_bonus": 0.0, "min_override_p": 0.0}})
    c = _with(coder, models)
    c.workers = 1
    text = "The Serbian army blocked the roads to Kosovo."
    c.code(Document.from_text(text, "np"))
    coded = [m for call in models.marked_calls for m in call if m and "<s>" in m]
    models.marked_calls.clear()
    s, k = text.index("Serbian"), text.index("Kosovo")
    c.pair_types([text], [[(s, s + 7)]], [[(k, k + 6)]])
    assert coded and models.marked_calls[-1][0] in coded
    assert "<s>The Serbian army</s>" in models.marked_calls[-1][0]



def test_mark_spans_and_plv_spans():
    text = "Serbia accused Kosovo of provocations."
    assert mark_spans(text, [(0, 6)], [(15, 21)]) == (
        "<s>Serbia</s> accused <t>Kosovo</t> of provocations.")
    assert mark_spans(text, [(0, 6)], [(3, 9)]) == "<s>Serbia</s> accused Kosovo of provocations."
    item = EvalItem(line=2, text="x", gold="AID",
                    marked="<s>US</s> lent <t>Ukraine</t> money for <t>Ukraine</t>'s army.")
    sent, src, tgt = plv_spans(item)
    assert sent == "US lent Ukraine money for Ukraine's army."
    assert src == [(0, 2)] and tgt == [(8, 15), (26, 33)]
    plain = EvalItem(line=2, text="Rebels attacked a convoy.", gold="ASSAULT",
                     source="Rebels", target="a convoy")
    assert plv_spans(plain) == ("Rebels attacked a convoy.", [(0, 6)], [(16, 24)])


def test_pair_types_send_markers_to_the_model(coder):
    models = RecordingModels()
    c = _with(coder, models)
    text = "Serbia accused Kosovo of provocations."
    got = c.pair_types([text], [[(0, 6)]], [[(15, 21)]])
    assert models.marked_calls == [["<s>Serbia</s> accused <t>Kosovo</t> of provocations."]]
    assert isinstance(got[0], TypeDecision) and got[0].label == "ACCUSE"
    assert c.pair_lexicon_types([text], [[(0, 6)]], [[(15, 21)]]) == [("ACCUSE", "accused")]


def test_a_trigger_word_the_model_never_saw_keeps_the_lexicon_type(coder):
    # "massed" is not in the type model's training text; the model reads the sentence as an
    # assault, the lexicon's "mass" says MOBILIZE, and the lexicon stands
    assert coder.models.type_knows(["massed", "Accused", None]) == [False, True, False]
    text = "Russian troops have massed on the border of Ukraine."
    dec = coder.pair_types([text], [[(0, 14)]], [[(44, 51)]])[0]
    assert (dec.type, dec.by) == ("MOBILIZE", "lexicon")
    labels = list(TYPE_LABELS)
    P = np.zeros((1, len(labels)))
    P[0, labels.index("ASSAULT")] = 1.0
    got = coder.decisions_from_proba(labels, P, ["MOBILIZE"], TypeRule(0.0, 0.0), known=[False])
    assert got[0].type == "MOBILIZE"


def test_pipeline_decides_pair_events_with_the_marked_model(coder):
    models = RecordingModels(meta={"type_rule": {"lexicon_bonus": 0.0, "min_override_p": 0.0}})
    c = _with(coder, models)
    c.workers = 1
    doc = c.code(Document.from_text("Serbia accused Kosovo of provocations.", "t"))
    assert any("<s>Serbia</s>" in m and "<t>Kosovo</t>" in m
               for call in models.marked_calls for m in call if m)
    ev = next(e for e in doc.events if {a.code for a in e.actor} == {"SRB"})
    # the pipeline's event type is exactly what pair_types gives for the same pair
    dec = c.pair_types(["Serbia accused Kosovo of provocations."], [[(0, 6)]], [[(15, 21)]])[0]
    assert ev.type == dec.type


def test_the_rule_can_override_the_lexicon_in_the_pipeline(coder):
    text = "Serbia accused Kosovo of provocations."
    # a rule that always takes the model vs. one that never does, on a sentence where the
    # marked model and the lexicon agree, give the same type; with a model that disagrees
    # (forced through the rule's threshold) only the model-first rule changes it
    first = _with(coder, RecordingModels(meta={"type_rule": {"lexicon_bonus": 5.0}}))
    assert first.pair_types([text], [[(0, 6)]], [[(15, 21)]])[0].by == "lexicon"
    labels = list(TYPE_LABELS)
    P = np.zeros((1, len(labels)))
    P[0, labels.index("ASSAULT")] = 0.9
    P[0, labels.index("ACCUSE")] = 0.1
    model_first = coder.decisions_from_proba(labels, P, ["ACCUSE"], TypeRule(0.0, 0.0))[0]
    assert (model_first.type, model_first.by) == ("ASSAULT", "model")
    lexicon_first = coder.decisions_from_proba(labels, P, ["ACCUSE"], TypeRule(1.0, 0.0))[0]
    assert (lexicon_first.type, lexicon_first.by) == ("ACCUSE", "lexicon")
    # not a pair (actor only): the lexicon stands whatever the rule
    single = coder.decisions_from_proba(labels, P, ["ACCUSE"], TypeRule(0.0, 0.0), pairs=[False])
    assert single[0].type == "ACCUSE"
    # YIELD from the lexicon keeps its PLOVER type
    P2 = np.zeros((1, len(labels)))
    P2[0, labels.index("YIELD")] = 1.0
    assert coder.decisions_from_proba(labels, P2, ["RETREAT"])[0].type == "RETREAT"


# -- ACLED ----------------------------------------------------------------------------------

PROTEST = "Thousands of protesters marched against the government of Serbia in Belgrade."


def _protest_event(c: Coder):
    doc = c.code(Document.from_text(PROTEST, "p"))
    return next(e for e in doc.events if e.type == "PROTEST")


def test_acled_fields_come_from_the_model_when_they_agree_with_the_type(coder):
    models = RecordingModels(case_best="VIOL_DEMONSTR")
    ev = _protest_event(_with(coder, models))
    assert (ev.acled_type, ev.acled_sub_type) == ("Riots", "Violent demonstration")
    assert models.case_calls and PROTEST in models.case_calls[0]
    # a model answer outside the PROTEST family: the ontology map's pair stays
    ev2 = _protest_event(_with(coder, RecordingModels(case_best="AIR_STRIKE")))
    assert (ev2.acled_type, ev2.acled_sub_type) == ("Protests", "Peaceful protest")


def test_acled_family_follows_the_ontology(coder):
    assert ("Riots", "Mob violence") in coder.acled_family("PROTEST")
    assert ("Battles", "Armed clash") not in coder.acled_family("PROTEST")
    assert ("Strategic developments", "Arrests") in coder.acled_family("COERCE")


# -- eval goes through the same Coder methods -----------------------------------------------


def test_eval_formats_call_the_coder_methods(tmp_path, monkeypatch, coder):
    calls: list[tuple[str, int]] = []
    real_pair, real_acled, real_penta = Coder.pair_types, Coder.acled_decisions, Coder.sentence_pentas

    def pair_types(self, *a, **k):
        calls.append(("pair_types", len(a[0])))
        return real_pair(self, *a, **k)

    def acled_decisions(self, *a, **k):
        calls.append(("acled_decisions", len(a[0])))
        return real_acled(self, *a, **k)

    def sentence_pentas(self, *a, **k):
        calls.append(("sentence_pentas", len(a[0])))
        return real_penta(self, *a, **k)

    monkeypatch.setattr(Coder, "pair_types", pair_types)
    monkeypatch.setattr(Coder, "acled_decisions", acled_decisions)
    monkeypatch.setattr(Coder, "sentence_pentas", sentence_pentas)
    plv = tmp_path / "p.tsv"
    plv.write_text(PLV_HEADER + "0\t0\tSerbia accused Kosovo of lies.\t<s>Serbia</s> accused "
                   "<t>Kosovo</t> of lies.\tSerbia\tKosovo\t3\tX\tACCUSE\n")
    assert evaluate("plv", plv)["accuracy"] == 1.0
    case = tmp_path / "c.tsv"
    case.write_text("id\tEventSnippet\tSubType\n1\tProtesters marched in the capital.\t"
                    "PEACE_PROTEST\n")
    evaluate("case2021", case)
    quad = tmp_path / "q.tsv"
    quad.write_text("Russian artillery shelled Kharkiv on Monday.\t4\n")
    assert evaluate("cameo-quad", quad)["accuracy"] == 1.0
    # (coding the quad sentence also asks acled_decisions for its ASSAULT event)
    assert calls[:3] == [("pair_types", 1), ("acled_decisions", 1), ("sentence_pentas", 1)]
    calls.clear()
    acled = tmp_path / "a.csv"
    acled.write_text("event_id_cnty,event_date,iso,event_type,sub_event_type,country,latitude,"
                     "longitude,notes\nUKR1,2022-03-05,804,Explosions/Remote violence,"
                     "Shelling/artillery/missile attack,Ukraine,49.99,36.23,"
                     "Russian forces shelled Kharkiv with artillery.\n")
    m = evaluate("acled", acled)
    assert calls == [("acled_decisions", 1)] and m["country_accuracy"] == 1.0


def test_sentence_pentas_use_the_coders_events(coder):
    # an event: the penta of its type (ASSAULT: 4); no actor, so no event: the quad model
    got = coder.sentence_pentas(["Russian artillery shelled Kharkiv on Monday.",
                                 "The weather was mild and the museum opened at nine."])
    assert got[0] == 4
    assert got[1] == int(load_models().predict_quad(
        ["The weather was mild and the museum opened at nine."])[0])
