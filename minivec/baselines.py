"""Reference maps: identity, random orthogonal, the supervised Procrustes ceiling, and
VecMap's fully unsupervised method (``vecmap``, from ``minivec.vecmap``), a peer method."""

from __future__ import annotations

import numpy as np
from scipy.stats import ortho_group

from ._checks import as_embeddings, check_pairs, check_same_dim
from .procrustes import procrustes
from .vecmap import VecMapResult, vecmap

__all__ = ["VecMapResult", "identity_map", "random_orthogonal", "supervised_procrustes",
           "vecmap"]


def identity_map(d_A: int, d_B: int) -> np.ndarray:
    """The identity map (d, d) float32: compare coordinates as they are (equal dims only)."""
    check_same_dim(d_A, d_B, "the identity map")
    return np.eye(d_A, dtype=np.float32)


def random_orthogonal(d_A: int, d_B: int | None = None, random_state=None) -> np.ndarray:
    """A Haar-random map (d_A, d_B) float32 with orthonormal rows or columns."""
    d_B = d_A if d_B is None else d_B
    d = max(d_A, d_B)
    Q = ortho_group.rvs(d, random_state=random_state) if d > 1 else np.ones((1, 1))
    return Q[:d_A, :d_B].astype(np.float32)


def supervised_procrustes(P_A, P_B) -> np.ndarray:
    """The ceiling: Procrustes on *true* pairs (row i of P_A is the text of row i of P_B).

    P_A: (n, d_A), P_B: (n, d_B) preprocessed rows. Returns (d_A, d_B) float32.
    """
    P_A, P_B = as_embeddings(P_A, "P_A"), as_embeddings(P_B, "P_B")
    check_pairs(P_A, P_B)
    return procrustes(P_A, P_B)
