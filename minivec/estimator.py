"""``MiniVec2Vec``: the whole pipeline as one scikit-learn-style estimator."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.base import BaseEstimator

from ._blas import parallel_blocks
from ._checks import check_alpha, check_clusters, check_int, check_neighbors, check_tol
from .anchors import anchor_ensemble, centroid_procrustes, relative_representation
from .clustering import kmeans_centroids
from .gromov import gw_start
from .metrics import evaluate, nn_cosine
from .preprocess import center_normalize, prepare, unit_rows
from .procrustes import procrustes
from .pseudo_pairs import pseudo_pairs
from .refine import (DEFAULT_TOL, check_matching, neighbor_pool, refine_clustering,
                     refine_matching)
from .transport import DEFAULT_TAU, check_tau

#: Named settings on top of the defaults (``MiniVec2Vec(**METHODS[name])``). "paper": the
#: published method. "symmetric": the paper's, with symmetric Refine-1. "gw-transport" (beyond the paper, for different encoder families): the
#: Gromov-Wasserstein start, then Refine-1 by entropic transport at alpha = 1 for T = 60
#: iterations (the length tried on the development pair MiniLM-L3 -> e5-small; all 60 run,
#: since the straightness test was calibrated on the sampled Refine-1) and no Refine-2 (a
#: round of it lowered held-out top-1 between families, from about 0.93 to 0.88).
METHODS = {"paper": {}, "symmetric": {"symmetric": True},
           "gw-transport": {"init": "gw", "matching": "transport", "alpha": 1.0,
                            "n_iter": 60, "tol": None, "refine_clusters": 0}}
#: Rows of A used for the unsupervised nearest-neighbour signal in ``history_``.
SIGNAL_ROWS = 1000
#: The start's hyperparameters, per ``init``: changing any of them recomputes the start.
_START_PARAMS = {"anchors": ("n_runs", "n_clusters", "qap_restarts", "anchor_sample"),
                 "gw": ("gw_clusters", "gw_restarts", "gw_rounds", "n_neighbors")}


class MiniVec2Vec(BaseEstimator):
    """Unsupervised linear alignment of embedding space A to space B (mini-vec2vec).

    Defaults are the paper's hyperparameters, except that Refine-1 stops early by its
    pairs-free convergence test (``tol``), with the paper's T as the cap; ``tol=None`` runs
    all T iterations as the paper does.

    Parameters
    ----------
    init : how the initial map is found. "anchors" (the paper's steps 1-3): the ensemble of
        k-means + QAP anchor runs, relative representations, pseudo-pairs, Procrustes.
        "gw" (beyond the paper, for pairs of different encoder families): entropic
        Gromov-Wasserstein matching of ``gw_clusters`` clusters a side from ``gw_restarts``
        random couplings, ranked by their agreement, the best two probed by a short Refine-1,
        over ``gw_rounds`` clusterings (``minivec.gromov.gw_start``); use it with alpha=1.0,
        whose faster climb out of a weak start Refine-1's own objective prefers
        (``matching_objective``), or as ``METHODS["gw-transport"]``.
    n_runs : anchor runs s in the ensemble (30).
    n_clusters : k-means clusters c per anchor run (20).
    qap_restarts : 2-opt restarts per QAP (30).
    anchor_sample : rows each anchor k-means sees (10,000; None for all).
    n_neighbors : k, relative-space neighbours averaged per pseudo-pair (50); with
        init="gw", the neighbours of its Refine-1 probes.
    gw_clusters : k-means clusters a side matched by init="gw" (100).
    gw_restarts : random starting couplings per clustering of init="gw" (64).
    gw_rounds : independent clusterings searched by init="gw" (3).
    use_relative : True for the paper's pseudo-pairs; False for the section 6.3 variant,
        Procrustes straight on the matched centroids.
    symmetric : False for the paper's Refine-1; True to pair sampled B rows with A rows
        through W^T as well in every iteration (beyond the paper; see
        ``minivec.refine.refine_matching_step``). Costs twice the neighbour search.
    matching : Refine-1's form. "knn" (the paper's): each sampled A row is paired with the
        mean of its k' nearest B rows. "transport" (beyond the paper, ``minivec.transport``):
        every iteration couples the whole pools by an entropic transport plan (uniform
        marginals, temperature ``tau``, each row's and column's k' nearest candidates) and
        fits Procrustes on it; deterministic, so it ignores ``refine_sample`` and
        ``symmetric``.
    tau : temperature of the transport plan (0.04), with matching="transport".
    n_iter : T, Refine-1 iterations (100; 0 skips Refine-1).
    refine_sample : n_s, A rows sampled per Refine-1 iteration (10,000).
    refine_neighbors : k', B neighbours averaged per mapped row in Refine-1 (50).
    refine_clusters : c', k-means clusters of Refine-2 (500; 0 skips Refine-2).
    alpha : smoothing weight of both refinements, in (0, 1] (0.5).
    tol : straightness threshold in [0, 1] of Refine-1's early stop, which needs no pairs,
        with n_iter as the cap (``refine_matching``; default
        ``minivec.refine.DEFAULT_TOL`` = 1/sqrt(2)); None (the paper's way) runs all n_iter
        iterations.
    eval_every : record the unsupervised signal and, with ``eval_pairs``, the held-out
        scores every this many Refine-1 iterations (and always at the end of each stage).
    n_jobs : processes for the anchor runs (None: 1; -1: all cores); the result does not
        depend on it.
    random_state : int for exact reproducibility (same int, same ``W_`` to the bit), or None.
    verbose : progress bars.

    Attributes
    ----------
    W_ : (d_A, d_B) float32, the learned map (rows of preprocessed A times W_ land in B).
    W_initial_ : (d_A, d_B) the map after the anchor stage.
    n_iter_ : Refine-1 iterations actually run (fewer than n_iter when tol stopped it).
    mean_A_, mean_B_ : training means used by ``transform`` / ``inverse_transform``.
    anchor_runs_ : list of ``AnchorRun``, each run's centroids and QAP result (empty with
        init="gw").
    gw_start_ : the ``GWStart`` of init="gw" (its rounds' agreements, couplings and probe
        scores), or None.
    history_ : list of dicts, one per stage and per Refine-1 iteration: stage, iteration,
        seconds (since fit start); rows at the end of each stage and every ``eval_every``
        Refine-1 iterations also hold nn_cosine (unsupervised) and with ``eval_pairs``
        mean_cosine, top1, mean_rank, pool_size.
    """

    def __init__(self, init="anchors", n_runs=30, n_clusters=20, qap_restarts=30,
                 anchor_sample=10_000, n_neighbors=50, use_relative=True, n_iter=100,
                 refine_sample=10_000, refine_neighbors=50, refine_clusters=500, alpha=0.5,
                 tol=DEFAULT_TOL, symmetric=False, matching="knn", tau=DEFAULT_TAU,
                 gw_clusters=100, gw_restarts=64, gw_rounds=3, eval_every=1, n_jobs=None,
                 random_state=None, verbose=True):
        self.init = init
        self.n_runs = n_runs
        self.n_clusters = n_clusters
        self.qap_restarts = qap_restarts
        self.anchor_sample = anchor_sample
        self.n_neighbors = n_neighbors
        self.use_relative = use_relative
        self.n_iter = n_iter
        self.refine_sample = refine_sample
        self.refine_neighbors = refine_neighbors
        self.refine_clusters = refine_clusters
        self.alpha = alpha
        self.tol = tol
        self.symmetric = symmetric
        self.matching = matching
        self.tau = tau
        self.gw_clusters = gw_clusters
        self.gw_restarts = gw_restarts
        self.gw_rounds = gw_rounds
        self.eval_every = eval_every
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X_A, X_B, eval_pairs=None):
        """Learn W_ from unpaired pools X_A: (n_A, d_A) and X_B: (n_B, d_B).

        eval_pairs: optional (E_A, E_B) held-out pairs, used only to score ``history_``.
        Returns self.
        """
        E_A, E_B = eval_pairs if eval_pairs is not None else (None, None)
        data = prepare(X_A, X_B, E_A, E_B)
        X_A, X_B = data.X_A, data.X_B
        self._check_params(len(X_A), len(X_B))
        seeds = np.random.SeedSequence(self.random_state).generate_state(4)
        signal_rng = np.random.default_rng(int(seeds[3]))
        signal_A = X_A[signal_rng.choice(len(X_A), min(SIGNAL_ROWS, len(X_A)), replace=False)]
        self.mean_A_, self.mean_B_ = data.mean_A, data.mean_B
        self.history_ = []
        t0 = time.perf_counter()

        def signals(W):
            """The unsupervised signal and, with pairs, the held-out scores of map W."""
            row = {"nn_cosine": nn_cosine(W, signal_A, X_B)}
            if data.E_A is not None:
                row.update(evaluate(W, data.E_A, data.E_B).as_dict())
            return row

        self.anchor_runs_, self.gw_start_, W = self._start(X_A, X_B, int(seeds[0]))
        self.W_initial_ = W
        # One helper thread works beside the refinements: first Refine-2's k-means on A (it
        # needs no map), then the scores of the recorded maps before the last. Under
        # parallel_blocks it runs on one BLAS thread and scores serially, so its numbers never
        # depend on timing. On the classroom subset it took the explorer's default fit from
        # 0.75 s to 0.66 s; scoring the last map here, on every core, instead of waiting for
        # the helper to reach it, took a T = 25 fit from 0.89 s to 0.79 s on a later machine.
        # The helper is shut down (queued work dropped, running work awaited) inside
        # parallel_blocks even on an error, so that it never sees the BLAS limit change.
        helper = ThreadPoolExecutor(1)
        with parallel_blocks():
            try:
                W = self._refine(W, X_A, X_B, seeds, helper, signals, t0)
            finally:
                helper.shutdown(cancel_futures=True)
        self.W_ = W
        self.n_features_in_ = X_A.shape[1]
        return self

    def _refine(self, W, X_A, X_B, seeds, helper, signals, t0):
        """Steps 4 and 5 from the initial map W, appending to ``history_`` (from its "initial"
        row on); ``signals(W)`` and Refine-2's k-means on A run in the thread pool ``helper``,
        except for the fit's final map, which is scored in this thread with every core once
        nothing is left to run beside it (unless Refine-1's test stopped it at an iteration
        already sent to the helper, with no Refine-2 after it); which thread scores a row
        never depends on timing. Returns the final W once every score is in."""
        centroids_A = helper.submit(kmeans_centroids, X_A, self.refine_clusters,
                                    int(seeds[2])) if self.refine_clusters else None
        scores, done = [], []

        def record(stage, W, iteration=0, score=True):
            row = {"stage": stage, "iteration": iteration,
                   "seconds": round(time.perf_counter() - t0, 3)}
            self.history_.append(row)
            if score:
                scores.append((row, helper.submit(signals, W)))

        def scored(row):
            return any(r is row for r, _ in scores)

        def on_iteration(t, W):
            done.append(t)
            record("refine1", W, t, t % self.eval_every == 0 and t < self.n_iter)

        record("initial", W, score=bool(self.n_iter or self.refine_clusters))
        if self.n_iter:
            W = refine_matching(W, X_A, X_B, self.n_iter, self.refine_sample,
                                self.refine_neighbors, self.alpha, int(seeds[1]),
                                callback=on_iteration, verbose=self.verbose, tol=self.tol,
                                symmetric=self.symmetric, matching=self.matching, tau=self.tau)
            if self.refine_clusters and not scored(self.history_[-1]):  # beside Refine-2
                scores.append((self.history_[-1], helper.submit(signals, W)))
        self.n_iter_ = len(done)
        if self.refine_clusters:
            W = refine_clustering(W, X_A, X_B, self.refine_clusters, self.alpha, int(seeds[2]),
                                  centroids_A.result())
            record("refine2", W, score=False)
        if not scored(self.history_[-1]):
            self.history_[-1].update(signals(W))
        for row, future in scores:
            row.update(future.result())
        return W

    def _check_params(self, n_A: int, n_B: int):
        """Every hyperparameter, against the pool sizes n_A and n_B, before any work."""
        n = min(n_A, n_B)
        if self.init not in _START_PARAMS:
            raise ValueError(f"init must be one of {sorted(_START_PARAMS)}, got {self.init!r}")
        if self.init == "gw":
            check_clusters(self.gw_clusters, n, "gw_clusters")
            check_int(self.gw_restarts, "gw_restarts", 1)
            check_int(self.gw_rounds, "gw_rounds", 1)
        check_clusters(self.n_clusters, min(n, self.anchor_sample or n))
        check_neighbors(self.n_neighbors, n_B, "n_neighbors")
        if check_matching(self.matching) == "transport":
            check_tau(self.tau)
        if self.n_iter:
            check_neighbors(self.refine_neighbors,
                            neighbor_pool(n_A, n_B, self.symmetric, self.matching),
                            "refine_neighbors")
        if self.refine_clusters:
            check_clusters(self.refine_clusters, n, "refine_clusters")
        check_int(self.n_runs, "n_runs", 1)
        check_int(self.qap_restarts, "qap_restarts", 1)
        check_int(self.n_iter, "n_iter", 0)
        check_int(self.refine_clusters, "refine_clusters", 0)
        check_int(self.eval_every, "eval_every", 1)
        check_alpha(self.alpha)
        check_tol(self.tol)

    def _start(self, X_A, X_B, seed):
        """The initial map: steps 1-3 or the GW start (``init``). Returns (anchor runs, GW
        start or None, W). Cached per data, seed and the start's hyperparameters when
        random_state is an int, so refitting with only Refine settings changed skips it."""
        key = None
        if self.random_state is not None:
            digest = hashlib.blake2b(X_A.tobytes(), digest_size=16)
            digest.update(X_B.tobytes())
            key = (digest.hexdigest(), seed, self.init) + tuple(
                getattr(self, p) for p in _START_PARAMS[self.init])
        cache = self.__dict__.get("_cache")
        if key is None or cache is None or cache["key"] != key:
            if self.init == "gw":
                runs, start = [], gw_start(X_A, X_B, self.gw_clusters, self.gw_restarts,
                                           self.gw_rounds, k=self.n_neighbors,
                                           random_state=seed, verbose=self.verbose)
            else:
                runs, start = anchor_ensemble(X_A, X_B, self.n_runs, self.n_clusters,
                                              self.qap_restarts, self.anchor_sample, seed,
                                              self.verbose, self.n_jobs), None
            cache = self._cache = {"key": key, "runs": runs, "gw": start, "maps": {}}
        if cache["gw"] is not None:
            return [], cache["gw"], cache["gw"].W
        mkey = (self.use_relative, self.n_neighbors)
        if mkey not in cache["maps"]:
            cache["maps"][mkey] = self._initial_map(X_A, X_B, cache["runs"])
        return cache["runs"], None, cache["maps"][mkey]

    def _initial_map(self, X_A, X_B, runs):
        """Step 3 (pseudo-pairs, then Procrustes) or the section 6.3 variant."""
        if not self.use_relative:
            return centroid_procrustes(runs)
        targets = pseudo_pairs(relative_representation(X_A, runs, "A"),
                               relative_representation(X_B, runs, "B"), X_B, self.n_neighbors)
        return procrustes(X_A, targets)

    # -- using the map ---------------------------------------------------------------------
    def transform(self, X_A):
        """Map rows of space A into space B. X_A: (n, d_A) raw -> (n, d_B) unit rows,
        comparable by cosine with B rows preprocessed by B's training mean."""
        self._check_fitted()
        return unit_rows(center_normalize(X_A, self.mean_A_, "X_A") @ self.W_)

    def inverse_transform(self, X_B):
        """Map rows of space B back into space A with W_.T. X_B: (n, d_B) raw -> (n, d_A)."""
        self._check_fitted()
        return unit_rows(center_normalize(X_B, self.mean_B_, "X_B") @ self.W_.T)

    def score(self, E_A, E_B) -> float:
        """Top-1 retrieval accuracy of W_ on held-out pairs (raw rows)."""
        return self.evaluate(E_A, E_B).top1

    def evaluate(self, E_A, E_B):
        """``Scores`` of W_ on held-out pairs given as raw rows."""
        self._check_fitted()
        return evaluate(self.W_, center_normalize(E_A, self.mean_A_, "E_A"),
                        center_normalize(E_B, self.mean_B_, "E_B"))

    def _check_fitted(self):
        if not hasattr(self, "W_"):
            raise ValueError("this MiniVec2Vec is not fitted yet: call fit(X_A, X_B) first")

