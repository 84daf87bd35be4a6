"""Oracle diagnostics on synthetic pairs, where the true map is a known rotation."""

import numpy as np
import pytest

from minivec import anchor_run, evaluate, kmeans_centroids, random_orthogonal
from minivec.diagnostics import (
    centroid_geometry_agreement,
    neighbor_indegree,
    oracle_assignment,
    principal_axes,
    principal_subspace_start,
    refine_curve,
)
from minivec.preprocess import unit_rows


@pytest.fixture(scope="module")
def prepared(synthetic):
    return synthetic.prepare()


def test_oracle_assignment_is_a_permutation_with_consistent_figures(synthetic, prepared):
    run = anchor_run(prepared.X_A, prepared.X_B, n_clusters=10, restarts=5, random_state=0)
    out = oracle_assignment(run, synthetic.rotation)
    assert sorted(out["perm"]) == list(range(10))
    assert out["fraction"] == pytest.approx(np.mean(out["perm"] == np.arange(10)))
    wrong = oracle_assignment(run, random_orthogonal(32, random_state=1))
    assert out["cosine"] > wrong["cosine"] + 0.3  # clusters correspond under the true map


def test_centroid_geometry_agreement_separates_true_and_wrong_maps(synthetic, prepared):
    C_A = kmeans_centroids(prepared.X_A, 12, 0, n_init=3)
    C_B = kmeans_centroids(prepared.X_B, 12, 1, n_init=3)
    true = centroid_geometry_agreement(C_A, C_B, synthetic.rotation)
    wrong = centroid_geometry_agreement(C_A, C_B, random_orthogonal(32, random_state=1))
    assert true["correlation"] > 0.9 and true["cosine"] > 0.9
    assert wrong["correlation"] < true["correlation"] - 0.3
    assert wrong["cosine"] < 0.5


def test_principal_subspace_start_ranks(synthetic, prepared):
    P_A = prepared.E_A  # held-out pairs stand in for true pairs here
    P_B = prepared.E_B
    full = principal_subspace_start(prepared.X_A, prepared.X_B, P_A, P_B, 32)
    assert evaluate(full, P_A, P_B).top1 > 0.99
    low = principal_subspace_start(prepared.X_A, prepared.X_B, P_A, P_B, 3)
    assert np.linalg.matrix_rank(low, tol=1e-4) == 3
    assert evaluate(low, P_A, P_B).mean_cosine < evaluate(full, P_A, P_B).mean_cosine
    with pytest.raises(ValueError, match="exceeds the dimension"):
        principal_subspace_start(prepared.X_A, prepared.X_B, P_A, P_B, 33)


def test_principal_axes_are_the_top_right_singular_vectors(rng):
    X = (rng.normal(size=(500, 12)) * np.linspace(3, 0.2, 12)).astype(np.float32)
    V = principal_axes(X, 4)
    Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)[2][:4]
    assert V.shape == (4, 12)
    # same axes, in order
    np.testing.assert_allclose(np.abs(np.sum(V * Vt, axis=1)), 1.0, atol=1e-5)


def test_refine_curve_scores_start_and_every_few_iterations(synthetic, prepared):
    start = principal_subspace_start(prepared.X_A, prepared.X_B, prepared.E_A, prepared.E_B, 8)
    curve, W = refine_curve(start, prepared.X_A, prepared.X_B, prepared.E_A, prepared.E_B,
                            n_iter=7, every=3, sample_size=1000, k=10, random_state=0)
    assert [t for t, _ in curve] == [0, 3, 6, 7]
    assert curve[-1][1].mean_cosine > curve[0][1].mean_cosine
    assert evaluate(W, prepared.E_A, prepared.E_B) == curve[-1][1]  # the map it ends with


def test_neighbor_indegree_is_one_for_a_perfect_matching_and_flags_hubs(rng):
    X = unit_rows((rng.normal(size=(200, 50)) + 5 * np.eye(50)[0]).astype(np.float32))
    np.testing.assert_allclose(neighbor_indegree(np.eye(50), X, X, k=1), 1.0)  # each row itself
    hub = np.vstack([X[1:], unit_rows(X.mean(axis=0, keepdims=True))])  # a row near everyone
    share = neighbor_indegree(np.eye(50), X, hub, k=10)
    assert share.mean() == pytest.approx(1.0)
    assert share[-1] > 10 and share[-1] == share.max()


def test_truth_vs_found_counts_the_three_cases_with_a_relative_tolerance(synthetic, prepared):
    from minivec.diagnostics import anchor_run_summary, truth_vs_found

    runs = [{"objective": 10.0, "assignment_objective": 10.0 + 1e-10},  # equal within 1e-9
            {"objective": -4.0, "assignment_objective": -4.0},
            {"objective": 10.0, "assignment_objective": 10.1},  # the search missed the truth
            {"objective": 10.0, "assignment_objective": 9.0},   # the objective prefers a wrong one
            {"objective": -4.0, "assignment_objective": -4.5}]
    assert truth_vs_found(runs) == {"truth_higher": 1, "equal": 2, "truth_lower": 2}
    assert truth_vs_found(runs, rtol=0.2) == {"truth_higher": 0, "equal": 5, "truth_lower": 0}
    assert truth_vs_found([]) == {"truth_higher": 0, "equal": 0, "truth_lower": 0}
    with pytest.raises(ValueError, match="rtol"):
        truth_vs_found(runs, rtol=-1e-9)
    # On real anchor runs every run lands in exactly one case
    summaries = [anchor_run_summary(anchor_run(prepared.X_A, prepared.X_B, 6, 5, random_state=s),
                                    synthetic.rotation) for s in range(3)]
    assert sum(truth_vs_found(summaries).values()) == 3


def test_principal_axis_overlap_is_one_for_a_signed_permutation_and_lower_for_a_rotation(rng):
    from minivec.diagnostics import principal_axis_overlap

    scales = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.4, 0.3])
    X_A = (rng.normal(size=(2000, 8)) * scales).astype(np.float32)
    P = np.eye(8)[[1, 0, 2, 3, 4, 5, 6, 7]] * np.array([1, -1, 1, -1, 1, 1, 1, 1])
    X_B = X_A @ P                                   # B's axes: A's, swapped and flipped
    np.testing.assert_allclose(principal_axis_overlap(X_A, X_B, P, m=4), 1.0, atol=1e-6)
    angle = np.pi / 4                               # turn A's top two axes into each other
    R = np.eye(8)
    R[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    overlap = principal_axis_overlap(X_A, X_B, R @ P, m=4)
    assert overlap.shape == (4,)
    assert overlap[:2].max() < 0.8 and overlap[2:].min() > 0.99
    with pytest.raises(ValueError):
        principal_axis_overlap(X_A, X_B, P, m=9)


def test_truth_versus_found_has_three_outcomes_with_a_relative_tolerance():
    from minivec.diagnostics import VERDICTS, truth_versus_found

    assert truth_versus_found(10.0, 10.0) == "equal"
    assert truth_versus_found(10.0, 10.0 * (1 + 1e-12)) == "equal"  # rounding, not a difference
    assert truth_versus_found(10.0, 10.1) == "truth higher"
    assert truth_versus_found(10.0, 9.9) == "truth lower"
    assert truth_versus_found(-10.0, -9.9) == "truth higher"
    assert truth_versus_found(10.0, 10.0 + 1e-6, rtol=1e-3) == "equal"
    assert set(VERDICTS) == {"truth higher", "equal", "truth lower"}


def test_truth_versus_found_is_equal_when_the_search_finds_the_true_matching(synthetic, prepared):
    from minivec.diagnostics import anchor_run_summary, truth_versus_found

    run = anchor_run(prepared.X_A, prepared.X_B, n_clusters=6, restarts=20, random_state=0)
    s = anchor_run_summary(run, synthetic.rotation)
    if s["assignment_fraction"] == 1.0:  # the oracle's matching is the one found
        assert truth_versus_found(s["objective"], s["assignment_objective"]) == "equal"
    else:
        assert truth_versus_found(s["objective"], s["assignment_objective"]) != "equal"


def test_neighbor_overlap_is_one_for_the_same_picture_and_near_chance_for_unrelated_ones():
    from minivec.diagnostics import neighbor_overlap

    rng = np.random.default_rng(0)
    P = rng.normal(size=(400, 2))
    R = random_orthogonal(2, random_state=0)
    assert neighbor_overlap(P, 3 * P @ R + 1, k=10) == pytest.approx(1.0)  # distances kept
    unrelated = neighbor_overlap(P, rng.normal(size=(400, 5)), k=10)
    assert unrelated < 0.1  # chance is 10 / 399
    noisy = neighbor_overlap(P, P + 0.05 * rng.normal(size=P.shape), k=10)
    assert unrelated < noisy < 1.0
    with pytest.raises(ValueError):
        neighbor_overlap(P, P[:10])
