"""One type decision and one ACLED decision for `powderkeg code` and `powderkeg eval`."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from powderkeg.coder import Coder
from powderkeg.coder.models import TYPE_LABELS, load_models
from powderkeg.coder.models.decision import TypeRule, tune_rule
from powderkeg.coder.pipeline import TypeDecision, mark_spans
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


# -- the pair method and the pipeline -------------------------------------------------------


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
