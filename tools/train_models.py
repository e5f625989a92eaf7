#!/usr/bin/env python
"""Rebuild every shipped classifier of ``powderkeg.coder.models`` from ../shared/data.

    python tools/train_models.py --shared ../shared --out src/powderkeg/coder/models/data
    python tools/train_models.py --shared ../shared --cv            # 5-fold CV per task, no files

Seeded and deterministic: two runs write byte-identical files. Reads only the gold columns of
``plv_train.tsv`` (sentence, marked_sentence, source, target, gold_root, gold_penta), never the
silver_*/*_L1/*_L2 model outputs. Ships only learned weights, our vocabularies and a lexicon of
verb forms -> CAMEO codes (see MODEL_CARD.md for sources and licences).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from powderkeg.coder.models import (  # noqa: E402
    META_FILE,
    TYPE_LABELS,
    make_case_model,
    make_quad_model,
    make_type_model,
)
from powderkeg.coder.models.lexicon import build_lexicon  # noqa: E402
from powderkeg.coder.models.linear import LEXICON_FILE, load_lexicon  # noqa: E402

SEED = 0
# sample weights of the augmentation sources for the PLOVER type model, chosen by 5-fold CV on
# plv_train.tsv folds (see MODEL_CARD.md)
W_GSR = 1.0
W_ICEWS = 0.5
W_NGEC = 0.0
# Extra rows of the penta (quad) model, chosen by grouped CV on cameo_class_train.tsv, seeds 0
# and 1 (MODEL_CARD.md): plv sentences with their gold_penta cost 0.9 points at weight 0.2
# (plain folds had favoured them), so they are off; CAMEO codebook example sentences (class of
# their code's root) at 0.2: 0.897 against 0.895 without extra rows (0.5: 0.895).
W_PLV_PENTA = 0.0
W_ICEWS_PENTA = 0.2
# The coder's type rule (powderkeg.coder.models.decision): the type model's probabilities times
# the quad model's probability of each type's penta class ** QUAD_PRIOR; the lexicon trigger's
# type stands unless the model's best label beats it by LEXICON_BONUS and has at least
# MIN_OVERRIDE_P. The nested estimate of `--cv --tasks plv` is the accuracy reported. The
# prior 0.25 is the one tuned on all rows (seed 0) and in 4 of the 5 outer folds; the bonus
# stays at 0.4 although the tuning on all rows picks 0.05 (0.8495 vs 0.8438 out of fold, 13
# more lexicon overrides): 0.05 turns "Crimea was seized by Moscow" (COERCE) into ASSAULT, the
# model's most frequent confusion; see MODEL_CARD.md.
TYPE_RULE = {"lexicon_bonus": 0.4, "min_override_p": 0.4, "quad_prior": 0.25}

# -- ontology mappings: the ontology package when it is there, else these local facts ---------

_LEGACY = {  # pre-0.8 PLOVER names (PLOVER manual v0.8) -> current type
    "DEMAND": "REQUEST", "FIGHT": "ASSAULT", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE",
}
_PLV_MERGE = {"CONCEDE": "YIELD", "RETREAT": "YIELD"}
# CASE 2021 task-2 labels -> ACLED (event_type, sub_event_type), after the ACLED codebook
_CASE_TO_ACLED = {
    "ABDUCT_DISSAP": ("Violence against civilians", "Abduction/forced disappearance"),
    "AGREEMENT": ("Strategic developments", "Agreement"),
    "AIR_STRIKE": ("Explosions/Remote violence", "Air/drone strike"),
    "ARMED_CLASH": ("Battles", "Armed clash"),
    "ARREST": ("Strategic developments", "Arrests"),
    "ART_MISS_ATTACK": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "ATTACK": ("Violence against civilians", "Attack"),
    "CHANGE_TO_GROUP_ACT": ("Strategic developments", "Change to group/activity"),
    "CHEM_WEAP": ("Explosions/Remote violence", "Chemical weapon"),
    "DISR_WEAP": ("Strategic developments", "Disrupted weapons use"),
    "FORCE_AGAINST_PROTEST": ("Protests", "Excessive force against protesters"),
    "GOV_REGAINS_TERIT": ("Battles", "Government regains territory"),
    "GRENADE": ("Explosions/Remote violence", "Grenade"),
    "HQ_ESTABLISHED": ("Strategic developments", "Headquarters or base established"),
    "MOB_VIOL": ("Riots", "Mob violence"),
    "NON_STATE_ACTOR_OVERTAKES_TER": ("Battles", "Non-state actor overtakes territory"),
    "NON_VIOL_TERRIT_TRANSFER": ("Strategic developments", "Non-violent transfer of territory"),
    "OTHER": ("Strategic developments", "Other"),
    "PEACE_PROTEST": ("Protests", "Peaceful protest"),
    "PROPERTY_DISTRUCT": ("Strategic developments", "Looting/property destruction"),
    "PROTEST_WITH_INTER": ("Protests", "Protest with intervention"),
    "REM_EXPLOS": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "SEX_VIOL": ("Violence against civilians", "Sexual violence"),
    "SUIC_BOMB": ("Explosions/Remote violence", "Suicide bomb"),
    "VIOL_DEMONSTR": ("Riots", "Violent demonstration"),
}


def _ontology():
    try:
        from powderkeg.ontology import load_ontology  # type: ignore[attr-defined]

        return load_ontology()
    except (ImportError, AttributeError):
        return None


def plv_label(name: str) -> str:
    """Any PLOVER name (legacy or current) -> the 15-label PLV scheme."""
    name = name.strip().upper()
    onto = _ontology()
    if onto is not None:
        try:
            return onto.plv_label(onto.normalize_type(name))
        except Exception:  # noqa: BLE001 - fall back to the local table below
            pass
    name = _LEGACY.get(name, name)
    return _PLV_MERGE.get(name, name)


def case_to_acled() -> dict[str, list[str]]:
    onto = _ontology()
    out: dict[str, list[str]] = {}
    for label, pair in sorted(_CASE_TO_ACLED.items()):
        if onto is not None:
            try:
                got = onto.case_to_acled(label)
                if got:
                    pair = tuple(got)[:2]
            except Exception:  # noqa: BLE001
                pass
        out[label] = [pair[0], pair[1]]
    return out


# -- data -----------------------------------------------------------------------------------


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _tsv(path: Path, header: bool) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return rows[1:] if header else rows


def load_plv(data: Path) -> list[dict[str, str]]:
    path = data / "plover" / "plv_train.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    keep = ("sentence", "marked_sentence", "source", "target", "gold_root", "gold_penta")
    return [{k: r[k] for k in keep} for r in rows]


def load_gsr(data: Path) -> list[tuple[str, str]]:
    """(marked sentence, PLV label) from the PLOVER gold-standard records' SRC/TAR markup."""
    recs = json.loads((data / "plover" / "PLOVER_GSR_CAMEO.json").read_text(encoding="utf-8"))
    out = []
    for r in recs:
        info = r.get("textInfo")
        if r.get("event") in (None, "DOCUMENT") or not info:
            continue
        mk = (info.get("markup", "") if isinstance(info, dict) else info).replace("}", ")")
        for _ in range(3):
            mk = re.sub(r"\((?:EVT|LOC|DATE|TIME)[^:()]*:\s*([^()]*)\)", r"\1", mk)
        state = {"s": False, "t": False}

        def mark(m: re.Match, state: dict = state) -> str:
            kind, txt = m.group(1), m.group(2).strip()
            for tag, ok in (("s", kind in ("SRC", "SRC/TAR")), ("t", kind in ("TAR", "SRC/TAR"))):
                if ok and not state[tag]:
                    state[tag] = True
                    return f"<{tag}>{txt}</{tag}>"
            return txt

        mk = re.sub(r"\((SRC/TAR|SRC|TAR)\s*:\s*([^()]*)\)", mark, mk)
        mk = re.sub(r"\([A-Z/]+\s*:\s*([^()]*)\)", r"\1", mk)
        mk = re.sub(r"\s+", " ", mk).strip()
        out.append((mk, plv_label(r["event"])))
    return out


_MOJIBAKE = {"\x82Äô": "'", "\x82Äò": "'", "\x82Äú": '"', "\x82Äù": '"', "\x82Äì": "-",
             "\x82Äî": "-"}


def _cameo_to_plover(data: Path) -> dict[str, str]:
    from powderkeg.coder.models.lexicon import parse_cameo_to_plover

    return parse_cameo_to_plover(data / "plover" / "CAMEO2PLOVER-2021.txt")


def load_icews_examples(data: Path) -> list[tuple[str, str]]:
    """(sentence, PLV label) from the CAMEO codebook's example sentences (roots 01/02 dropped:
    PLOVER has no statement/appeal types)."""
    c2p = _cameo_to_plover(data)
    raw = (data / "cameo" / "icews_cameo_codes.csv").read_bytes().decode("latin-1")
    out = []
    for r in csv.DictReader(io.StringIO(raw)):
        ex = r.get("example") or ""
        if not ex.strip():
            continue
        code = str(int(float(r["code"])))
        root = f"{int(float(r['root_code'])):02d}"
        if not code.startswith(root) or root.startswith("0"):
            code = "0" + code
        label = next((c2p[code[:k]] for k in range(len(code), 1, -1) if code[:k] in c2p), None)
        if label is None:
            continue
        for bad, good in _MOJIBAKE.items():
            ex = ex.replace(bad, good)
        ex = re.split(r"\s+Note:", ex.strip())[0].strip()
        out.append((ex, plv_label(label)))
    return out


def load_ngec(data: Path) -> list[tuple[str, str]]:
    """(first sentence of a synthetic story, PLV label); noisy."""
    zpath = data / "plover" / "ngec_synthetic_events.csv.zip"
    with zipfile.ZipFile(zpath) as z:
        raw = z.read(sorted(z.namelist())[0]).decode("latin-1")
    out = []
    for r in csv.DictReader(io.StringIO(raw)):
        first = re.split(r"(?<=[.!?])\s+", (r.get("text") or "").strip())[0]
        if first:
            out.append((first, plv_label(r["label"])))
    return out


def load_cameo_class(data: Path) -> list[tuple[str, str]]:
    return [(r[0], r[1].strip()) for r in _tsv(data / "cameo" / "cameo_class_train.tsv", False)
            if len(r) == 2]


def load_case(data: Path) -> list[tuple[str, str]]:
    return [(r[1], r[2].strip()) for r in _tsv(data / "case2021" / "case2021_task2_dev.tsv", True)
            if len(r) == 3]


def type_training_rows(data: Path, exclude: set[str] | None = None
                       ) -> list[tuple[str, str, float]]:
    """Augmentation rows for the type model, deduplicated against plv (and ``exclude``)."""
    seen = {_norm(r["sentence"]) for r in load_plv(data)} | (exclude or set())
    rows: list[tuple[str, str, float]] = []
    for src, w in ((load_gsr(data), W_GSR), (load_icews_examples(data), W_ICEWS),
                   (load_ngec(data) if W_NGEC else [], W_NGEC)):
        for doc, label in src:
            key = _norm(re.sub(r"</?[st]>", "", doc))
            if w > 0 and key not in seen and label in TYPE_LABELS:
                seen.add(key)
                rows.append((doc, label, w))
    return rows


def load_icews_penta(data: Path) -> list[tuple[str, str]]:
    """(example sentence, penta class of its CAMEO code) from the CAMEO codebook, all roots
    (statements, root 01, are penta 0)."""
    from powderkeg.ontology import load_ontology

    onto = load_ontology()
    raw = (data / "cameo" / "icews_cameo_codes.csv").read_bytes().decode("latin-1")
    out = []
    for r in csv.DictReader(io.StringIO(raw)):
        ex = (r.get("example") or "").strip()
        if not ex or ex == "NA":
            continue
        penta = onto.penta_of_cameo(r["code"].strip())
        if penta is None:
            continue
        for bad, good in _MOJIBAKE.items():
            ex = ex.replace(bad, good)
        out.append((re.split(r"\s+Note:", ex)[0].strip(), str(penta)))
    return out


def quad_extra_rows(data: Path) -> list[tuple[str, str, float]]:
    """Extra rows of the penta model: plv sentences (gold_penta) and CAMEO codebook examples
    that are not in the cameo file, one row per sentence."""
    cameo = {_norm(s) for s, _ in load_cameo_class(data)}
    out = []
    for r in load_plv(data) if W_PLV_PENTA else ():
        if r["gold_penta"].strip() and _norm(r["sentence"]) not in cameo:
            out.append((r["sentence"], r["gold_penta"].strip(), W_PLV_PENTA))
    if W_ICEWS_PENTA:
        out.extend((s, p, W_ICEWS_PENTA) for s, p in load_icews_penta(data)
                   if _norm(s) not in cameo)
    # one row per sentence (a sentence can carry several pairs with the same penta)
    uniq: dict[str, tuple[str, str, float]] = {}
    for row in out:
        uniq.setdefault(_norm(row[0]), row)
    return list(uniq.values())


# -- training -------------------------------------------------------------------------------


def train_all(shared: Path, out: Path) -> dict[str, float]:
    data = shared / "data"
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lex = build_lexicon(data / "petrarch" / "CAMEO.2.0.txt",
                        data / "plover" / "CAMEO2PLOVER-2021.txt")
    lex_path = out / LEXICON_FILE
    lex_path.write_text(json.dumps(lex, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    load_lexicon.cache_clear()
    lp = str(lex_path)

    plv = load_plv(data)
    X = [r["marked_sentence"] or r["sentence"] for r in plv]
    y = [plv_label(r["gold_root"]) for r in plv]
    w = [1.0] * len(X)
    for doc, label, wt in type_training_rows(data):
        X.append(doc)
        y.append(label)
        w.append(wt)
    type_model = make_type_model(lp).fit(X, y, sample_weight=w)
    type_model.save(out / "type")

    cam = load_cameo_class(data)
    Xq = [s for s, _ in cam] + [d for d, _, _ in quad_extra_rows(data)]
    yq = [lab for _, lab in cam] + [lab for _, lab, _ in quad_extra_rows(data)]
    wq = [1.0] * len(cam) + [wt for _, _, wt in quad_extra_rows(data)]
    quad = make_quad_model(lp)
    quad.fit(Xq, yq, sample_weight=wq)
    quad.save(out / "quad")

    case = load_case(data)
    case_model = make_case_model(lp).fit([s for s, _ in case], [lab for _, lab in case])
    case_model.save(out / "case")

    meta = {
        "built_by": "tools/train_models.py",
        "seed": SEED,
        "type_labels": list(TYPE_LABELS),
        "penta": {"0": "neutral", "1": "verbal_cooperation", "2": "material_cooperation",
                  "3": "verbal_conflict", "4": "material_conflict"},
        "case_to_acled": case_to_acled(),
        "type_rule": dict(TYPE_RULE),
        "is_event_excluded_roots": ["01"],
        "training_rows": {"type": len(X), "quad": len(Xq), "case": len(case)},
        "sources": [
            "plover/plv_train.tsv (gold columns only)", "plover/PLOVER_GSR_CAMEO.json",
            "cameo/icews_cameo_codes.csv (example sentences)", "cameo/cameo_class_train.tsv",
            "case2021/case2021_task2_dev.tsv", "petrarch/CAMEO.2.0.txt",
            "plover/CAMEO2PLOVER-2021.txt",
        ],
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                 encoding="utf-8")
    return {"seconds": time.perf_counter() - t0}


# -- cross-validation -------------------------------------------------------------------------


def _fmt(m: dict, keys: tuple[str, ...]) -> str:
    return "  ".join(f"{k}={m[k]:.4f}" for k in keys if m.get(k) is not None)


def run_cv(shared: Path, lexicon_path: str, folds: int, seed: int, tasks: set[str],
           report: bool = True) -> dict:
    """Cross-validated Metrics per task (printed as a headline line, and with ``report`` the
    per-class table, largest confusions, confusion table and sentences/s)."""
    from powderkeg.evaluate import cross_validate, format_report

    data = shared / "data"
    results: dict[str, dict] = {}

    def show(name: str, m: dict, keys: tuple[str, ...], note: str) -> None:
        print(f"{name:<11}{_fmt(m, keys)}  sentences/s={m['sentences_per_second']:.0f}  "
              f"(n={m['n']}; {note})", flush=True)
        if report:
            print(format_report(m), end="\n\n", flush=True)

    if "plv" in tasks:
        path = data / "plover" / "plv_train.tsv"
        quad_rows = ([(s, lab, 1.0) for s, lab in load_cameo_class(data)]
                     + quad_extra_rows(data))  # the quad model's rows, for the type prior
        m = cross_validate("plv", path, folds, seed, extra=type_training_rows(data),
                           lexicon_path=lexicon_path, quad_rows=quad_rows)
        results["plv"] = m
        show("plv", m, ("accuracy", "macro_f1"), "goal 0.86 accuracy; Coder.pair_types, "
             "rule tuned by inner CV per fold")
        r = m["cv"]["type_rules"]
        print(f"plv rules  model alone={r['model_alone']:.4f}  with quad prior "
              f"{ {k: round(v, 4) for k, v in r['model_alone_with_quad_prior'].items()} }  "
              f"lexicon first="
              f"{r['lexicon_first']:.4f}  combined (nested)={r['nested']['accuracy']:.4f}  "
              f"shipped rule {r['shipped']}  tuned on all rows {r['tuned_on_all_rows']}  "
              f"per fold {r['nested']['per_fold']}", flush=True)
    if "quad" in tasks:
        path = data / "cameo" / "cameo_class_train.tsv"
        m = cross_validate("cameo-quad", path, folds, seed, extra=quad_extra_rows(data),
                           lexicon_path=lexicon_path)
        results["cameo-quad"] = m
        show("cameo-quad", m, ("accuracy", "macro_f1"), "goal 0.90 accuracy")
    if "case" in tasks:
        path = data / "case2021" / "case2021_task2_dev.tsv"
        m = cross_validate("case2021", path, folds, seed, lexicon_path=lexicon_path)
        results["case2021"] = m
        show("case2021", m, ("accuracy", "macro_f1"), "goal 0.80 macro-F1")
    if "acled" in tasks:
        m = acled_proxy_cv(data, lexicon_path, folds, seed)
        results["acled-proxy"] = m
        show("acled*", m, ("event_type_accuracy", "sub_event_type_accuracy"),
             "CASE snippets with ACLED labels, per_class/confusion on event_type; goal 0.90")
    if "is_event" in tasks:
        results["is_event"] = is_event_check(data, lexicon_path)
        r = results["is_event"]
        print("is_event   recall " + "  ".join(f"{k}={v:.4f}" for k, v in r["recall"].items())
              + f"  kept neutral={r['kept_neutral']:.4f}")
    return results


def acled_proxy_cv(data: Path, lexicon_path: str, folds: int, seed: int) -> dict:
    """The ACLED path (CASE model restricted to ACLED sub-types; the event type with the most
    probability over its sub-types, then its best sub-type) scored by grouped CV on the CASE
    rows whose label is an ACLED sub-type: no ACLED notes are in ../shared.
    Returns the acled Metrics dict (per_class and confusion over event_type)."""
    from sklearn.model_selection import StratifiedGroupKFold

    from powderkeg.evaluate import EvalItem, FoldModels, score_predictions, the_coder
    from powderkeg.evaluate.groups import near_duplicate_groups

    coder = the_coder()
    mapping = case_to_acled()
    rows = load_case(data)
    X = [s for s, _ in rows]
    y = np.array([lab for _, lab in rows], dtype=object)
    items: list[EvalItem] = []
    preds: list[dict] = []
    seconds = 0.0
    fold_acc = []
    groups = near_duplicate_groups(X)  # near-duplicate snippets stay in one fold
    for tr, te in StratifiedGroupKFold(folds, shuffle=True, random_state=seed).split(X, y, groups):
        model = make_case_model(lexicon_path).fit([X[i] for i in tr], y[tr])
        t0 = time.perf_counter()
        # the call the coder makes (no PLOVER type given: all 25 ACLED sub-types allowed)
        decs = coder.acled_decisions([X[i] for i in te], models=FoldModels(
            case_model=model, case_to_acled=mapping))
        seconds += time.perf_counter() - t0
        ok = n = 0
        for i, dec in zip(te, decs, strict=True):
            if y[i] not in mapping:
                continue
            et, st = mapping[y[i]]
            items.append(EvalItem(line=int(i) + 2, text=X[i], gold=st, gold_event_type=et))
            preds.append({"event_type": dec.event_type, "sub_event_type": dec.sub_event_type,
                          "country": None, "lat": None, "lon": None})
            n += 1
            ok += dec.event_type == et
        fold_acc.append(ok / n if n else 0.0)
    m = score_predictions("acled", items, preds, seconds)
    m["cv"] = {"folds": folds, "seed": seed, "fold_accuracy": fold_acc, "extra_rows": 0}
    return m


def is_event_check(data: Path, lexicon_path: str) -> dict:
    """Recall of the is_event pre-filter on event sentences, and how many neutral ones it keeps."""
    from powderkeg.coder.models import Models

    models = Models(Path(lexicon_path).parent)
    plv = sorted({r["sentence"] for r in load_plv(data)})
    cam = load_cameo_class(data)
    case = [s for s, lab in load_case(data) if lab in _CASE_TO_ACLED]
    sets = {
        "plv": plv,
        "cameo_1_4": [s for s, lab in cam if lab != "0"],
        "case_acled": case,
    }
    recall = {k: float(models.is_event(v).mean()) for k, v in sets.items()}
    kept = float(models.is_event([s for s, lab in cam if lab == "0"]).mean())
    return {"recall": recall, "kept_neutral": kept}


def speed(shared: Path, model_dir: Path, n: int = 2000) -> dict[str, float]:
    """Sentences/s of the shipped-format models in ``model_dir`` on ``n`` dev sentences (half
    cameo plain, half plv marked), one process, after loading; best of two rounds."""
    from powderkeg.coder.models import Models

    data = shared / "data"
    t0 = time.perf_counter()
    models = Models(model_dir)
    load_s = time.perf_counter() - t0
    half = n // 2
    plain = [s for s, _ in load_cameo_class(data)][:half]
    marked = [r["marked_sentence"] for r in load_plv(data)][: n - half]
    sents = plain + [re.sub(r"</?[st]>", "", m) for m in marked]
    marks: list[str | None] = [None] * len(plain) + marked
    best: dict[str, float] = {}
    for _ in range(2):
        times = {}
        for name, fn in (("type", lambda: models.type_proba(sents, marks)),
                         ("quad", lambda: models.predict_quad(sents)),
                         ("case", lambda: models.predict_case(sents)),
                         ("is_event", lambda: models.is_event(sents))):
            t = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t
        times["type+quad"] = times["type"] + times["quad"]
        for k, v in times.items():
            best[k] = max(best.get(k, 0.0), len(sents) / v)
    best["load_seconds"] = load_s
    return best


_HEADLINE = ("accuracy", "macro_f1", "event_type_accuracy", "sub_event_type_accuracy")


def _multi_seed(args: argparse.Namespace, lex_path: str) -> dict:
    """``run_cv`` once per seed (headline lines only) and the mean and spread per figure."""
    runs = {}
    for seed in (int(v) for v in args.seeds.split(",")):
        runs[seed] = run_cv(args.shared, lex_path, args.folds, seed,
                            set(args.tasks.split(",")), report=False)
    summary: dict[str, dict[str, list[float]]] = {}
    for res in runs.values():
        for task, m in res.items():
            for k in _HEADLINE:
                if isinstance(m, dict) and m.get(k) is not None:
                    summary.setdefault(task, {}).setdefault(k, []).append(float(m[k]))
    for task, figs in summary.items():
        print(f"{task:<11}mean over seeds {args.seeds}: " + "  ".join(
            f"{k}={np.mean(v):.4f} (sd {np.std(v):.4f})" for k, v in figs.items()), flush=True)
    return {"runs": {str(k): v for k, v in runs.items()}, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=ROOT / "src/powderkeg/coder/models/data")
    ap.add_argument("--cv", action="store_true", help="print cross-validated metrics per task")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--seeds", help="with --cv: comma-separated seeds; prints each run and the "
                    "mean of the headline figures (e.g. 0,1,2)")
    ap.add_argument("--tasks", default="plv,quad,case,acled,is_event")
    ap.add_argument("--json", type=Path, help="with --cv: also write the metrics here")
    ap.add_argument("--brief", action="store_true",
                    help="with --cv: headline lines only (no per-class/confusion tables)")
    ap.add_argument("--speed", action="store_true", help="print prediction speed (sentences/s)")
    args = ap.parse_args(argv)
    data = args.shared / "data"
    if not data.is_dir():
        print(f"{data}: not found (pass --shared)", file=sys.stderr)
        return 1
    if args.speed:
        print(json.dumps({k: round(v, 3) for k, v in speed(args.shared, args.out).items()}))
        return 0
    if args.cv:
        lex_path = args.out / LEXICON_FILE
        if not lex_path.is_file():
            print(f"{lex_path}: missing; train first", file=sys.stderr)
            return 1
        if args.seeds:
            res = _multi_seed(args, str(lex_path))
        else:
            res = run_cv(args.shared, str(lex_path), args.folds, args.seed,
                         set(args.tasks.split(",")), report=not args.brief)
        if args.json:
            args.json.write_text(json.dumps(res, indent=1, sort_keys=True), encoding="utf-8")
        return 0
    info = train_all(args.shared, args.out)
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.iterdir()) if p.is_file()}
    print(json.dumps({"out": str(args.out), "seconds": round(info["seconds"], 1),
                      "bytes": sizes}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
