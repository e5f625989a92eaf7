from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from powderkeg.coder.models import PENTA_NAMES, TYPE_LABELS, LinearTextClassifier, load_models
from powderkeg.coder.models.lexicon import CameoLexicon, build_lexicon, tokens_upper, verb_forms
from powderkeg.coder.models.linear import _Block
from powderkeg.coder.models.text import (
    actor_words,
    around_features,
    chars35,
    cue_features,
    parse,
    words12,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def models():
    return load_models()


def test_models_load_and_predict_valid_labels(models):
    sents = [
        "Russian artillery shelled the city of Kharkiv overnight, killing three civilians.",
        "The two foreign ministers met in Vienna to discuss the border dispute.",
        "Serbia rejected the proposal put forward by the European Union.",
    ]
    labels, p = models.type_proba(sents)
    assert set(labels) == set(TYPE_LABELS)
    assert p.shape == (3, 15)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert all(t in TYPE_LABELS for t in models.predict_type(sents))
    assert set(models.predict_quad(sents)) <= set(PENTA_NAMES)
    assert all(c in models.meta["case_to_acled"] or c in {
        "ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB"}
        for c in models.predict_case(sents))
    et, st = models.predict_acled(sents)
    pairs = {tuple(v) for v in models.meta["case_to_acled"].values()}
    assert all((e, s) in pairs for e, s in zip(et, st, strict=True))


def test_clear_cases_are_classified(models):
    marked = [
        "<s>Russian forces</s> shelled <t>Ukrainian positions</t> near Bakhmut on Monday.",
        "<s>The European Union</s> imposed new sanctions on <t>Belarus</t>.",
        "<s>Thousands of protesters</s> marched against <t>the government</t> in the capital.",
    ]
    plain = [m.replace("<s>", "").replace("</s>", "").replace("<t>", "").replace("</t>", "")
             for m in marked]
    assert list(models.predict_type(plain, marked)) == ["ASSAULT", "COERCE", "PROTEST"]
    # an empty marked entry falls back to the plain sentence
    assert len(models.predict_type(plain, [None, marked[1], ""])) == 3
    quad = models.predict_quad(plain)
    assert quad[0] == 4 and quad[2] == 4


def test_empty_batches(models):
    assert models.predict_type([]).shape == (0,)
    assert models.predict_quad([]).shape == (0,)
    assert models.predict_case([]).shape == (0,)
    assert models.is_event([]).shape == (0,)
    et, st = models.predict_acled([])
    assert et.shape == st.shape == (0,)
    with pytest.raises(ValueError):
        models.type_proba(["a", "b"], marked=["a"])


def test_is_event_prefilter(models):
    got = models.is_event([
        "Rebels attacked an army convoy near the border.",
        "The museum opens at nine and the cafe has good coffee.",
        "Police arrested twelve people after the rally.",
    ])
    assert list(got) == [True, False, True]


def test_load_is_cached(models):
    assert load_models() is models
    assert len(models.version) == 8


# -- lexicon --------------------------------------------------------------------------------

_DICT = """\
####### VERB PATTERNS #######

---  ATTACK   [190]  ---
ATTACK
SHELL
- * (WITH ROCKETS)                                    [195]         # ours

---  FREE   [---]  ---
FREE [0841]
RELEASE {RELEASES RELEASED RELEASING}
+HAND_OVER {+HANDED_OVER}  [0842]

######## TRANSFORMATIONS ##########
"""
_C2P = "19: ASSAULT\n190: ASSAULT, , military\n195: ASSAULT\n084: RETREAT\n0841: RETREAT\n"


def test_lexicon_build_and_match(tmp_path):
    (tmp_path / "d.txt").write_text(_DICT)
    (tmp_path / "c.txt").write_text(_C2P)
    data = build_lexicon(tmp_path / "d.txt", tmp_path / "c.txt")
    lex = CameoLexicon(data)
    got = [(m.verb, m.code, m.plover, m.specific)
           for m in lex.match(tokens_upper("The army attacked the town with rockets."))]
    assert got == [("ATTACK", "195", "ASSAULT", True)]
    got = [(m.verb, m.code) for m in lex.match(tokens_upper("They shelled it; rebels freed two."))]
    assert got == [("SHELL", "190"), ("FREE", "0841")]
    got = [(m.verb, m.code) for m in lex.match(tokens_upper("Kyiv handed over the files."))]
    assert got == [("HAND_OVER", "0842")]
    assert lex.plover_of("0842") == "RETREAT"  # longest mapped prefix
    assert "SHELLED" in verb_forms("SHELL") and "FREED" in verb_forms("FREE")
    assert "STOPPED" in verb_forms("STOP") and "CARRIES" in verb_forms("CARRY")


def test_parse_regions_and_placeholders():
    p = parse("Then <s>Serbia</s> accused <t>Kosovo</t> of provocations.")
    assert p.marked and p.order == "st"
    assert list(zip(p.tokens, p.regions, strict=True)) == [
        ("Then", "pre"), ("Serbia", "src"), ("accused", "mid"), ("Kosovo", "tgt"),
        ("of", "post"), ("provocations", "post")]
    assert words12(p)[:4] == ["then", "_src_", "accused", "_tgt_"]
    q = parse("<t>Kosovo</t> was accused by <s>Serbia</s>")
    assert q.order == "ts" and q.regions[2] == "mid"


def test_around_features_context_and_head_verb():
    lex = load_models().lexicon
    p = parse("On Monday <s>Serbia</s> sharply accused <t>Kosovo</t> of staging provocations.",
              lex)
    f = around_features(p)
    assert {"L1:monday", "L2:on", "L:monday"} <= set(f)
    assert {"R0:of", "R1:staging", "R:provocations", "RR:of_staging"} <= set(f)
    assert "ms:accus" in f and "ms:sharply" in f  # stemmed words between the actors
    heads = [x for x in f if x.startswith("H:")]
    assert heads == ["H:ACCUSE"]  # the verb between the actors, not "staging" after them
    assert around_features(parse("Serbia accused Kosovo.", lex)) == ["unmarked"]
    assert actor_words(p) == ["S:serbia", "T:kosovo"]


def test_case_territory_follows_the_actor(models):
    texts = [
        "Rebel fighters captured the town of Marvin and the nearby hills after a night of fighting.",
        "Government troops recaptured the town of Marvin from the rebels after a night of fighting.",
        "Militants seized control of two villages near the border on Sunday.",
        "The army seized control of two villages near the border on Sunday.",
    ]
    nsa, gov = "NON_STATE_ACTOR_OVERTAKES_TER", "GOV_REGAINS_TERIT"
    assert list(models.predict_case(texts)) == [nsa, gov, nsa, gov]
    et, st = models.predict_acled(texts[:2])
    assert list(et) == ["Battles", "Battles"]
    assert list(st) == ["Non-state actor overtakes territory", "Government regains territory"]
    # the rule only swaps the two territory scores
    d_rule = models.case_model.decision_function(texts[:1])
    d_plain = LinearTextClassifier.decision_function(models.case_model, texts[:1])
    cls = list(models.case_model.classes_)
    g, n = cls.index(gov), cls.index(nsa)
    assert d_rule[0, n] == max(d_plain[0, g], d_plain[0, n])
    others = [j for j in range(len(cls)) if j not in (g, n)]
    assert np.array_equal(d_rule[0, others], d_plain[0, others])


def test_shipped_case_to_acled_matches_the_ontology(models):
    from powderkeg.ontology import load_ontology

    onto = load_ontology()
    shipped = models.meta["case_to_acled"]
    assert len(shipped) == 25
    for label, pair in shipped.items():
        assert tuple(pair) == tuple(onto.case_to_acled(label)), label
    for label in ("ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB"):
        assert label not in shipped and onto.case_to_acled(label) is None


def test_char_ngrams_and_cue_order():
    got = chars35(parse("War"))
    assert got == [" wa", "war", "ar ", " war", "war ", " war "]
    rebels = cue_features(parse("Rebels captured the town after the army withdrew."))
    army = cue_features(parse("The army recaptured the town from rebels."))
    assert "first:NSA_ACTOR" in rebels and "first:GOV_ACTOR" not in rebels
    assert "first:GOV_ACTOR" in army and "first:GOV_ACTOR>TERRITORY_GOV" in army


def test_block_transform_is_sublinear_tfidf_l2_scaled():
    b = _Block("words12", 2.0, ["a", "b", "c"], np.array([1.0, 2.0, 3.0]))
    m = b.transform([["a", "a", "b", "zzz"], [], ["c"]]).toarray()
    ra = (1 + np.log(2)) * 1.0
    rb = 1.0 * 2.0
    norm = np.hypot(ra, rb)
    assert np.allclose(m[0], [2 * ra / norm, 2 * rb / norm, 0.0])
    assert np.allclose(m[1], 0.0)  # no known feature: an all-zero row, no division by zero
    assert np.allclose(m[2], [0.0, 0.0, 2.0])


# -- training determinism and persistence ----------------------------------------------------

_TRAIN = [
    ("<s>Army</s> shelled <t>the village</t> at dawn.", "ASSAULT"),
    ("<s>Rebels</s> attacked <t>a convoy</t> on the road.", "ASSAULT"),
    ("<s>Troops</s> bombed <t>the bridge</t> again.", "ASSAULT"),
    ("<s>Leaders</s> met <t>the envoy</t> in Geneva.", "CONSULT"),
    ("<s>The minister</s> visited <t>Belgrade</t> for talks.", "CONSULT"),
    ("<s>Officials</s> held talks with <t>the delegation</t>.", "CONSULT"),
    ("<s>The court</s> rejected <t>the appeal</t> outright.", "REJECT"),
    ("<s>Parliament</s> refused <t>the plan</t> on Friday.", "REJECT"),
    ("<s>Moscow</s> dismissed <t>the proposal</t> as absurd.", "REJECT"),
]


def _fit(tmp: Path, name: str) -> LinearTextClassifier:
    m = LinearTextClassifier(blocks=(("words12", 1.0, 1), ("pair", 1.0, 1), ("mid_chars", 0.5, 1)))
    m.fit([d for d, _ in _TRAIN], [lab for _, lab in _TRAIN])
    m.save(tmp / name)
    return m


def test_training_is_deterministic_and_roundtrips(tmp_path):
    a = _fit(tmp_path, "a")
    _fit(tmp_path, "b")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    loaded = LinearTextClassifier.load(tmp_path / "a")
    test = ["<s>Police</s> attacked <t>the crowd</t>.", "<s>Kyiv</s> rejected <t>the offer</t>."]
    assert np.allclose(a.predict_proba(test), loaded.predict_proba(test), atol=1e-5)
    assert list(loaded.predict(test)) == ["ASSAULT", "REJECT"]
    assert loaded.score(test, ["ASSAULT", "REJECT"]) == 1.0
    assert a.temperature_ > 0


def test_extra_dense_features_are_required_once_fitted(tmp_path):
    m = LinearTextClassifier(blocks=(("words12", 1.0, 1),), calibrate_folds=0)
    extra = np.eye(3)[[i % 3 for i in range(len(_TRAIN))]]
    m.fit([d for d, _ in _TRAIN], [lab for _, lab in _TRAIN], extra=extra)
    assert m.n_extra_ == 3
    with pytest.raises(ValueError):
        m.predict(["<s>a</s> met <t>b</t>"])
    assert m.predict(["<s>a</s> met <t>b</t>"], extra=np.eye(3)[:1]).shape == (1,)


# -- shared data (../shared) ------------------------------------------------------------------


def _train_module():
    spec = importlib.util.spec_from_file_location("train_models", ROOT / "tools/train_models.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("train_models", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.shared
def test_shared_loaders_and_tiny_deterministic_training(shared, tmp_path):
    tm = _train_module()
    data = shared / "data"
    plv = tm.load_plv(data)
    assert len(plv) == 1050
    assert not any(k.startswith("silver") or k.endswith(("_L1", "_L2")) for k in plv[0])
    gsr = tm.load_gsr(data)
    assert len(gsr) == 322 and all(lab in TYPE_LABELS for _, lab in gsr)
    assert sum("<s>" in d for d, _ in gsr) > 250
    assert len(tm.load_case(data)) == 510 and len(tm.load_cameo_class(data)) == 1349
    sub = plv[::9]
    for name in ("x", "y"):
        m = tm.make_type_model().fit([r["marked_sentence"] for r in sub],
                                     [tm.plv_label(r["gold_root"]) for r in sub])
        m.save(tmp_path / name)
    assert (tmp_path / "x.npz").read_bytes() == (tmp_path / "y.npz").read_bytes()
    assert (tmp_path / "x.json").read_bytes() == (tmp_path / "y.json").read_bytes()


_HASHSEED_SCRIPT = """
import hashlib, sys
sys.path.insert(0, {tests!r})
from test_models import _TRAIN
from powderkeg.coder.models import LinearTextClassifier
m = LinearTextClassifier(blocks=(("words12", 1.0, 1), ("pair", 1.0, 1), ("mid_chars", 0.5, 1)))
m.fit([d for d, _ in _TRAIN], [lab for _, lab in _TRAIN])
print(hashlib.sha256(m.coef_.tobytes()).hexdigest(), m.temperature_)
"""


def test_training_does_not_depend_on_string_hashing():
    import os
    import subprocess

    code = _HASHSEED_SCRIPT.format(tests=str(ROOT / "tests"))
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=120, check=True)
        outs.append(res.stdout.strip())
    assert outs[0] == outs[1] and outs[0]
