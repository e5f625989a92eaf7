from __future__ import annotations

import math

import pytest

from powderkeg.errors import InputError, UsageError
from powderkeg.evaluate import (
    classification_metrics,
    cross_validate,
    evaluate,
    format_report,
    haversine_km,
    read_items,
    top_confusions,
)

PLV_HEADER = "\tsentence_id\tsentence\tmarked_sentence\tsource\ttarget\tgold_penta\tsilver_root\tgold_root\n"


def _plv_row(i: int, src: str, verb: str, tgt: str, label: str) -> str:
    sent = f"{src} {verb} {tgt} on Monday."
    marked = f"<s>{src}</s> {verb} <t>{tgt}</t> on Monday."
    return f"{i}\t{i}\t{sent}\t{marked}\t{src}\t{tgt}\t4\tNOT_USED\t{label}\n"


def test_metrics_hand_checked():
    m = classification_metrics(["a", "a", "b", "c"], ["a", "b", "b", "a"])
    assert m["accuracy"] == 0.5
    assert m["per_class"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    b = m["per_class"]["b"]
    assert b["precision"] == 0.5 and b["recall"] == 1.0 and math.isclose(b["f1"], 2 / 3)
    assert m["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert math.isclose(m["macro_f1"], (0.5 + 2 / 3 + 0.0) / 3)
    assert m["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"b": 1}, "c": {"a": 1}}
    with pytest.raises(ValueError):
        classification_metrics(["a"], [])


def test_report_lists_classes_confusions_and_speed():
    m = classification_metrics(["x", "x", "x", "y", "z"], ["x", "y", "y", "z", "z"])
    assert top_confusions(m["confusion"]) == [("x", "y", 2), ("y", "z", 1)]
    assert top_confusions(m["confusion"], k=1) == [("x", "y", 2)]
    m.update(n=5, sentences_per_second=1234.5)
    text = format_report(m)
    assert "sentences_per_second: 1234.5000" in text
    assert "x -> y: 2" in text and "y -> z: 1" in text
    row_x = next(line for line in text.splitlines() if line.startswith("x "))
    assert row_x.split()[1:] == ["1.000", "0.333", "0.500", "3"]  # precision recall f1 support
    matrix = text.split("confusion (rows: gold, columns: predicted):")[1].splitlines()
    assert matrix[2].split() == ["x", "1", "2", "."]


def test_haversine():
    assert haversine_km(0, 0, 0, 0) == 0
    assert math.isclose(haversine_km(0, 0, 0, 1), 111.195, rel_tol=1e-3)
    # Belgrade -> Nis, about 200 km
    assert 190 < haversine_km(44.82, 20.46, 43.32, 21.90) < 210


def test_evaluate_plv_with_a_coder_callable(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text(PLV_HEADER + _plv_row(0, "Serbia", "accused", "Kosovo", "ACCUSE")
                    + _plv_row(1, "Rebels", "attacked", "a convoy", "ASSAULT")
                    + _plv_row(2, "Kyiv", "freed", "prisoners", "RETREAT"))
    seen = []

    def coder(fmt, items):
        seen.append((fmt, [(it.text, it.marked, it.source, it.target) for it in items]))
        return ["ACCUSE", "ACCUSE", "YIELD"]

    m = evaluate("plv", path, coder=coder)
    assert set(m) == {"n", "sentences_per_second", "accuracy", "macro_f1", "per_class",
                      "confusion"}
    assert m["n"] == 3 and math.isclose(m["accuracy"], 2 / 3)
    assert m["confusion"] == {"ACCUSE": {"ACCUSE": 1}, "ASSAULT": {"ACCUSE": 1},
                              "YIELD": {"YIELD": 1}}  # RETREAT is read as YIELD
    assert seen[0][0] == "plv"
    assert seen[0][1][0] == ("Serbia accused Kosovo on Monday.",
                             "<s>Serbia</s> accused <t>Kosovo</t> on Monday.", "Serbia", "Kosovo")


def test_evaluate_plv_default_models(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text(PLV_HEADER + _plv_row(0, "Russian forces", "shelled", "Ukrainian positions",
                                          "ASSAULT"))
    m = evaluate("plv", path)
    assert m["n"] == 1 and m["accuracy"] == 1.0 and m["sentences_per_second"] > 0


def test_evaluate_cameo_quad_and_quoting(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('"He said ""no"" to the deal."\t3\nTroops shelled the town.\t4\n')
    items = read_items("cameo-quad", path)
    assert [it.text for it in items] == ['He said "no" to the deal.', "Troops shelled the town."]
    m = evaluate("cameo-quad", path, coder=lambda fmt, items: ["3", "3"])
    assert m["accuracy"] == 0.5 and m["per_class"]["3"]["precision"] == 0.5


def test_evaluate_case2021(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("id\tEventSnippet\tSubType\n1\tJets bombed the village.\tAIR_STRIKE\n"
                    "2\tPolice arrested ten men.\tARREST\n")
    m = evaluate("case2021", path, coder=lambda fmt, items: ["AIR_STRIKE", "AIR_STRIKE"])
    assert m["accuracy"] == 0.5
    assert m["per_class"]["ARREST"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


ACLED_HEADER = ("event_id_cnty,event_date,iso,event_type,sub_event_type,country,latitude,"
                "longitude,notes\n")


def test_evaluate_acled_location_and_country(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        ACLED_HEADER
        + 'UKR1,2022-03-05,804,Explosions/Remote violence,Shelling/artillery/missile attack,'
        'Ukraine,49.9935,36.2304,"On 5 March 2022, forces shelled Kharkiv."\n'
        + "SRB1,2022-03-06,688,Protests,Peaceful protest,Serbia,44.8176,20.4569,"
        "People marched in Belgrade.\n"
    )
    preds = [
        {"event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "country": "UKR",
         "lat": 50.2, "lon": 36.2},  # ~23 km off: within 50 km
        {"event_type": "Protests", "sub_event_type": "Protest with intervention",
         "country": "HUN", "lat": 47.5, "lon": 19.04},
    ]
    m = evaluate("acled", path, coder=lambda fmt, items: preds)
    assert m["n"] == 2
    assert m["event_type_accuracy"] == 1.0
    assert m["sub_event_type_accuracy"] == 0.5
    assert m["country_accuracy"] == 0.5
    assert m["location_within_50km"] == 0.5
    assert {"per_class", "confusion", "sentences_per_second"} <= set(m)


def test_malformed_files_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("A sentence.\t7\n")
    with pytest.raises(InputError, match=r"bad\.tsv:1: label '7'"):
        read_items("cameo-quad", bad)
    bad.write_text("ok sentence.\t1\nno tab here\n")
    with pytest.raises(InputError, match=r"bad\.tsv:2: expected 2"):
        read_items("cameo-quad", bad)
    plv = tmp_path / "p.tsv"
    plv.write_text(PLV_HEADER + _plv_row(0, "A", "hit", "B", "FIGHTING"))
    with pytest.raises(InputError, match=r"p\.tsv:2: gold_root 'FIGHTING'"):
        read_items("plv", plv)
    plv.write_text("sentence\tgold_root\nx\tACCUSE\n")
    with pytest.raises(InputError, match=r"p\.tsv:1: header lacks"):
        read_items("plv", plv)
    acl = tmp_path / "a.csv"
    acl.write_text(ACLED_HEADER + "X1,2022-01-01,804,Battles,Armed clash,Ukraine,north,30,text\n")
    with pytest.raises(InputError, match=r"a\.csv:2: latitude 'north'"):
        read_items("acled", acl)
    empty = tmp_path / "e.tsv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        read_items("case2021", empty)
    with pytest.raises(InputError, match="cannot read"):
        read_items("case2021", tmp_path / "missing.tsv")
    with pytest.raises(UsageError):
        read_items("gdelt", empty)


def test_cross_validate_small_file(tmp_path):
    verbs = {"ASSAULT": ["attacked", "shelled", "bombed", "raided", "struck", "ambushed"],
             "CONSULT": ["met", "visited", "hosted", "phoned", "received", "called"],
             "REJECT": ["rejected", "refused", "dismissed", "spurned", "denied", "vetoed"]}
    rows = []
    i = 0
    for label, vs in verbs.items():
        for v in vs:
            for src, tgt in (("Serbia", "Kosovo"), ("The army", "the rebels")):
                rows.append(_plv_row(i, src, v, tgt, label))
                i += 1
    path = tmp_path / "p.tsv"
    path.write_text(PLV_HEADER + "".join(rows))
    m = cross_validate("plv", path, folds=3, seed=0)
    assert m["n"] == 36 and m["cv"]["folds"] == 3 and len(m["cv"]["fold_accuracy"]) == 3
    assert 0.0 <= m["accuracy"] <= 1.0 and m["accuracy"] > 0.5
    m2 = cross_validate("plv", path, folds=3, seed=0)
    assert m2["accuracy"] == m["accuracy"]  # seeded
    extra = [("<s>Serbia</s> attacked <t>Kosovo</t> on Monday.", "ASSAULT", 1.0),
             ("<s>Rome</s> welcomed <t>Paris</t>.", "CONSULT", 0.5)]
    m3 = cross_validate("plv", path, folds=3, seed=0, extra=extra)
    assert m3["cv"]["extra_rows"] == 1  # the row whose text is in the file is dropped
    with pytest.raises(UsageError):
        cross_validate("plv", path, folds=1)


@pytest.mark.shared
def test_shared_plv_smoke(shared):
    m = evaluate("plv", shared / "data/plover/plv_train.tsv")
    assert m["n"] == 1050
    assert len(m["per_class"]) == 15
    assert m["accuracy"] > 0.85  # training data: a smoke test, not a quality claim
