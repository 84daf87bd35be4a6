"""Refinement of a map W (paper steps 4 and 5).

Refine-1 (matching): map a sample of A, average each mapped row's k' nearest B rows, fit
Procrustes, smooth. Its symmetric form (beyond the paper) also maps a sample of B back with
W^T and averages A rows, so that the pull of dense regions on one side's neighbour means is
balanced by the other's. Its transport form (beyond the paper, ``minivec.transport``)
matches the whole pools softly and one-to-one by an entropic transport plan. Refine-2
(clustering): k-means on A, map its centroids into B as the starting centroids of k-means on
B, fit Procrustes on the two centroid sets, smooth.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from tqdm.auto import tqdm

from ._checks import check_alpha, check_clusters, check_int, check_neighbors, check_tol
from ._parallel import parallel_blocks
from .clustering import kmeans_centroids, subsample
from .neighbors import knn_mean
from .preprocess import unit_rows
from .procrustes import procrustes, smooth
from .transport import DEFAULT_TAU, check_tau, transport_step

#: Refine-1's forms: the paper's k'-nearest-neighbour means, or entropic transport.
MATCHINGS = ("knn", "transport")


def check_matching(matching) -> str:
    """Refine-1's form: one of MATCHINGS."""
    if matching not in MATCHINGS:
        raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")
    return matching


def neighbor_pool(n_A: int, n_B: int, symmetric: bool, matching: str) -> int:
    """Rows Refine-1's k' must stay below: B's pool, or the smaller pool when neighbours are
    also searched among A's rows (the symmetric and transport forms)."""
    return min(n_A, n_B) if symmetric or matching == "transport" else n_B


def refine_matching_step(W: np.ndarray, A: np.ndarray, X_B: np.ndarray, k: int,
                         alpha: float, B: np.ndarray | None = None,
                         X_A: np.ndarray | None = None) -> tuple:
    """One Refine-1 iteration on the sampled A rows ``A``: (n_s, d_A); X_B: (n_B, d_B).

    Returns (W_new, match): W_new (d_A, d_B) = (1 - alpha) W + alpha * Procrustes(A, targets),
    targets being each mapped row's mean of its k nearest B rows; match, the mean cosine
    between the mapped rows and their targets before the update (the refinement's own
    objective, which needs no pairs). Symmetric form: given sampled B rows ``B``: (m_s, d_B)
    and the A pool X_A: (n_A, d_A), each B row mapped back by W^T is paired with the mean of
    its k nearest A rows too, and one Procrustes is fitted on both sets of pseudo-pairs.
    """
    targets, match = _neighbour_targets(W, A, X_B, k)
    if B is not None:
        A = np.concatenate([A, knn_mean(unit_rows(B @ W.T), X_A, k)])
        targets = np.concatenate([targets, B])
    return smooth(W, procrustes(A, targets), alpha), match


def _neighbour_targets(W: np.ndarray, A: np.ndarray, X_B: np.ndarray, k: int) -> tuple:
    """Refine-1's targets: each mapped row's mean of its k nearest B rows, (n_s, d_B), and the
    mean cosine between the mapped rows and their targets."""
    mapped = unit_rows(A @ W)
    targets = knn_mean(mapped, X_B, k)
    return targets, float(np.einsum("ij,ij->i", mapped, unit_rows(targets)).mean())


def matching_objective(W: np.ndarray, A: np.ndarray, X_B: np.ndarray, k: int = 50) -> float:
    """Refine-1's own objective, which needs no pairs: the mean cosine between the rows of
    A: (n, d_A) mapped by W: (d_A, d_B) and the means of their k nearest rows of X_B. Higher
    when mapped rows land in dense, consistent neighbourhoods of B."""
    return _neighbour_targets(W, A, X_B, k)[1]


#: Fewest iterations per window of Refine-1's convergence test (``settling_window``).
MIN_WINDOW = 5
#: Sampled A rows per dimension of A behind each window's average map.
ROWS_PER_DIM = 128
#: Default ``tol``: the straightness of a random walk, 1/sqrt(2) (see ``path_straightness``).
DEFAULT_TOL = 2 ** -0.5


def second_moment(X: np.ndarray) -> np.ndarray:
    """C = X^T X / n for rows X: (n, d) -> (d, d) float64.

    With it, ``sqrt(trace(D^T C D))`` is the root-mean-square distance the rows of X move
    when mapped by W + D instead of W: the size of a change D: (d, d_B) of a map, weighing
    directions by how much of the data lies along them.
    """
    X = np.asarray(X, np.float64)
    return X.T @ X / len(X)


def path_straightness(means: list, C: np.ndarray) -> float:
    """Displacement over path length of a map across two steps: a number in [0, 1].

    means: [M_1, M_2, M_3], each (d_A, d_B), the map averaged over three consecutive
    windows of iterations, oldest first; C: (d_A, d_A) ``second_moment`` of the A rows, so
    that |D| = sqrt(trace(D^T C D)) is how far mapped rows move. Returns
    |M_3 - M_1| / (|M_3 - M_2| + |M_2 - M_1|): about 1 while the map travels on in one
    direction (or has just jumped); 1/sqrt(2) for a random walk, whose steps are at right
    angles on average; about 0.5 once it only jitters around a resting point, each average
    off it by independent sampling noise (somewhat more in practice, as the jitter of
    consecutive windows is somewhat correlated).
    """
    def size(D):
        return np.sqrt(max(float(np.sum((C @ D) * D)), 0.0))

    path = size(means[2] - means[1]) + size(means[1] - means[0])
    return size(means[2] - means[0]) / path if path > 0 else 0.0


def settling_window(sample_size: int, d_A: int) -> int:
    """Iterations per window of ``SettlingTest`` when each iteration samples ``sample_size``
    rows of a d_A-dimensional A: at least MIN_WINDOW, and enough for ROWS_PER_DIM * d_A
    sampled rows. The jitter of a window's average map shrinks as more rows stand behind it,
    so smaller samples need longer windows to tell a slow drift from jitter. At the paper's
    settings on 384-d rows (n_s = 10,000) this is 5; on the classroom subset (n_s = 1,000)
    it is 50, where T = 100 ends before the earliest possible stop, after three windows.
    """
    return max(MIN_WINDOW, -(-ROWS_PER_DIM * d_A // sample_size))


class SettlingTest:
    """Refine-1's convergence test, which uses no pairs: feed it each new map W.

    X_A: (n_A, d_A) rows of A (they weigh the directions of a change of map); tol: a
    straightness threshold in [0, 1]; window: iterations per window (``settling_window``).
    Every ``window`` maps it averages the window; ``settled`` turns True once the last
    three averages have ``path_straightness`` below tol, that is once the averaged map
    wanders no more purposefully than tol allows.
    """

    def __init__(self, X_A: np.ndarray, tol: float, window: int):
        self.C, self.tol, self.window = second_moment(X_A), tol, window
        self.maps, self.means = [], []

    def settled(self, W: np.ndarray) -> bool:
        """Add map W: (d_A, d_B); True if the test has stopped Refine-1."""
        self.maps.append(W)
        if len(self.maps) < self.window:
            return False
        self.means = self.means[-2:] + [np.mean(self.maps, axis=0, dtype=np.float64)]
        self.maps = []
        return len(self.means) == 3 and path_straightness(self.means, self.C) < self.tol


def refine_matching(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, n_iter: int = 100,
                    sample_size: int | None = 10_000, k: int = 50, alpha: float = 0.5,
                    random_state: int | None = None,
                    callback: Callable[[int, np.ndarray], None] | None = None,
                    verbose: bool = True, tol: float | None = None,
                    symmetric: bool = False, matching: str = "knn",
                    tau: float = DEFAULT_TAU) -> np.ndarray:
    """Refine-1: up to ``n_iter`` matching iterations from W: (d_A, d_B); returns the final W.

    Each iteration draws ``sample_size`` rows of X_A afresh. ``callback(t, W)`` is called
    after iteration t (1-based), e.g. to record metrics.

    tol: None (the paper's way) runs all n_iter iterations. A number in [0, 1] stops early,
    by a test that needs no pairs (``SettlingTest``): average the maps of each window of
    iterations (``settling_window``: 5 at the paper's settings) and stop once the last
    three averages lie on a path less straight than tol (``path_straightness``), n_iter
    staying the cap; the earliest stop is after three windows. Larger tol stops sooner; 0
    never stops early.
    ``DEFAULT_TOL`` = 1/sqrt(2) is a principled value, not one fitted to the ladder: the
    straightness of a random walk, so Refine-1 stops once its averaged map no longer
    moves more consistently than a walk without direction. When it stopped and what that
    cost, on synthetic pairs and on the ladder, is in benchmarks/RESULTS.md ("Refine-1
    stop test").
    symmetric: also draw ``sample_size`` rows of X_B per iteration and pair them with A rows
    through W^T (see ``refine_matching_step``); False is the paper's Refine-1.
    matching: "knn", the paper's pseudo-pairs (each sampled A row with the mean of its k
    nearest B rows), or "transport" (beyond the paper): each iteration couples all of X_A
    with all of X_B by an entropic transport plan of temperature ``tau`` on each row's and
    column's k nearest candidates and fits Procrustes on the plan
    (``minivec.transport.transport_step``); it is deterministic, so ``sample_size``,
    ``symmetric`` and ``random_state`` do not apply to it.
    """
    n_iter = check_int(n_iter, "n_iter", 0)
    transport = check_matching(matching) == "transport"
    if transport:
        tau = check_tau(tau)
        sample_size = None
    k = check_neighbors(k, neighbor_pool(len(X_A), len(X_B), symmetric, matching),
                        "k' (Refine-1 neighbours)")
    alpha = check_alpha(alpha)
    rng = np.random.default_rng(random_state)
    test = None if check_tol(tol) is None else SettlingTest(
        X_A, tol, settling_window(min(sample_size or len(X_A), len(X_A)), X_A.shape[1]))
    bar = tqdm(range(1, n_iter + 1), desc="Refine-1", disable=not verbose, leave=False)
    with parallel_blocks():  # small products here, blocked searches in worker threads
        for t in bar:
            if transport:
                W, _ = transport_step(W, X_A, X_B, k, tau, alpha)
            else:
                A = subsample(X_A, sample_size, rng)
                B = subsample(X_B, sample_size, rng) if symmetric else None
                W, _ = refine_matching_step(W, A, X_B, k, alpha, B, X_A)
            if callback is not None:
                callback(t, W)
            if test is not None and test.settled(W):
                bar.close()
                break
    return W


def refine_clustering(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, n_clusters: int = 500,
                      alpha: float = 0.5, random_state: int | None = None,
                      C_A: np.ndarray | None = None) -> np.ndarray:
    """Refine-2: one clustering round. W: (d_A, d_B) -> smoothed (d_A, d_B) float32.

    k-means on A; the A centroids mapped by W start k-means on B; Procrustes between the
    A centroids and the B centroids they became. C_A: the (n_clusters, d_A) centroids of the
    k-means on A, ``kmeans_centroids(X_A, n_clusters, random_state)``, if computed already:
    they do not depend on W, so ``MiniVec2Vec`` clusters A while Refine-1 runs.
    """
    n_clusters = check_clusters(n_clusters, min(len(X_A), len(X_B)), "n_clusters (Refine-2)")
    alpha = check_alpha(alpha)
    if C_A is None:
        C_A = kmeans_centroids(X_A, n_clusters, random_state)
    elif np.shape(C_A) != (n_clusters, X_A.shape[1]):
        raise ValueError(f"C_A has shape {np.shape(C_A)}; Refine-2 needs the "
                         f"({n_clusters}, {X_A.shape[1]}) k-means centroids of X_A")
    C_B = kmeans_centroids(X_B, n_clusters, random_state, init=C_A @ W)
    return smooth(W, procrustes(C_A, C_B), alpha)
