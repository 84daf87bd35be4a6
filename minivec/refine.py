"""Refinement of a map W (paper steps 4 and 5).

Refine-1 (matching): map a sample of A, average each mapped row's k' nearest B rows, fit
Procrustes, smooth. Its symmetric form (beyond the paper) also maps a sample of B back with
W^T and averages A rows, so that the pull of dense regions on one side's neighbour means is
balanced by the other's. Refine-2 (clustering): k-means on A, map its centroids into B as the
starting centroids of k-means on B, fit Procrustes on the two centroid sets, smooth.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from tqdm.auto import tqdm

from ._checks import check_alpha, check_clusters, check_int, check_neighbors, check_tol
from .clustering import kmeans_centroids, subsample
from .neighbors import knn_mean
from .preprocess import unit_rows
from .procrustes import procrustes, smooth


def refine_matching_step(W: np.ndarray, A: np.ndarray, X_B: np.ndarray, k: int,
                         alpha: float, B: np.ndarray | None = None,
                         X_A: np.ndarray | None = None) -> tuple:
    """One Refine-1 iteration on the sampled A rows ``A``: (n_s, d_A); X_B: (n_B, d_B).

    Returns (W_new, match): W_new (d_A, d_B) = (1 - alpha) W + alpha * Procrustes(A, targets),
    targets being each mapped row's mean of its k nearest B rows; match, the mean cosine
    between the mapped rows and their targets before the update (the refinement's own
    objective, which needs no pairs). Symmetric form: given sampled B rows ``B``: (m_s, d_B)
    and the A pool X_A: (n_A, d_A), each B row mapped back by W^T is paired with the mean of
    its k nearest A rows too, and one Procrustes is fitted on both sets of pseudo-pairs.
    """
    mapped = unit_rows(A @ W)
    targets = knn_mean(mapped, X_B, k)
    match = float(np.einsum("ij,ij->i", mapped, unit_rows(targets)).mean())
    if B is not None:
        A = np.concatenate([A, knn_mean(unit_rows(B @ W.T), X_A, k)])
        targets = np.concatenate([targets, B])
    return smooth(W, procrustes(A, targets), alpha), match


#: Refine-1 stops once its objective gained less than this over the last WINDOW iterations.
DEFAULT_TOL = 1e-3
#: Iterations compared by the convergence test (the last WINDOW against the WINDOW before).
WINDOW = 5


def refine_matching(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, n_iter: int = 100,
                    sample_size: int | None = 10_000, k: int = 50, alpha: float = 0.5,
                    random_state: int | None = None,
                    callback: Callable[[int, np.ndarray], None] | None = None,
                    verbose: bool = True, tol: float | None = None,
                    symmetric: bool = False) -> np.ndarray:
    """Refine-1: up to ``n_iter`` matching iterations from W: (d_A, d_B); returns the final W.

    Each iteration draws ``sample_size`` rows of X_A afresh. ``callback(t, W)`` is called
    after iteration t (1-based), e.g. to record metrics. tol: an unsupervised convergence
    test; stop once the mean objective (``match`` of ``refine_matching_step``) of the last
    WINDOW iterations exceeds that of the WINDOW before by less than tol. Averaging over a
    window keeps the test robust to the noise of sampling. None runs all n_iter iterations.
    symmetric: also draw ``sample_size`` rows of X_B per iteration and pair them with A rows
    through W^T (see ``refine_matching_step``); False is the paper's Refine-1.
    """
    n_iter = check_int(n_iter, "n_iter", 0)
    k = check_neighbors(k, min(len(X_A), len(X_B)) if symmetric else len(X_B),
                        "k' (Refine-1 neighbours)")
    alpha = check_alpha(alpha)
    tol = check_tol(tol)
    rng = np.random.default_rng(random_state)
    matches = []
    bar = tqdm(range(1, n_iter + 1), desc="Refine-1", disable=not verbose, leave=False)
    for t in bar:
        A = subsample(X_A, sample_size, rng)
        B = subsample(X_B, sample_size, rng) if symmetric else None
        W, match = refine_matching_step(W, A, X_B, k, alpha, B, X_A)
        matches.append(match)
        if callback is not None:
            callback(t, W)
        if tol is not None and t >= 2 * WINDOW and (
                np.mean(matches[-WINDOW:]) - np.mean(matches[-2 * WINDOW:-WINDOW]) < tol):
            bar.close()
            break
    return W


def refine_clustering(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, n_clusters: int = 500,
                      alpha: float = 0.5, random_state: int | None = None) -> np.ndarray:
    """Refine-2: one clustering round. W: (d_A, d_B) -> smoothed (d_A, d_B) float32.

    k-means on A; the A centroids mapped by W start k-means on B; Procrustes between the
    A centroids and the B centroids they became.
    """
    n_clusters = check_clusters(n_clusters, min(len(X_A), len(X_B)), "n_clusters (Refine-2)")
    alpha = check_alpha(alpha)
    C_A = kmeans_centroids(X_A, n_clusters, random_state)
    C_B = kmeans_centroids(X_B, n_clusters, random_state, init=C_A @ W)
    return smooth(W, procrustes(C_A, C_B), alpha)
