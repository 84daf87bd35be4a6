"""Refine-1 by entropic transport (matching="transport"), on problems with a known answer."""

import numpy as np
import pytest
from conftest import FAST
from scipy import sparse

from minivec import METHODS, MiniVec2Vec, evaluate, procrustes, random_orthogonal, transport
from minivec.data import make_synthetic_pair
from minivec.gromov import sinkhorn
from minivec.preprocess import unit_rows
from minivec.refine import refine_matching
from minivec.transport import (
    MIN_TAU,
    SINKHORN_RTOL,
    candidate_similarities,
    sinkhorn_plan,
    transport_step,
)


def test_sparse_plan_on_full_support_is_the_dense_entropic_plan(rng):
    """On a full support the sparse scaling gives the plan of the dense log-domain Sinkhorn
    of the GW start (two implementations of one definition)."""
    S = rng.uniform(-0.3, 0.9, size=(9, 13))
    P = sinkhorn_plan(sparse.csr_matrix(S), tau=0.05).toarray()
    dense, _ = sinkhorn(S[None] / 0.05, np.full(9, 1 / 9), np.full(13, 1 / 13), n_iter=2000)
    np.testing.assert_allclose(P, dense[0], rtol=5e-3, atol=1e-9)


def test_plan_meets_its_marginals(rng):
    M = unit_rows(rng.normal(size=(300, 8)).astype(np.float32))
    X_B = unit_rows(rng.normal(size=(200, 8)).astype(np.float32))
    P = sinkhorn_plan(candidate_similarities(M, X_B, 10), tau=0.02)
    rows, cols = np.asarray(P.sum(axis=1)).ravel(), np.asarray(P.sum(axis=0)).ravel()
    assert np.max(np.abs(rows * 300 - 1)) < SINKHORN_RTOL
    np.testing.assert_allclose(cols * 200, 1, atol=1e-9)


def test_folding_the_scalings_into_the_kernel_leaves_the_plan_unchanged(rng, monkeypatch):
    """With a tiny bound the scalings are folded into the kernel at nearly every step; the
    plan is the same as without folding, as the log-domain updates it stands for are."""
    M = unit_rows(rng.normal(size=(120, 6)).astype(np.float32))
    X_B = unit_rows(rng.normal(size=(90, 6)).astype(np.float32))
    S = candidate_similarities(M, X_B, 8)
    P = sinkhorn_plan(S, tau=0.03)
    monkeypatch.setattr(transport, "ABSORB", 2.0)
    np.testing.assert_allclose(sinkhorn_plan(S, tau=0.03).toarray(), P.toarray(), rtol=1e-8,
                               atol=1e-15)


def test_plan_stays_finite_at_the_smallest_temperature(rng):
    """Cosines spread over [-1, 1] at tau = MIN_TAU: kernel entries as far apart as exp(-400)
    and 1, on a sparse support. The plan stays finite, carries all the mass and nearly meets
    both marginals (500 scalings do not fully converge at this temperature)."""
    M = unit_rows(rng.normal(size=(200, 3)).astype(np.float32))   # in 3-d, cosines span [-1, 1]
    X_B = unit_rows(rng.normal(size=(150, 3)).astype(np.float32))
    S = candidate_similarities(M, X_B, 140)
    assert S.data.min() < -0.9
    P = sinkhorn_plan(S, tau=MIN_TAU)
    assert np.all(np.isfinite(P.data)) and P.nnz == S.nnz
    assert P.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(P.sum(axis=1)).ravel() * 200, 1, atol=1e-2)
    np.testing.assert_allclose(np.asarray(P.sum(axis=0)).ravel() * 150, 1, atol=1e-2)


def test_plan_refuses_a_row_or_column_without_candidates():
    S = sparse.csr_matrix(np.array([[0.5, 0.0], [0.0, 0.0], [0.2, 0.4]]))
    with pytest.raises(ValueError, match="at least one candidate"):
        sinkhorn_plan(S)
    with pytest.raises(ValueError, match="at least one candidate"):
        sinkhorn_plan(sparse.csr_matrix(np.array([[0.5, 0.0], [0.3, 0.0]])))


def test_candidates_hold_each_rows_and_columns_nearest_with_their_cosines(rng):
    M = unit_rows(rng.normal(size=(60, 5)).astype(np.float32))
    X_B = unit_rows(rng.normal(size=(40, 5)).astype(np.float32))
    S = candidate_similarities(M, X_B, 4)
    dense = M @ X_B.T
    rows, cols = S.nonzero()
    np.testing.assert_allclose(S.toarray()[rows, cols], dense[rows, cols], atol=1e-6)
    support = S.toarray() != 0
    for i in range(60):  # each row's 4 nearest columns are in, and likewise for columns
        assert support[i, np.argsort(-dense[i])[:4]].all()
    for j in range(40):
        assert support[np.argsort(-dense[:, j])[:4], j].all()
    assert len(rows) == len(set(zip(rows, cols)))  # a pair found both ways is kept once


def test_transport_step_keeps_the_true_map(rng):
    X = unit_rows(rng.normal(size=(300, 8)).astype(np.float32))
    R = random_orthogonal(8, random_state=2)
    perm = rng.permutation(300)  # B holds the same points, in another order
    W, match = transport_step(R, X, (X @ R)[perm], k=5, tau=0.01)
    np.testing.assert_allclose(W, R, atol=1e-3)
    assert match > 0.95


def test_transport_refine_recovers_the_rotation_from_a_turned_start():
    """From a start turned well away from the truth, on disjoint noisy pools, transport
    Refine-1 finds the rotation and lands at least as close to it as the paper's Refine-1."""
    pair = make_synthetic_pair(n_train=3000, n_eval=512, d=32, noise=0.05, random_state=3)
    d = pair.prepare()
    turn = procrustes(np.eye(32) + 0.35 * np.random.default_rng(4).normal(size=(32, 32)),
                      np.eye(32))
    start = (turn @ pair.rotation).astype(np.float32)
    fits = {matching: refine_matching(start, d.X_A, d.X_B, n_iter=15, k=10, alpha=1.0,
                                      verbose=False, matching=matching)
            for matching in ("transport", "knn")}
    before, after = evaluate(start, d.E_A, d.E_B), evaluate(fits["transport"], d.E_A, d.E_B)
    assert before.top1 < 0.5 and after.top1 > 0.95
    error = {m: np.linalg.norm(W - pair.rotation) for m, W in fits.items()}
    assert error["transport"] < np.linalg.norm(start - pair.rotation) / 2
    assert error["transport"] <= error["knn"]


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_estimator_with_transport_matching(synthetic):
    params = {**FAST, "matching": "transport", "alpha": 1.0, "n_iter": 10}
    a = MiniVec2Vec(random_state=0, **params).fit(synthetic.X_A, synthetic.X_B)
    b = MiniVec2Vec(random_state=0, **params).fit(synthetic.X_A, synthetic.X_B)
    np.testing.assert_array_equal(a.W_, b.W_)
    assert a.evaluate(synthetic.E_A, synthetic.E_B).top1 > 0.95


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_gw_transport_preset_fits_a_synthetic_pair(synthetic):
    """METHODS["gw-transport"] end to end (GW start, transport Refine-1, no Refine-2), with a
    smaller GW search than the preset's for speed."""
    params = {**FAST, **METHODS["gw-transport"], "gw_clusters": 24, "gw_restarts": 16,
              "gw_rounds": 1, "n_iter": 10}
    est = MiniVec2Vec(random_state=0, **params).fit(synthetic.X_A, synthetic.X_B)
    assert est.gw_start_ is not None and est.n_iter_ == 10
    assert not any(row["stage"] == "refine2" for row in est.history_)
    assert est.evaluate(synthetic.E_A, synthetic.E_B).top1 > 0.95


@pytest.mark.parametrize("params, message", [
    ({"matching": "sinkhorn"}, "matching must be one of"),
    ({"matching": "transport", "tau": 0.0}, "tau must be a number in"),
    ({"matching": "transport", "tau": "0.04"}, "tau must be a number in"),
])
def test_bad_transport_parameters(synthetic, params, message):
    with pytest.raises(ValueError, match=message):
        MiniVec2Vec(**{**FAST, **params}).fit(synthetic.X_A, synthetic.X_B)
