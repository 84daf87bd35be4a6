"""``AlignmentPair``: two unpaired training pools plus held-out pairs, as one object."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import as_embeddings, check_int, check_pairs
from ..preprocess import Prepared, center_normalize, prepare


@dataclass(frozen=True)
class AlignmentPair:
    """An alignment problem.

    X_A: (n_A, d_A) and X_B: (n_B, d_B) float32 training pools, with no text in common;
    E_A: (n_eval, d_A) and E_B: (n_eval, d_B) held-out pairs (row i of each is one text),
    for measuring only. labels_*: topic index per row or None; rows_*: row numbers in the
    corpus (to look up sentences) or None; rotation: the secret (d_B, d_B) rotation applied
    to B, or None; topics: label names.
    """

    name: str
    X_A: np.ndarray
    X_B: np.ndarray
    E_A: np.ndarray
    E_B: np.ndarray
    description: str = ""
    labels_A: np.ndarray | None = None
    labels_B: np.ndarray | None = None
    labels_eval: np.ndarray | None = None
    rows_A: np.ndarray | None = None
    rows_B: np.ndarray | None = None
    rows_eval: np.ndarray | None = None
    rotation: np.ndarray | None = None
    topics: tuple = ()
    true_pairs: tuple | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.E_A is None or self.E_B is None:
            raise ValueError("an AlignmentPair needs held-out pairs E_A and E_B (row i of each "
                             "the same text) to measure an alignment; to fit a map without "
                             "any, call MiniVec2Vec().fit(X_A, X_B)")
        for name in ("X_A", "X_B", "E_A", "E_B"):
            object.__setattr__(self, name, as_embeddings(getattr(self, name), name))
        check_pairs(self.E_A, self.E_B)
        for side, X in (("A", self.X_A), ("B", self.X_B)):
            if X.shape[1] != getattr(self, f"E_{side}").shape[1]:
                raise ValueError(f"X_{side} has {X.shape[1]} columns but E_{side} has "
                                 f"{getattr(self, f'E_{side}').shape[1]}")

    def __repr__(self) -> str:
        return (f"AlignmentPair({self.name!r}: A {self.X_A.shape}, B {self.X_B.shape}, "
                f"{len(self.E_A)} held-out pairs)")

    def prepare(self) -> Prepared:
        """Step 0 on both spaces (training means, unit rows), held-out pairs included."""
        return prepare(self.X_A, self.X_B, self.E_A, self.E_B)

    def prepared_true_pairs(self, mean_A=None, mean_B=None) -> tuple:
        """The true training pairs (A pool's texts in both spaces), preprocessed (*oracle*).

        mean_A: (d_A,), mean_B: (d_B,) the training means to centre with (default: this
        pair's own, as ``prepare()`` uses). Returns (P_A, P_B), each (n_A, d) float32 unit
        rows. For the supervised ceiling and other measurements only.
        """
        if self.true_pairs is None:
            raise ValueError(f"{self.name} carries no true pairs (needed for the supervised side)")
        if mean_A is None or mean_B is None:
            data = self.prepare()
            mean_A = data.mean_A if mean_A is None else mean_A
            mean_B = data.mean_B if mean_B is None else mean_B
        P_A, P_B = self.true_pairs
        return center_normalize(P_A, mean_A, "P_A"), center_normalize(P_B, mean_B, "P_B")

    def subset(self, n_train: int = 3000, n_eval: int = 2048, seed: int = 0) -> AlignmentPair:
        """A smaller problem drawn from this one (seeded): the classroom subset for sliders.

        Takes at most ``n_train`` rows of each pool and ``n_eval`` held-out pairs.
        """
        check_int(n_train, "n_train", 2)
        check_int(n_eval, "n_eval", 2)
        rng = np.random.default_rng(seed)

        def pick(n, m):
            return np.sort(rng.choice(n, min(n, m), replace=False))

        a, b = pick(len(self.X_A), n_train), pick(len(self.X_B), n_train)
        e = pick(len(self.E_A), n_eval)

        def take(arr, idx):
            return None if arr is None else arr[idx]

        return replace(
            self, name=f"{self.name} (subset)", X_A=self.X_A[a], X_B=self.X_B[b],
            E_A=self.E_A[e], E_B=self.E_B[e], labels_A=take(self.labels_A, a),
            labels_B=take(self.labels_B, b), labels_eval=take(self.labels_eval, e),
            rows_A=take(self.rows_A, a), rows_B=take(self.rows_B, b),
            rows_eval=take(self.rows_eval, e),
            true_pairs=None if self.true_pairs is None else tuple(P[a] for P in self.true_pairs))

    def sentences(self, rows) -> list:
        """The text of corpus rows (e.g. ``pair.rows_eval[:5]``), read from the installed corpus."""
        from .shipped import corpus_sentences

        if self.rows_A is None:
            raise ValueError(f"{self.name} has no text attached (synthetic or user arrays)")
        text = corpus_sentences(self.meta.get("data"))
        return [text[int(r)] for r in np.atleast_1d(rows)]
