"""A sparse linear text classifier saved as numpy arrays + JSON (no pickle).

``LinearTextClassifier`` follows scikit-learn conventions (``fit``/``predict``/``predict_proba``/
``score``, fitted attributes end in ``_``). Features are blocks of TF-IDF-weighted strings from the
named analyzers in :mod:`powderkeg.coder.models.text` (sublinear tf, smoothed idf, each block
L2-normalised and scaled by its weight), optionally followed by dense extra columns (e.g. another
model's probabilities). The classifier is a linear SVM (or logistic regression); SVM scores become
probabilities through a softmax whose temperature is fitted on internal cross-validated scores.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from powderkeg.coder.models.lexicon import CameoLexicon
from powderkeg.coder.models.text import ANALYZERS, LEXICON_ANALYZERS, Parsed, parse

FORMAT_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_FILE = "cameo_lexicon.json"


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> CameoLexicon:
    """The CAMEO lexicon at ``path`` (default: the shipped one), cached."""
    return CameoLexicon.load(Path(path) if path else DATA_DIR / LEXICON_FILE)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but byte-identical for equal arrays (fixed zip timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


class _Block:
    """One TF-IDF feature block: analyzer name, weight, vocabulary and idf."""

    def __init__(self, analyzer: str, weight: float, vocab: list[str], idf: np.ndarray) -> None:
        self.analyzer = analyzer
        self.weight = float(weight)
        self.terms = vocab
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.idf = np.asarray(idf, dtype=np.float64)

    @classmethod
    def fit(cls, analyzer: str, weight: float, min_df: int, docs: Sequence[list[str]],
            sample_weight: np.ndarray | None = None) -> _Block:
        df: Counter[str] = Counter()
        for feats in docs:
            df.update(set(feats))
        vocab = sorted(t for t, c in df.items() if c >= min_df)
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in vocab])
        return cls(analyzer, weight, vocab, idf)

    def transform(self, docs: Sequence[list[str]]) -> sp.csr_matrix:
        """Sublinear-tf x idf rows, L2-normalised and scaled by the block weight (vectorised:
        one dict lookup per feature string, the rest in numpy)."""
        get = self.vocab.get
        rows: list[int] = []
        cols: list[int] = []
        for r, feats in enumerate(docs):
            idx = [j for j in map(get, feats) if j is not None]
            cols.extend(idx)
            rows.extend([r] * len(idx))
        shape = (len(docs), len(self.terms))
        m = sp.csr_matrix(
            (np.ones(len(cols), dtype=np.float64),
             (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=shape,
        )
        m.sum_duplicates()  # counts per (row, term); also sorts the column indices
        if m.nnz:
            m.data = (1.0 + np.log(m.data)) * self.idf[m.indices]
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            scale = np.divide(self.weight, norms, out=np.zeros_like(norms), where=norms > 0)
            m.data *= np.repeat(scale, np.diff(m.indptr))
        return m


_PARAMS = ("blocks", "C", "loss", "extra_weight", "class_weight", "calibrate_folds",
           "lexicon_path", "random_state")


class LinearTextClassifier:
    """Sparse linear classifier over named feature blocks, with the scikit-learn estimator API
    (``get_params``/``set_params``/``fit``/``predict``/``predict_proba``/``score``). It does not
    inherit from scikit-learn so that loading a model does not import scikit-learn (~1 s);
    scikit-learn is imported only to fit.

    Parameters
    ----------
    blocks: ``((analyzer, weight, min_df), ...)`` with analyzer names from ``text.ANALYZERS``.
    C: inverse regularisation strength.
    loss: ``"svm"`` (LinearSVC) or ``"logreg"`` (multinomial logistic regression).
    extra_weight: scale of the dense extra columns passed as ``extra=``.
    calibrate_folds: folds used to fit the softmax temperature for SVM scores (0: temperature 1).
    lexicon_path: CAMEO lexicon JSON for the lexicon features (``None``: the shipped one).
    random_state: seed for the SVM solver and the calibration folds.
    """

    def __init__(
        self,
        blocks: Sequence[tuple[str, float, int]] = (("words12", 1.0, 1),),
        C: float = 1.0,
        loss: str = "svm",
        extra_weight: float = 1.0,
        class_weight: str | None = None,
        calibrate_folds: int = 3,
        lexicon_path: str | None = None,
        random_state: int = 0,
    ) -> None:
        self.blocks = blocks
        self.C = C
        self.loss = loss
        self.extra_weight = extra_weight
        self.class_weight = class_weight
        self.calibrate_folds = calibrate_folds
        self.lexicon_path = lexicon_path
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in _PARAMS}

    def set_params(self, **params) -> LinearTextClassifier:
        for k, v in params.items():
            if k not in _PARAMS:
                raise ValueError(f"invalid parameter {k!r} for LinearTextClassifier")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"LinearTextClassifier(C={self.C}, loss={self.loss!r}, blocks={self.blocks!r})"

    # -- features -------------------------------------------------------------------------
    def _parse(self, X: Sequence[str]) -> list[Parsed]:
        lex = load_lexicon(self.lexicon_path) if self._needs_lexicon() else None
        return [parse(x, lex) for x in X]

    def _needs_lexicon(self) -> bool:
        return any(a in LEXICON_ANALYZERS for a, _, _ in self.blocks)

    def _features(self, parsed: list[Parsed], extra: np.ndarray | None) -> sp.csr_matrix:
        mats = [b.transform([ANALYZERS[b.analyzer](p) for p in parsed]) for b in self.blocks_]
        if self.n_extra_:
            if extra is None or extra.shape != (len(parsed), self.n_extra_):
                raise ValueError(f"this model needs extra features of shape (n, {self.n_extra_})")
            mats.append(sp.csr_matrix(np.asarray(extra, dtype=np.float64) * self.extra_weight))
        return sp.hstack(mats, format="csr")

    # -- fitting --------------------------------------------------------------------------
    def _make_clf(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if self.loss == "svm":
            return LinearSVC(C=self.C, class_weight=self.class_weight,
                             random_state=self.random_state, max_iter=20000)
        if self.loss == "logreg":
            return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        raise ValueError(f"unknown loss {self.loss!r}")

    def fit(self, X: Sequence[str], y: Sequence[str], sample_weight=None,
            extra: np.ndarray | None = None) -> LinearTextClassifier:
        parsed = self._parse(X)
        y_arr = np.asarray([str(v) for v in y], dtype=object)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.n_extra_ = 0 if extra is None else int(np.asarray(extra).shape[1])
        self.blocks_ = [
            _Block.fit(a, w, m, [ANALYZERS[a](p) for p in parsed]) for a, w, m in self.blocks
        ]
        Xm = self._features(parsed, extra)
        clf = self._make_clf().fit(Xm, y_arr, sample_weight=sw)
        self.classes_ = np.asarray(clf.classes_, dtype=object)
        coef = np.asarray(clf.coef_, dtype=np.float64)
        icpt = np.asarray(clf.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # binary: expand to two rows so scores are per class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            icpt = np.array([-icpt[0] / 2, icpt[0] / 2])
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = icpt.astype(np.float32)
        self.temperature_ = 1.0
        if self.loss == "svm" and self.calibrate_folds and len(self.classes_) > 1:
            self.temperature_ = self._fit_temperature(X, y_arr, sw, extra)
        return self

    def _fit_temperature(self, X, y, sw, extra) -> float:
        from sklearn.model_selection import StratifiedKFold

        counts = Counter(y)
        k = min(self.calibrate_folds, min(counts.values()))
        if k < 2:
            return 1.0
        scores = np.zeros((len(y), len(self.classes_)))
        folds = StratifiedKFold(k, shuffle=True, random_state=self.random_state)
        params = self.get_params()
        params["calibrate_folds"] = 0
        for tr, te in folds.split(np.zeros(len(y)), y):
            sub = type(self)(**params).fit(
                [X[i] for i in tr], y[tr], None if sw is None else sw[tr],
                None if extra is None else np.asarray(extra)[tr],
            )
            d = sub.decision_function([X[i] for i in te],
                                      None if extra is None else np.asarray(extra)[te])
            col = {c: j for j, c in enumerate(sub.classes_)}
            for j, c in enumerate(self.classes_):
                scores[te, j] = d[:, col[c]] if c in col else -10.0
        target = np.array([np.where(self.classes_ == v)[0][0] for v in y])
        best_t, best_nll = 1.0, math.inf
        for t in np.exp(np.linspace(math.log(0.3), math.log(30.0), 60)):
            p = softmax(scores * t)
            nll = -float(np.mean(np.log(p[np.arange(len(y)), target] + 1e-12)))
            if nll < best_nll:
                best_t, best_nll = float(t), nll
        return best_t

    # -- prediction -----------------------------------------------------------------------
    def decision_function(self, X: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        Xm = self._features(self._parse(X), extra)
        return np.asarray(Xm @ self.coef_.T.astype(np.float64)) + self.intercept_

    def predict_proba(self, X: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        d = self.decision_function(X, extra)
        if self.loss == "logreg":
            return softmax(d)
        return softmax(d * self.temperature_)

    def predict(self, X: Sequence[str], extra: np.ndarray | None = None) -> np.ndarray:
        if len(X) == 0:
            return np.empty(0, dtype=object)
        return self.classes_[np.argmax(self.decision_function(X, extra), axis=1)]

    def score(self, X, y, sample_weight=None, extra=None) -> float:
        pred = self.predict(X, extra)
        y_arr = np.asarray([str(v) for v in y], dtype=object)
        w = np.ones(len(y_arr)) if sample_weight is None else np.asarray(sample_weight)
        return float(np.sum(w * (pred == y_arr)) / np.sum(w))

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``path.npz`` (arrays) and ``path.json`` (classes, vocabularies, parameters)."""
        path = Path(path)
        arrays = {"coef": self.coef_, "intercept": self.intercept_}
        for i, b in enumerate(self.blocks_):
            arrays[f"idf{i}"] = b.idf.astype(np.float32)
        npz = path.with_suffix(".npz")
        save_npz(npz, arrays)
        meta = {
            "format": FORMAT_VERSION,
            "params": {k: v for k, v in self.get_params().items() if k != "lexicon_path"},
            "classes": [str(c) for c in self.classes_],
            "temperature": self.temperature_,
            "n_extra": self.n_extra_,
            "blocks": [{"analyzer": b.analyzer, "weight": b.weight, "vocab": b.terms}
                       for b in self.blocks_],
        }
        js = path.with_suffix(".json")
        js.write_text(json.dumps(meta, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        return npz, js

    @classmethod
    def load(cls, path: Path, lexicon_path: str | None = None) -> LinearTextClassifier:
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: model format {meta.get('format')} is not {FORMAT_VERSION}")
        params = dict(meta["params"])
        params["blocks"] = tuple(tuple(b) for b in params["blocks"])
        model = cls(**params, lexicon_path=lexicon_path)
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as z:
            model.coef_ = z["coef"]
            model.intercept_ = z["intercept"]
            model.blocks_ = [
                _Block(b["analyzer"], b["weight"], b["vocab"], z[f"idf{i}"])
                for i, b in enumerate(meta["blocks"])
            ]
        model.classes_ = np.asarray(meta["classes"], dtype=object)
        model.temperature_ = float(meta["temperature"])
        model.n_extra_ = int(meta["n_extra"])
        return model
