"""Topic inference through a map (minivec.topics) on synthetic problems with known labels."""

import numpy as np
import pytest

from minivec import random_orthogonal
from minivec.plot import plot_confusion, plot_supervised_curve, plot_topic_accuracy
from minivec.preprocess import unit_rows
from minivec.topics import (
    attack_summary,
    chance_levels,
    compare_attacks,
    confusion_matrix,
    knn_vote,
    leak_attack,
    log_sizes,
    nearest_prototype,
    predict_topics,
    random_map_accuracies,
    supervised_curve,
    topic_accuracy,
    topic_prototypes,
    translate_to_A,
)


@pytest.fixture(scope="module")
def prepared(synthetic):
    return synthetic.prepare()


# -- the attack on a problem whose answer is known ---------------------------------------------
def test_true_rotation_reads_topics(synthetic, prepared):
    d, chance = prepared, chance_levels(synthetic.labels_A, synthetic.labels_eval)
    for method in ("knn", "prototype"):
        res = leak_attack(synthetic.rotation, d.X_A, synthetic.labels_A, d.E_B,
                          synthetic.labels_eval, method=method)
        assert res.accuracy > 0.95, method
        assert res.accuracy > chance["majority"] + 0.5
        assert res.predicted.shape == (len(d.E_B),)
        assert res.confusion.trace() == round(res.accuracy * len(d.E_B))


def test_direction_matters(synthetic, prepared):
    """B = A R, so B rows come back into A with R.T; using R the wrong way round fails."""
    d = prepared
    wrong = leak_attack(synthetic.rotation.T, d.X_A, synthetic.labels_A, d.E_B,
                        synthetic.labels_eval)
    right = leak_attack(synthetic.rotation, d.X_A, synthetic.labels_A, d.E_B,
                        synthetic.labels_eval)
    assert wrong.accuracy < right.accuracy - 0.4


def test_random_maps_sit_near_chance(synthetic, prepared):
    d = prepared
    accs = random_map_accuracies(d.X_A, synthetic.labels_A, d.E_B, synthetic.labels_eval,
                                 n_maps=8, random_state=1)
    assert accs.shape == (8,)
    # One random map can carry a whole cluster onto another; their average is chance.
    assert abs(accs.mean() - 1 / len(synthetic.topics)) < 0.12
    assert accs.max() < 0.9
    np.testing.assert_array_equal(accs, random_map_accuracies(
        d.X_A, synthetic.labels_A, d.E_B, synthetic.labels_eval, n_maps=8, random_state=1))


def test_compare_attacks_references(synthetic):
    res = compare_attacks(synthetic, synthetic.rotation)
    assert list(res) == ["majority class", "untranslated B", "unsupervised map",
                         "supervised ceiling", "A's own embeddings"]
    acc = {k: r.accuracy for k, r in res.items()}
    assert acc["A's own embeddings"] > 0.95 and acc["supervised ceiling"] > 0.95
    assert acc["untranslated B"] < 0.45  # B is turned by a secret rotation
    top = np.bincount(synthetic.labels_A).argmax()
    assert acc["majority class"] == pytest.approx(np.mean(synthetic.labels_eval == top))
    for r in res.values():
        assert r.confusion.sum() == len(synthetic.E_B)


def test_attack_summary(synthetic):
    res = compare_attacks(synthetic, synthetic.rotation)
    s = attack_summary(res, [0.1, 0.3, 1.0, 1.0])
    assert s["accuracy"] == res["unsupervised map"].accuracy
    assert s["share_of_gain"] == pytest.approx(
        (s["accuracy"] - s["majority"]) / (s["ceiling"] - s["majority"]))
    assert s["share_of_gain"] > 0.95 and s["beats_random"] == 0.5 and s["random_max"] == 1.0
    with pytest.raises(ValueError, match="lacks"):
        attack_summary({"majority class": res["majority class"]}, [0.2])
    with pytest.raises(ValueError, match="non-empty"):
        attack_summary(res, [])


def test_compare_attacks_skips_identity_for_unequal_dims(synthetic):
    from dataclasses import replace

    pair = replace(synthetic, X_B=synthetic.X_B[:, :20], E_B=synthetic.E_B[:, :20],
                   true_pairs=(synthetic.true_pairs[0], synthetic.true_pairs[1][:, :20]))
    res = compare_attacks(pair, synthetic.rotation[:, :20])
    assert "untranslated B" not in res and "supervised ceiling" in res


# -- the inference functions against brute force -----------------------------------------------
def test_knn_vote_matches_brute_force(rng):
    X = unit_rows(rng.normal(size=(200, 6)).astype(np.float32))
    labels = rng.integers(0, 4, 200)
    Q = unit_rows(rng.normal(size=(40, 6)).astype(np.float32))
    k = 7  # odd with 4 topics: ties possible, so also check the tie rule
    pred = knn_vote(Q, X, labels, k=k)
    S = Q @ X.T
    nearest = np.argsort(-S, axis=1)[:, :k]
    for i in range(len(Q)):
        counts = np.bincount(labels[nearest[i]], minlength=4)
        winners = np.flatnonzero(counts == counts.max())
        sims = [S[i, nearest[i]][labels[nearest[i]] == t].sum() for t in winners]
        assert pred[i] == winners[np.argmax(sims)]


def test_knn_vote_is_scale_free_and_k1_is_nearest(rng):
    X = rng.normal(size=(100, 5)).astype(np.float32)
    labels = rng.integers(0, 3, 100)
    Q = rng.normal(size=(30, 5)).astype(np.float32)
    nearest = np.argmax(unit_rows(Q) @ unit_rows(X).T, axis=1)
    np.testing.assert_array_equal(knn_vote(Q, X, labels, k=1), labels[nearest])
    np.testing.assert_array_equal(knn_vote(5 * Q, 0.1 * X, labels, k=1), labels[nearest])


def test_prototypes_are_unit_topic_means(rng):
    X = rng.normal(size=(60, 4)).astype(np.float32)
    labels = np.repeat([0, 1, 2], 20)
    P = topic_prototypes(X, labels)
    assert P.shape == (3, 4)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 1, atol=1e-5)
    mean1 = X[20:40].mean(0)
    np.testing.assert_allclose(P[1], mean1 / np.linalg.norm(mean1), atol=1e-5)
    np.testing.assert_array_equal(nearest_prototype(P * 3, P), [0, 1, 2])
    np.testing.assert_array_equal(predict_topics(P, X, labels, method="prototype"), [0, 1, 2])


def test_translate_to_A_inverts_rotation(rng):
    R = random_orthogonal(8, random_state=3)
    A = unit_rows(rng.normal(size=(10, 8)).astype(np.float32))
    np.testing.assert_allclose(translate_to_A(R, A @ R), A, atol=1e-5)


# -- confusion matrix and chance -----------------------------------------------------------------
def test_confusion_matrix_counts():
    true = np.array([0, 0, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(true, pred, n_topics=4)
    expected = np.zeros((4, 4), int)
    expected[0, 0], expected[0, 1], expected[1, 1], expected[2, 2], expected[2, 0] = 1, 1, 1, 2, 1
    np.testing.assert_array_equal(cm, expected)
    assert cm.sum() == len(true)
    assert cm.trace() == np.sum(true == pred)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(true, minlength=4))
    assert topic_accuracy(pred, true) == pytest.approx(4 / 6)


def test_chance_levels():
    ch = chance_levels([1, 1, 1, 0, 2], [0, 1, 1, 2], n_topics=4)
    assert ch == {"uniform": 0.25, "majority": 0.5, "majority_topic": 1}


# -- the supervised learning curve ----------------------------------------------------------------
def test_learning_curve_rises_with_pairs(synthetic, prepared):
    d = prepared
    P_A, P_B = synthetic.prepared_true_pairs()
    curve = supervised_curve(P_A, P_B, d.E_A, d.E_B, sizes=[3, 10, 40, 400], n_seeds=2,
                             attack=(d.X_A, synthetic.labels_A, synthetic.labels_eval))
    np.testing.assert_array_equal(curve["sizes"], [3, 10, 40, 400])
    for key in ("top1", "mean_cosine", "topic_accuracy"):
        assert curve[key].shape == (2, 4)
    top1 = curve["top1"].mean(0)
    assert top1[0] < 0.2 and top1[-1] > 0.95
    assert np.all(np.diff(curve["mean_cosine"].mean(0)) > 0)
    assert curve["topic_accuracy"].mean(0)[-1] > curve["topic_accuracy"].mean(0)[0] + 0.1
    assert curve["pool_size"] == len(d.E_A)


def test_log_sizes():
    s = log_sizes(10, 5000, 10)
    assert s[0] == 10 and s[-1] == 5000 and np.all(np.diff(s) > 0)


# -- bad input -----------------------------------------------------------------------------------
GOOD = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
LAB = np.arange(50) % 3


@pytest.mark.parametrize("call, message", [
    (lambda: knn_vote(GOOD, GOOD, LAB[:40]), "40 entries but there are 50 rows"),
    (lambda: knn_vote(GOOD, GOOD, LAB, k=50), "smaller than the pool of 50"),
    (lambda: knn_vote(GOOD, GOOD, LAB, k=0), "k=0"),
    (lambda: knn_vote(GOOD[:, :3], GOOD, LAB), "3 dimensions but the labelled pool has 4"),
    (lambda: knn_vote(GOOD, GOOD, LAB - 1), "negative topic id"),
    (lambda: knn_vote(GOOD, GOOD, LAB + 0.5), "integer topic ids"),
    (lambda: knn_vote(GOOD, GOOD, LAB.reshape(5, 10)), "must be 1-D"),
    (lambda: knn_vote(GOOD, GOOD, LAB, n_topics=2), "topic id 2, but n_topics=2"),
    (lambda: knn_vote(GOOD, GOOD, None), "no topic labels"),
    (lambda: predict_topics(GOOD, GOOD, LAB, method="svm"), "method must be one of"),
    (lambda: topic_prototypes(GOOD, LAB, n_topics=4), r"topic\(s\) \[3\] have no"),
    (lambda: translate_to_A(np.eye(3), GOOD), r"map W has shape \(3, 3\)"),
    (lambda: leak_attack(np.eye(4), GOOD, LAB, GOOD, LAB[:10]), "10 entries but there are 50"),
    (lambda: confusion_matrix([0, 1], [1]), "1 entries but there are 2"),
    (lambda: supervised_curve(GOOD, GOOD, GOOD, GOOD, sizes=[10, 60]),
     "pair count=60 .*only 50 true pairs"),
    (lambda: supervised_curve(GOOD, GOOD[:40], GOOD, GOOD), "equal lengths"),
    (lambda: supervised_curve(GOOD, GOOD, GOOD, GOOD, sizes=[2.5]), "integer pair counts"),
    (lambda: log_sizes(100, 10), "high=10 must be at least low=100"),
    (lambda: plot_confusion(np.ones((3, 3)), ["a", "b"]), r"must be \(2, 2\)"),
])
def test_bad_input_raises_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_compare_attacks_needs_labels(synthetic):
    from dataclasses import replace

    with pytest.raises(ValueError, match="no topic labels"):
        compare_attacks(replace(synthetic, labels_A=None), synthetic.rotation)
    with pytest.raises(ValueError, match="map W has shape"):
        compare_attacks(synthetic, np.eye(5))


# -- figures ---------------------------------------------------------------------------------------
def test_topic_figures_have_titles_labels_legends(synthetic, prepared):
    import matplotlib.pyplot as plt

    cm = np.array([[8, 2], [1, 9]])
    fig = plot_confusion(cm, ["x", "y"], "demo")
    ax = fig.axes[0]
    assert "0.850" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    fig = plot_topic_accuracy({"L2": {"a": 0.8, "b": 0.2}, "L3": {"a": 0.3, "b": 0.2}},
                              chance=0.2, band=(0.15, 0.25))
    assert fig.axes[0].get_legend() is not None and fig.axes[0].get_title()
    d = prepared
    curve = supervised_curve(*synthetic.prepared_true_pairs(), d.E_A, d.E_B, sizes=[5, 50],
                             n_seeds=1)
    fig = plot_supervised_curve(curve, {"": {"top1": 0.5}}, metrics=("top1", "mean_cosine"))
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_xlabel() == "true pairs used"
    assert len(fig.axes[0].get_lines()) == 2
    plt.close("all")
