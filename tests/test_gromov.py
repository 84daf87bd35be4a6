"""The Gromov-Wasserstein start (init="gw"), on synthetic data."""

import numpy as np
import pytest
from conftest import FAST

from minivec import MiniVec2Vec, evaluate, gw_start, random_orthogonal
from minivec.diagnostics import coupling_truth
from minivec.gromov import centred_kernel, cluster_weights, gw_agreement, gw_couplings, sinkhorn
from minivec.preprocess import unit_rows


def test_sinkhorn_meets_both_marginals(rng):
    a, b = rng.random(5) + 0.1, rng.random(7) + 0.1
    a, b = a / a.sum(), b / b.sum()
    T, g = sinkhorn(rng.standard_normal((3, 5, 7)) * 4, a, b, n_iter=300)
    assert T.shape == (3, 5, 7) and g.shape == (3, 7)
    np.testing.assert_allclose(T.sum(axis=2), np.broadcast_to(a, (3, 5)), atol=1e-6)
    np.testing.assert_allclose(T.sum(axis=1), np.broadcast_to(b, (3, 7)), atol=1e-9)


def test_sinkhorn_survives_large_log_weights(rng):
    w = np.full(4, 0.25)
    T, _ = sinkhorn(rng.standard_normal((1, 4, 4)) * 500, w, w)
    assert np.isfinite(T).all()


def test_gw_recovers_a_hidden_permutation_and_ranks_it_first(rng):
    c = 12
    C_A = unit_rows(rng.standard_normal((c, 6)))
    perm = rng.permutation(c)
    C_B = (C_A @ random_orthogonal(6, random_state=1))[perm]  # B cluster j is A cluster perm[j]
    w = np.full(c, 1 / c)
    K_A, K_B = centred_kernel(C_A), centred_kernel(C_B)
    T = gw_couplings(K_A, K_B, w, w, n_restarts=8, rng=rng)
    agreement = gw_agreement(K_A, K_B, T)
    best = T[np.argmax(agreement)]
    np.testing.assert_array_equal(best.argmax(axis=1), np.argsort(perm))
    truth = np.zeros((1, c, c))
    truth[0, perm, np.arange(c)] = 1 / c
    assert gw_agreement(K_A, K_B, truth)[0] > np.median(agreement)  # the truth scores well


def test_cluster_weights_count_nearest_rows():
    C = np.array([[1.0, 0.0], [0.0, 1.0]])
    X = np.array([[0.9, 0.1], [1.0, 0.0], [0.2, 0.8]])
    np.testing.assert_allclose(cluster_weights(X, C), [3 / 5, 2 / 5])  # counts + 1 each


def test_gw_start_aligns_a_rotated_synthetic_pair(synthetic):
    data = synthetic.prepare()
    start = gw_start(data.X_A, data.X_B, n_clusters=24, n_restarts=16, n_rounds=2, k=20,
                     random_state=0, verbose=False)
    assert len(start.rounds) == 2
    for found in start.rounds:
        assert len(found.agreement) == 16 and np.all(np.diff(found.agreement) <= 0)
        assert found.couplings.shape == (16, 24, 24) and len(found.probe_scores) == 2
    r, p = start.chosen
    assert start.rounds[r].probe_scores[p] == max(f.probe_scores.max() for f in start.rounds)
    assert evaluate(start.W, data.E_A, data.E_B).top1 > 0.9


def test_estimator_with_gw_init(synthetic):
    est = MiniVec2Vec(init="gw", gw_clusters=24, gw_restarts=16, gw_rounds=1, alpha=1.0,
                      random_state=0, **FAST)
    est.fit(synthetic.X_A, synthetic.X_B, eval_pairs=(synthetic.E_A, synthetic.E_B))
    assert est.anchor_runs_ == [] and est.gw_start_ is not None
    assert est.score(synthetic.E_A, synthetic.E_B) > 0.95
    again = MiniVec2Vec(init="gw", gw_clusters=24, gw_restarts=16, gw_rounds=1, alpha=1.0,
                        random_state=0, **FAST).fit(synthetic.X_A, synthetic.X_B)
    np.testing.assert_array_equal(est.W_, again.W_)


@pytest.mark.parametrize("params, message", [
    (dict(init="qap"), "init must be one of"),
    (dict(init="gw", gw_clusters=10_000), "gw_clusters"),
    (dict(init="gw", gw_restarts=0), "gw_restarts"),
    (dict(init="gw", gw_rounds=0), "gw_rounds"),
])
def test_gw_init_bad_parameters(synthetic, params, message):
    with pytest.raises(ValueError, match=message):
        MiniVec2Vec(**{**FAST, **params}).fit(synthetic.X_A, synthetic.X_B)


def test_coupling_truth_scores_the_true_coupling_one_and_a_wrong_one_low(rng):
    C = unit_rows(rng.standard_normal((4, 3)))
    P_A = np.repeat(C, 5, axis=0)            # five pairs sitting on each centroid
    perm = np.array([2, 0, 3, 1])
    C_B = C[perm]                            # B centroid j is A centroid perm[j]
    right = np.zeros((4, 4))
    right[perm, np.arange(4)] = 0.25
    wrong = np.full((4, 4), 1 / 16)
    np.testing.assert_allclose(coupling_truth(np.stack([right, wrong]), C, C_B, P_A, P_A),
                               [1.0, 0.25])


def test_plot_gw_restarts_labels_its_axes():
    import matplotlib
    matplotlib.use("Agg")
    from minivec.plot import plot_gw_restarts

    fig = plot_gw_restarts(np.array([3.0, 2.0, 1.0, 0.5]), np.array([0.4, 0.3, 0.1, 0.1]), 2)
    ax = fig.axes[0]
    assert "oracle" in ax.get_ylabel() and "agreement" in ax.get_xlabel()
    assert plot_gw_restarts(np.array([3.0, 2.0])).axes[0].get_xlabel().startswith("restart")


def test_switching_init_recomputes_the_start(synthetic):
    est = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 0, "refine_clusters": 0})
    est.fit(synthetic.X_A, synthetic.X_B)
    assert est.anchor_runs_ and est.gw_start_ is None
    est.set_params(init="gw", gw_clusters=24, gw_restarts=8, gw_rounds=1)
    est.fit(synthetic.X_A, synthetic.X_B)
    assert est.anchor_runs_ == [] and est.gw_start_ is not None
    est.set_params(init="anchors").fit(synthetic.X_A, synthetic.X_B)
    assert est.anchor_runs_ and est.gw_start_ is None
