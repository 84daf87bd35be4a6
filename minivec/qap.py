"""Centroid matching as a quadratic assignment problem (paper step 1).

Find the permutation pi maximising sum_ij S_A[i, j] * S_B[pi(i), pi(j)] by 2-opt local
search, restarted from seeded random permutations; keep the best objective. ``two_opt`` is
SciPy's ``quadratic_assignment(method="2opt")`` search, step for step, made several
times faster by scoring all swaps at once (benchmarks/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import check_int
from .preprocess import unit_rows


@dataclass(frozen=True)
class QAPResult:
    """perm: (c,) int, A centroid i is matched to B centroid perm[i];
    objective: the best objective; objectives: (restarts,) each restart's objective."""

    perm: np.ndarray
    objective: float
    objectives: np.ndarray


def centroid_similarity(C: np.ndarray) -> np.ndarray:
    """Cosine similarity matrix of centroids. C: (c, d) -> (c, c) float64."""
    U = unit_rows(np.asarray(C, np.float64))
    return U @ U.T


def qap_objective(S_A: np.ndarray, S_B: np.ndarray, perm: np.ndarray) -> float:
    """sum_ij S_A[i, j] * S_B[perm[i], perm[j]]."""
    return float(np.sum(S_A * S_B[np.ix_(perm, perm)]))


def swap_gains(S_A: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Change of sum(S_A * P) when rows and columns i and j of P swap, for every i, j.

    S_A, P: (c, c), P being S_B already permuted. Returns (c, c) gains, exact up to
    rounding (the zero diagonal: swapping i with itself changes nothing).
    """
    a, p = np.diag(S_A)[:, None], np.diag(P)[:, None]  # column vectors: entry i
    H, K = S_A @ P.T, S_A.T @ P
    rows = (H + H.T - np.diag(H)[:, None] - np.diag(H)[None, :]
            - (a - S_A.T) * (P.T - p) - (S_A - a.T) * (p.T - P))
    cols = (K + K.T - np.diag(K)[:, None] - np.diag(K)[None, :]
            - (a - S_A) * (P - p) - (S_A.T - a.T) * (p.T - P.T))
    return rows + cols + (a - a.T) * (p.T - p) + (S_A - S_A.T) * (P.T - P)


def two_opt(S_A: np.ndarray, S_B: np.ndarray, perm: np.ndarray) -> tuple:
    """First-improvement 2-opt from ``perm``, as SciPy's ``quadratic_assignment``
    (method="2opt", maximize=True) runs it: scan the swaps (i, j), i < j, in order; take the
    first that raises the objective; start the scan again; stop when none does.

    S_A, S_B: (c, c); perm: (c,) int starting permutation. Returns (perm, objective), the
    same as SciPy's: ``swap_gains`` scores all swaps at once, and every swap whose gain is
    not clearly negative is checked with the full objective, as SciPy checks every swap.
    """
    perm = np.array(perm)
    first, second = np.triu_indices(len(perm), 1)  # SciPy's scan order
    best = qap_objective(S_A, S_B, perm)
    while True:
        gains = swap_gains(S_A, S_B[np.ix_(perm, perm)])[first, second]
        worth = gains > -1e-9 * (1 + abs(best))
        for i, j in zip(first[worth], second[worth]):
            perm[[i, j]] = perm[[j, i]]
            score = qap_objective(S_A, S_B, perm)
            if score > best:
                best = score
                break
            perm[[i, j]] = perm[[j, i]]
        else:
            return perm, best


def match_centroids(S_A: np.ndarray, S_B: np.ndarray, restarts: int = 30,
                    random_state: int | None = None) -> QAPResult:
    """Best of ``restarts`` 2-opt runs (``two_opt``), each from a seeded random permutation.

    S_A, S_B: (c, c) similarity matrices. Returns a ``QAPResult``. Each restart r starts
    from ``np.random.default_rng(seed_r).permutation(c)``, as SciPy's 2-opt does with
    ``rng=seed_r``, so results equal those of ``quadratic_assignment``.
    """
    S_A = np.asarray(S_A, np.float64)
    S_B = np.asarray(S_B, np.float64)
    if S_A.ndim != 2 or S_A.shape[0] != S_A.shape[1] or S_A.shape != S_B.shape:
        raise ValueError(f"QAP needs two square matrices of one size, got {S_A.shape} "
                         f"and {S_B.shape}")
    restarts = check_int(restarts, "restarts", 1)
    seeds = np.random.SeedSequence(random_state).generate_state(restarts)
    best, objectives = None, np.empty(restarts)
    for r, seed in enumerate(seeds):
        start = np.random.default_rng(seed).permutation(np.arange(len(S_A)))
        perm, objectives[r] = two_opt(S_A, S_B, start)
        if best is None or objectives[r] > objectives[best[1]]:
            best = (perm, r)
    return QAPResult(best[0], float(objectives[best[1]]), objectives)
