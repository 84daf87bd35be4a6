"""Pseudo-pairs (paper step 3): neighbours in relative space, averaged in B space."""

from __future__ import annotations

import numpy as np

from ._checks import check_neighbors
from .neighbors import knn_mean


def pseudo_pairs(R_A: np.ndarray, R_B: np.ndarray, X_B: np.ndarray, k: int = 50) -> np.ndarray:
    """Target in B for every A row: the mean of the B rows nearest to it in relative space.

    R_A: (n_A, r) and R_B: (n_B, r) relative representations (unit rows); X_B: (n_B, d_B)
    preprocessed B rows aligned with R_B; k < n_B. Returns (n_A, d_B) float32 targets,
    row i paired with row i of A.
    """
    check_neighbors(k, len(R_B), "k (pseudo-pair neighbours)")
    return knn_mean(R_A, R_B, k, X_B)
