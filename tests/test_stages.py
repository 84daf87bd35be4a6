"""Each stage function on problems with a known answer."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from minivec import (
    anchor_run,
    centroid_similarity,
    evaluate,
    identity_map,
    kmeans_centroids,
    knn_mean,
    match_centroids,
    nn_cosine,
    procrustes,
    qap_objective,
    random_orthogonal,
    relative_representation,
    smooth,
    topk,
)
from minivec._parallel import cross_product
from minivec.clustering import kmeans_plusplus
from minivec.data import make_synthetic_pair
from minivec.preprocess import center_normalize, training_mean, unit_rows
from minivec.refine import refine_clustering, refine_matching, refine_matching_step


def test_procrustes_recovers_rotation(rng):
    A = rng.normal(size=(500, 16))
    R = random_orthogonal(16, random_state=1)
    W = procrustes(A, A @ R)
    np.testing.assert_allclose(W, R, atol=1e-5)


def test_procrustes_unequal_dims_gives_orthonormal_rows(rng):
    A = rng.normal(size=(300, 12))
    W = procrustes(A, rng.normal(size=(300, 5)))
    assert W.shape == (12, 5)
    np.testing.assert_allclose(W.T @ W, np.eye(5), atol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 7, 1001])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_cross_product_sums_row_blocks_to_at_b(rng, n, threads):
    A = rng.normal(size=(n, 6)).astype(np.float32)
    B = rng.normal(size=(n, 4)).astype(np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        M = cross_product(A, B)
    assert M.shape == (6, 4) and M.dtype == np.float32
    np.testing.assert_allclose(M, A.astype(np.float64).T @ B, rtol=1e-4, atol=1e-4)


def test_smooth_is_convex_combination():
    W, V = np.zeros((3, 3)), np.ones((3, 3))
    np.testing.assert_allclose(smooth(W, V, 0.25), 0.25 * V)
    np.testing.assert_allclose(smooth(W, V, 1.0), V)


def test_qap_recovers_known_permutation(rng):
    # A structured similarity matrix: centroids with distinct pairwise geometry.
    C = rng.normal(size=(12, 6)) * np.linspace(2, 0.3, 6)
    S = centroid_similarity(C)
    perm = rng.permutation(12)
    S_B = S[np.ix_(np.argsort(perm), np.argsort(perm))]  # B's centroid perm[i] is A's i
    res = match_centroids(S, S_B, restarts=20, random_state=0)
    np.testing.assert_array_equal(res.perm, perm)
    assert res.objective == pytest.approx(qap_objective(S, S_B, perm))
    assert res.objectives.shape == (20,) and res.objectives.max() == pytest.approx(res.objective)


def test_qap_is_deterministic_for_a_seed(rng):
    S_A = centroid_similarity(rng.normal(size=(10, 4)))
    S_B = centroid_similarity(rng.normal(size=(10, 4)))
    a, b = (match_centroids(S_A, S_B, 5, random_state=3) for _ in range(2))
    np.testing.assert_array_equal(a.perm, b.perm)
    np.testing.assert_array_equal(a.objectives, b.objectives)


def test_topk_matches_brute_force(rng):
    Q = unit_rows(rng.normal(size=(70, 8)).astype(np.float32))
    X = unit_rows(rng.normal(size=(300, 8)).astype(np.float32))
    idx, sims = topk(Q, X, 5)
    brute = np.argsort(-(Q @ X.T), axis=1)[:, :5]
    np.testing.assert_array_equal(np.sort(idx, 1), np.sort(brute, 1))
    np.testing.assert_allclose(sims, np.take_along_axis(Q @ X.T, idx, 1), rtol=1e-6)


def test_topk_in_many_blocks(monkeypatch, rng):
    import minivec._parallel as nb
    monkeypatch.setattr(nb, "BLOCK_ENTRIES", 300 * 7)  # 7 query rows per block
    Q = rng.normal(size=(50, 8)).astype(np.float32)
    X = rng.normal(size=(300, 8)).astype(np.float32)
    idx, _ = topk(Q, X, 3)
    np.testing.assert_array_equal(np.sort(idx, 1), np.sort(np.argsort(-(Q @ X.T), 1)[:, :3], 1))


def test_knn_mean_averages_other_space(rng):
    X = unit_rows(rng.normal(size=(200, 6)).astype(np.float32))
    Y = rng.normal(size=(200, 3)).astype(np.float32)
    out = knn_mean(X[:10], X, 4, Y)
    idx = np.argsort(-(X[:10] @ X.T), axis=1)[:, :4]
    np.testing.assert_allclose(out, Y[idx].mean(1), rtol=1e-5, atol=1e-6)


def test_knn_mean_in_many_blocks_on_three_workers(monkeypatch, rng):
    import minivec._parallel as nb
    monkeypatch.setattr(nb, "BLOCK_ENTRIES", 200 * 3)  # 3 query rows per block
    monkeypatch.setattr(nb, "block_workers", lambda: 3)
    X = unit_rows(rng.normal(size=(200, 6)).astype(np.float32))
    Y = rng.normal(size=(200, 3)).astype(np.float32)
    out = knn_mean(X[:20], X, 4, Y)
    idx = np.argsort(-(X[:20] @ X.T), axis=1)[:, :4]
    np.testing.assert_allclose(out, Y[idx].mean(1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("blocks", [False, True])
def test_evaluate_matches_brute_force(monkeypatch, rng, blocks):
    if blocks:  # 7 rows per block, three workers
        import minivec._parallel as nb
        monkeypatch.setattr(nb, "BLOCK_ENTRIES", 120 * 7)
        monkeypatch.setattr(nb, "block_workers", lambda: 3)
    E_A = unit_rows(rng.normal(size=(120, 10)).astype(np.float32))
    E_B = unit_rows(E_A + 0.6 * rng.normal(size=E_A.shape).astype(np.float32))
    W = identity_map(10, 10)
    s = evaluate(W, E_A, E_B)
    S = E_A @ E_B.T
    ranks = 1 + (S > np.diag(S)[:, None]).sum(1)
    assert s.pool_size == 120
    assert s.top1 == pytest.approx((ranks == 1).mean())
    assert s.mean_rank == pytest.approx(ranks.mean())
    assert s.mean_cosine == pytest.approx(np.diag(S).mean(), abs=1e-6)
    assert 0.0 < s.top1 < 1.0  # the noise makes this a real test of ranking


def test_evaluate_perfect_and_random(rng):
    E = rng.normal(size=(256, 16)).astype(np.float32)
    assert evaluate(identity_map(16, 16), E, E).top1 == 1.0
    assert evaluate(identity_map(16, 16), E, E).mean_rank == 1.0
    far = evaluate(random_orthogonal(16, random_state=0), E, E)
    assert far.top1 < 0.2 and far.mean_rank > 20


def test_center_normalize_uses_given_mean(rng):
    X = rng.normal(size=(50, 4)) + 5
    m = training_mean(X)
    Y = center_normalize(X, m)
    np.testing.assert_allclose(np.linalg.norm(Y, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose((X - m) / np.linalg.norm(X - m, axis=1, keepdims=True), Y,
                               atol=1e-5)


def test_kmeans_plusplus_puts_one_seed_in_each_far_blob(rng):
    centres = 100 * rng.normal(size=(6, 8))
    X = np.repeat(centres, 50, axis=0) + rng.normal(size=(300, 8))
    seeds = kmeans_plusplus((X - X.mean(axis=0)).astype(np.float32), 6,
                            np.random.RandomState(0))
    assert sorted(seeds // 50) == list(range(6))


@pytest.mark.parametrize("n_clusters, n_init", [(2, 1), (7, 1), (60, 1), (7, 3)])
def test_kmeans_centroids_are_scikit_learns_to_the_bit(synthetic, n_clusters, n_init):
    from sklearn.cluster import KMeans
    from sklearn.cluster import kmeans_plusplus as sklearn_plusplus

    X = synthetic.prepare().X_A
    Xc = X - X.mean(axis=0)
    with threadpool_limits(1):
        for seed in (0, 5):
            _, theirs = sklearn_plusplus(Xc, n_clusters, random_state=seed)
            assert np.array_equal(kmeans_plusplus(Xc, n_clusters, np.random.RandomState(seed)),
                                  theirs)
            km = KMeans(n_clusters, n_init=n_init, random_state=seed).fit(X)
            assert np.array_equal(kmeans_centroids(X, n_clusters, seed, n_init=n_init),
                                  km.cluster_centers_.astype(np.float32))


def test_anchor_run_and_relative_representation(synthetic):
    d = synthetic.prepare()
    run = anchor_run(d.X_A, d.X_B, n_clusters=10, restarts=5, sample_size=2000, random_state=0)
    assert run.centroids_A.shape == (10, 32) and run.centroids_B.shape == (10, 32)
    assert sorted(run.qap.perm) == list(range(10))
    R_A = relative_representation(d.X_A, [run, run], "A")
    assert R_A.shape == (len(d.X_A), 20)
    np.testing.assert_allclose(np.linalg.norm(R_A, axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="side"):
        relative_representation(d.X_A, [run], "C")


def test_nn_cosine_rises_with_a_better_map(synthetic):
    d = synthetic.prepare()
    good = nn_cosine(synthetic.rotation, d.X_A[:300], d.X_B)
    bad = nn_cosine(random_orthogonal(32, random_state=5), d.X_A[:300], d.X_B)
    assert good > bad


def test_symmetric_refine_step_keeps_the_true_map(rng):
    X = unit_rows(rng.normal(size=(400, 8)).astype(np.float32))
    R = random_orthogonal(8, random_state=2)
    # same points on both sides, k=1: every pseudo-pair is a true pair in both directions
    W, match = refine_matching_step(R, X[:150], X @ R, 1, 0.5, B=(X @ R)[150:300], X_A=X)
    np.testing.assert_allclose(W, R, atol=1e-5)
    assert match == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("symmetric", [False, True])
def test_refine1_converges_from_a_turned_start(symmetric):
    """Both forms of Refine-1 pull a map turned away from the truth back towards it, on
    disjoint noisy pools."""
    pair = make_synthetic_pair(n_train=3000, n_eval=512, d=32, noise=0.05, random_state=3)
    d = pair.prepare()
    turn = procrustes(np.eye(32) + 0.35 * np.random.default_rng(4).normal(size=(32, 32)),
                      np.eye(32))
    start = (turn @ pair.rotation).astype(np.float32)
    W = refine_matching(start, d.X_A, d.X_B, n_iter=15, sample_size=1500, k=10,
                        random_state=0, verbose=False, symmetric=symmetric)
    before, after = evaluate(start, d.E_A, d.E_B), evaluate(W, d.E_A, d.E_B)
    assert after.mean_cosine > before.mean_cosine + 0.1
    assert after.top1 > 0.9


def test_refine2_takes_the_a_centroids_it_would_compute(synthetic):
    """MiniVec2Vec clusters A for Refine-2 while Refine-1 runs and hands the centroids over:
    the same map to the bit as computing them inside."""
    d = synthetic.prepare()
    W = random_orthogonal(32, random_state=1)
    C_A = kmeans_centroids(d.X_A, 40, 7)
    np.testing.assert_array_equal(refine_clustering(W, d.X_A, d.X_B, 40, 0.5, 7, C_A=C_A),
                                  refine_clustering(W, d.X_A, d.X_B, 40, 0.5, 7))
