"""Anchor discovery (paper steps 1-2): matched k-means centroids and relative representations.

One anchor run clusters A and B independently, matches the two centroid sets by QAP, and
re-orders B's centroids so that centroid j of A and centroid j of B are taken to be the same
region. The ensemble repeats this s times with independent seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ._checks import check_clusters, check_int
from .clustering import kmeans_centroids, subsample
from .preprocess import unit_rows
from .qap import QAPResult, centroid_similarity, match_centroids


@dataclass(frozen=True)
class AnchorRun:
    """One run of step 1. centroids_A: (c, d_A) unit rows; centroids_B: (c, d_B) unit rows,
    already re-ordered so that row j matches row j of centroids_A; qap: the matching."""

    centroids_A: np.ndarray
    centroids_B: np.ndarray
    qap: QAPResult


def anchor_run(X_A: np.ndarray, X_B: np.ndarray, n_clusters: int = 20, restarts: int = 30,
               sample_size: int | None = 10_000, random_state: int | None = None) -> AnchorRun:
    """k-means on each space (on a random subsample), QAP matching of the centroids.

    X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed rows. Returns an ``AnchorRun``.
    """
    check_clusters(n_clusters, min(len(X_A), len(X_B), sample_size or np.inf))
    ss = np.random.SeedSequence(random_state)
    s_sample, s_km, s_qap = (int(x) for x in ss.generate_state(3))
    rng = np.random.default_rng(s_sample)
    C_A = unit_rows(kmeans_centroids(subsample(X_A, sample_size, rng), n_clusters, s_km))
    # B's k-means seed: the one after A's, wrapped into the seeds k-means accepts (< 2**32)
    s_km_B = (s_km + 1) % 2**32
    C_B = unit_rows(kmeans_centroids(subsample(X_B, sample_size, rng), n_clusters, s_km_B))
    qap = match_centroids(centroid_similarity(C_A), centroid_similarity(C_B), restarts, s_qap)
    return AnchorRun(C_A, C_B[qap.perm], qap)


def anchor_ensemble(X_A: np.ndarray, X_B: np.ndarray, n_runs: int = 30, n_clusters: int = 20,
                    restarts: int = 30, sample_size: int | None = 10_000,
                    random_state: int | None = None, verbose: bool = True,
                    n_jobs: int | None = None) -> list:
    """``n_runs`` independent anchor runs (step 2's ensemble). Returns a list of ``AnchorRun``.

    n_jobs: worker processes (joblib; None is 1, -1 all cores). Every run has its own seed
    and k-means runs single-threaded, so any n_jobs gives the same runs to the bit.
    """
    n_runs = check_int(n_runs, "n_runs", 1)
    seeds = np.random.SeedSequence(random_state).generate_state(n_runs)
    jobs = (delayed(anchor_run)(X_A, X_B, n_clusters, restarts, sample_size, int(seed))
            for seed in seeds)
    runs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    return list(tqdm(runs, total=n_runs, desc="anchor runs", disable=not verbose, leave=False))


def relative_representation(X: np.ndarray, runs: list, side: str) -> np.ndarray:
    """Concatenated relative representation of X against the runs' matched centroids.

    X: (n, d) unit rows of space ``side`` ("A" or "B"). Each run contributes the c cosines
    [cos(x, c_1), ..., cos(x, c_c)]; the result is (n, s*c) float32, rows scaled to unit length
    so that nearest neighbours in relative space are taken by cosine.
    """
    if side not in ("A", "B"):
        raise ValueError(f"side must be 'A' or 'B', got {side!r}")
    C = np.concatenate([r.centroids_A if side == "A" else r.centroids_B for r in runs])
    return unit_rows(X @ C.T)


def centroid_procrustes(runs: list) -> np.ndarray:
    """Section 6.3 variant: Procrustes straight on all runs' matched centroids.

    Returns (d_A, d_B) float32, the map fitted on the s*c centroid pairs.
    """
    from .procrustes import procrustes

    return procrustes(np.concatenate([r.centroids_A for r in runs]),
                      np.concatenate([r.centroids_B for r in runs]))
