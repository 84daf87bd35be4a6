"""k-means centroids, seeded (paper steps 1 and 5)."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from ._checks import check_clusters


def subsample(X: np.ndarray, size: int | None, rng: np.random.Generator) -> np.ndarray:
    """At most ``size`` rows of X drawn without replacement (all of X if size is None)."""
    if size is None or size >= len(X):
        return X
    return X[np.sort(rng.choice(len(X), size, replace=False))]


def kmeans_centroids(X: np.ndarray, n_clusters: int, random_state: int,
                     init="k-means++", n_init: int = 1) -> np.ndarray:
    """Centroids of seeded k-means on the rows of X.

    X: (n, d) float32; ``init`` may be (n_clusters, d) starting centroids (Refine-2).
    Returns (n_clusters, d) float32 centroids.
    """
    n_clusters = check_clusters(n_clusters, len(X))
    km = KMeans(n_clusters=n_clusters, init=init, n_init=n_init, random_state=random_state)
    # One thread: the same centroids to the bit in any process (see anchor_ensemble's
    # n_jobs), and no threads spinning against each other on a busy 2-core machine.
    with threadpool_limits(limits=1):
        return km.fit(X).cluster_centers_.astype(np.float32)
