"""Input checks shared by every stage: clear ``ValueError``s instead of NumPy tracebacks."""

from __future__ import annotations

import numbers

import numpy as np


def as_embeddings(X, name: str = "X", min_rows: int = 1) -> np.ndarray:
    """Return ``X`` as a C-contiguous (n, d) float32 array, or raise ``ValueError``.

    Rejects: not 2-D, fewer than ``min_rows`` rows, zero columns, NaN or inf, all-zero rows.
    """
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of embeddings: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows x dimensions), got shape {arr.shape}")
    n, d = arr.shape
    if d == 0:
        raise ValueError(f"{name} has no columns (shape {arr.shape})")
    if n < min_rows:
        raise ValueError(f"{name} has {n} rows; at least {min_rows} are needed")
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
        raise ValueError(f"{name} contains NaN or inf in {bad.size} rows (first: row {bad[0]})")
    zero = np.flatnonzero(~arr.any(axis=1))
    if zero.size:
        raise ValueError(f"{name} has {zero.size} all-zero rows (first: row {zero[0]}); "
                         "a zero vector has no direction to align")
    return np.ascontiguousarray(arr)


def check_same_dim(d_A: int, d_B: int, what: str) -> None:
    """Raise if two spaces differ in dimension where ``what`` needs equal ones."""
    if d_A != d_B:
        raise ValueError(f"{what} needs equal dimensions, got {d_A} (A) and {d_B} (B)")


def check_pairs(E_A: np.ndarray, E_B: np.ndarray) -> None:
    """Raise unless ``E_A`` and ``E_B`` have one row per pair (same row count)."""
    if len(E_A) != len(E_B):
        raise ValueError(f"evaluation pairs must have equal lengths: {len(E_A)} rows in A, "
                         f"{len(E_B)} in B (row i of one is the same text as row i of the other)")


def check_int(value, name: str, low: int, high: float = np.inf, why: str = "") -> int:
    """Return ``value`` as int if ``low <= value <= high``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        bound = f">= {low}" if high == np.inf else f"between {low} and {high}"
        raise ValueError(f"{name}={value} must be {bound}{why}")
    return int(value)


def check_clusters(n_clusters, n_rows: int, name: str = "n_clusters", hint: str = "") -> int:
    """Number of clusters: at least 2 and no more than the rows to cluster; ``hint`` is
    added to the message (e.g. how to skip the step)."""
    return check_int(n_clusters, name, 2, n_rows, f" (only {n_rows} rows to cluster){hint}")


def check_neighbors(k, pool: int, name: str = "k") -> int:
    """Neighbour count: at least 1 and strictly smaller than the candidate pool."""
    return check_int(k, name, 1, pool - 1, f" (k must be smaller than the pool of {pool} rows)")


def check_bool(value, name: str) -> bool:
    """A switch: True or False (NumPy's bools too), else ``ValueError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_alpha(alpha) -> float:
    """Smoothing weight in (0, 1]."""
    if not isinstance(alpha, numbers.Real) or not 0.0 < float(alpha) <= 1.0:
        raise ValueError(f"alpha must lie in (0, 1], got {alpha!r}")
    return float(alpha)


def check_map(W, d_A: int, d_B: int) -> np.ndarray:
    """Return ``W`` as a (d_A, d_B) float32 array, or raise naming the expected shape."""
    W = np.asarray(W, dtype=np.float32)
    if W.shape != (d_A, d_B):
        raise ValueError(f"map W has shape {W.shape}, expected ({d_A}, {d_B}) "
                         "for rows of A with d_A columns mapped into B's d_B")
    return W


def check_tol(tol):
    """Convergence threshold of Refine-1: None (no early stop) or a real number in [0, 1]."""
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, numbers.Real)
                            or not 0 <= tol <= 1):
        raise ValueError(f"tol must be None or a number in [0, 1] (a straightness threshold; "
                         f"minivec.refine.DEFAULT_TOL is 0.71), got {tol!r}")
    return tol
