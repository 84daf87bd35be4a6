"""Orthogonal Procrustes (paper steps 3-5) and the exponential smoothing of Refine-1/2."""

from __future__ import annotations

import numpy as np
from scipy.linalg import svd

from ._checks import check_alpha, check_pairs
from ._parallel import cross_product, one_blas_thread


def procrustes(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The orthogonal W minimising ||A W - B||_F, for row-vector matrices.

    A: (n, d_A), B: (n, d_B) paired rows. With U S V^T = SVD(A^T B), W = U V^T: (d_A, d_B)
    float32, orthogonal when d_A == d_B and with orthonormal rows or columns otherwise.
    Computed in float32 like the rest of the pipeline (LAPACK's divide-and-conquer SVD),
    which keeps W orthogonal to about 1e-6 at a fraction of the float64 cost; the SVD runs
    on one thread (``one_blas_thread``).
    """
    A = np.asarray(A, np.float32)
    B = np.asarray(B, np.float32)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"procrustes needs 2-D arrays, got shapes {A.shape} and {B.shape}")
    check_pairs(A, B)
    return polar(cross_product(A, B))


def polar(M: np.ndarray) -> np.ndarray:
    """The orthogonal factor U V^T of M: (d_A, d_B), U S V^T = SVD(M): the map W that
    maximises trace(W^T M), i.e. Procrustes given the cross-product M = A^T B of paired rows
    (or any weighted sum of them, as ``minivec.transport`` uses). Returns (d_A, d_B) float32;
    the SVD runs in float32 on one thread.
    """
    M = np.asarray(M, np.float32)
    with one_blas_thread():
        U, _, Vt = svd(M, full_matrices=False, lapack_driver="gesdd", check_finite=False)
    return U @ Vt


def smooth(W: np.ndarray, W_new: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential smoothing (1 - alpha) W + alpha W_new; alpha in (0, 1]. Same shape as W."""
    alpha = check_alpha(alpha)
    return ((1.0 - alpha) * W + alpha * W_new).astype(np.float32)
