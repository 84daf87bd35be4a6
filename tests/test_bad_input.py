"""Bad input gets a ValueError that names the problem."""

import numpy as np
import pytest

from minivec import (
    MiniVec2Vec,
    anchor_run,
    evaluate,
    identity_map,
    kmeans_centroids,
    procrustes,
    pseudo_pairs,
    refine_clustering,
    refine_matching,
    smooth,
)
from minivec.data import load_arrays

GOOD = np.random.default_rng(0).normal(size=(600, 4)).astype(np.float32)


@pytest.mark.parametrize("bad, message", [
    (np.ones(10), "must be 2-D"),
    (np.ones((2, 3, 4)), "must be 2-D"),
    (np.where(np.eye(600, 4) > 0, np.nan, 1.0), "NaN or inf"),
    (np.where(np.eye(600, 4) > 0, np.inf, 1.0), "NaN or inf"),
    (np.vstack([GOOD[:599], np.zeros((1, 4))]), "all-zero rows"),
    ([["a", "b"]], "numeric"),
    (np.ones((5, 0)), "no columns"),
])
def test_bad_embeddings(bad, message):
    with pytest.raises(ValueError, match=message):
        MiniVec2Vec(verbose=False).fit(bad, GOOD)
    with pytest.raises(ValueError, match=message):
        MiniVec2Vec(verbose=False).fit(GOOD, bad)


def test_identity_needs_equal_dims():
    with pytest.raises(ValueError, match="equal dimensions.*384.*64"):
        identity_map(384, 64)


def test_fewer_rows_than_clusters():
    with pytest.raises(ValueError, match=r"n_clusters=50 .*only 40 rows"):
        kmeans_centroids(GOOD[:40], 50, 0)
    with pytest.raises(ValueError, match="n_clusters"):
        anchor_run(GOOD, GOOD[:40], n_clusters=41, sample_size=None)
    with pytest.raises(ValueError, match="only 30 rows"):
        MiniVec2Vec(n_clusters=40, anchor_sample=30, verbose=False).fit(GOOD, GOOD)
    with pytest.raises(ValueError, match="Refine-2"):
        refine_clustering(np.eye(4), GOOD, GOOD[:40], n_clusters=100)
    with pytest.raises(ValueError, match=r"C_A has shape \(10, 4\).*\(20, 4\)"):
        refine_clustering(np.eye(4), GOOD, GOOD, n_clusters=20, C_A=GOOD[:10])
    with pytest.raises(ValueError, match="refine_clusters"):
        MiniVec2Vec(refine_clusters=601, verbose=False).fit(GOOD, GOOD)


def test_k_not_smaller_than_pool():
    with pytest.raises(ValueError, match="smaller than the pool of 600"):
        MiniVec2Vec(n_neighbors=600, n_clusters=4, n_runs=1, qap_restarts=1,
                    verbose=False).fit(GOOD, GOOD)
    with pytest.raises(ValueError, match="refine_neighbors"):
        MiniVec2Vec(n_neighbors=5, refine_neighbors=700, n_clusters=4, n_runs=1,
                    qap_restarts=1, verbose=False).fit(GOOD, GOOD)
    with pytest.raises(ValueError, match="pseudo-pair"):
        pseudo_pairs(GOOD, GOOD, GOOD, k=600)
    with pytest.raises(ValueError, match="Refine-1"):
        refine_matching(np.eye(4), GOOD, GOOD, k=1000)
    # symmetric Refine-1 also searches the A pool, here the smaller one
    with pytest.raises(ValueError, match="smaller than the pool of 100"):
        refine_matching(np.eye(4), GOOD[:100], GOOD, k=200, symmetric=True)


@pytest.mark.parametrize("alpha", [0, -0.1, 1.5, "0.5", None])
def test_alpha_outside_unit_interval(alpha):
    with pytest.raises(ValueError, match="alpha"):
        smooth(np.eye(2), np.eye(2), alpha)
    with pytest.raises(ValueError, match="alpha"):
        MiniVec2Vec(alpha=alpha, verbose=False).fit(GOOD, GOOD)


def test_eval_pairs_of_unequal_length():
    with pytest.raises(ValueError, match="equal lengths: 600 rows in A, 599 in B"):
        MiniVec2Vec(verbose=False).fit(GOOD, GOOD, eval_pairs=(GOOD, GOOD[:599]))
    with pytest.raises(ValueError, match="equal lengths"):
        evaluate(np.eye(4), GOOD, GOOD[:10])
    with pytest.raises(ValueError, match="equal lengths"):
        load_arrays(GOOD, GOOD, GOOD, GOOD[:5])
    with pytest.raises(ValueError, match="equal lengths"):
        procrustes(GOOD, GOOD[:5])


def test_map_of_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(3, 3\), expected \(4, 4\)"):
        evaluate(np.eye(3), GOOD, GOOD)


def test_eval_pairs_of_wrong_dimension():
    with pytest.raises(ValueError, match="E_A has 3 columns but X_A has 4"):
        MiniVec2Vec(verbose=False).fit(GOOD, GOOD, eval_pairs=(GOOD[:, :3], GOOD))


@pytest.mark.parametrize("param, value", [("n_runs", 0), ("qap_restarts", 0), ("n_iter", -1),
                                          ("n_runs", 2.5), ("eval_every", 0)])
def test_bad_integer_hyperparameters(param, value):
    with pytest.raises(ValueError, match=param):
        MiniVec2Vec(verbose=False, **{param: value}).fit(GOOD, GOOD)


def test_transform_before_fit():
    with pytest.raises(ValueError, match="not fitted"):
        MiniVec2Vec().transform(GOOD)


def test_not_fitted_error_names_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        MiniVec2Vec().inverse_transform(GOOD)


@pytest.mark.parametrize("pairs, got", [(GOOD, r"an array of shape \(600, 4\)"),
                                        ((GOOD,), "tuple of length 1"),
                                        ((GOOD, GOOD, GOOD), "tuple of length 3"),
                                        ("pairs", "str")])
def test_eval_pairs_must_be_a_pair(pairs, got):
    with pytest.raises(ValueError, match=r"eval_pairs must be a pair \(E_A, E_B\).*" + got):
        MiniVec2Vec(verbose=False).fit(GOOD, GOOD, eval_pairs=pairs)


def test_rows_of_the_wrong_width_after_fit():
    m = MiniVec2Vec(n_runs=1, n_clusters=4, qap_restarts=1, n_neighbors=5, n_iter=0,
                    refine_clusters=0, random_state=0, verbose=False).fit(GOOD, GOOD[:, :3])
    fitted_on = "fitted on {}-dimensional {} rows; {} has 16 columns"
    with pytest.raises(ValueError, match=fitted_on.format(4, "A", "X_A")):
        m.transform(np.ones((2, 16)))
    with pytest.raises(ValueError, match=fitted_on.format(3, "B", "Y")):
        m.inverse_transform(np.ones((2, 16)))
    with pytest.raises(ValueError, match=fitted_on.format(3, "B", "X_B")):
        m.transform_b_to_a(np.ones((2, 16)))
    with pytest.raises(ValueError, match=fitted_on.format(3, "B", "E_B")):
        m.score(GOOD, np.ones((600, 16)))


def test_load_arrays_without_held_out_pairs():
    with pytest.raises(ValueError, match=r"needs held-out pairs E_A and E_B.*"
                                         r"MiniVec2Vec\(\)\.fit\(X_A, X_B\)"):
        load_arrays(GOOD, GOOD, None, None)


def test_too_many_refine_clusters_says_how_to_skip_refine2():
    with pytest.raises(ValueError, match="only 200 rows.*refine_clusters=0 skips Refine-2"):
        MiniVec2Vec(n_runs=1, n_clusters=4, qap_restarts=1, n_neighbors=5,
                    verbose=False).fit(GOOD[:200], GOOD[:200])
