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


def kmeans_plusplus(X: np.ndarray, n_clusters: int,
                    random_state: np.random.RandomState) -> np.ndarray:
    """Greedy k-means++ seeding (Arthur and Vassilvitskii): (n_clusters,) int row indices.

    X: (n, d) float32 rows, centred as ``KMeans`` centres them; random_state: the generator
    to draw from (several seedings from one generator follow one another, as KMeans's
    ``n_init`` runs do). The first seed is a uniform draw; each next one is the best, by the
    summed squared distances to the nearest seed, of 2 + log k rows
    drawn with probability proportional to that squared distance.

    This is scikit-learn's default seeding computed the way it computes it, float64
    distances rounded to float32, so the seeds are its seeds to the bit (tested); but X is
    converted to float64 and its squared norms taken once, not again for every seed, which
    makes the seeding several times faster (benchmarks/RESULTS.md). What remains is reading
    the float64 rows once a seed (memory-bound products of n_trials rows with all).
    """
    n = len(X)
    n_trials = 2 + int(np.log(n_clusters))
    X64 = X.astype(np.float64)
    sq_norms = np.einsum("ij,ij->i", X64, X64)
    # scikit-learn's unit sample weights: its sums are products with them, which round
    # differently from np.sum
    weights = np.ones(n, X.dtype)

    def sq_distances(rows):
        """Squared distances of the rows ``rows`` to every row: (len(rows), n) float32."""
        R = X64[rows]
        D = -2 * (R @ X64.T)
        D += np.einsum("ij,ij->i", R, R)[:, None]
        D += sq_norms
        return np.maximum(D.astype(np.float32), 0)

    seeds = np.empty(n_clusters, np.int64)
    seeds[0] = random_state.choice(n, p=weights / weights.sum())
    closest = sq_distances(seeds[:1])
    potential = closest @ weights
    for c in range(1, n_clusters):
        draws = random_state.uniform(size=n_trials) * potential
        trials = np.minimum(np.searchsorted(np.cumsum(closest), draws), n - 1)
        D = np.minimum(closest, sq_distances(trials))
        potentials = D @ weights[:, None]
        best = np.argmin(potentials)
        potential, closest, seeds[c] = potentials[best], D[best], trials[best]
    return seeds


def kmeans_centroids(X: np.ndarray, n_clusters: int, random_state: int,
                     init="k-means++", n_init: int = 1) -> np.ndarray:
    """Centroids of seeded k-means on the rows of X (scikit-learn's ``KMeans``, Lloyd).

    X: (n, d) float32; ``init``: "k-means++" (``kmeans_plusplus``; with ``n_init`` > 1 the
    run of lowest inertia is kept, the first among equals) or (n_clusters, d) starting
    centroids (Refine-2). Returns (n_clusters, d) float32 centroids: with n_init=1 those of
    ``KMeans(n_clusters, init=init, n_init=1, random_state=random_state)`` to the bit.
    """
    n_clusters = check_clusters(n_clusters, len(X))
    X = np.ascontiguousarray(X, np.float32)
    if isinstance(init, str) and init == "k-means++":
        rng, centred = np.random.RandomState(random_state), X - X.mean(axis=0)
        starts = [X[kmeans_plusplus(centred, n_clusters, rng)] for _ in range(n_init)]
    else:
        starts = [init]
    # One thread: the same centroids to the bit in any process (see anchor_ensemble's
    # n_jobs), and no threads spinning against each other on a busy 2-core machine.
    with threadpool_limits(limits=1):
        runs = [KMeans(n_clusters, init=start, n_init=1, random_state=random_state).fit(X)
                for start in starts]
    return min(runs, key=lambda km: km.inertia_).cluster_centers_.astype(np.float32)
