"""The whole estimator on synthetic problems with a known secret rotation."""

import numpy as np
import pytest
from conftest import FAST
from sklearn.base import clone

import minivec.estimator as est_mod
from minivec import MiniVec2Vec, evaluate
from minivec.data import make_synthetic_pair
from minivec.preprocess import unit_rows
from minivec.refine import DEFAULT_TOL


@pytest.fixture(scope="module")
def fitted(synthetic):
    p = synthetic
    return MiniVec2Vec(random_state=0, **FAST).fit(p.X_A, p.X_B, eval_pairs=(p.E_A, p.E_B))


def test_recovers_secret_rotation_from_disjoint_halves(fitted, synthetic):
    final = fitted.history_[-1]
    assert final["top1"] >= 0.99
    assert final["pool_size"] == len(synthetic.E_A)
    assert fitted.score(synthetic.E_A, synthetic.E_B) == pytest.approx(final["top1"])
    # Mapped rows land almost on their true partners, as the secret rotation puts them.
    assert final["mean_cosine"] > 0.95


def test_history_has_every_stage_and_iteration(fitted):
    stages = [r["stage"] for r in fitted.history_]
    assert stages == ["initial"] + ["refine1"] * FAST["n_iter"] + ["refine2"]
    assert [r["iteration"] for r in fitted.history_ if r["stage"] == "refine1"] == \
        list(range(1, FAST["n_iter"] + 1))
    for row in fitted.history_:
        assert {"nn_cosine", "mean_cosine", "top1", "mean_rank", "pool_size"} <= set(row)
    # Refine-1 improves on the anchors, and the unsupervised signal rises with it.
    first, last = fitted.history_[0], fitted.history_[-2]
    assert last["mean_cosine"] > first["mean_cosine"]
    assert last["nn_cosine"] > first["nn_cosine"]


def test_eval_every_thins_held_out_scoring(synthetic):
    p = synthetic
    m = MiniVec2Vec(random_state=0, **{**FAST, "eval_every": 5}).fit(
        p.X_A, p.X_B, eval_pairs=(p.E_A, p.E_B))
    scored = [r["iteration"] for r in m.history_ if r["stage"] == "refine1" and "top1" in r]
    assert scored == list(range(5, FAST["n_iter"] + 1, 5))


def test_same_seed_same_map_to_the_bit(fitted, synthetic):
    again = clone(fitted).fit(synthetic.X_A, synthetic.X_B)
    np.testing.assert_array_equal(again.W_, fitted.W_)
    other = clone(fitted).set_params(random_state=1).fit(synthetic.X_A, synthetic.X_B)
    assert not np.array_equal(other.W_, fitted.W_)


def test_refine_only_refit_reuses_the_cached_start(monkeypatch, synthetic, tmp_path):
    calls = []
    real = est_mod.anchor_ensemble
    monkeypatch.setattr(est_mod, "anchor_ensemble",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    p = synthetic
    m = MiniVec2Vec(random_state=0, memory=tmp_path,
                    **{**FAST, "n_iter": 3, "refine_clusters": 0})
    m.fit(p.X_A, p.X_B)
    W_before = m.W_initial_
    m.set_params(n_iter=5, alpha=0.3, refine_clusters=30).fit(p.X_A, p.X_B)
    assert len(calls) == 1
    np.testing.assert_array_equal(m.W_initial_, W_before)
    # another estimator with the same memory, data, seed and start settings shares the start
    other = MiniVec2Vec(random_state=0, memory=str(tmp_path), **{**FAST, "n_iter": 0})
    other.fit(p.X_A, p.X_B)
    assert len(calls) == 1
    np.testing.assert_array_equal(other.W_initial_, W_before)
    m.set_params(n_clusters=10).fit(p.X_A, p.X_B)  # an anchor setting recomputes
    assert len(calls) == 2
    m.set_params(n_clusters=10).fit(p.X_A[:-1], p.X_B)  # so does other data
    assert len(calls) == 3
    m.set_params(random_state=1).fit(p.X_A[:-1], p.X_B)  # and another seed
    assert len(calls) == 4


def test_without_memory_nothing_is_cached(monkeypatch, synthetic):
    """memory=None: every fit computes its start, and the fitted model carries no cache."""
    import pickle

    calls = []
    real = est_mod.anchor_ensemble
    monkeypatch.setattr(est_mod, "anchor_ensemble",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    p = synthetic
    m = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 2, "refine_clusters": 0})
    m.fit(p.X_A, p.X_B).fit(p.X_A, p.X_B)
    assert len(calls) == 2
    assert not [key for key in vars(m) if key.startswith("_")]
    # the pickle holds the map, the means, the anchor runs and history, not the pools
    assert len(pickle.dumps(m)) < p.X_A.nbytes


def test_transform_and_its_inverse(fitted, synthetic):
    p = synthetic
    mapped = fitted.transform(p.E_A)
    assert mapped.shape == p.E_A.shape
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1, rtol=1e-4)
    # inverse_transform undoes transform up to each row's length about A's training mean
    back = fitted.inverse_transform(mapped)
    centred = p.E_A - fitted.mean_A_
    np.testing.assert_allclose(back - fitted.mean_A_,
                               centred / np.linalg.norm(centred, axis=1, keepdims=True),
                               atol=1e-5)
    np.testing.assert_allclose(fitted.transform(back), mapped, atol=1e-5)
    # transform_b_to_a maps raw B rows into A with W_.T: the reverse direction retrieves the
    # right A rows as well as the forward map does
    to_A = fitted.transform_b_to_a(p.E_B)
    d = p.prepare()
    assert evaluate(fitted.W_.T, d.E_B, d.E_A).top1 >= 0.99
    np.testing.assert_allclose(to_A, unit_rows(d.E_B @ fitted.W_.T),
                               atol=1e-6)
    assert np.mean(np.sum(to_A * d.E_A, axis=1)) > 0.9


def test_section_6_3_variant_gives_its_own_usable_start(synthetic):
    p = synthetic
    params = {**FAST, "n_iter": 0, "refine_clusters": 0}
    rel = MiniVec2Vec(random_state=0, **params).fit(p.X_A, p.X_B, (p.E_A, p.E_B))
    cen = MiniVec2Vec(random_state=0, use_relative=False, **params).fit(
        p.X_A, p.X_B, (p.E_A, p.E_B))
    # Both starts carry real signal (a random map scores about 0), and they differ:
    # which one is better depends on the data and the seed.
    assert rel.history_[0]["mean_cosine"] > 0.3
    assert cen.history_[0]["mean_cosine"] > 0.3
    assert not np.allclose(rel.W_initial_, cen.W_initial_)


def test_isotropic_mixture_defeats_the_anchor_stage():
    """A lesson, not a bug: equal spherical clusters give centroid similarities with no
    signal, so QAP matching is arbitrary and the pipeline stays near chance."""
    p = make_synthetic_pair(n_train=3000, n_eval=1024, d=32, kind="isotropic", random_state=0)
    m = MiniVec2Vec(random_state=0, **FAST).fit(p.X_A, p.X_B, (p.E_A, p.E_B))
    assert m.history_[-1]["top1"] < 0.1
    d = p.prepare()
    assert evaluate(p.rotation, d.E_A, d.E_B).top1 > 0.95  # a perfect map exists


def test_unequal_dimensions_map_shape():
    rng = np.random.default_rng(0)
    p = make_synthetic_pair(n_train=1500, n_eval=256, d=16, random_state=1)
    P = np.linalg.qr(rng.normal(size=(16, 16)))[0][:, :8]  # B is a projection to 8-d
    m = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 2, "refine_clusters": 20}).fit(
        p.X_A, p.X_B @ P)
    assert m.W_.shape == (16, 8)
    assert m.transform(p.E_A).shape == (256, 8)
    assert m.transform_b_to_a(p.E_B @ P).shape == (256, 16)
    # A has more dimensions than B: the inverse gives back the part of each row that the
    # map keeps (the least-squares preimage), which transform maps as it mapped the row
    mapped = m.transform(p.E_A)
    back = m.inverse_transform(mapped)
    assert back.shape == (256, 16)
    np.testing.assert_allclose(m.transform(back), mapped, atol=1e-5)


def test_refine1_stops_early_by_its_unsupervised_test(synthetic):
    p = synthetic
    capped = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 200, "tol": DEFAULT_TOL}).fit(
        p.X_A, p.X_B, (p.E_A, p.E_B))
    assert 15 <= capped.n_iter_ < 200
    assert capped.history_[-2]["top1"] > 0.5  # it stopped on a plateau, not at the start
    assert capped.history_[-2]["stage"] == "refine1" and "top1" in capped.history_[-2]
    assert MiniVec2Vec().tol == DEFAULT_TOL  # the estimator's default
    full = MiniVec2Vec(random_state=0, **{**FAST, "tol": None}).fit(p.X_A, p.X_B)
    assert full.n_iter_ == FAST["n_iter"]
    with pytest.raises(ValueError, match="tol"):
        MiniVec2Vec(**{**FAST, "tol": -1.0}).fit(p.X_A, p.X_B)


def test_signals_are_recorded_with_the_held_out_scores(synthetic):
    """nn_cosine costs a nearest-neighbour search: recorded every eval_every iterations and
    at the end of each stage, with or without pairs, not at every iteration."""
    p = synthetic
    params = {**FAST, "n_iter": 12, "eval_every": 5}
    for pairs in ((p.E_A, p.E_B), None):
        m = MiniVec2Vec(random_state=0, **params).fit(p.X_A, p.X_B, pairs)
        have = [(r["stage"], r["iteration"]) for r in m.history_ if "nn_cosine" in r]
        assert have == [("initial", 0), ("refine1", 5), ("refine1", 10), ("refine1", 12),
                        ("refine2", 0)]
        assert len(m.history_) == 14
        assert all(("top1" in r) == (pairs is not None) for r in m.history_ if "nn_cosine" in r)


@pytest.mark.parametrize("n_iter, refine_clusters", [(6, 60), (6, 0), (0, 60), (0, 0)])
def test_history_is_complete_and_equals_a_serial_scoring(monkeypatch, synthetic, n_iter,
                                                         refine_clusters):
    """The maps are scored beside the refinements, in another thread, whichever stage made
    them: the history must still hold every stage's rows, scored where eval_every and the
    stage ends say, each with the scores a serial computation gives for its own map."""
    maps, signal = {}, {}
    real_refine, real_nn = est_mod.refine_matching, est_mod.nn_cosine

    def keeping_maps(*args, callback, **kwargs):
        def keep(t, W):
            maps[t] = W
            callback(t, W)
        return real_refine(*args, callback=keep, **kwargs)

    def keeping_rows(W, A, X_B):
        signal.setdefault("rows", (A, X_B))
        return real_nn(W, A, X_B)

    monkeypatch.setattr(est_mod, "refine_matching", keeping_maps)
    monkeypatch.setattr(est_mod, "nn_cosine", keeping_rows)
    p = synthetic
    m = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": n_iter, "eval_every": 4,
                                       "refine_clusters": refine_clusters}).fit(
        p.X_A, p.X_B, eval_pairs=(p.E_A, p.E_B))
    assert [(r["stage"], r["iteration"]) for r in m.history_] == \
        [("initial", 0)] + [("refine1", t) for t in range(1, n_iter + 1)] + \
        [("refine2", 0)] * bool(refine_clusters)
    scored = [r for r in m.history_ if "top1" in r]
    assert [(r["stage"], r["iteration"]) for r in scored] == \
        [("initial", 0)] + [("refine1", t) for t in (4, 6) if n_iter] + \
        [("refine2", 0)] * bool(refine_clusters)
    assert all(("nn_cosine" in r) == ("top1" in r) for r in m.history_)
    d = p.prepare()
    for row in scored:
        W = {"initial": m.W_initial_, "refine2": m.W_}.get(row["stage"])
        W = maps[row["iteration"]] if W is None else W
        want = evaluate(W, d.E_A, d.E_B)
        assert row["top1"] == want.top1 and row["mean_rank"] == want.mean_rank
        assert row["mean_cosine"] == pytest.approx(want.mean_cosine, rel=1e-6, abs=0)
        assert row["nn_cosine"] == pytest.approx(real_nn(W, *signal["rows"]), rel=1e-6, abs=0)
    np.testing.assert_array_equal(m.W_, maps[n_iter] if n_iter and not refine_clusters
                                  else m.W_ if refine_clusters else m.W_initial_)


def test_parallel_anchor_runs_give_the_same_map(synthetic):
    p = synthetic
    params = {**FAST, "n_iter": 3, "refine_clusters": 0}
    one = MiniVec2Vec(random_state=0, **params).fit(p.X_A, p.X_B)
    two = MiniVec2Vec(random_state=0, n_jobs=2, **params).fit(p.X_A, p.X_B)
    np.testing.assert_array_equal(one.W_, two.W_)


def test_each_scored_row_holds_the_scores_of_its_own_map(monkeypatch, synthetic):
    """The scores are computed in a helper thread beside the refinements: each row must still
    get those of the map it was recorded with, in order."""
    maps = {}
    real = est_mod.refine_matching

    def keeping_maps(*args, callback, **kwargs):
        def keep(t, W):
            maps[t] = W
            callback(t, W)
        return real(*args, callback=keep, **kwargs)

    monkeypatch.setattr(est_mod, "refine_matching", keeping_maps)
    p = synthetic
    m = MiniVec2Vec(random_state=0, **{**FAST, "n_iter": 10, "eval_every": 3}).fit(
        p.X_A, p.X_B, eval_pairs=(p.E_A, p.E_B))
    d = p.prepare()
    scored = [r for r in m.history_ if "top1" in r]
    assert [(r["stage"], r["iteration"]) for r in scored] == \
        [("initial", 0), ("refine1", 3), ("refine1", 6), ("refine1", 9), ("refine1", 10),
         ("refine2", 0)]
    for row in scored:
        W = {"initial": m.W_initial_, "refine2": m.W_}.get(row["stage"])
        want = evaluate(maps[row["iteration"]] if W is None else W, d.E_A, d.E_B)
        assert row["top1"] == want.top1 and row["mean_rank"] == want.mean_rank
        assert row["mean_cosine"] == pytest.approx(want.mean_cosine, rel=1e-6, abs=0)
    # the cosines differ from row to row by far more than the tolerance above
    assert len({round(r["mean_cosine"], 5) for r in scored}) == len(scored)
