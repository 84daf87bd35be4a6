"""Centroid matching as a quadratic assignment problem (paper step 1).

Find the permutation pi maximising sum_ij S_A[i, j] * S_B[pi(i), pi(j)] with SciPy's 2-opt,
restarted from seeded random permutations; keep the best objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import quadratic_assignment

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


def match_centroids(S_A: np.ndarray, S_B: np.ndarray, restarts: int = 30,
                    random_state: int | None = None) -> QAPResult:
    """Best of ``restarts`` 2-opt runs, each from a seeded random permutation.

    S_A, S_B: (c, c) similarity matrices. Returns a ``QAPResult``.
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
        res = quadratic_assignment(S_A, S_B, method="2opt",
                                   options={"maximize": True,
                                            "rng": np.random.default_rng(seed)})
        objectives[r] = res.fun
        if best is None or res.fun > best.fun:
            best = res
    return QAPResult(np.asarray(best.col_ind), float(best.fun), objectives)
