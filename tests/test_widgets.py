"""Slider panels, the explorer's status line and groups, the history figure's labels and the
stage table's header (fast: no notebook, no browser)."""

import base64
from io import BytesIO

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image as PILImage  # noqa: E402

import minivec.widgets as widgets  # noqa: E402
from minivec.data import make_synthetic_pair  # noqa: E402
from minivec.plot import plot_history  # noqa: E402
from minivec.report import stage_table  # noqa: E402
from minivec.widgets import Panel, int_slider  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    """No notebook page here: the panel's images and prints go nowhere."""
    monkeypatch.setattr(widgets, "display", lambda *objs, **kwargs: None)
    yield
    plt.close("all")


def _size(png: bytes):
    return PILImage.open(BytesIO(png)).size


def test_panel_bundle_carries_a_png_snapshot_beside_the_widget_view():
    def draw(n, figs):
        for i in range(figs):
            plt.figure(figsize=(3, 2 + i))
            plt.plot(range(n + i))
        return {"n": n}

    panel = Panel(draw, {"n": int_slider("n", 3, 1, 9), "figs": int_slider("figs", 1, 1, 2)},
                  title="demo")
    assert panel.draws == 1 and panel.error is None and panel.last == {"n": 3}
    assert len(panel.pngs) == 1 and panel.pngs[0].startswith(PNG_MAGIC)
    assert not plt.get_fignums()  # rendered once, then closed
    bundle = panel._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "image/png", "application/vnd.jupyter.widget-view+json"}
    assert base64.b64decode(bundle["image/png"]) == panel.pngs[0]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.model_id
    text = bundle["text/plain"]
    assert "Interactive panel: demo" in text and "Jupyter or Colab" in text and "n = 3" in text

    first = panel.pngs[0]
    panel.controls["n"].value = 8
    assert panel.draws == 2 and panel.pngs[0] != first  # the snapshot follows the sliders
    panel.controls["figs"].value = 2  # two figures: one snapshot, stacked top to bottom
    assert len(panel.pngs) == 2
    sizes = [_size(p) for p in panel.pngs]
    assert _size(panel.snapshot()) == (max(w for w, _ in sizes), sum(h for _, h in sizes))


def test_panel_bundle_has_no_image_before_a_figure():
    panel = Panel(lambda n: {"n": n}, {"n": int_slider("n", 1, 0, 2)})
    assert panel.pngs == [] and panel.snapshot() is None
    assert "image/png" not in panel._repr_mimebundle_()


def test_panel_status_line_groups_and_disabled_sliders():
    seen, made = [], []

    def draw(a, b, c):  # notes the status line and the sliders as the redraw starts
        status = made[0].status.value if made else None  # the first redraw builds the panel
        seen.append((status, [s.disabled for s in controls.values()]))
        if a == 2:
            raise ValueError("a = 2 is not allowed")
        return {"sum": a + b + c}

    controls = {k: int_slider(k, 0, 0, 3) for k in "abc"}
    panel = Panel(draw, controls, groups={"slow ones": ["a", "b"]},
                  busy=lambda values, changed: f"computing {sorted(changed)}",
                  done=lambda stats, seconds: f"sum {stats['sum']}")
    made.append(panel)

    # the grouped sliders sit in a box under their heading; the others follow, then the
    # status line, the progress area and the output area
    box = next(w for w in panel.children if hasattr(w, "children")
               and any("slow ones" in getattr(x, "value", "") for x in w.children))
    in_box = [s for row in box.children[1:] for s in row.children]
    assert in_box == [controls["a"], controls["b"]]
    assert panel.children[-3:] == (panel.status, panel.progress, panel.output)
    assert panel.status.value == "sum 0"

    controls["b"].value = 1
    assert seen[-1] == ("<i>computing ['b']</i>", [True, True, True])  # before the work
    assert panel.status.value == "sum 1"
    assert not any(s.disabled for s in controls.values())

    controls["a"].value = 2
    assert panel.error and "a = 2 is not allowed" in panel.error and panel.draws == 2
    assert "failed" in panel.status.value
    assert not any(s.disabled for s in controls.values())  # enabled again after an error
    controls["a"].value = 1
    assert panel.error is None and panel.status.value == "sum 2"

    with pytest.raises(ValueError, match="unknown"):
        Panel(draw, controls, groups={"x": ["nope"]})


def test_explorer_groups_its_sliders_and_says_what_it_computes():
    pair = make_synthetic_pair(n_train=300, n_eval=64, d=16, random_state=0)
    panel = widgets.explorer(pair, n_runs=2, n_clusters=4, qap_restarts=2, n_neighbors=5,
                             n_iter=2, refine_sample=250, refine_neighbors=5)
    headings = [w.children[0].value for w in panel.children if isinstance(w, widgets.W.VBox)]
    assert any("Anchor stage (slow" in h for h in headings)
    assert any("Refinement (fast" in h for h in headings)
    for heading, keys in widgets.EXPLORER_GROUPS.items():
        box = next(w for w in panel.children if isinstance(w, widgets.W.VBox)
                   and heading in w.children[0].value)
        assert [s for row in box.children[1:] for s in row.children] == \
            [panel.controls[k] for k in keys]
    assert panel.status.value.startswith("done in")

    statuses = []
    panel.status.observe(lambda change: statuses.append(change["new"]), "value")
    for key, value, computing in (("alpha", 0.55, "computing: refinement..."),
                                  ("n_neighbors", 10, "computing: pseudo-pairs (k = 10)"),
                                  ("qap_restarts", 3, "computing: anchor stage (2 runs")):
        statuses.clear()
        panel.controls[key].value = value
        assert panel.error is None, panel.error
        assert computing in statuses[0], statuses
        assert statuses[-1].startswith("done in"), statuses
        assert ("reused" in statuses[-1]) == (key != "qap_restarts"), statuses
    assert panel.estimator.verbose is False  # the progress bar was for that redraw only


def _lines(fig, label_part):
    return [ln for ax in fig.axes for ln in ax.get_lines() if label_part in ln.get_label()]


def _history(refine2: bool, T: int = 6):
    rows = [{"stage": "initial" if t == 0 else "refine1", "iteration": t, "seconds": 0.1 * t,
             "nn_cosine": 0.4 + 0.01 * t, "mean_cosine": 0.3 + 0.05 * t, "top1": 0.1 * t,
             "mean_rank": 10.0 - t, "pool_size": 64} for t in range(T + 1)]
    if refine2:
        rows.append({**rows[-1], "stage": "refine2", "iteration": 0, "seconds": 1.0})
    return rows


def test_plot_history_names_refine2_only_when_it_ran():
    with_r2 = plot_history(_history(True))
    without = plot_history(_history(False))
    assert all("Refine-2" in ax.get_xlabel() for ax in with_r2.axes)
    assert not any("Refine-2" in ax.get_xlabel() for ax in without.axes)
    assert not _lines(without, "stopped")


def test_plot_history_marks_where_refine1_stopped_and_keeps_legends_off_the_data():
    fig = plot_history(_history(True, T=6), stopped_at=6, cap=100, title="t")
    marks = _lines(fig, "Refine-1 stopped by its test at t = 6 (cap T = 100)")
    assert len(marks) == 2 and all(list(m.get_xdata()) == [6, 6] for m in marks)
    fig.canvas.draw()
    for ax in fig.axes:
        legend = ax.get_legend()
        assert legend is not None
        assert "Refine-1 stopped" in " ".join(t.get_text() for t in legend.get_texts())
        # the legend lies wholly under its axes (below the tick labels too), never on a curve
        assert legend.get_window_extent().y1 < ax.get_window_extent().y0


def test_stage_table_says_its_seconds_are_since_the_fit_started():
    row = {"stage": "refine1", "mean_cosine": 0.5, "top1": 0.25, "mean_rank": 3.0,
           "pool_size": 64, "seconds": 1.25}
    header, _, line = stage_table([row]).splitlines()
    assert "| seconds since fit start |" in header
    assert line.endswith("| 1.2 |") or line.endswith("| 1.3 |")
