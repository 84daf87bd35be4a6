"""Helpers of notebooks 03-05: the incremental relative-agreement curve, the 2-D Procrustes
toy, and the figures of those notebooks (titles, labelled axes, legends off the data)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from minivec import anchor_ensemble, evaluate, procrustes
from minivec.diagnostics import (
    procrustes_toy,
    relative_agreement_curve,
    relative_scores,
    relative_top1,
    rotation_angle,
    rotation_matrix,
)
from minivec.plot import (
    plot_map_scores,
    plot_procrustes_toy,
    plot_relative_agreement,
    plot_relative_profiles,
)


@pytest.fixture(scope="module")
def prepared(synthetic):
    return synthetic.prepare()


@pytest.fixture(scope="module")
def runs(prepared):
    return anchor_ensemble(prepared.X_A, prepared.X_B, n_runs=4, n_clusters=8, restarts=4,
                           sample_size=None, random_state=0, verbose=False)


def test_relative_agreement_curve_matches_the_direct_scores(prepared, runs):
    E_A, E_B = prepared.E_A[:300], prepared.E_B[:300]
    order = [2, 0, 3, 1]
    top1, rank = relative_agreement_curve(runs, E_A, E_B, order=order, block=128)
    assert top1.shape == rank.shape == (4,)
    for s in range(1, 5):
        chosen = [runs[j] for j in order[:s]]
        assert top1[s - 1] == pytest.approx(relative_top1(chosen, E_A, E_B), abs=2 / 300)
        assert rank[s - 1] == pytest.approx(relative_scores(chosen, E_A, E_B).mean_rank,
                                            rel=0.01)
    default = relative_agreement_curve(runs, E_A, E_B)
    assert default[1][0] == pytest.approx(relative_scores(runs[:1], E_A, E_B).mean_rank,
                                          rel=0.01)


def test_procrustes_toy_recovers_its_angle():
    A, B = procrustes_toy(n=8, angle=40.0, noise=0.05, random_state=0)
    assert A.shape == B.shape == (8, 2) and A.dtype == np.float32
    W = procrustes(A, B)
    assert abs(rotation_angle(W) - 40.0) < 5.0
    assert abs(rotation_angle(procrustes(*procrustes_toy(angle=-120.0, noise=0.0))) + 120) < 1e-3
    with pytest.raises(ValueError, match="2 x 2"):
        rotation_angle(np.eye(3))


def test_procrustes_toy_shows_length_weighting():
    """A wrong target pulls the fit; shrunk to a tenth of its length it barely does."""
    A, B = procrustes_toy(n=8, angle=40.0, noise=0.0, random_state=0)
    np.testing.assert_allclose(np.linalg.norm(A, axis=1), 1.0, rtol=1e-6)
    wrong = B.copy()
    wrong[0] = A[0] @ rotation_matrix(160.0)
    short = wrong.copy()
    short[0] *= 0.2
    pull_long = abs(rotation_angle(procrustes(A, wrong)) - 40.0)
    pull_short = abs(rotation_angle(procrustes(A, short)) - 40.0)
    assert pull_long > 5 * pull_short


def _legends_avoid_data(fig):
    """No legend box overlaps the data limits' drawn area of any axes it sits in."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    assert legends
    for leg in legends:
        box = leg.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), "legend inside a panel"


def test_figures_of_notebooks_03_04_have_titles_and_legends_off_the_panels(prepared, runs):
    rng = np.random.default_rng(0)
    sizes = np.arange(1, 5)
    fig = plot_relative_agreement(sizes, [0.01, 0.02, 0.02, 0.03], [300, 200, 150, 120], 1024,
                                  mean_rank_shuffled=[310, 210, 160, 125],
                                  run_quality=[0.1, 0.5, 0.2, 0.4], title="t")
    assert fig._suptitle.get_text() == "t"
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    _legends_avoid_data(fig)
    profiles = rng.normal(size=(2, 3, 8))
    fig = plot_relative_profiles(profiles, profiles + 0.1, ["a", "b", "c"], title="p")
    _legends_avoid_data(fig)
    scores = {name: evaluate(W, prepared.E_A, prepared.E_B) for name, W in
              {"identity": np.eye(32), "truth": np.eye(32)}.items()}
    fig = plot_map_scores(scores, title="m")
    _legends_avoid_data(fig)
    A, B = procrustes_toy()
    fig = plot_procrustes_toy(A, {"fit": (B, procrustes(A, B)), "again": (B, np.eye(2))},
                              title="toy", highlight=0)
    assert len(fig.axes) == 2 and all(ax.get_title() for ax in fig.axes)
    _legends_avoid_data(fig)
    plt.close("all")


def test_move_legends_below_takes_histogram_legends_off_the_data(rng):
    from minivec.plot import move_legends_below, plot_histograms

    fig = plot_histograms({"true pairs": rng.normal(size=500), "shuffled": rng.normal(size=500)},
                          xlabel="cosine", title="h")
    assert move_legends_below(fig) is fig
    _legends_avoid_data(fig)
    assert len(fig.axes[0].get_legend().get_texts()) == 2
    plt.close("all")
