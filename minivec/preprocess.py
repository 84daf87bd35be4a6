"""Step 0 of the paper: centre each space on its training mean, scale rows to unit length."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_embeddings, check_pairs


def training_mean(X, name: str = "X") -> np.ndarray:
    """Mean row of a training pool. X: (n, d) -> (d,) float32."""
    return as_embeddings(X, name).mean(axis=0, dtype=np.float64).astype(np.float32)


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Scale each row of a float array to unit length (zero rows stay zero). (n, d) -> (n, d)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.maximum(norms, np.finfo(np.float32).tiny)


def center_normalize(X, mean, name: str = "X") -> np.ndarray:
    """Centre rows on ``mean`` (a *training* mean) and scale to unit length.

    X: (n, d) any float; mean: (d,) -> (n, d) float32 unit rows. Use the training pool's mean
    for held-out rows too, as the paper does.
    """
    X = as_embeddings(X, name)
    mean = np.asarray(mean, np.float32)
    if mean.shape != (X.shape[1],):
        raise ValueError(f"{name} has {X.shape[1]} columns, but the training mean it is "
                         f"centred on has {mean.shape[0] if mean.ndim == 1 else mean.shape}")
    return unit_rows(X - mean)


@dataclass(frozen=True)
class Prepared:
    """Both spaces after step 0. X_A: (n_A, d_A), X_B: (n_B, d_B) training pools; E_A, E_B:
    (n_eval, d) held-out pairs or None; mean_A, mean_B: the training means used."""

    X_A: np.ndarray
    X_B: np.ndarray
    E_A: np.ndarray | None
    E_B: np.ndarray | None
    mean_A: np.ndarray
    mean_B: np.ndarray


def prepare(X_A, X_B, E_A=None, E_B=None) -> Prepared:
    """Step 0 on both spaces: training means from X_A and X_B, applied to the pairs too."""
    mean_A, mean_B = training_mean(X_A, "X_A"), training_mean(X_B, "X_B")
    if (E_A is None) != (E_B is None):
        raise ValueError("give both sides of the evaluation pairs (E_A and E_B) or neither")
    if E_A is not None:
        check_pairs(np.asarray(E_A), np.asarray(E_B))
        for name, E, mean in (("A", E_A, mean_A), ("B", E_B, mean_B)):
            if np.ndim(E) == 2 and np.shape(E)[1] != len(mean):
                raise ValueError(f"E_{name} has {np.shape(E)[1]} columns but X_{name} has "
                                 f"{len(mean)}: held-out rows must come from the pool's space")
        E_A, E_B = center_normalize(E_A, mean_A, "E_A"), center_normalize(E_B, mean_B, "E_B")
    return Prepared(center_normalize(X_A, mean_A, "X_A"), center_normalize(X_B, mean_B, "X_B"),
                    E_A, E_B, mean_A, mean_B)
