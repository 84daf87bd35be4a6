"""VecMap's fully unsupervised method (minivec.baselines.vecmap): its initial dictionary,
self-learning, stochastic schedule, maps between spaces of different dimensions, and errors."""

import numpy as np
import pytest

from minivec import evaluate, evaluate_mapped, procrustes
from minivec.baselines import random_orthogonal, vecmap
from minivec.data import make_synthetic_pair
from minivec.vecmap import (
    KeepSchedule,
    csls_dictionary,
    normalize,
    self_learning,
    sorted_similarities,
)


@pytest.fixture(scope="module")
def small():
    """A hierarchical synthetic pair, 16-d: disjoint pools, B turned by a secret rotation."""
    return make_synthetic_pair(n_train=800, n_eval=300, d=16, random_state=0)


@pytest.fixture(scope="module")
def copy(small):
    """X_A and a rotated copy of it with rows shuffled: row j of X_B is row perm[j] of X_A
    turned by R. Returns (X_A, X_B, perm, R), both sides normalised."""
    X_A = normalize(small.X_A)[0]
    perm = np.random.default_rng(1).permutation(len(X_A))
    X_B = normalize(small.X_A[perm] @ small.rotation)[0]
    return X_A, X_B, perm, small.rotation


def correct(perm, src, trg) -> float:
    """Fraction of dictionary entries (src[i], trg[i]) that pair a row with its copy."""
    return float(np.mean(perm[trg] == src))


def test_sorted_similarities_pair_a_hidden_permutation_and_rotation(copy):
    X_A, X_B, perm, _ = copy
    src, trg, _ = csls_dictionary(sorted_similarities(X_A), sorted_similarities(X_B), k=10)
    assert len(src) == 2 * len(X_A)  # both directions
    assert correct(perm, src, trg) > 0.99


def test_initial_map_recovers_the_rotation(small):
    perm = np.random.default_rng(1).permutation(len(small.X_A))
    result = vecmap(small.X_A, small.X_A[perm] @ small.rotation, init_rows=len(small.X_A),
                    max_iter=1, random_state=0, verbose=False)
    np.testing.assert_allclose(result.initial.W_A, small.rotation, atol=1e-3)


def test_self_learning_recovers_the_rotation_from_a_poor_dictionary(copy):
    X_A, X_B, perm, R = copy
    rng = np.random.default_rng(2)
    trg = rng.permutation(len(X_B))  # a random dictionary ...
    right = rng.random(len(trg)) < 0.1
    trg[right] = np.argsort(perm)[right]  # ... with 10% of its entries right
    src = np.arange(len(X_A))
    assert np.trace(procrustes(X_A[src], X_B[trg]).T @ R) / len(R) < 0.6  # far from R
    src, trg, history, converged = self_learning(X_A, X_B, src, trg, patience=3,
                                                 random_state=0, verbose=False)
    assert converged and history[-1]["keep_prob"] == 1.0
    assert correct(perm, src, trg) == 1.0
    np.testing.assert_allclose(procrustes(X_A[src], X_B[trg]), R, atol=1e-3)


def test_vecmap_aligns_disjoint_pools_both_ways(small):
    result = vecmap(small.X_A, small.X_B, patience=3, random_state=0, verbose=False)
    assert result.converged
    forward = result.final.evaluate(small.E_A, small.E_B)
    backward = result.final.evaluate(small.E_A, small.E_B, reverse=True)
    assert min(forward.top1, backward.top1) > 0.95
    assert forward.top1 >= result.initial.evaluate(small.E_A, small.E_B).top1


def test_vecmap_maps_spaces_of_different_dimensions():
    """A 16-d space holding an 8-d one (plus a little noise) and that 8-d space turned: both
    land in a shared 8-d space, and the held-out pairs meet there."""
    pair = make_synthetic_pair(n_train=800, n_eval=300, d=8, random_state=0)
    Q = random_orthogonal(8, 16, random_state=1)  # (8, 16), orthonormal rows
    rng = np.random.default_rng(0)
    X_A = pair.X_A @ Q + 0.01 * rng.normal(size=(800, 16))
    E_A = pair.E_A @ Q + 0.01 * rng.normal(size=(300, 16))
    result = vecmap(X_A, pair.X_B, patience=3, random_state=0, verbose=False)
    assert result.final.W_A.shape == (16, 8) and result.final.W_B.shape == (8, 8)
    assert result.final.evaluate(E_A, pair.E_B).top1 > 0.95
    assert result.final.evaluate(E_A, pair.E_B, reverse=True).top1 > 0.95


def test_reverse_scores_match_the_transposed_map(small):
    """The initial map is orthogonal: scoring B to A in the shared space is scoring with W^T,
    as the kit scores its own maps in reverse."""
    initial = vecmap(small.X_A, small.X_B, max_iter=1, random_state=0, verbose=False).initial
    E_A, E_B = normalize(small.E_A, initial.mean_A)[0], normalize(small.E_B, initial.mean_B)[0]
    mine = initial.evaluate(small.E_A, small.E_B, reverse=True)
    kit = evaluate(initial.W_A.T, E_B, E_A)
    assert mine.top1 == pytest.approx(kit.top1) and mine.mean_rank == pytest.approx(kit.mean_rank)
    assert mine.mean_cosine == pytest.approx(kit.mean_cosine, abs=1e-5)


def test_keep_schedule_doubles_after_patience_stalls_and_stops_at_one():
    schedule = KeepSchedule(keep_prob=0.1, threshold=1e-6, patience=3)
    for objective in (0.1, 0.2, 0.3, 0.4):  # rising: p stays
        assert not schedule.step(objective)
    assert schedule.keep_prob == 0.1
    seen = []
    for _ in range(12):  # flat, or rising by no more than the threshold: a stall each time
        assert not schedule.step(schedule.best + 5e-7)
        seen.append(schedule.keep_prob)
    assert seen == [0.1, 0.1, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 0.8, 0.8, 0.8, 1.0]
    assert not schedule.step(0.5)  # an improvement resets the count
    assert not schedule.step(0.5) and not schedule.step(0.5)
    assert schedule.step(0.5)  # third stall at p = 1: converged


def test_self_learning_follows_the_schedule(copy):
    """Self-learning's own p starts at keep_prob, doubles after each run of stalls, and a
    capped run's last iteration keeps every similarity."""
    X_A, X_B, perm, _ = copy
    src = np.arange(len(X_A))
    trg = np.argsort(perm)  # already right: every iteration stalls
    *_, history, converged = self_learning(X_A, X_B, src, trg, keep_prob=0.25, patience=2,
                                           random_state=0, verbose=False)
    assert converged
    assert [h["keep_prob"] for h in history] == [0.25] * 3 + [0.5] * 2 + [1.0] * 2
    *_, history, converged = self_learning(X_A, X_B, src, trg, patience=50, max_iter=4,
                                           random_state=0, verbose=False)
    assert not converged
    assert [h["keep_prob"] for h in history] == [0.1, 0.1, 0.1, 1.0]


def test_random_state_reproduces_the_fit(small):
    runs = [vecmap(small.X_A, small.X_B, init_rows=300, max_iter=8, random_state=seed,
                   verbose=False) for seed in (3, 3, 4)]
    np.testing.assert_array_equal(runs[0].final.W_A, runs[1].final.W_A)
    np.testing.assert_array_equal(runs[0].trg, runs[1].trg)
    assert [h["objective"] for h in runs[0].history] == [h["objective"] for h in runs[1].history]
    assert not np.array_equal(runs[0].trg, runs[2].trg)


GOOD = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)


@pytest.mark.parametrize("kwargs, message", [
    (dict(keep_prob=0), r"keep_prob must be a number in \(0, 1\]"),
    (dict(keep_prob=1.5), "keep_prob"),
    (dict(threshold=-1), "threshold"),
    (dict(patience=0), "patience"),
    (dict(max_iter=0), "max_iter"),
    (dict(reweight=2), "reweight"),
    (dict(init_rows=1), "init_rows"),
    (dict(cutoff="all"), "cutoff must be an integer"),
    (dict(csls_k=60), "csls_k=60 must be between 1 and 59"),
    (dict(init_rows=10), "csls_k=10 must be between 1 and 9"),
    (dict(cutoff=8), "csls_k=10 must be between 1 and 7"),
])
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        vecmap(GOOD, GOOD, verbose=False, **kwargs)


@pytest.mark.parametrize("bad, message", [
    (np.ones(10), "X_B must be 2-D"),
    (np.where(np.eye(60, 4) > 0, np.nan, 1.0), "X_B contains NaN"),
])
def test_bad_pools(bad, message):
    with pytest.raises(ValueError, match=message):
        vecmap(GOOD, bad, verbose=False)


def test_bad_held_out_rows(small):
    result = vecmap(small.X_A, small.X_B, max_iter=1, random_state=0, verbose=False)
    with pytest.raises(ValueError, match="E_B has 8 columns"):
        result.final.evaluate(small.E_A, small.E_B[:, :8])
    with pytest.raises(ValueError, match="equal lengths"):
        result.final.evaluate(small.E_A, small.E_B[:10])
    with pytest.raises(ValueError, match="equal columns"):
        evaluate_mapped(small.E_A, small.E_B[:, :8])
