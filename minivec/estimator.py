"""``MiniVec2Vec``: the whole pipeline as one scikit-learn-style estimator."""

from __future__ import annotations

import hashlib
import numbers
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, check_memory

from ._checks import (
    as_embeddings,
    check_alpha,
    check_bool,
    check_clusters,
    check_int,
    check_neighbors,
    check_tol,
)
from ._parallel import parallel_blocks
from .anchors import anchor_ensemble, centroid_procrustes, relative_representation
from .clustering import kmeans_centroids
from .gromov import gw_start
from .metrics import evaluate, nn_cosine
from .preprocess import center_normalize, prepare, unit_rows
from .procrustes import procrustes
from .pseudo_pairs import pseudo_pairs
from .refine import DEFAULT_TOL, check_matching, neighbor_pool, refine_clustering, refine_matching
from .transport import DEFAULT_TAU, check_tau

#: Named settings on top of the defaults (``MiniVec2Vec(**METHODS[name])``). "paper": the published
#: method. "symmetric": the paper's, with symmetric Refine-1. "gw-transport" (beyond the paper, for
#: different encoder families): the Gromov-Wasserstein start, then Refine-1 by entropic transport
#: at alpha = 1 for T = 60 iterations (the length tried on the development pair MiniLM-L3 ->
#: e5-small; all 60 run, since the straightness test was calibrated on the sampled Refine-1) and no
#: Refine-2 (between families a round of it lowered held-out top-1).
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
    memory : where to cache the start (None: no caching). A folder (str or path) or an
        object with the ``joblib.Memory`` interface, as for scikit-learn's
        ``Pipeline(memory=...)``. The start (the anchor ensemble, or the GW start with
        init="gw") and the initial map computed from it (per ``use_relative`` and
        ``n_neighbors``) are cached there, keyed by the preprocessed pools, the seed and the
        start's hyperparameters; so estimators that share a ``memory`` share their start,
        and a refit that changes only Refine settings skips it. Used only when
        random_state is an int (otherwise the start never repeats). Nothing cached is kept
        on the estimator, so a pickled model stays small.
    random_state : None (fresh entropy every fit), an int (same int, same ``W_`` to the
        bit), or a ``np.random.RandomState`` / ``np.random.Generator`` (128 bits drawn
        from it per fit).
    verbose : progress bars (True or False).

    Attributes
    ----------
    W_ : (d_A, d_B) float32, the learned map (rows of preprocessed A times W_ land in B).
    W_initial_ : (d_A, d_B) the map after the anchor stage.
    n_iter_ : Refine-1 iterations actually run (fewer than n_iter when tol stopped it).
    mean_A_, mean_B_ : (d_A,), (d_B,) training means used by ``transform``,
        ``inverse_transform``, ``transform_b_to_a`` and ``evaluate``.
    n_features_in_ : d_A.
    anchor_runs_ : list of ``AnchorRun``, each run's centroids and QAP result (empty with
        init="gw").
    gw_start_ : the ``GWStart`` of init="gw" (its rounds' agreements, couplings and probe
        scores), or None.
    history_ : list of dicts, one per stage and per Refine-1 iteration: stage, iteration,
        seconds (since fit start); rows at the end of each stage and every ``eval_every``
        Refine-1 iterations also hold nn_cosine (unsupervised) and with ``eval_pairs``
        mean_cosine, top1, mean_rank, pool_size.

    Methods: ``fit(X_A, X_B, eval_pairs=None)``; ``transform`` (raw A rows into B);
    ``inverse_transform`` (its inverse, back to A's raw space); ``transform_b_to_a`` (raw
    B rows into A); ``evaluate`` / ``score`` (held-out pairs). Before fit, each raises
    scikit-learn's ``NotFittedError``; ``fit`` raises ValueError for a hyperparameter out
    of range, naming what was given and what is allowed.

    scikit-learn conventions. It is a ``BaseEstimator``: hyperparameters are stored
    unchanged by ``__init__`` and checked in ``fit``, so ``clone``, ``get_params`` /
    ``set_params``, ``repr``, pickling and ``check_is_fitted`` work, and so do
    scikit-learn's checks of those (``check_parameters_default_constructible``,
    ``check_no_attributes_set_in_init``, ``check_get_params_invariance``,
    ``check_set_params``, ``check_estimator_cloneable``, ``check_estimator_repr``,
    ``check_do_not_raise_errors_in_init_or_set_params``; run in
    tests/test_estimator_checks.py). ``check_estimator`` as a whole does not apply: its
    other checks call ``fit(X, y)`` with one sample matrix and targets (or none), while
    this fit takes two unpaired pools of different sizes and widths and no targets, and
    its result is a map, not predictions; so it is no transformer, classifier or
    regressor in scikit-learn's sense, and cannot sit inside a ``Pipeline``.
    """

    def __init__(self, init="anchors", n_runs=30, n_clusters=20, qap_restarts=30,
                 anchor_sample=10_000, n_neighbors=50, use_relative=True, n_iter=100,
                 refine_sample=10_000, refine_neighbors=50, refine_clusters=500, alpha=0.5,
                 tol=DEFAULT_TOL, symmetric=False, matching="knn", tau=DEFAULT_TAU,
                 gw_clusters=100, gw_restarts=64, gw_rounds=3, eval_every=1, n_jobs=None,
                 memory=None, random_state=None, verbose=True):
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
        self.memory = memory
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X_A, X_B, eval_pairs=None):
        """Learn W_ from unpaired pools X_A: (n_A, d_A) and X_B: (n_B, d_B).

        eval_pairs: optional (E_A, E_B) held-out pairs, used only to score ``history_``.
        Returns self.
        """
        E_A, E_B = _split_pairs(eval_pairs)
        data = prepare(X_A, X_B, E_A, E_B)
        X_A, X_B = data.X_A, data.X_B
        self._check_params(X_A.shape, X_B.shape)
        memory = check_memory(os.fspath(self.memory) if isinstance(self.memory, os.PathLike)
                              else self.memory)
        seeds = _seed_sequence(self.random_state).generate_state(4)
        signal_rng = np.random.default_rng(int(seeds[3]))
        signal_A = X_A[signal_rng.choice(len(X_A), min(SIGNAL_ROWS, len(X_A)), replace=False)]
        history = []
        t0 = time.perf_counter()

        def signals(W):
            """The unsupervised signal and, with pairs, the held-out scores of map W."""
            row = {"nn_cosine": nn_cosine(W, signal_A, X_B)}
            if data.E_A is not None:
                row.update(evaluate(W, data.E_A, data.E_B).as_dict())
            return row

        runs, gw, W_initial = self._start(X_A, X_B, int(seeds[0]), memory)
        # One helper thread works beside the refinements: first Refine-2's k-means on A (it
        # needs no map), then the scores of the recorded maps before the last. Under
        # parallel_blocks it runs on one BLAS thread and scores serially, so its numbers never
        # depend on timing. The last map is scored here instead, on every core, since nothing
        # is left to overlap with it.
        # The helper is shut down (queued work dropped, running work awaited) inside
        # parallel_blocks even on an error, so that it never sees the BLAS limit change.
        helper = ThreadPoolExecutor(1)
        with parallel_blocks():
            try:
                W, n_iter = self._refine(W_initial, X_A, X_B, seeds, helper, signals, t0,
                                         history)
            finally:
                helper.shutdown(cancel_futures=True)
        # The fitted attributes are set together, once the fit has succeeded.
        self.anchor_runs_, self.gw_start_, self.W_initial_ = runs, gw, W_initial
        self.W_, self.n_iter_, self.history_ = W, n_iter, history
        self.mean_A_, self.mean_B_ = data.mean_A, data.mean_B
        self.n_features_in_ = X_A.shape[1]
        return self

    def _refine(self, W, X_A, X_B, seeds, helper, signals, t0, history):
        """Steps 4 and 5 from the initial map W, appending to ``history`` (from its "initial"
        row on); ``signals(W)`` and Refine-2's k-means on A run in the thread pool ``helper``,
        except for the fit's final map, which is scored in this thread with every core once
        nothing is left to run beside it (unless Refine-1's test stopped it at an iteration
        already sent to the helper, with no Refine-2 after it); which thread scores a row
        never depends on timing. Returns (the final W once every score is in, Refine-1
        iterations run)."""
        centroids_A = helper.submit(kmeans_centroids, X_A, self.refine_clusters,
                                    int(seeds[2])) if self.refine_clusters else None
        scores, done = [], []

        def record(stage, W, iteration=0, score=True):
            row = {"stage": stage, "iteration": iteration,
                   "seconds": round(time.perf_counter() - t0, 3)}
            history.append(row)
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
            if self.refine_clusters and not scored(history[-1]):  # beside Refine-2
                scores.append((history[-1], helper.submit(signals, W)))
        if self.refine_clusters:
            W = refine_clustering(W, X_A, X_B, self.refine_clusters, self.alpha, int(seeds[2]),
                                  centroids_A.result())
            record("refine2", W, score=False)
        if not scored(history[-1]):
            history[-1].update(signals(W))
        for row, future in scores:
            row.update(future.result())
        return W, len(done)

    def _check_params(self, shape_A: tuple, shape_B: tuple):
        """Every hyperparameter, against the preprocessed pools' shapes (n_A, d_A) and
        (n_B, d_B), before any work. Raises ValueError saying what was given and what is
        allowed."""
        (n_A, d_A), (n_B, d_B) = shape_A, shape_B
        n = min(n_A, n_B)
        if self.init not in _START_PARAMS:
            raise ValueError(f"init must be one of {sorted(_START_PARAMS)}, got {self.init!r}")
        check_int(self.n_runs, "n_runs", 1)
        check_int(self.qap_restarts, "qap_restarts", 1)
        if self.anchor_sample is not None:
            check_int(self.anchor_sample, "anchor_sample", 2,
                      why=" (rows each anchor k-means sees; None for all rows)")
        check_clusters(self.n_clusters, min(n, self.anchor_sample or n))
        check_neighbors(self.n_neighbors, n_B, "n_neighbors")
        check_bool(self.use_relative, "use_relative")
        check_int(self.gw_clusters, "gw_clusters", 2)
        check_int(self.gw_restarts, "gw_restarts", 1)
        check_int(self.gw_rounds, "gw_rounds", 1)
        if self.init == "gw":
            check_clusters(self.gw_clusters, n, "gw_clusters")
        check_int(self.n_iter, "n_iter", 0)
        matching = check_matching(self.matching)
        check_bool(self.symmetric, "symmetric")
        check_tau(self.tau)
        # Refine-1's Procrustes on fewer sampled rows than min(d_A, d_B) is underdetermined:
        # the cross-product has lower rank, and the map is arbitrary in the directions the
        # sample does not span.
        need = min(d_A, d_B)
        if self.refine_sample is not None:
            check_int(self.refine_sample, "refine_sample", 1,
                      why=" (A rows sampled per Refine-1 iteration; None for all rows)")
        if self.n_iter and matching == "knn" and min(self.refine_sample or n_A, n_A) < need:
            raise ValueError(
                f"refine_sample={self.refine_sample} draws {min(self.refine_sample or n_A, n_A)}"
                f" rows of A per Refine-1 iteration; its Procrustes needs at least "
                f"min(d_A, d_B) = {need} to determine the map (None: all {n_A} rows)")
        check_int(self.refine_neighbors, "refine_neighbors", 1)
        if self.n_iter:
            check_neighbors(self.refine_neighbors,
                            neighbor_pool(n_A, n_B, self.symmetric, matching),
                            "refine_neighbors")
        check_int(self.refine_clusters, "refine_clusters", 0)
        if self.refine_clusters:
            check_clusters(self.refine_clusters, n, "refine_clusters",
                           "; refine_clusters=0 skips Refine-2")
        check_alpha(self.alpha)
        check_tol(self.tol)
        check_int(self.eval_every, "eval_every", 1)
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not isinstance(
                self.n_jobs, numbers.Integral) or self.n_jobs == 0):
            raise ValueError(f"n_jobs must be None (1 process), a positive number of processes "
                             f"or a negative one (-1: all cores), not 0; got {self.n_jobs!r}")
        if not isinstance(self.verbose, (bool, np.bool_, numbers.Integral)) or self.verbose < 0:
            raise ValueError(f"verbose must be True or False, got {self.verbose!r}")

    def _start(self, X_A, X_B, seed, memory):
        """The start, steps 1-3 or the GW start (``init``), through ``memory``. Returns
        (anchor runs, GW start or None, the initial map W).

        Cached only when random_state is an int: a start drawn from fresh entropy or from a
        generator never repeats. The data enter the cache key as one digest of the
        preprocessed pools (their shapes and bytes) rather than as arrays, so the cached
        calls take small arguments."""
        params = {p: getattr(self, p) for p in _START_PARAMS[self.init]}
        if not isinstance(self.random_state, numbers.Integral):
            memory = check_memory(None)
        key = None  # without a cache folder nothing is stored, so the pools need no digest
        if getattr(memory, "location", True) is not None:  # any other cache gets a key
            digest = hashlib.blake2b(repr((X_A.shape, X_B.shape)).encode(), digest_size=16)
            digest.update(X_A.tobytes())
            digest.update(X_B.tobytes())
            key = digest.hexdigest()
        runs, gw = memory.cache(_fit_start, ignore=["X_A", "X_B", "n_jobs", "verbose"])(
            key, X_A, X_B, seed, self.init, params, self.n_jobs, self.verbose)
        if gw is not None:
            return [], gw, gw.W
        W = memory.cache(_initial_map, ignore=["X_A", "X_B", "runs"])(
            key, X_A, X_B, seed, params, self.use_relative,
            self.n_neighbors if self.use_relative else None, runs)
        return runs, None, W

    # -- using the map ---------------------------------------------------------------------
    def transform(self, X_A):
        """Map rows of space A into space B. X_A: (n, d_A) raw -> (n, d_B) unit rows,
        comparable by cosine with B rows preprocessed by B's training mean."""
        self._check_width(X_A, "X_A", "A")
        return unit_rows(center_normalize(X_A, self.mean_A_, "X_A") @ self.W_)

    def inverse_transform(self, Y):
        """Undo ``transform``: Y: (n, d_B) rows in the space ``transform`` maps into ->
        (n, d_A) rows in A's raw space.

        Returns mean_A_ + unit_rows(Y @ pinv(W_)), so that ``inverse_transform(transform(X))``
        is X with each row's length about A's training mean set to 1, which preprocessing
        discards: ``transform(inverse_transform(transform(X)))`` equals ``transform(X)``.
        Exact when W_ has full row rank (d_A <= d_B, as on the ladder's levels 1-3); when A
        has more dimensions than B (d_A > d_B), ``transform`` drops the d_A - d_B directions
        W_ sends to zero, and each row comes back without them (the least-squares preimage).
        To map rows of B itself into A, use ``transform_b_to_a``.
        """
        self._check_width(Y, "Y", "B")
        Y = as_embeddings(Y, "Y")
        return self.mean_A_ + unit_rows(Y @ np.linalg.pinv(self.W_))

    def transform_b_to_a(self, X_B):
        """Map raw rows of space B into space A with W_.T (the reverse direction).

        X_B: (n, d_B) raw -> (n, d_A) unit rows, comparable by cosine with A rows
        preprocessed by A's training mean. W_'s columns (or rows) are orthonormal up to
        Refine's smoothing, so W_.T is the reverse map the fit implies.
        """
        self._check_width(X_B, "X_B", "B")
        return unit_rows(center_normalize(X_B, self.mean_B_, "X_B") @ self.W_.T)

    def score(self, E_A, E_B) -> float:
        """Top-1 retrieval accuracy of W_ on held-out pairs (raw rows)."""
        return self.evaluate(E_A, E_B).top1

    def evaluate(self, E_A, E_B):
        """``Scores`` of W_ on held-out pairs given as raw rows."""
        self._check_width(E_A, "E_A", "A")
        self._check_width(E_B, "E_B", "B")
        return evaluate(self.W_, center_normalize(E_A, self.mean_A_, "E_A"),
                        center_normalize(E_B, self.mean_B_, "E_B"))

    def _check_width(self, X, name: str, side: str):
        """Raise ``NotFittedError`` before fit, and ValueError naming the fitted width when
        X: (n, d) rows of space ``side`` have another number of columns."""
        check_is_fitted(self, "W_")
        d = self.W_.shape[0 if side == "A" else 1]
        width = np.shape(X)[1] if np.ndim(X) == 2 else None
        if width is not None and width != d:
            raise ValueError(f"this MiniVec2Vec was fitted on {d}-dimensional {side} rows; "
                             f"{name} has {width} columns")


def _split_pairs(eval_pairs) -> tuple:
    """(E_A, E_B) from ``fit``'s eval_pairs (None: no pairs), or a ValueError."""
    if eval_pairs is None:
        return None, None
    if isinstance(eval_pairs, np.ndarray) or not isinstance(eval_pairs, (tuple, list)) \
            or len(eval_pairs) != 2:
        raise ValueError("eval_pairs must be a pair (E_A, E_B) of held-out rows, row i of "
                         "each the same text, or None; got "
                         + (f"an array of shape {eval_pairs.shape}"
                            if isinstance(eval_pairs, np.ndarray)
                            else f"{type(eval_pairs).__name__}"
                            + (f" of length {len(eval_pairs)}"
                               if isinstance(eval_pairs, (tuple, list)) else "")))
    return eval_pairs


def _seed_sequence(random_state) -> np.random.SeedSequence:
    """The fit's root seed from ``random_state``: None (fresh entropy), an int >= 0 (the same
    int, the same seeds), or a ``np.random.RandomState`` / ``np.random.Generator``, from
    which 128 bits are drawn (so refitting with the same generator gives another map)."""
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be None, an int >= 0, a "
                             f"np.random.RandomState or a np.random.Generator; "
                             f"got {random_state!r}")
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(random_state.randint(2**32, size=4, dtype=np.uint64))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(random_state.integers(2**32, size=4, dtype=np.uint64))
    raise ValueError(f"random_state must be None, an int >= 0, a np.random.RandomState or a "
                     f"np.random.Generator; got {random_state!r}")


def _fit_start(key, X_A, X_B, seed, init, params, n_jobs, verbose) -> tuple:
    """Steps 1-2 (the anchor ensemble) or the GW start, on preprocessed pools X_A, X_B
    (``key``: their digest; ``params``: the start's hyperparameters, ``_START_PARAMS``).
    Returns (anchor runs, None) or ([], GWStart). Module-level so that ``memory`` can cache
    it; n_jobs and verbose do not change the result."""
    if init == "gw":
        return [], gw_start(X_A, X_B, params["gw_clusters"], params["gw_restarts"],
                            params["gw_rounds"], k=params["n_neighbors"], random_state=seed,
                            verbose=verbose)
    return anchor_ensemble(X_A, X_B, params["n_runs"], params["n_clusters"],
                           params["qap_restarts"], params["anchor_sample"], seed, verbose,
                           n_jobs), None


def _initial_map(key, X_A, X_B, seed, params, use_relative, n_neighbors, runs) -> np.ndarray:
    """Step 3 (pseudo-pairs, then Procrustes) or the section 6.3 variant, from the anchor
    runs ``runs`` that (key, seed, params) determine. Module-level so that ``memory`` can
    cache it."""
    if not use_relative:
        return centroid_procrustes(runs)
    targets = pseudo_pairs(relative_representation(X_A, runs, "A"),
                           relative_representation(X_B, runs, "B"), X_B, n_neighbors)
    return procrustes(X_A, targets)
