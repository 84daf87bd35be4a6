"""Numerical edge cases of the stages: warnings instead of silent inaccuracy, valid seeds,
bounded diagnostics."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import minivec.anchors
import minivec.gromov
from minivec.anchors import AnchorRun
from minivec.diagnostics import qap_margin
from minivec.gromov import sinkhorn
from minivec.preprocess import unit_rows
from minivec.qap import QAPResult
from minivec.transport import MIN_TAU, SINKHORN_MAX_ITER, candidate_similarities, sinkhorn_plan


def random_support(n_A=300, n_B=337, d=16, k=3, seed=0):
    rng = np.random.default_rng(seed)
    A = unit_rows(rng.normal(size=(n_A, d)).astype(np.float32))
    B = unit_rows(rng.normal(size=(n_B, d)).astype(np.float32))
    return candidate_similarities(A, B, k)


def test_sinkhorn_plan_warns_when_it_stops_at_its_cap():
    S = random_support()
    with pytest.warns(ConvergenceWarning, match=rf"after {SINKHORN_MAX_ITER} scalings .* off "
                                                r"their targets by up to [0-9.]+%.*Raise tau"):
        P = sinkhorn_plan(S, MIN_TAU)
    cols = np.asarray(P.sum(axis=0)).ravel() * S.shape[1]
    assert np.abs(cols - 1).max() > 1e-3  # what the warning reports: a plan off its marginals
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plan that converges says nothing
        sinkhorn_plan(S, 0.04)


def test_gromov_sinkhorn_needs_an_iteration():
    S = np.zeros((1, 3, 3))
    a = b = np.full(3, 1 / 3)
    with pytest.raises(ValueError, match="n_iter=0"):
        sinkhorn(S, a, b, n_iter=0)
    T, _ = sinkhorn(S, a, b, n_iter=1)
    np.testing.assert_allclose(T.sum(axis=1), [b])


class LastSeeds:
    """A SeedSequence whose every word is the largest 32-bit seed, 2**32 - 1."""

    def __init__(self, *args, **kwargs):
        pass

    def generate_state(self, n):
        return np.full(n, 2**32 - 1, np.uint32)


@pytest.mark.parametrize("module, call", [
    (minivec.anchors, lambda X: minivec.anchors.anchor_run(X, X, 4, 2, None, 0)),
    (minivec.gromov, lambda X: minivec.gromov.gw_round(X, X, 4, 2, 0)),
])
def test_seeds_next_to_the_largest_stay_valid(monkeypatch, module, call):
    """B's k-means seed is the one after A's: at A's 2**32 - 1 it must wrap, not reach 2**32
    (which k-means refuses)."""
    monkeypatch.setattr(module.np.random, "SeedSequence", LastSeeds)
    X = unit_rows(np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32))
    call(X)


def make_run(objectives, c=4, seed=0):
    C = unit_rows(np.random.default_rng(seed).normal(size=(c, 8)))
    objectives = np.asarray(objectives, float)
    return AnchorRun(C, C, QAPResult(np.arange(c), float(objectives.max()), objectives))


@pytest.mark.parametrize("objectives", [[0.0, -1.0], [-0.001, -3.0], [-2.0, -2.5], [5.0, 4.0]])
def test_qap_margin_gap_is_bounded_whatever_the_sign_of_best(objectives):
    margin = qap_margin(make_run(objectives))
    assert np.isfinite(margin["gap"]) and 0 < margin["gap"] <= 2
    assert margin["best"] == max(objectives) and margin["runner_up"] == sorted(objectives)[-2]


def test_qap_margin_gap_is_zero_on_a_flat_landscape():
    assert qap_margin(make_run([3.0, 3.0, 3.0]))["gap"] == 0.0
