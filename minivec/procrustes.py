"""Orthogonal Procrustes (paper steps 3-5) and the exponential smoothing of Refine-1/2."""

from __future__ import annotations

import numpy as np

from ._checks import check_alpha, check_pairs


def procrustes(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The orthogonal W minimising ||A W - B||_F, for row-vector matrices.

    A: (n, d_A), B: (n, d_B) paired rows. With U S V^T = SVD(A^T B), W = U V^T: (d_A, d_B)
    float32, orthogonal when d_A == d_B and with orthonormal rows or columns otherwise.
    """
    A = np.asarray(A, np.float64)
    B = np.asarray(B, np.float64)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"procrustes needs 2-D arrays, got shapes {A.shape} and {B.shape}")
    check_pairs(A, B)
    U, _, Vt = np.linalg.svd(A.T @ B, full_matrices=False)
    return (U @ Vt).astype(np.float32)


def smooth(W: np.ndarray, W_new: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential smoothing (1 - alpha) W + alpha W_new; alpha in (0, 1]. Same shape as W."""
    alpha = check_alpha(alpha)
    return ((1.0 - alpha) * W + alpha * W_new).astype(np.float32)
