from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from powderkeg.coder.models import PENTA_NAMES, TYPE_LABELS, LinearTextClassifier, load_models
from powderkeg.coder.models.lexicon import CameoLexicon, build_lexicon, tokens_upper, verb_forms
from powderkeg.coder.models.text import parse, words12

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
