"""A straightforward mini-vec2vec, kept only as the benchmark's point of comparison.

This is how the method reads when written directly from the paper: full similarity matrices
in float64, full ``argsort`` for neighbours, fancy-index gathers ``X_B[idx].mean(1)`` for the
averages, scikit-learn and SciPy at their defaults. It computes the same stages as
``minivec`` and is not used anywhere else.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import quadratic_assignment
from sklearn.cluster import KMeans


def _unit(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _procrustes(A, B):
    U, _, Vt = np.linalg.svd(A.T @ B)
    return U @ Vt


def _knn_mean(Q, X, Y, k):
    S = Q @ X.T                                   # full (n_q, n_x) matrix
    idx = np.argsort(-S, axis=1)[:, :k]           # full sort of every row
    return Y[idx].mean(axis=1)                    # (n_q, k, d) gather


def anchors(X_A, X_B, s, c, restarts, sample, rng):
    """s anchor runs: default KMeans, QAP best of ``restarts``; returns matched centroids."""
    C_As, C_Bs = [], []
    for _ in range(s):
        a = X_A[rng.choice(len(X_A), min(sample, len(X_A)), replace=False)]
        b = X_B[rng.choice(len(X_B), min(sample, len(X_B)), replace=False)]
        C_A = _unit(KMeans(c, random_state=int(rng.integers(2**31))).fit(a).cluster_centers_)
        C_B = _unit(KMeans(c, random_state=int(rng.integers(2**31))).fit(b).cluster_centers_)
        best = max((quadratic_assignment(C_A @ C_A.T, C_B @ C_B.T, method="2opt",
                                         options={"maximize": True,
                                                  "rng": np.random.default_rng(
                                                      int(rng.integers(2**31)))})
                    for _ in range(restarts)), key=lambda r: r.fun)
        C_As.append(C_A)
        C_Bs.append(C_B[best.col_ind])
    return np.vstack(C_As), np.vstack(C_Bs)


def initial_map(X_A, X_B, C_A, C_B, k):
    """Relative representations, pseudo-pairs by full kNN, Procrustes."""
    R_A, R_B = _unit(X_A @ C_A.T), _unit(X_B @ C_B.T)
    return _procrustes(X_A, _knn_mean(R_A, R_B, X_B, k))


def refine1_step(W, X_A, X_B, n_s, k, alpha, rng):
    """One Refine-1 iteration."""
    A = X_A[rng.choice(len(X_A), min(n_s, len(X_A)), replace=False)]
    return (1 - alpha) * W + alpha * _procrustes(A, _knn_mean(_unit(A @ W), X_B, X_B, k))


def refine2(W, X_A, X_B, c, alpha, seed):
    """One Refine-2 round with default KMeans."""
    C_A = KMeans(c, random_state=seed).fit(X_A).cluster_centers_
    C_B = KMeans(c, init=C_A @ W, n_init=1, random_state=seed).fit(X_B).cluster_centers_
    return (1 - alpha) * W + alpha * _procrustes(C_A, C_B)


def evaluate(W, E_A, E_B):
    """Top-1 and mean rank with the full (n, n) similarity matrix."""
    S = _unit(E_A @ W) @ _unit(E_B).T
    ranks = 1 + (S > np.diag(S)[:, None]).sum(1)
    return float((ranks == 1).mean()), float(ranks.mean())
