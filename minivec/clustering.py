"""k-means centroids, seeded (paper steps 1 and 5)."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

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
    return km.fit(X).cluster_centers_.astype(np.float32)
