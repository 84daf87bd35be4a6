"""Refinement of a map W (paper steps 4 and 5).

Refine-1 (matching): map a sample of A, average each mapped row's k' nearest B rows, fit
Procrustes, smooth. Refine-2 (clustering): k-means on A, map its centroids into B as the
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
                         alpha: float) -> np.ndarray:
    """One Refine-1 iteration on the sampled A rows ``A``: (n_s, d_A); X_B: (n_B, d_B).

    Returns the smoothed (d_A, d_B) map (1 - alpha) W + alpha * Procrustes(A, targets).
    """
    targets = knn_mean(unit_rows(A @ W), X_B, k)
    return smooth(W, procrustes(A, targets), alpha)


#: Relative change of W below which Refine-1 counts as converged (see ``refine_matching``).
DEFAULT_TOL = 2e-3
#: Consecutive iterations the change must stay below ``tol`` before stopping.
PATIENCE = 3


def refine_matching(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, n_iter: int = 100,
                    sample_size: int | None = 10_000, k: int = 50, alpha: float = 0.5,
                    random_state: int | None = None,
                    callback: Callable[[int, np.ndarray], None] | None = None,
                    verbose: bool = True, tol: float | None = None) -> np.ndarray:
    """Refine-1: up to ``n_iter`` matching iterations from W: (d_A, d_B); returns the final W.

    Each iteration draws ``sample_size`` rows of X_A afresh. ``callback(t, W)`` is called
    after iteration t (1-based), e.g. to record metrics. tol: an unsupervised convergence
    test; stop once the relative change ||W_t - W_{t-1}|| / ||W_{t-1}|| stays below tol for
    PATIENCE iterations in a row (None: run all n_iter). No pairs are involved.
    """
    n_iter = check_int(n_iter, "n_iter", 0)
    k = check_neighbors(k, len(X_B), "k' (Refine-1 neighbours)")
    alpha = check_alpha(alpha)
    tol = check_tol(tol)
    rng = np.random.default_rng(random_state)
    calm = 0
    bar = tqdm(range(1, n_iter + 1), desc="Refine-1", disable=not verbose, leave=False)
    for t in bar:
        W_new = refine_matching_step(W, subsample(X_A, sample_size, rng), X_B, k, alpha)
        change = float(np.linalg.norm(W_new - W) / np.linalg.norm(W))
        W = W_new
        if callback is not None:
            callback(t, W)
        calm = calm + 1 if tol is not None and change < tol else 0
        if calm >= PATIENCE:
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
