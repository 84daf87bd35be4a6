"""minivec's 2-opt is SciPy's ``quadratic_assignment(method="2opt")``, only faster."""

import numpy as np
import pytest
from scipy.optimize import quadratic_assignment

from minivec import centroid_similarity, match_centroids
from minivec.qap import swap_gains, two_opt


@pytest.mark.parametrize("symmetric", [True, False])
def test_swap_gains_match_recomputed_objectives(rng, symmetric):
    A, B = rng.normal(size=(2, 9, 9))
    if symmetric:
        A, B = A + A.T, B + B.T
    gains = swap_gains(A, B)
    for i in range(9):
        for j in range(9):
            q = np.arange(9)
            q[[i, j]] = q[[j, i]]
            assert gains[i, j] == pytest.approx(np.sum(A * B[np.ix_(q, q)]) - np.sum(A * B),
                                                abs=1e-10)


def scipy_2opt(S_A, S_B, seed):
    res = quadratic_assignment(S_A, S_B, method="2opt",
                               options={"maximize": True, "rng": np.random.default_rng(seed)})
    return res.col_ind, res.fun


@pytest.mark.parametrize("c", [2, 5, 12, 20])
def test_two_opt_takes_scipys_steps(rng, c):
    """Same permutation and objective, to the bit, including with tied similarities."""
    for trial in range(12):
        C = rng.normal(size=(c, 8)) * np.linspace(2, 0.3, 8)
        S_A = centroid_similarity(C)
        S_B = centroid_similarity(C[rng.permutation(c)] + 0.4 * rng.normal(size=(c, 8)))
        if trial % 3 == 0:
            S_B = np.round(S_B, 1)  # many ties
        seed = int(rng.integers(2**32))
        perm, objective = two_opt(S_A, S_B, np.random.default_rng(seed).permutation(c))
        want_perm, want_objective = scipy_2opt(S_A, S_B, seed)
        np.testing.assert_array_equal(perm, want_perm)
        assert objective == want_objective


def test_match_centroids_equals_scipy_restarts(rng):
    S_A = centroid_similarity(rng.normal(size=(15, 6)))
    S_B = centroid_similarity(rng.normal(size=(15, 6)))
    res = match_centroids(S_A, S_B, restarts=6, random_state=4)
    runs = [scipy_2opt(S_A, S_B, seed)
            for seed in np.random.SeedSequence(4).generate_state(6)]
    np.testing.assert_array_equal(res.objectives, [fun for _, fun in runs])
    best = max(runs, key=lambda r: r[1])  # the first best, as SciPy-based code kept it
    np.testing.assert_array_equal(res.perm, best[0])
