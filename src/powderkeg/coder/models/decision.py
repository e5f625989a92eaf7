"""The rule that turns a lexicon trigger's type and the type model's probabilities into one
PLOVER type. ``powderkeg code`` (``Coder.decide_types``, every event with an actor or target)
and ``powderkeg eval --format plv`` (``Coder.pair_types``) both go through it.

Rule (:class:`TypeRule`), in the model's 15-label scheme (CONCEDE and RETREAT are YIELD):

- no lexicon trigger (or its type is not a model label): the model's most probable label;
- a lexicon trigger of type ``L``: ``L``, unless the model's most probable label ``B`` beats it
  by a margin, ``p(B) >= p(L) + lexicon_bonus``, and is itself probable, ``p(B) >=
  min_override_p``, and the trigger word is one the model saw in training (``known``; a word
  it never saw, such as "massed", leaves the model guessing from the rest of the sentence);
  then ``B``.

Before the rule, the type model's probabilities may be multiplied by a prior from the quad
model (``quad_prior`` = ``a`` > 0): ``p'(T) ∝ p(T) · q(penta(T)) ** a``, where ``q`` is the
quad model's probability of each penta class for the sentence (:func:`apply_quad_prior`), so
that an event's type agrees with the coder's reading of the whole sentence (a sentence the quad
model reads as material conflict makes a material-conflict type more probable).

``lexicon_bonus = 0, min_override_p = 0`` is the model alone; ``lexicon_bonus >= 1`` is the
lexicon first (the coder before this rule). The shipped values are in ``models.json``
(``type_rule``), chosen by 5-fold cross-validation on ``plv_train.tsv`` (``tools/train_models.py
--cv``; see MODEL_CARD.md), and :func:`tune_rule` is the search both use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BONUS_GRID", "MIN_P_GRID", "PRIOR_GRID", "TOLERANCE", "TypeRule", "acled_column",
    "apply_quad_prior",
    "tune_rule",
]

#: Values searched by :func:`tune_rule`.
BONUS_GRID = tuple(round(float(x), 2) for x in np.arange(0.0, 1.001, 0.05))
MIN_P_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
#: Exponents of the quad-model prior searched by :func:`tune_rule` when penta probabilities
#: are given (0: no prior).
PRIOR_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
#: Accuracy within which rules count as equal in :func:`tune_rule` (half a point: about 5 of
#: the 1,050 plv pairs; the standard error of an accuracy of 0.85 on them is 1.1 points).
TOLERANCE = 0.005


@dataclass(frozen=True)
class TypeRule:
    """Lexicon type vs. model probabilities; see the module docstring."""

    lexicon_bonus: float = 1.0
    min_override_p: float = 0.0
    quad_prior: float = 0.0

    @classmethod
    def from_meta(cls, meta: Mapping | None) -> TypeRule:
        """The rule stored in the models' metadata (``type_rule``); lexicon-first if absent."""
        spec = (meta or {}).get("type_rule") or {}
        return cls(float(spec.get("lexicon_bonus", 1.0)), float(spec.get("min_override_p", 0.0)),
                   float(spec.get("quad_prior", 0.0)))

    def to_meta(self) -> dict[str, float]:
        return {"lexicon_bonus": self.lexicon_bonus, "min_override_p": self.min_override_p,
                "quad_prior": self.quad_prior}

    def choose(
        self, lexicon_label: str | None, labels: Sequence[str], p: np.ndarray, known: bool = True
    ) -> int:
        """Index into ``labels`` of the decided label for one probability row ``p``;
        ``known=False`` (the trigger word is not in the model's training text) keeps the
        lexicon's label."""
        best = int(np.argmax(p))
        if lexicon_label is None or lexicon_label not in labels:
            return best
        lex = list(labels).index(lexicon_label)
        if (known and best != lex and p[best] >= p[lex] + self.lexicon_bonus
                and p[best] >= self.min_override_p):
            return best
        return lex

    def choose_all(
        self,
        lexicon_labels: Sequence[str | None],
        labels: Sequence[str],
        P: np.ndarray,
        known: Sequence[bool] | None = None,
    ) -> list[str]:
        ks = [True] * len(lexicon_labels) if known is None else list(known)
        return [labels[self.choose(lx, labels, row, k)]
                for lx, row, k in zip(lexicon_labels, P, ks, strict=True)]


def apply_quad_prior(
    P: np.ndarray, penta_of_label: Sequence[int], Q: np.ndarray | None, exponent: float
) -> np.ndarray:
    """``P`` (rows: type probabilities, columns: labels) times the quad model's probability
    ``Q[i, penta_of_label[j]]`` (``Q``: rows of 5 penta probabilities, classes 0-4) raised to
    ``exponent``, renormalised per row; ``P`` itself where ``Q`` is None or ``exponent`` is 0."""
    if Q is None or exponent <= 0 or not len(P):
        return P
    prior = np.asarray(Q, dtype=float)[:, np.asarray(penta_of_label, dtype=int)]
    out = np.asarray(P, dtype=float) * np.power(np.maximum(prior, 1e-12), exponent)
    return out / out.sum(axis=1, keepdims=True)


def tune_rule(
    lexicon_labels: Sequence[str | None],
    labels: Sequence[str],
    P: np.ndarray,
    gold: Sequence[str],
    tolerance: float = TOLERANCE,
    known: Sequence[bool] | None = None,
    *,
    Q: np.ndarray | None = None,
    penta_of_label: Sequence[int] | None = None,
) -> tuple[TypeRule, float]:
    """The rule chosen on these rows, and its accuracy: of the grid :data:`BONUS_GRID` x
    :data:`MIN_P_GRID` (x :data:`PRIOR_GRID` where the rows' penta probabilities ``Q`` and the
    labels' penta classes are given), the rules within ``tolerance`` of the best accuracy, and
    of those the one without or with the weakest quad prior, then the one that overrides the
    lexicon on the fewest rows (then the larger threshold, then the larger bonus): accuracy
    differences of a few rows are noise, and the lexicon's type is the one the coder's other
    steps (mode, roles) were written for. Deterministic."""
    gold_arr = np.asarray(gold, dtype=object)
    lex_idx = [list(labels).index(lx) if lx in labels else -1 for lx in lexicon_labels]
    ks = [True] * len(lexicon_labels) if known is None else [bool(k) for k in known]
    priors = PRIOR_GRID if Q is not None and penta_of_label is not None else (0.0,)
    scored = []
    for prior in priors:
        Pp = apply_quad_prior(P, penta_of_label or (), Q, prior)
        for bonus in BONUS_GRID:
            for min_p in MIN_P_GRID:
                rule = TypeRule(bonus, min_p, prior)
                picks = [rule.choose(lx, labels, row, k)
                         for lx, row, k in zip(lexicon_labels, Pp, ks, strict=True)]
                acc = float(np.mean(np.asarray([labels[j] for j in picks], dtype=object)
                                    == gold_arr))
                overrides = sum(li >= 0 and j != li for li, j in zip(lex_idx, picks, strict=True))
                scored.append((acc, overrides, rule))
    best = max(acc for acc, _, _ in scored)
    near = [x for x in scored if x[0] >= best - tolerance - 1e-12]
    acc, _, rule = min(near, key=lambda x: (x[2].quad_prior, x[1], -x[2].min_override_p,
                                            -x[2].lexicon_bonus))
    return rule, acc


def acled_column(classes: Sequence[str], row: np.ndarray,
                 case_to_acled: Mapping[str, Sequence[str]], temperature: float = 1.0) -> int:
    """The column of the ACLED sub-type to report for one row of case-classifier scores:
    the event type first (the softmax probabilities of its sub-types summed, so that several
    middling "Battles" sub-types outvote one "Protests" sub-type), then its best sub-type.
    ``temperature`` is the classifier's fitted softmax temperature. Ties keep column order,
    as ``argmax``. -1 if no class maps to ACLED."""
    cols = [j for j, c in enumerate(classes) if c in case_to_acled]
    if not cols:
        return -1
    z = np.asarray(row, dtype=np.float64)[cols] * float(temperature)
    p = np.exp(z - z.max())
    mass: dict[str, float] = {}
    for k, j in enumerate(cols):
        et = case_to_acled[classes[j]][0]
        mass[et] = mass.get(et, 0.0) + float(p[k])
    best_et = max(mass, key=lambda e: mass[e])  # first of equal masses, in column order
    return max((j for j in cols if case_to_acled[classes[j]][0] == best_et),
               key=lambda j: float(row[j]))
