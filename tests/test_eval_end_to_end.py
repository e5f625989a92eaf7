"""The end-to-end evaluation formats: ``events`` and ``cameo-roles``."""

from __future__ import annotations

import json

import pytest

from powderkeg.errors import InputError
from powderkeg.evaluate import evaluate
from powderkeg.evaluate.events import (
    GoldEvent,
    PredEvent,
    dyad_ok,
    read_events,
    score_events,
)
from powderkeg.evaluate.roles import read_roles, score_roles, spans_of, tags_of


def G(t, a=(), b=(), f="asserted"):
    return GoldEvent(tuple([t] if isinstance(t, str) else t), tuple(a), tuple(b), f)


def P(t, a=(), b=(), f="asserted"):
    return PredEvent(t, tuple(a), tuple(b), f)


def test_dyad_rules():
    assert dyad_ok(G("ASSAULT", ["RUS"], ["UKR"]), P("X", ["RUS"], ["UKR"]))
    assert not dyad_ok(G("ASSAULT", ["RUS"], ["UKR"]), P("X", ["UKR"], ["RUS"]))
    # a sub-state code also counts as its state, on either side
    assert dyad_ok(G("ASSAULT", ["UKR-DPR"], ["UKR"]), P("X", ["UKR"], ["UKR"]))
    assert dyad_ok(G("ASSAULT", ["UKR"], ["RUS"]), P("X", ["UKR-DPR"], ["RUS"]))
    # both without a target
    assert dyad_ok(G("PROTEST", ["SRB"]), P("X", ["SRB"]))
    assert not dyad_ok(G("PROTEST", ["SRB"]), P("X", ["SRB"], ["XKX"]))
    assert not dyad_ok(G("PROTEST", ["SRB"], ["XKX"]), P("X", ["SRB"]))
    # two sides listed as actors: one as actor and the other as target also matches
    two = G("CONSULT", ["SRB", "XKX"])
    assert dyad_ok(two, P("X", ["XKX"], ["SRB"]))
    assert dyad_ok(two, P("X", ["SRB", "XKX"]))
    assert not dyad_ok(two, P("X", ["SRB"], ["SRB"]))
    # an actor list means any one of them
    assert dyad_ok(G("AID", ["USA", "NATO"], ["UKR"]), P("X", ["NATO"], ["UKR"]))


def test_score_events_hand_checked():
    gold = [
        [G("ASSAULT", ["RUS"], ["UKR"]), G(["ACCUSE", "REJECT"], ["UKR"], ["RUS"], "asserted")],
        [],
        [G("AID", ["USA"], ["UKR"], "future")],
    ]
    pred = [
        [P("ASSAULT", ["RUS"], ["UKR"]), P("REJECT", ["UKR"], ["RUS"], "future"),
         P("CONSULT", ["RUS"])],
        [P("CONSULT", ["SRB"]), P("ACCUSE", ["SRB"])],
        [P("AID", ["UKR"], ["USA"], "future")],
    ]

    class It:
        def __init__(self, ev):
            self.events = ev

    m = score_events([It(g) for g in gold], pred, 1.0)
    assert (m["gold_events"], m["predicted_events"], m["matched_events"]) == (3, 6, 2)
    assert m["precision"] == pytest.approx(2 / 6)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 * (1 / 3) * (2 / 3) / (1 / 3 + 2 / 3))
    # type alone: ASSAULT, REJECT, AID match (3 of 6 / 3 of 3)
    assert m["type_f1"] == pytest.approx(2 * 0.5 * 1 / 1.5)
    # dyad alone: RUS->UKR, UKR->RUS (the AID pair is inverted)
    assert m["dyad_f1"] == pytest.approx(2 * (2 / 6) * (2 / 3) / (2 / 6 + 2 / 3))
    assert m["factuality_accuracy"] == pytest.approx(0.5)
    assert m["spurious_per_empty_text"] == pytest.approx(2.0)
    assert m["per_class"]["ASSAULT"]["f1"] == pytest.approx(1.0)
    assert m["confusion"]["NONE"] == {"ACCUSE": 1, "AID": 1, "CONSULT": 2}
    assert m["confusion"]["AID"] == {"NONE": 1}
    for key in ("n", "sentences_per_second", "per_class", "confusion"):
        assert key in m


def test_one_to_one_matching():
    class It:
        events = [G("ASSAULT", ["RUS"], ["UKR"])]

    m = score_events([It()], [[P("ASSAULT", ["RUS"], ["UKR"]), P("ASSAULT", ["RUS"], ["UKR"])]],
                     1.0)
    assert m["matched_events"] == 1 and m["precision"] == 0.5 and m["recall"] == 1.0


def test_read_events_errors(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text('{"text": "x", "events": []}\n{"text": "y"}\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_events(p)
    assert "g.jsonl:2" in str(exc.value.source if hasattr(exc.value, "source") else exc.value)
    p.write_text('{"text": "x", "events": [{"type": "AID", "factuality": "maybe"}]}\n',
                 encoding="utf-8")
    with pytest.raises(InputError):
        read_events(p)
    p.write_text('{"text": "x", "date": null, "events": [{"type": ["AID", "support"], '
                 '"actor": "usa", "target": []}]}\n', encoding="utf-8")
    (it,) = read_events(p)
    assert it.events[0].types == ("AID", "SUPPORT") and it.events[0].actor == ("USA",)


def test_bio_spans_like_seqeval():
    tags = ["B-S", "I-S", "O", "I-T", "I-T", "B-T", "B-R", "I-S"]
    assert spans_of(tags) == {(0, 2, "S"), (3, 5, "T"), (5, 6, "T"), (6, 7, "R"), (7, 8, "S")}
    assert tags_of(4, [(0, 2, "S"), (1, 3, "T"), (3, 4, "T")]) == ["B-S", "I-S", "O", "B-T"]


def test_score_roles_hand_checked(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text("Iraqi B-S\ntroops I-S\nhit O\nISIS B-T\n\nA B-R\nmet O\nB B-R\n",
                 encoding="utf-8")
    items = read_roles(p)
    assert [s.text for s in items] == ["Iraqi troops hit ISIS", "A met B"]
    pred = [["O", "B-S", "O", "B-T"], ["B-R", "O", "B-S"]]
    m = score_roles(items, pred, 1.0)
    assert m["target_f1"] == 1.0 and m["source_f1"] == 0.0
    assert m["joint_f1"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(0.5)  # 2 of 4 gold, 2 of 4 predicted
    assert m["partial_f1"] == pytest.approx(0.75)  # S(1,2) overlaps S(0,2)
    assert m["confusion"]["R"] == {"R": 1, "S": 1}
    p.write_text("x B-Q\n", encoding="utf-8")
    with pytest.raises(InputError):
        read_roles(p)


def test_evaluate_end_to_end_with_callables(tmp_path):
    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"text": "Russia shelled Ukraine.", "date": None,
                             "events": [{"type": "ASSAULT", "actor": ["RUS"],
                                         "target": ["UKR"]}]}) + "\n", encoding="utf-8")
    m = evaluate("events", g, coder=lambda items: [[P("ASSAULT", ["RUS"], ["UKR"])]])
    assert m["f1"] == 1.0 and m["n"] == 1


def test_events_and_roles_with_the_coder(tmp_path):
    """The shipped coder, end to end, on two short texts (scores are not asserted: only
    that every text is coded and the fields are there)."""
    g = tmp_path / "g.jsonl"
    rows = [
        {"text": "Russian troops shelled the Ukrainian town of Mariupol on Monday.",
         "date": "2022-03-01", "events": [{"type": "ASSAULT", "actor": ["RUS"],
                                            "target": ["UKR"]}]},
        {"text": "The weather was mild.", "date": None, "events": []},
    ]
    g.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    m = evaluate("events", g)
    assert m["n"] == 2 and m["gold_events"] == 1
    assert m["spurious_per_empty_text"] is not None
    r = tmp_path / "r.txt"
    r.write_text("Serbia B-S\naccused O\nKosovo B-T\nof O\nprovocations O\n. O\n",
                 encoding="utf-8")
    m = evaluate("cameo-roles", r)
    assert m["n"] == 1 and set(m["per_class"]) == {"S", "T", "R"}


def test_cli_eval_events_json(tmp_path):
    from click.testing import CliRunner

    from powderkeg.cli import main

    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"text": "The weather was mild.", "date": None, "events": []}) + "\n",
                 encoding="utf-8")
    r = CliRunner().invoke(main, ["eval", "--format", "events", str(g), "--json"])
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert m["n"] == 1 and "spurious_per_empty_text" in m and "confusion" in m
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    r = CliRunner().invoke(main, ["eval", "--format", "events", str(bad)])
    assert r.exit_code == 1 and "bad.jsonl:1" in r.output
    r = CliRunner().invoke(main, ["eval", "--format", "cameo-roles", str(g), "--cv", "3"])
    assert r.exit_code == 2


def test_build_gold_from_shared(shared, tmp_path):
    """The converters of tools/build_gold.py on ../shared: the sets they promise, readable by
    the scorers, the role split whole and disjoint."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "build_gold", Path(__file__).resolve().parents[1] / "tools" / "build_gold.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--shared", str(shared), "--out", str(tmp_path), "--ucdp-n", "40"]) == 0
    gsr = read_events(tmp_path / "plover_gsr.events.jsonl")
    assert len(gsr) == 322 and all(len(it.events) == 1 for it in gsr)
    assert {t for it in gsr for t in it.events[0].types} <= {
        "AGREE", "ASSAULT", "ACCUSE", "AID", "COERCE", "CONCEDE", "CONSULT", "COOPERATE",
        "MOBILIZE", "PROTEST", "REJECT", "REQUEST", "RETREAT", "SANCTION", "SUPPORT", "THREATEN"}
    ucdp = read_events(tmp_path / "ucdp_headlines.events.jsonl")
    assert len(ucdp) == 40 and all(it.meta["place"]["lat"] for it in ucdp)
    assert len(read_events(tmp_path / "round9.ann1.events.jsonl")) == 100
    dev = read_roles(tmp_path / "roles.dev.conll")
    held = read_roles(tmp_path / "roles.heldout.conll")
    assert len(dev) + len(held) == 1153
    assert not {s.text for s in dev} & {s.text for s in held}
