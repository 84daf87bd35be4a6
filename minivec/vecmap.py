"""VecMap's fully unsupervised method (Artetxe, Labaka and Agirre, ACL 2018), as a baseline.

A different route to the same goal as mini-vec2vec, built from the paper's four parts:

1. normalisation (its section 3.1): unit rows, centred, unit rows again;
2. an initial dictionary without any pairs (3.2): a row's *sorted* similarities to the other
   rows of its own space barely change under a rotation, so rows of the two spaces are paired
   by their sorted similarity distributions;
3. robust self-learning (3.3): alternate the orthogonal map that maximises the dictionary's
   similarity with a new dictionary, induced by CSLS in both directions over the first
   ``cutoff`` rows, keeping each similarity with probability p (stochastic induction);
4. symmetric re-weighting (3.4), once self-learning has stopped: whitening, orthogonal
   mapping, re-weighting by the singular values to the power 0.5 on both sides, de-whitening.

Both spaces are mapped into one shared space of min(d_A, d_B) dimensions, so the two
encoders may differ in dimension; ``SharedMaps.evaluate`` scores such maps with the kit's
metrics in either direction.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass

import numpy as np
from scipy.linalg import eigh, svd
from tqdm.auto import tqdm

from ._checks import as_embeddings, check_int, check_neighbors
from ._parallel import (
    block_starts,
    cross_product,
    one_blas_thread,
    parallel_blocks,
    run_blocks,
)
from .metrics import Scores, evaluate_mapped
from .neighbors import top_columns
from .preprocess import center_normalize, training_mean, unit_rows
from .procrustes import procrustes


def normalize(X, mean=None, name: str = "X") -> tuple:
    """Section 3.1: unit rows, centred on ``mean`` (default: the mean of X's unit rows), unit
    rows again. X: (n, d) -> (X': (n, d) float32, mean: (d,) float32); pass a pool's mean to
    treat held-out rows the same way."""
    U = unit_rows(as_embeddings(X, name))
    mean = training_mean(U, name) if mean is None else mean
    return center_normalize(U, mean, name), mean


def sorted_similarities(X: np.ndarray) -> np.ndarray:
    """Section 3.2: each row's sorted similarity distribution, normalised.

    X: (m, d) normalised rows. With X = U S V^T, sqrt(X X^T) = U S U^T (the paper takes the
    square root of the similarity matrix); each of its rows is sorted, and the rows are
    normalised as in ``normalize``. Returns (m, m) float32. A rotation of X leaves it
    unchanged, and permuting X's rows permutes its rows: it pairs rows across spaces.
    """
    with one_blas_thread():
        U, s, _ = svd(X, full_matrices=False, lapack_driver="gesdd", check_finite=False)
    root = (U * s) @ U.T
    root.sort(axis=1)
    return normalize(root, name="sorted similarities")[0]


def _row_blocks(n_A: int, n_B: int) -> list:
    """Slices of A rows whose blocks of similarities to the n_B rows of B ``run_blocks``
    computes in its workers (``block_starts``: no n_A x n_B matrix is ever held)."""
    starts = block_starts(n_A, n_B)
    return [slice(start, start + starts.step) for start in starts]


def mutual_top_similarities(M_A: np.ndarray, M_B: np.ndarray, k: int) -> tuple:
    """The k largest similarities of each A row among the B rows, and of each B row among
    the A rows, from one blocked pass over the similarities M_A M_B^T.

    M_A: (n_A, r), M_B: (n_B, r); 1 <= k < min(n_A, n_B). Returns ((n_A, k), (n_B, k))
    float32, each row unordered. Each block of A rows gives its rows' top k
    (``top_columns``) and its columns' top k, which are merged once all blocks are done.
    """
    blocks = _row_blocks(len(M_A), len(M_B))
    top_A = np.empty((len(M_A), k), np.float32)
    column_tops = [None] * len(blocks)

    def block(i):
        S = M_A[blocks[i]] @ M_B.T
        top_A[blocks[i]] = top_columns(S, k)[1]
        n = len(S)
        column_tops[i] = S if n <= k else np.partition(S, n - k, axis=0)[n - k:]

    run_blocks(block, range(len(blocks)))
    tops = np.concatenate(column_tops)
    return top_A, np.partition(tops, len(tops) - k, axis=0)[len(tops) - k:].T


def csls_choices(M_A: np.ndarray, M_B: np.ndarray, r_A: np.ndarray, r_B: np.ndarray,
                 keep_prob: float = 1.0, rng: np.random.Generator | None = None) -> tuple:
    """Each A row's best B row and each B row's best A row by CSLS, among the similarities
    kept (section 3.3's retrieval and stochastic induction), in one blocked pass.

    M_A: (n_A, r), M_B: (n_B, r); r_A: (n_A,) each A row's mean similarity to its nearest B
    rows, r_B: (n_B,) the same for B. CSLS(a, b) = 2 a.b - r_A(a) - r_B(b): for one A row
    its best B row maximises a.b - r_B(b) / 2, and for one B row its best A row maximises
    a.b - r_A(a) / 2. keep_prob < 1 drops each similarity with probability 1 - keep_prob
    first (one draw per entry, for both directions; rng: a ``numpy.random.Generator``).
    Returns (forward: (n_A,), backward: (n_B,)) int64 row indices into M_B and M_A.
    """
    blocks = _row_blocks(len(M_A), len(M_B))
    seeds = (rng or np.random.default_rng()).integers(2**63, size=len(blocks))
    forward = np.empty(len(M_A), np.int64)
    best = np.empty((len(blocks), len(M_B)), np.float32)  # per block: each column's best
    where = np.empty((len(blocks), len(M_B)), np.int64)  # ... and the A row holding it
    columns = np.arange(len(M_B))

    def block(i):
        rows = blocks[i]
        S = M_A[rows] @ M_B.T
        if keep_prob < 1:
            drop = np.random.default_rng(seeds[i]).random(S.shape, np.float32) >= keep_prob
            S[drop] = -np.inf
        forward[rows] = (S - r_B / 2).argmax(axis=1)
        S -= r_A[rows, None] / 2
        top = S.argmax(axis=0)
        best[i], where[i] = S[top, columns], top + rows.start

    run_blocks(block, range(len(blocks)))
    return forward, where[best.argmax(axis=0), columns]


def csls_dictionary(M_A: np.ndarray, M_B: np.ndarray, k: int = 10, keep_prob: float = 1.0,
                    rng: np.random.Generator | None = None) -> tuple:
    """A dictionary by CSLS retrieval in both directions (section 3.3).

    M_A: (n_A, r), M_B: (n_B, r) rows in one space (inner products as similarities); k: the
    CSLS neighbourhood (r_A, r_B: the mean of each row's k largest similarities). Every A
    row is paired with its CSLS choice among the B rows and every B row with its choice
    among the A rows (``csls_choices``, keeping each similarity with probability
    keep_prob). Two blocked passes over the similarities. Returns (src, trg, objective):
    (n_A + n_B,) int64 row indices into M_A and M_B, and the mean, over both directions, of
    each row's best similarity (what the dictionary would reach by plain nearest
    neighbours: self-learning's objective).
    """
    top_A, top_B = mutual_top_similarities(M_A, M_B, k)
    forward, backward = csls_choices(M_A, M_B, top_A.mean(axis=1), top_B.mean(axis=1),
                                     keep_prob, rng)
    src = np.concatenate([np.arange(len(M_A)), backward])
    trg = np.concatenate([forward, np.arange(len(M_B))])
    objective = (top_A.max(axis=1).mean() + top_B.max(axis=1).mean()) / 2
    return src, trg, float(objective)


@dataclass
class KeepSchedule:
    """Stochastic dictionary induction's schedule (section 3.3): the probability keep_prob of
    keeping a similarity starts low and doubles (up to 1) whenever the objective has not
    risen by more than ``threshold`` for ``patience`` iterations in a row; once it is 1, such
    a stall ends self-learning."""

    keep_prob: float = 0.1
    threshold: float = 1e-6
    patience: int = 50
    best: float = -np.inf
    stalled: int = 0

    def __post_init__(self):
        self.keep_prob = _check_real(self.keep_prob, "keep_prob", 0, 1, low_open=True)
        self.threshold = _check_real(self.threshold, "threshold", 0, np.inf)
        self.patience = check_int(self.patience, "patience", 1)

    def step(self, objective: float) -> bool:
        """Record one iteration's objective; True when self-learning has converged."""
        if objective > self.best + self.threshold:
            self.best, self.stalled = objective, 0
            return False
        self.stalled += 1
        if self.stalled < self.patience:
            return False
        if self.keep_prob >= 1:
            return True
        self.keep_prob, self.stalled = min(1.0, 2 * self.keep_prob), 0
        return False


def _sym_power(C: np.ndarray, power: float) -> np.ndarray:
    """C^power for a symmetric positive semi-definite (d, d) C; eigenvalues are floored at
    1e-12 of the largest, so that a rank-deficient C whitens without dividing by zero."""
    w, V = eigh(C)
    w = np.maximum(w, 1e-12 * w.max())
    return (V * w**power) @ V.T


def reweighted_maps(D_A: np.ndarray, D_B: np.ndarray, reweight: float = 0.5) -> tuple:
    """Section 3.4: the maps of the final step, from the dictionary's paired rows.

    D_A: (m, d_A), D_B: (m, d_B), row i of each one dictionary entry. Whitening by
    C_A^-1/2 and C_B^-1/2 (C = D^T D), the orthogonal mapping U, V of the whitened
    cross-product's SVD U S V^T, re-weighting by S^reweight on both sides (the paper's
    symmetric 0.5), de-whitening by U^T C_A^1/2 U and V^T C_B^1/2 V. The thin SVD gives
    r = min(d_A, d_B) directions, so d_A != d_B is fine: both spaces land in an r-d one.
    Returns (W_A: (d_A, r), W_B: (d_B, r)) float32.
    """
    C_A = cross_product(D_A, D_A).astype(np.float64)
    C_B = cross_product(D_B, D_B).astype(np.float64)
    white_A, white_B = _sym_power(C_A, -0.5), _sym_power(C_B, -0.5)
    U, s, Vt = svd(white_A @ cross_product(D_A, D_B) @ white_B, full_matrices=False)
    return tuple(((white @ R) * s**reweight @ (R.T @ _sym_power(C, 0.5) @ R)).astype(np.float32)
                 for white, C, R in ((white_A, C_A, U), (white_B, C_B, Vt.T)))


@dataclass(frozen=True)
class SharedMaps:
    """Both spaces mapped into one: a row x of A becomes normalize(x) W_A, a row z of B
    normalize(z) W_B. W_A: (d_A, r), W_B: (d_B, r); mean_A: (d_A,), mean_B: (d_B,) the pools'
    centring means of ``normalize``."""

    W_A: np.ndarray
    W_B: np.ndarray
    mean_A: np.ndarray
    mean_B: np.ndarray

    def map_A(self, E_A) -> np.ndarray:
        """Rows of A (n, d_A), raw, in the shared space: (n, r) float32."""
        return normalize(E_A, self.mean_A, "E_A")[0] @ self.W_A

    def map_B(self, E_B) -> np.ndarray:
        """Rows of B (n, d_B), raw, in the shared space: (n, r) float32."""
        return normalize(E_B, self.mean_B, "E_B")[0] @ self.W_B

    def evaluate(self, E_A, E_B, reverse: bool = False) -> Scores:
        """The kit's held-out metrics (``minivec.metrics.evaluate_mapped``) in the shared
        space: E_A: (n, d_A), E_B: (n, d_B) raw held-out pairs. Each A row is ranked among
        the B rows, or with reverse=True each B row among the A rows."""
        M_A, M_B = self.map_A(E_A), self.map_B(E_B)
        return evaluate_mapped(M_B, M_A) if reverse else evaluate_mapped(M_A, M_B)


@dataclass(frozen=True)
class VecMapResult:
    """What ``vecmap`` returns.

    initial: the orthogonal map fitted on the initial dictionary (A mapped into B's space,
    W_B the identity); final: the maps after self-learning and re-weighting; src, trg: the
    final dictionary (rows of X_A and X_B); history: one dict per self-learning iteration
    (iteration, objective, keep_prob, dictionary_size, seconds since self-learning started);
    converged: whether self-learning stopped by the paper's test rather than max_iter;
    initial_seconds: the time to the initial map.
    """

    initial: SharedMaps
    final: SharedMaps
    src: np.ndarray
    trg: np.ndarray
    history: list
    converged: bool
    initial_seconds: float

    @property
    def n_iter(self) -> int:
        """Self-learning iterations run."""
        return len(self.history)


def _check_real(value, name: str, low: float, high: float, low_open: bool = False) -> float:
    """``value`` as float if it lies in [low, high] ((low, high] when low_open), else raise."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and (low < value if low_open else low <= value) and value <= high)
    if not ok:
        bounds = f"{'(' if low_open else '['}{low}, {high}]"
        raise ValueError(f"{name} must be a number in {bounds}, got {value!r}")
    return float(value)


def _self_learning_settings(n_A: int, n_B: int, cutoff, csls_k, keep_prob, threshold,
                            patience, max_iter) -> tuple:
    """``self_learning``'s settings for pools of n_A and n_B rows, checked: returns
    (cutoff, csls_k, KeepSchedule, max_iter)."""
    cutoff = check_int(cutoff, "cutoff", 2)
    csls_k = check_neighbors(csls_k, min(cutoff, n_A, n_B), "csls_k")
    schedule = KeepSchedule(keep_prob, threshold, patience)
    return cutoff, csls_k, schedule, check_int(max_iter, "max_iter", 1)


def self_learning(X_A: np.ndarray, X_B: np.ndarray, src, trg, *, cutoff: int = 20_000,
                  csls_k: int = 10, keep_prob: float = 0.1, threshold: float = 1e-6,
                  patience: int = 50, max_iter: int = 1000, random_state=None,
                  verbose: bool = True) -> tuple:
    """Section 3.3: robust self-learning from the dictionary (src, trg).

    X_A: (n_A, d_A), X_B: (n_B, d_B) normalised rows (``normalize``); src, trg: (m,) row
    indices, entry i pairing X_A[src[i]] with X_B[trg[i]]. Each iteration fits the
    orthogonal map W = Procrustes(X_A[src], X_B[trg]), which maximises the dictionary's
    similarity, then induces a new dictionary by CSLS (``csls_k`` neighbours) between the
    first ``cutoff`` rows of X_A W and of X_B in both directions, each similarity kept with
    the probability ``KeepSchedule`` sets (start keep_prob; threshold, patience). It stops
    when the schedule says so or after max_iter iterations; the last iteration max_iter
    allows keeps every similarity, so a capped run ends on a deterministic dictionary.
    random_state: a seed or a ``numpy.random.Generator`` for the dropped similarities.
    Returns (src, trg, history, converged): the last dictionary, one dict per iteration
    (iteration, objective, keep_prob, dictionary_size, seconds since the start), and
    whether the schedule stopped it.
    """
    cutoff, csls_k, schedule, max_iter = _self_learning_settings(
        len(X_A), len(X_B), cutoff, csls_k, keep_prob, threshold, patience, max_iter)
    C_A, C_B = X_A[:cutoff], X_B[:cutoff]
    rng = np.random.default_rng(random_state)
    src, trg = np.asarray(src), np.asarray(trg)
    history, converged, t0 = [], False, time.perf_counter()
    bar = tqdm(range(1, max_iter + 1), desc="VecMap self-learning", disable=not verbose,
               leave=False)
    with parallel_blocks():  # small products here, blocked searches in worker threads
        for t in bar:
            W = procrustes(X_A[src], X_B[trg])
            p = schedule.keep_prob if t < max_iter else 1.0
            src, trg, objective = csls_dictionary(C_A @ W, C_B, csls_k, p, rng)
            history.append({"iteration": t, "objective": objective, "keep_prob": p,
                            "dictionary_size": len(src), "seconds": time.perf_counter() - t0})
            bar.set_postfix(p=p, objective=f"{objective:.4f}")
            converged = schedule.step(objective)
            if converged:
                break
    bar.close()
    return src, trg, history, converged


def vecmap(X_A, X_B, *, init_rows: int = 4000, cutoff: int = 20_000, csls_k: int = 10,
           keep_prob: float = 0.1, threshold: float = 1e-6, patience: int = 50,
           reweight: float = 0.5, max_iter: int = 1000, random_state: int | None = None,
           verbose: bool = True) -> VecMapResult:
    """VecMap's fully unsupervised mapping of X_A: (n_A, d_A) and X_B: (n_B, d_B) raw rows.

    The defaults are the paper's. Normalises both pools (``normalize``); builds the initial
    dictionary from ``init_rows`` rows of each side (the paper's 4,000 most frequent words;
    here a random sample, the same number on both sides, at most the smaller pool), paired
    by CSLS between their ``sorted_similarities``; runs ``self_learning`` from it (cutoff,
    csls_k, keep_prob, threshold, patience, max_iter: see there; the paper runs to
    convergence, max_iter only caps it); ends with ``reweighted_maps`` (reweight: the
    exponent of the re-weighting) on the last dictionary. Returns a ``VecMapResult``.
    """
    init_rows = check_int(init_rows, "init_rows", 2)
    reweight = _check_real(reweight, "reweight", 0, 1)
    t0 = time.perf_counter()
    X_A, mean_A = normalize(X_A, name="X_A")
    X_B, mean_B = normalize(X_B, name="X_B")
    m = min(init_rows, len(X_A), len(X_B))
    check_neighbors(csls_k, m, "csls_k")  # the initial dictionary's CSLS, among m rows
    _self_learning_settings(len(X_A), len(X_B), cutoff, csls_k, keep_prob, threshold, patience,
                            max_iter)  # checked before the initial dictionary's work
    rng = np.random.default_rng(random_state)
    rows_A, rows_B = rng.choice(len(X_A), m, replace=False), rng.choice(len(X_B), m, replace=False)
    src, trg, _ = csls_dictionary(sorted_similarities(X_A[rows_A]),
                                  sorted_similarities(X_B[rows_B]), csls_k)
    src, trg = rows_A[src], rows_B[trg]
    W = procrustes(X_A[src], X_B[trg])
    initial = SharedMaps(W, np.eye(X_B.shape[1], dtype=np.float32), mean_A, mean_B)
    initial_seconds = time.perf_counter() - t0
    src, trg, history, converged = self_learning(
        X_A, X_B, src, trg, cutoff=cutoff, csls_k=csls_k, keep_prob=keep_prob,
        threshold=threshold, patience=patience, max_iter=max_iter, random_state=rng,
        verbose=verbose)
    final = SharedMaps(*reweighted_maps(X_A[src], X_B[trg], reweight), mean_A, mean_B)
    return VecMapResult(initial, final, src, trg, history, converged, initial_seconds)
