"""A CAMEO verb lexicon: verb forms and verb+noun patterns -> CAMEO codes -> PLOVER types.

The lexicon is *built* at training time from the PETRARCH2 CAMEO verb dictionary
(``../shared/data/petrarch/CAMEO.2.0.txt``, MIT licence, Open Event Data Alliance) and the
PLOVER CAMEO->PLOVER table (``CAMEO2PLOVER-2021.txt``, CC BY-SA 4.0); the shipped JSON
(``data/cameo_lexicon.json``) keeps only the facts the matcher needs: which word forms belong to
which verb group, and which following/preceding words turn a verb into which CAMEO code.

At run time :meth:`CameoLexicon.match` finds those verbs in a token list. The matches are
*features* for the classifiers (a strong prior), never the final answer on their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*|\d+")
_CODE = re.compile(r"\[([^\]]*)\]")
_BRACES = re.compile(r"\{([^}]*)\}")

PRE_WINDOW = 6
POST_WINDOW = 10


def tokens_upper(text: str) -> list[str]:
    """Upper-case word tokens (letters, digits, apostrophes, hyphens)."""
    return [t.upper() for t in _TOKEN.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude plural stripper for matching pattern nouns ('ATTACKS' ~ 'ATTACK')."""
    if len(word) > 4 and word.endswith("IES"):
        return word[:-3] + "Y"
    if len(word) > 3 and word.endswith("S") and not word.endswith("SS"):
        return word[:-1]
    return word


def _code_of(raw: str) -> str | None:
    """'042:043' -> '042'; ':173' -> '173'; '---' -> None."""
    for part in raw.split(":"):
        part = part.strip()
        if part and part != "---" and part.isdigit():
            return part
    return None


_VOWELS = set("AEIOU")


def verb_forms(base: str) -> set[str]:
    """Regular inflections of an upper-case English verb (over-generating is harmless)."""
    forms = {base}
    if len(base) < 2:
        return forms
    last, prev = base[-1], base[-2]
    if last == "Y" and prev not in _VOWELS:
        forms |= {base[:-1] + "IES", base[:-1] + "IED", base + "ING"}
    elif last == "E":
        forms |= {base + "S", base + "D", (base[:-1] if not base.endswith("EE") else base) + "ING"}
    else:
        forms.add(base + ("ES" if base.endswith(("S", "X", "Z", "CH", "SH", "O")) else "S"))
        forms |= {base + "ED", base + "ING"}
        if (
            len(base) >= 3
            and last not in _VOWELS
            and last not in "WXY"
            and prev in _VOWELS
            and base[-3] not in _VOWELS
        ):
            forms |= {base + last + "ED", base + last + "ING"}
    return forms


@dataclass(frozen=True)
class Match:
    """A verb (group) found at token ``index`` with its CAMEO ``code`` and PLOVER ``plover``."""

    index: int
    verb: str
    code: str
    plover: str | None
    specific: bool  # True when a noun pattern (not just the verb) decided the code


class CameoLexicon:
    """Matcher over the shipped lexicon JSON (see :func:`build_lexicon`)."""

    def __init__(self, data: dict) -> None:
        self.forms: dict[str, list[list]] = data["forms"]
        self.verbs: list[dict] = data["verbs"]
        self.synsets: dict[str, list[str]] = {k: list(v) for k, v in data["synsets"].items()}
        self.cameo_to_plover: dict[str, str] = data["cameo_to_plover"]
        # per block: patterns compiled to frozensets of stems, indexed by the stems of one
        # element so that only patterns with a chance of matching are checked
        self._index: list[dict[str, list[tuple[tuple, tuple, str, int]]]] = []
        for block in data["blocks"]:
            index: dict[str, list[tuple[tuple, tuple, str, int]]] = {}
            for pre, post, code in block:
                if not pre and not post:
                    continue
                cpre = tuple(self._element(e) for e in pre)
                cpost = tuple(self._element(e) for e in post)
                key = cpost[0] if cpost else cpre[0]
                item = (cpre, cpost, code, len(cpre) + len(cpost))
                for k in key:
                    index.setdefault(k, []).append(item)
            self._index.append(index)

    def _element(self, alts: Sequence[str]) -> frozenset[str]:
        out: set[str] = set()
        for a in alts:
            if a.startswith("&"):
                out |= {stem(w) for w in self.synsets.get(a[1:], [])}
            else:
                out.add(stem(a))
        return frozenset(out)

    @classmethod
    def load(cls, path: Path) -> CameoLexicon:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def plover_of(self, code: str) -> str | None:
        """PLOVER type of a CAMEO code, by the longest mapped prefix."""
        for k in range(len(code), 1, -1):
            t = self.cameo_to_plover.get(code[:k])
            if t:
                return t
        return None

    def match(self, toks: Sequence[str]) -> list[Match]:
        """All verb matches in upper-case tokens ``toks`` (from :func:`tokens_upper`)."""
        out: list[Match] = []
        stems: list[str] | None = None
        n = len(toks)
        for i, tok in enumerate(toks):
            entries = self.forms.get(tok)
            if not entries:
                continue
            for vid, rest in entries:
                if rest and tuple(toks[i + 1 : i + 1 + len(rest)]) != tuple(rest):
                    continue
                verb = self.verbs[vid]
                if stems is None:
                    stems = [stem(t) for t in toks]
                lo = max(0, i - PRE_WINDOW)
                j = i + 1 + len(rest)
                hi = min(n, j + POST_WINDOW)
                before = set(stems[lo:i])
                after = set(stems[j:hi])
                index = self._index[verb["block"]]
                best: tuple[int, str] | None = None
                if index:
                    seen: set[int] = set()
                    for s in before | after:
                        for item in index.get(s, ()):
                            if id(item) in seen:
                                continue
                            seen.add(id(item))
                            pre, post, code, size = item
                            # the most specific pattern wins; ties go to the larger code
                            # string, so the result never depends on set iteration order
                            if (best is None or (size, code) > best) and all(
                                e & after for e in post
                            ) and all(e & before for e in pre):
                                best = (size, code)
                if best is not None:
                    code = best[1]
                    out.append(Match(i, verb["name"], code, self.plover_of(code), True))
                elif verb["code"]:
                    code = verb["code"]
                    out.append(Match(i, verb["name"], code, self.plover_of(code), False))
        return out


# --------------------------------------------------------------------------------------------
# Building (training time only)


def parse_cameo_to_plover(path: Path) -> dict[str, str]:
    """CAMEO code -> PLOVER type (upper case) from CAMEO2PLOVER-2021.txt."""
    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^(\d{2,4}):\s*([A-Z]+)", line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def _split_pattern(text: str) -> list[list[str]]:
    """Pattern side -> list of elements, each a list of alternative upper-case words/synsets."""
    text = text.replace("(", " ").replace(")", " ")
    elems: list[list[str]] = []
    # a {A B} group is a contiguous phrase: require each of its words
    for group in _BRACES.findall(text):
        for w in group.split():
            if w not in {"$", "^", "+", "%"}:
                elems.append([w.replace("_", " ").split()[0]])
    text = _BRACES.sub(" ", text)
    for w in text.split():
        if w in {"$", "^", "+", "%"} or not re.search(r"[A-Z]", w):
            continue
        elems.append([w.rstrip("_").split("_")[0]])
    return elems


def build_lexicon(dictionary: Path, cameo2plover: Path) -> dict:
    """Parse the PETRARCH2 verb dictionary into the JSON the matcher loads."""
    lines = Path(dictionary).read_text(encoding="utf-8", errors="replace").splitlines()
    synsets: dict[str, list[str]] = {}
    verbs: list[dict] = []
    forms: dict[str, list[list]] = {}
    section = "synsets"
    cur_syn: str | None = None
    block_code: str | None = None
    block_verbs: list[int] = []
    block_patterns: list[list] = []

    blocks: list[list[list]] = []

    def close_block() -> None:
        if block_verbs:
            blocks.append(block_patterns)

    for raw in lines:
        line = raw.rstrip()
        if line.startswith("####### VERB PATTERNS"):
            section = "verbs"
            continue
        if line.startswith("######## TRANSFORMATIONS"):
            break
        body = line.split("#", 1)[0].rstrip()
        if not body.strip():
            continue
        if section == "synsets":
            if body.startswith("&"):
                cur_syn = body[1:].strip()
                synsets[cur_syn] = []
            elif body.startswith("+") and cur_syn is not None:
                w = body[1:].strip().rstrip("_")
                if w:
                    synsets[cur_syn].append(w.split("_")[0])
            continue
        if body.startswith("---"):
            close_block()
            codes = _CODE.findall(body)
            block_code = _code_of(codes[0]) if codes else None
            block_verbs = []
            block_patterns = []
            continue
        if body.startswith("-"):
            codes = _CODE.findall(body)
            if not codes:
                continue
            code = _code_of(codes[-1])
            pat = _CODE.sub(" ", body[1:])
            if code is None or "*" not in pat:
                continue
            pre, post = pat.split("*", 1)
            block_patterns.append([_split_pattern(pre), _split_pattern(post), code])
            continue
        # a verb line
        codes = _CODE.findall(body)
        vcode = _code_of(codes[0]) if codes else block_code
        irregular = [w for g in _BRACES.findall(body) for w in g.split()]
        head = _BRACES.sub(" ", _CODE.sub(" ", body)).split()
        if not head:
            continue
        base = head[0].lstrip("+").rstrip("_")
        words = [w for w in base.split("_") if w]
        if not words:
            continue
        vid = len(verbs)
        verbs.append({"name": "_".join(words), "code": vcode, "block": len(blocks)})
        block_verbs.append(vid)
        variants: set[tuple[str, ...]] = set()
        for f in verb_forms(words[0]):
            variants.add((f, *words[1:]))
        for irr in irregular:
            ws = [w for w in irr.lstrip("+").rstrip("_").split("_") if w]
            if ws:
                variants.add(tuple(ws))
        for v in sorted(variants):
            forms.setdefault(v[0], [])
            entry = [vid, list(v[1:])]
            if entry not in forms[v[0]]:
                forms[v[0]].append(entry)
    close_block()
    return {
        "source": "built by tools/train_models.py from PETRARCH2 CAMEO.2.0.txt (MIT, Open Event "
        "Data Alliance) and PLOVER CAMEO2PLOVER-2021.txt (CC BY-SA 4.0)",
        "synsets": dict(sorted(synsets.items())),
        "verbs": verbs,
        "blocks": blocks,
        "forms": dict(sorted(forms.items())),
        "cameo_to_plover": dict(sorted(parse_cameo_to_plover(cameo2plover).items())),
    }
