"""MiniVec2Vec as a scikit-learn estimator: its conventions, seeds and hyperparameter checks."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

from minivec import MiniVec2Vec
from minivec.data import make_synthetic_pair
from minivec.transport import MIN_TAU

#: A small pair (40 rows a side, 8-d) and settings that fit it in a fraction of a second
#: (at most the k-means, QAP and GW on N = 40 clusters, each a boundary value).
N, D = 40, 8
SMALL = make_synthetic_pair(n_train=N, n_eval=64, d=D, random_state=0)
TINY = dict(n_runs=2, n_clusters=4, qap_restarts=2, anchor_sample=None, n_neighbors=5,
            n_iter=3, refine_sample=30, refine_neighbors=5, refine_clusters=10, tol=None,
            gw_clusters=6, gw_restarts=2, gw_rounds=1, verbose=False)


def fit_small(**params):
    params = {**TINY, "random_state": 0, **params}
    return MiniVec2Vec(**params).fit(SMALL.X_A, SMALL.X_B, eval_pairs=(SMALL.E_A, SMALL.E_B))


@pytest.fixture(scope="module")
def small_fit():
    return fit_small()


# -- scikit-learn's checks that apply (fit takes two pools, not X and y) ----------------------
@pytest.mark.parametrize("check", [
    "check_parameters_default_constructible", "check_no_attributes_set_in_init",
    "check_get_params_invariance", "check_set_params", "check_estimator_cloneable",
    "check_estimator_repr", "check_do_not_raise_errors_in_init_or_set_params"])
def test_scikit_learn_checks_that_apply(check):
    getattr(estimator_checks, check)("MiniVec2Vec", MiniVec2Vec(verbose=False))


def test_clone_and_params_round_trip():
    est = MiniVec2Vec(n_runs=7, alpha=0.25, random_state=np.random.RandomState(3))
    params = est.get_params()
    copy = clone(est)
    assert copy is not est and copy.get_params().keys() == params.keys()
    assert copy.n_runs == 7 and copy.alpha == 0.25
    assert MiniVec2Vec().set_params(**{k: v for k, v in params.items()
                                       if k != "random_state"}).n_runs == 7
    assert "n_runs=7" in repr(est) and "alpha=0.25" in repr(est)


def test_pickled_model_maps_the_same(small_fit):
    again = pickle.loads(pickle.dumps(small_fit))
    check_is_fitted(again)
    np.testing.assert_array_equal(again.W_, small_fit.W_)
    np.testing.assert_array_equal(again.transform(SMALL.E_A), small_fit.transform(SMALL.E_A))
    assert again.history_ == small_fit.history_


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "transform_b_to_a",
                                    "evaluate", "score"])
def test_not_fitted_error_before_fit(method):
    est = MiniVec2Vec()
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    args = (SMALL.E_A, SMALL.E_B) if method in ("evaluate", "score") else (SMALL.E_A,)
    with pytest.raises(NotFittedError):
        getattr(est, method)(*args)


# -- random_state -------------------------------------------------------------------------
def test_random_state_kinds(small_fit):
    same = fit_small(random_state=0)
    np.testing.assert_array_equal(same.W_, small_fit.W_)  # same int, same map to the bit
    for state in (np.random.RandomState(0), np.random.default_rng(0), None):
        m = fit_small(random_state=state)
        assert np.isfinite(m.W_).all()
    # one generator state, one map; a generator moves on, so a refit gives another map
    a = fit_small(random_state=np.random.RandomState(5))
    b = fit_small(random_state=np.random.RandomState(5))
    np.testing.assert_array_equal(a.W_, b.W_)
    gen = np.random.default_rng(5)
    c, d = fit_small(random_state=gen), fit_small(random_state=gen)
    assert not np.array_equal(c.W_, d.W_)


@pytest.mark.parametrize("state", [-1, 1.5, "0", True])
def test_bad_random_state(state):
    with pytest.raises(ValueError, match="random_state must be None, an int >= 0"):
        fit_small(random_state=state)


# -- every hyperparameter at its boundary: a sound map, or a clear ValueError -------------
#: (parameter, value, extra settings): values on the boundary of what is allowed.
ALLOWED = [
    ("init", "gw", {}), ("n_runs", 1, {}), ("n_clusters", 2, {}), ("n_clusters", N, {}),
    ("qap_restarts", 1, {}), ("anchor_sample", 4, {}), ("anchor_sample", None, {}),
    ("n_neighbors", 1, {}), ("n_neighbors", N - 1, {}), ("use_relative", False, {}),
    ("n_iter", 0, {}), ("refine_sample", D, {}), ("refine_sample", None, {}),
    ("refine_sample", 10 * N, {}), ("refine_neighbors", 1, {}),
    ("refine_neighbors", N - 1, {}), ("refine_neighbors", N - 1, {"symmetric": True}),
    ("refine_clusters", 0, {}), ("refine_clusters", 2, {}), ("refine_clusters", N, {}),
    ("alpha", 1.0, {}), ("alpha", 1e-6, {}), ("tol", 0.0, {}), ("tol", 1.0, {}),
    ("tol", None, {}), ("symmetric", True, {}), ("matching", "transport", {}),
    ("tau", MIN_TAU, {"matching": "transport"}), ("tau", 1.0, {"matching": "transport"}),
    ("eval_every", 1, {}), ("eval_every", 10**6, {}), ("gw_clusters", 2, {"init": "gw"}),
    ("gw_clusters", N, {"init": "gw"}), ("gw_restarts", 1, {"init": "gw"}),
    ("gw_rounds", 1, {"init": "gw"}), ("n_jobs", 1, {}),
    ("n_jobs", None, {}), ("verbose", True, {}),
]
#: (parameter, value, extra settings, words the message must contain): just outside.
REFUSED = [
    ("init", "random", {}, "init must be one of"), ("n_runs", 0, {}, "n_runs=0"),
    ("n_clusters", 1, {}, "n_clusters=1"), ("n_clusters", N + 1, {}, f"only {N} rows"),
    ("qap_restarts", 0, {}, "qap_restarts=0"), ("anchor_sample", 1, {}, "anchor_sample=1"),
    ("anchor_sample", 0, {}, "anchor_sample=0"), ("anchor_sample", 3, {}, "only 3 rows"),
    ("n_neighbors", 0, {}, "n_neighbors=0"), ("n_neighbors", N, {}, "smaller than the pool"),
    ("use_relative", 1, {}, "use_relative must be True or False"),
    ("use_relative", "yes", {}, "use_relative must be True or False"),
    ("n_iter", -1, {}, "n_iter=-1"), ("n_iter", 2.0, {}, "n_iter must be an integer"),
    ("refine_sample", D - 1, {}, "at least min\\(d_A, d_B\\) = 8"),
    ("refine_sample", 0, {}, "refine_sample=0"),
    ("refine_neighbors", 0, {}, "refine_neighbors=0"),
    ("refine_neighbors", N, {}, "refine_neighbors"),
    ("refine_clusters", 1, {}, "refine_clusters=1"),
    ("refine_clusters", N + 1, {}, "refine_clusters=0 skips Refine-2"),
    ("refine_clusters", -1, {}, "refine_clusters=-1"), ("alpha", 0.0, {}, "alpha"),
    ("alpha", 1.01, {}, "alpha"), ("tol", -0.01, {}, "tol"), ("tol", 1.01, {}, "tol"),
    ("symmetric", None, {}, "symmetric must be True or False"),
    ("matching", "sinkhorn", {}, "matching must be one of"),
    ("tau", MIN_TAU / 2, {}, "tau must be a number"), ("tau", 1.5, {}, "tau must be a number"),
    ("eval_every", 0, {}, "eval_every=0"), ("gw_clusters", 1, {}, "gw_clusters=1"),
    ("gw_clusters", N + 1, {"init": "gw"}, f"only {N} rows"),
    ("gw_restarts", 0, {}, "gw_restarts=0"), ("gw_rounds", 0, {}, "gw_rounds=0"),
    ("n_jobs", 0, {}, "n_jobs must be"), ("n_jobs", 1.5, {}, "n_jobs must be"),
    ("verbose", "loud", {}, "verbose must be"), ("verbose", -1, {}, "verbose must be"),
    ("memory", 3, {}, "memory"),
]


@pytest.mark.parametrize("param, value, extra", ALLOWED)
def test_hyperparameter_on_its_boundary_fits_a_sound_map(param, value, extra):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. Sinkhorn's ConvergenceWarning at the least tau
        m = fit_small(**{**extra, param: value})
    assert np.isfinite(m.W_).all() and m.W_.shape == (D, D)
    mapped = m.transform(SMALL.E_A)
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1, rtol=1e-4)
    assert np.isfinite([r.get("top1", 0.0) for r in m.history_]).all()


@pytest.mark.parametrize("param, value, extra, words", REFUSED)
def test_hyperparameter_past_its_boundary_is_refused(param, value, extra, words):
    with pytest.raises(ValueError, match=words):
        fit_small(**{**extra, param: value})
