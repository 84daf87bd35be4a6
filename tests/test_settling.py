"""Refine-1's pairs-free convergence test (``minivec.refine.SettlingTest``)."""

import numpy as np
import pytest
from conftest import FAST

from minivec import MiniVec2Vec, refine_matching
from minivec.refine import (
    DEFAULT_TOL,
    SettlingTest,
    path_straightness,
    second_moment,
    settling_window,
)


def test_path_straightness_of_line_turn_and_return():
    C, D, E = np.eye(3), np.diag([1.0, 0, 0]), np.diag([0, 1.0, 0])
    zero = np.zeros((3, 3))
    assert path_straightness([zero, D, 2 * D], C) == pytest.approx(1.0)  # straight on
    assert path_straightness([zero, D, D + E], C) == pytest.approx(2 ** -0.5)  # right angle
    assert path_straightness([zero, D, zero], C) == pytest.approx(0.0)  # there and back
    assert path_straightness([zero, zero, zero], C) == 0.0


def test_path_straightness_weighs_directions_by_the_data(rng):
    X = np.c_[rng.normal(size=(500, 1)), np.zeros((500, 1))]  # no data along the 2nd axis
    C = second_moment(X)
    np.testing.assert_allclose(C, X.T @ X / 500)
    along, across = np.array([[1.0, 0], [0, 0]]), np.array([[0, 0], [1.0, 0]])
    # A big change across the data is invisible; only the move along it counts.
    assert path_straightness([np.zeros((2, 2)), along, along + 50 * across], C) == \
        pytest.approx(1.0)


def test_settling_window_scales_with_rows_per_dimension():
    assert settling_window(10_000, 384) == 5    # paper settings: windows of 5
    assert settling_window(1000, 384) == 50     # classroom subset: no stop before 150
    assert settling_window(2000, 32) == 5       # never below MIN_WINDOW


def feed(test, maps):
    """1-based index of the map at which the test settled, or None."""
    return next((t for t, W in enumerate(maps, 1) if test.settled(W)), None)


def test_settling_test_stops_on_jitter_not_on_travel(rng):
    X = rng.normal(size=(400, 6))
    jitter = [np.eye(6) + 0.1 * rng.normal(size=(6, 6)) for _ in range(60)]
    assert feed(SettlingTest(X, DEFAULT_TOL, 5), jitter) == 15  # at the third window
    step = rng.normal(size=(6, 6))
    travel = [np.eye(6) + 0.05 * t * step + 0.1 * rng.normal(size=(6, 6)) for t in range(60)]
    assert feed(SettlingTest(X, DEFAULT_TOL, 5), travel) is None
    assert feed(SettlingTest(X, 0.0, 5), jitter) is None  # tol 0 never stops


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_refine_matching_stops_near_the_all_T_map(synthetic):
    """On the synthetic problem the stopped map retrieves as well as all 200 iterations."""
    from minivec import evaluate

    d = synthetic.prepare()
    start = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 0, "refine_clusters": 0}).fit(
        synthetic.X_A, synthetic.X_B).W_initial_
    seen = []
    kw = dict(n_iter=200, sample_size=2000, k=20, random_state=0, verbose=False)
    stopped = refine_matching(start, d.X_A, d.X_B, tol=DEFAULT_TOL,
                              callback=lambda t, W: seen.append(t), **kw)
    full = refine_matching(start, d.X_A, d.X_B, tol=None, **kw)
    assert 15 <= len(seen) < 200 and len(seen) % 5 == 0
    assert evaluate(stopped, d.E_A, d.E_B).top1 >= evaluate(full, d.E_A, d.E_B).top1 - 0.005


@pytest.mark.parametrize("tol", [-0.1, 1.5, True, "0.5"])
def test_bad_tol_is_a_clear_error(tol):
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    with pytest.raises(ValueError, match="tol must be None or a number in"):
        refine_matching(np.eye(4), X, X, n_iter=1, k=3, tol=tol, verbose=False)
