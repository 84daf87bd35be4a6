"""Cluster matching by entropic Gromov-Wasserstein: a start for the hard pair (beyond the paper).

The paper matches c = 20 centroids a side by QAP on their similarity matrices. Between encoder
families (ladder level 3) that objective prefers wrong matchings, and the map it yields is at
chance. This start matches more, smaller clusters (c = 100 a side) *softly*: a coupling T
(c_A, c_B) with the clusters' sizes as marginals that maximises the Gromov-Wasserstein
agreement sum_{i,j,k,l} K_A[i,k] K_B[j,l] T[i,j] T[k,l] of the two centroid-similarity
kernels, found from many random couplings by annealed entropic steps (each a Sinkhorn
projection of the objective's gradient, the entropy weight eps shrinking from 1 to 0.01).
The restarts are ranked by that agreement, the best two give maps by Procrustes weighted by
their couplings, and a short Refine-1 probe from each is scored by Refine-1's own objective;
this is repeated for a few independent clusterings (rounds) and the best probe is kept.
Nothing here sees a pair. Between encoder families only a few restarts land near the true
correspondence, usually among the first few by agreement, and for some clusterings none
does: hence the probes and the rounds (notebook 09, section 3, shows the restarts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ._checks import check_clusters, check_int
from ._parallel import run_blocks, worker_starts
from .clustering import kmeans_centroids, subsample
from .preprocess import unit_rows
from .procrustes import procrustes
from .refine import matching_objective, refine_matching

#: Entropy weights of the annealed steps: geometric from the first to the last.
EPS_START, EPS_END = 1.0, 0.01
#: Annealed steps per restart, and Sinkhorn iterations per step (warm-started).
GW_STEPS, SINKHORN_ITER = 150, 20
#: Refine-1 probe of each of the best couplings: iterations, sampled rows, smoothing. alpha=1
#: (no smoothing) climbs out of a weak start fastest; Refine-1's own objective, which needs
#: no pairs, ranks it above alpha = 0.5 from these starts.
PROBE_ITER, PROBE_SAMPLE, PROBE_ALPHA = 30, 4000, 1.0


def sinkhorn(S: np.ndarray, a: np.ndarray, b: np.ndarray, n_iter: int = SINKHORN_ITER,
             g: np.ndarray | None = None) -> tuple:
    """The coupling proportional to exp(S) with row sums a and column sums b, in log space.

    S: (r, c_A, c_B) log-weights of r problems at once; a: (c_A,), b: (c_B,) positive weights
    summing to 1; g: (r, c_B) column potentials to start from (warm start), default 0.
    Returns (T, g): T (r, c_A, c_B) couplings (exact column sums, row sums converging to a),
    and the final column potentials.
    """
    check_int(n_iter, "n_iter", 1, why=" (Sinkhorn iterations: at least one scales the rows)")
    log_a, log_b = np.log(a), np.log(b)
    g = np.zeros((S.shape[0], S.shape[2])) if g is None else g
    for _ in range(n_iter):
        f = log_a - _logsumexp(S + g[:, None, :], axis=2)
        g = log_b - _logsumexp(S + f[:, :, None], axis=1)
    return np.exp(S + f[:, :, None] + g[:, None, :]), g


def _logsumexp(X: np.ndarray, axis: int) -> np.ndarray:
    """log(sum(exp(X), axis)) without overflow."""
    m = X.max(axis=axis, keepdims=True)
    return np.log(np.exp(X - m).sum(axis=axis)) + np.squeeze(m, axis)


def gw_agreement(K_A: np.ndarray, K_B: np.ndarray, T: np.ndarray) -> np.ndarray:
    """sum_{ijkl} K_A[i,k] K_B[j,l] T[i,j] T[k,l] for each coupling: the (negated, up to
    constants) Gromov-Wasserstein loss of inner-product kernels. K_A: (c_A, c_A), K_B:
    (c_B, c_B) symmetric; T: (r, c_A, c_B). Returns (r,) float, larger is better."""
    return np.einsum("rij,rij->r", K_A @ T @ K_B, T)


def gw_couplings(K_A: np.ndarray, K_B: np.ndarray, a: np.ndarray, b: np.ndarray,
                 n_restarts: int, rng: np.random.Generator) -> np.ndarray:
    """Annealed entropic GW from ``n_restarts`` random couplings.

    K_A: (c_A, c_A), K_B: (c_B, c_B) centred similarity kernels; a, b: cluster weights.
    Each step replaces T by the Sinkhorn coupling of the gradient K_A T K_B, standardised
    per restart so that one eps schedule suits every kernel. The restarts are independent:
    they run in batches, one per BLAS thread (``_parallel.run_blocks``), with the same
    result on any number of threads. Returns (n_restarts, c_A, c_B).
    """
    T, _ = sinkhorn(3.0 * rng.standard_normal((n_restarts, len(a), len(b))), a, b, 50)
    starts = worker_starts(n_restarts)

    def anneal(start):
        batch, g = T[start:start + starts.step], None
        for eps in np.geomspace(EPS_START, EPS_END, GW_STEPS):
            G = K_A @ batch @ K_B
            G = (G - G.mean(axis=(1, 2), keepdims=True)) / G.std(axis=(1, 2), keepdims=True)
            batch, g = sinkhorn(G / eps, a, b, SINKHORN_ITER, g)
        T[start:start + starts.step] = batch

    run_blocks(anneal, starts)
    return T


def cluster_weights(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Fraction of the rows of X: (n, d) nearest (Euclidean) to each centroid of C: (c, d)."""
    nearest = np.argmax(X @ C.T - 0.5 * np.sum(C * C, axis=1), axis=1)
    counts = np.bincount(nearest, minlength=len(C)) + 1.0  # +1: no empty cluster has weight 0
    return counts / counts.sum()


def centred_kernel(C: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit centroids C: (c, d), minus their mean: (c, c) float64."""
    K = C.astype(np.float64) @ C.T.astype(np.float64)
    return K - K.mean()


@dataclass(frozen=True)
class GWRound:
    """One clustering's search. centroids_A: (c, d_A), centroids_B: (c, d_B) unit centroids;
    agreement: (n_restarts,) GW agreement of every restart, best first; couplings:
    (n_restarts, c, c) float64 in the same order; probe_scores: (n_probes,) Refine-1's
    objective after the probe of each of the first n_probes restarts."""

    centroids_A: np.ndarray
    centroids_B: np.ndarray
    agreement: np.ndarray
    couplings: np.ndarray
    probe_scores: np.ndarray


@dataclass(frozen=True)
class GWStart:
    """What ``gw_start`` found: its ``GWRound`` list; chosen: (round, probe) of the map kept,
    the best probe score of all; W: (d_A, d_B) that map, after its probe."""

    rounds: list
    chosen: tuple
    W: np.ndarray


def gw_round(X_A: np.ndarray, X_B: np.ndarray, n_clusters: int, n_restarts: int,
             seed: int) -> GWRound:
    """k-means with ``n_clusters`` on each pool and ``n_restarts`` annealed GW couplings
    (``gw_couplings``), best agreement first; probe_scores left empty."""
    s_km, s_gw = (int(x) for x in np.random.SeedSequence(seed).generate_state(2))
    C_A = unit_rows(kmeans_centroids(X_A, n_clusters, s_km))
    C_B = unit_rows(kmeans_centroids(X_B, n_clusters, (s_km + 1) % 2**32))  # a valid seed
    K_A, K_B = centred_kernel(C_A), centred_kernel(C_B)
    T = gw_couplings(K_A, K_B, cluster_weights(X_A, C_A), cluster_weights(X_B, C_B),
                     n_restarts, np.random.default_rng(s_gw))
    agreement = gw_agreement(K_A, K_B, T)
    order = np.argsort(-agreement)
    return GWRound(C_A, C_B, agreement[order], T[order], np.empty(0))


def gw_start(X_A: np.ndarray, X_B: np.ndarray, n_clusters: int = 100, n_restarts: int = 64,
             n_rounds: int = 3, n_probes: int = 2, k: int = 50,
             random_state: int | None = None, verbose: bool = True) -> GWStart:
    """An initial map from entropic GW on k-means clusters (in place of paper steps 1-3).

    X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed unit rows. ``n_rounds`` independent
    clusterings, each searched by ``gw_round``; in each, the ``n_probes`` couplings with the
    largest agreement give W0 = Procrustes(C_A, T C_B) (weighted by the coupling), probed by
    PROBE_ITER Refine-1 iterations (k neighbours). The probe with the best
    ``matching_objective`` on one common sample of A is kept. Several rounds, because whether
    any restart lands near the true correspondence depends on the clustering: at level 3
    some clusterings have none among their best few by agreement.
    Returns a ``GWStart``.
    """
    n_clusters = check_clusters(n_clusters, min(len(X_A), len(X_B)), "gw_clusters")
    n_restarts = check_int(n_restarts, "gw_restarts", 1)
    n_rounds = check_int(n_rounds, "gw_rounds", 1)
    n_probes = min(check_int(n_probes, "n_probes", 1), n_restarts)  # no more than there are
    seeds = np.random.SeedSequence(random_state).generate_state(n_rounds + 1)
    rng = np.random.default_rng(int(seeds[-1]))
    A_score = subsample(X_A, PROBE_SAMPLE, rng)
    rounds, best = [], (-np.inf, None, None)
    for r in tqdm(range(n_rounds), desc="GW rounds", disable=not verbose, leave=False):
        found = gw_round(X_A, X_B, n_clusters, n_restarts, int(seeds[r]))
        scores = []
        for p, coupling in enumerate(found.couplings[:n_probes]):
            W = procrustes(found.centroids_A, coupling.astype(np.float32) @ found.centroids_B)
            W = refine_matching(W, X_A, X_B, PROBE_ITER, PROBE_SAMPLE, k, PROBE_ALPHA,
                                int(rng.integers(2**32)), verbose=False)
            scores.append(matching_objective(W, A_score, X_B, k))
            if scores[-1] > best[0]:
                best = (scores[-1], (r, p), W)
        rounds.append(GWRound(found.centroids_A, found.centroids_B, found.agreement,
                              found.couplings, np.array(scores)))
    return GWStart(rounds, best[1], best[2])
