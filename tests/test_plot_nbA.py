"""The pipeline diagram of notebook 00."""

import matplotlib

matplotlib.use("Agg")

from minivec.plot import PIPELINE_STEPS, plot_pipeline  # noqa: E402


def test_plot_pipeline_draws_one_box_per_step_with_its_notebook():
    fig = plot_pipeline()
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    for label, _, nb in PIPELINE_STEPS:
        assert label in texts
        assert f"notebook {nb}" in texts
    assert len(ax.patches) >= 2 * len(PIPELINE_STEPS) - 1  # boxes and the arrows between them
    assert ax.get_title()
    assert ax.get_legend() is not None
    matplotlib.pyplot.close(fig)
