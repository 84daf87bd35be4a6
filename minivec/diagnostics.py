"""Diagnostics that explain why a stage works or fails.

Functions marked *oracle* use true pairs: they are for measuring and teaching only, never for
fitting or choosing hyperparameters.
"""

from __future__ import annotations

import numpy as np

from .anchors import AnchorRun, relative_representation
from .neighbors import topk
from .preprocess import unit_rows
from .qap import centroid_similarity, qap_objective


def similarity_correlation(P_A: np.ndarray, P_B: np.ndarray, n: int = 500,
                           shuffle: bool = False, random_state: int = 0) -> float:
    """Pearson correlation of the two spaces' pairwise cosine similarities (*oracle*).

    P_A: (m, d_A), P_B: (m, d_B) unit rows of the same m texts. Takes n rows, compares the
    off-diagonal entries of P_A P_A^T and P_B P_B^T. shuffle: break the pairing first (the
    control: correlation near 0). "Universal geometry" predicts a clearly positive value.
    """
    rng = np.random.default_rng(random_state)
    idx = rng.choice(len(P_A), min(n, len(P_A)), replace=False)
    idx_B = rng.permutation(idx) if shuffle else idx
    S_A, S_B = P_A[idx] @ P_A[idx].T, P_B[idx_B] @ P_B[idx_B].T
    off = ~np.eye(len(idx), dtype=bool)
    return float(np.corrcoef(S_A[off], S_B[off])[0, 1])


def true_partners(run: AnchorRun, W_true: np.ndarray) -> np.ndarray:
    """(c,) index of the B centroid (in the run's matched order) nearest to each A centroid
    mapped by a trusted map W_true (*oracle*, e.g. supervised Procrustes)."""
    return np.argmax((run.centroids_A @ W_true) @ run.centroids_B.T, axis=1)


def matched_fraction(run: AnchorRun, W_true: np.ndarray) -> float:
    """Fraction of centroids the QAP matched to their true counterparts (*oracle*).

    The matched order puts A centroid j against B centroid j, so a match is correct when
    ``true_partners(run, W_true)[j] == j``.
    """
    return float(np.mean(true_partners(run, W_true) == np.arange(len(run.centroids_A))))


def qap_margin(run: AnchorRun) -> dict:
    """How identifiable the matching is, from the data alone (no pairs).

    Returns best (the QAP objective), runner_up (the best objective among restarts that found
    another value), and gap: (best - runner_up) / |best|. A flat landscape (gap near 0) means
    many different matchings fit the similarities equally well.
    """
    obj = np.sort(np.unique(np.round(run.qap.objectives, 9)))[::-1]
    best = float(obj[0])
    runner = float(obj[1]) if len(obj) > 1 else best
    return {"best": best, "runner_up": runner, "gap": (best - runner) / abs(best)}


def true_matching_objective(run: AnchorRun, W_true: np.ndarray) -> float:
    """QAP objective of the oracle matching in the run's own terms (*oracle*): compare it with
    ``run.qap.objective`` to see whether the objective even prefers the truth."""
    S_A = centroid_similarity(run.centroids_A)
    S_B = centroid_similarity(run.centroids_B)
    perm = true_partners(run, W_true)
    if len(np.unique(perm)) < len(perm):  # not a permutation: nearest partners collide
        return float("nan")
    return qap_objective(S_A, S_B, perm)


def relative_top1(runs: list, E_A: np.ndarray, E_B: np.ndarray) -> float:
    """Top-1 retrieval of true pairs by nearest neighbour in relative space (*oracle*).

    E_A, E_B: (n, d) preprocessed held-out pairs. How well the relative representations of
    ``runs`` already identify the same text in both spaces.
    """
    R_A = relative_representation(E_A, runs, "A")
    R_B = relative_representation(E_B, runs, "B")
    idx, _ = topk(R_A, R_B, 1)
    return float(np.mean(idx[:, 0] == np.arange(len(E_A))))


def pseudo_pair_quality(targets: np.ndarray, true_B: np.ndarray) -> np.ndarray:
    """Cosine between each pseudo-pair target and the true B embedding of the same A text
    (*oracle*). targets, true_B: (n, d_B). Returns (n,) cosines."""
    return np.einsum("ij,ij->i", unit_rows(targets), unit_rows(true_B))
