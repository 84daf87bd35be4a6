"""Slider panels for the notebooks. Works with ipywidgets 7.7 (Colab) and 8 (JupyterLab).

Only widgets and arguments both versions have are used. Sliders fire on release
(``continuous_update=False``); a status line says what is being computed while a redraw
runs; each redraw's figures are rendered to PNG once and shown as images; an error raised
while drawing is shown inside the panel, never swallowed.

A panel also carries a snapshot of its last figures for readers that cannot run widgets: its
display bundle holds the live widget view, an ``image/png`` of the figures and a
``text/plain`` line. JupyterLab renders the widget view when the output is trusted (it ranks
the widget renderer first) and the image when it is not, as in a notebook opened from disk
without running it (it then picks the first *safe* renderer, and the widget renderer is not
one); static viewers such as GitHub show the image.
"""

from __future__ import annotations

import base64
import tempfile
import time
import traceback
from collections.abc import Callable
from io import BytesIO

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import Image, display

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def int_slider(description: str, value: int, min: int, max: int, step: int = 1) -> W.IntSlider:
    """An integer slider that fires on release."""
    return W.IntSlider(value=value, min=min, max=max, step=step, description=description,
                       continuous_update=False, style=_STYLE, layout=W.Layout(**_LAYOUT))


def float_slider(description: str, value: float, min: float, max: float,
                 step: float = 0.05) -> W.FloatSlider:
    """A float slider that fires on release."""
    return W.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                         continuous_update=False, style=_STYLE, layout=W.Layout(**_LAYOUT),
                         readout_format=".2f")


def _busy_default(values: dict, changed: set) -> str:
    return "computing..."


def _done_default(stats, seconds: float) -> str:
    return f"done in {seconds:.1f} s"


class Panel(W.VBox):
    """Sliders, a status line and an output area redrawn by ``draw(**values)`` whenever a
    slider moves.

    draw: makes its matplotlib figures and returns a dict of figures of merit (or None); the
    dict is printed under the figures and kept in ``panel.last``. Each redraw renders the
    open figures to PNG once (``dpi``: None for each figure's own), shows them as images,
    closes them and keeps the PNG bytes in ``panel.pngs``.
    controls: keyword -> slider; ``panel.controls[name].value = ...`` redraws as a student's
    move does.
    groups: optional {heading: [keywords]}: those sliders sit in a box under the heading, in
    the given order (e.g. slow settings apart from fast ones); sliders in no group follow.
    busy(values, changed): the status text while ``draw`` runs, given the new values and the
    set of keywords whose value differs from the last redraw (all of them at the first);
    default "computing...". It is sent to the page before ``draw`` starts.
    done(stats, seconds): the status text after a redraw (default "done in X s").
    disable_while_drawing: grey the sliders out while a redraw runs (moves made meanwhile
    would only queue up behind it).

    ``panel.draws`` counts completed redraws; ``panel.error`` holds the last error text
    (None after a redraw that worked); ``panel.seconds`` and ``panel.png_seconds`` are the
    last redraw's time and the part of it spent rendering PNGs. What ``draw`` prints or
    shows while it runs (progress bars) appears under the status line until it returns.
    """

    def __init__(self, draw: Callable, controls: dict, columns: int = 2, title: str = "",
                 groups: dict | None = None, busy: Callable | None = None,
                 done: Callable | None = None, disable_while_drawing: bool = True,
                 dpi: float | None = None):
        self.controls = controls
        self.title = title
        self.last, self.error, self.draws = None, None, 0
        self.pngs: list = []
        self.seconds = self.png_seconds = 0.0
        self._draw, self._busy, self._done = draw, busy or _busy_default, done or _done_default
        self._disable, self._dpi = disable_while_drawing, dpi
        self._drawn_values: dict = {}
        self.status = W.HTML("")
        self.progress = W.Output()  # what draw prints while it runs, e.g. progress bars
        self.output = W.Output()    # the figures and the figures-of-merit line
        groups = dict(groups or {})
        grouped = [k for keys in groups.values() for k in keys]
        unknown = sorted(set(grouped) - set(controls))
        if unknown or len(grouped) != len(set(grouped)):
            raise ValueError(f"groups must name each control at most once; unknown {unknown}, "
                             f"controls {list(controls)}")
        rest = [k for k in controls if k not in grouped]
        if rest:
            groups[""] = rest
        boxes = []
        for heading, keys in groups.items():
            sliders = [controls[k] for k in keys]
            rows = [W.HBox(sliders[i:i + columns]) for i in range(0, len(sliders), columns)]
            if heading:
                boxes.append(W.VBox([W.HTML(f"<b>{heading}</b>")] + rows, layout=W.Layout(
                    border="1px solid #bbb", padding="2px 6px", margin="4px 0")))
            else:
                boxes.extend(rows)
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        super().__init__(header + boxes + [self.status, self.progress, self.output])
        for c in controls.values():
            c.observe(self._on_change, "value")
        self._redraw()

    def _on_change(self, change):
        self._redraw()

    def _redraw(self):
        values = {k: c.value for k, c in self.controls.items()}
        changed = {k for k, v in values.items() if self._drawn_values.get(k, object()) != v}
        self._drawn_values = values
        self.status.value = f"<i>{self._busy(values, changed)}</i>"  # sent before the work
        if self._disable:
            for c in self.controls.values():
                c.disabled = True
        t0 = time.perf_counter()
        failed = None
        try:
            with self.progress:
                try:
                    stats = self._draw(**values)
                    pngs, png_seconds = self._render_figures()
                except Exception:  # shown to the student in the panel, not swallowed
                    plt.close("all")
                    failed = traceback.format_exc()
            self.progress.clear_output()
            with self.output:
                self.output.clear_output(wait=True)
                if failed:
                    print("This setting failed:\n" + failed)
                else:
                    for png in pngs:
                        display(Image(data=png, format="png"))
                    if stats:
                        print("  ".join(f"{k} = {_fmt(v)}" for k, v in stats.items()))
            self.seconds = time.perf_counter() - t0
            if failed:
                self.error = failed
                self.status.value = "<b>this setting failed</b> (the message is below)"
                return
            self.pngs, self.png_seconds, self.last, self.error = pngs, png_seconds, stats, None
            self.draws += 1
            self.status.value = self._done(stats, self.seconds)
        finally:
            if self._disable:
                for c in self.controls.values():
                    c.disabled = False

    def _render_figures(self):
        """Every open figure as PNG bytes, once (as the inline backend renders a displayed
        figure: tight bounding box, the figure's own dpi unless ``dpi`` is set); closes them.
        Returns (list of PNG bytes, seconds spent)."""
        t0 = time.perf_counter()
        pngs = []
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if fig.axes:
                buf = BytesIO()
                fig.savefig(buf, format="png", dpi=self._dpi or fig.dpi, bbox_inches="tight")
                pngs.append(buf.getvalue())
            plt.close(fig)
        return pngs, time.perf_counter() - t0

    # -- what a notebook stores ---------------------------------------------------------------
    def snapshot(self) -> bytes | None:
        """The last redraw's figures as one PNG (several are stacked top to bottom), or None."""
        if len(self.pngs) <= 1:
            return self.pngs[0] if self.pngs else None
        from PIL import Image as PILImage

        images = [PILImage.open(BytesIO(p)).convert("RGB") for p in self.pngs]
        sheet = PILImage.new("RGB", (max(i.width for i in images),
                                     sum(i.height for i in images)), "white")
        y = 0
        for im in images:
            sheet.paste(im, (0, y))
            y += im.height
        buf = BytesIO()
        sheet.save(buf, format="png")
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """The live widget view, a PNG snapshot of the last figures and a plain-text line."""
        values = ", ".join(f"{k} = {_fmt(c.value)}" for k, c in self.controls.items())
        data = {"text/plain": (f"Interactive panel{': ' + self.title if self.title else ''}. "
                               "Move its sliders in Jupyter or Colab (run the notebook); "
                               f"the image shows {values}.")}
        png = self.snapshot()
        if png is not None:
            data["image/png"] = base64.b64encode(png).decode("ascii")
        if self._view_name is not None:
            data[_WIDGET_VIEW] = {"version_major": 2, "version_minor": 0,
                                  "model_id": self._model_id}
        return data

    if hasattr(W.Widget, "_ipython_display_"):
        # ipywidgets 7 (Colab) displays a widget through this hook, which IPython calls
        # instead of _repr_mimebundle_.
        def _ipython_display_(self, **kwargs):
            display(self._repr_mimebundle_(), raw=True)
            self._handle_displayed(**kwargs)


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


#: The explorer's sliders: keyword (a ``MiniVec2Vec`` parameter) -> (plain description,
#: default, min, max, step). Anchor sliders first, then Refine sliders. Defaults are the
#: paper's values except T (paper 50-100), n_s (paper 10,000; the pool has 3,000 rows) and
#: c' (paper 500; 0 skips Refine-2), chosen by cost so that a Refine redraw at the defaults
#: takes about a second on the classroom subset on a quiet two-core machine
#: (``benchmarks/bench_explorer.py`` times it, the figure's PNG included; its results are in
#: ``benchmarks/RESULTS.md``). The twenty Procrustes SVDs and neighbour searches of Refine-1
#: and the PNG are most of it; n_s = 500 halves the searches of n_s = 1,000. n_s starts at
#: 500: Refine-1's Procrustes needs at least as many sampled rows as the 384 dimensions
#: (``MiniVec2Vec`` refuses fewer).
EXPLORER_SLIDERS = {
    "n_runs": ("anchor runs s", 30, 1, 40, 1),
    "n_clusters": ("anchor clusters c", 20, 4, 60, 1),
    "qap_restarts": ("QAP restarts per run", 30, 1, 60, 1),
    "n_neighbors": ("pseudo-pair neighbours k", 50, 1, 200, 5),
    "n_iter": ("Refine-1 iterations T", 20, 0, 100, 5),
    "refine_sample": ("Refine-1 sample n_s", 500, 500, 3000, 250),
    "refine_neighbors": ("Refine-1 neighbours k'", 50, 1, 200, 5),
    "alpha": ("smoothing alpha", 0.5, 0.05, 1.0, 0.05),
    "refine_clusters": ("Refine-2 clusters c' (0 = skip)", 0, 0, 500, 50),
}
#: The explorer's sliders that recompute the anchor runs (k-means and QAP of every run).
ANCHOR_RUN_SLIDERS = ("n_runs", "n_clusters", "qap_restarts")
#: The explorer's slider groups: heading -> keywords. The anchor sliders and k (which redoes
#: the pseudo-pairs from the cached runs) come first, the refinement sliders second.
EXPLORER_GROUPS = {
    "Anchor stage (slow: s, c and the QAP restarts recompute k-means and the QAP of every run; "
    "k redoes the pseudo-pairs; the status line gives the time)":
        list(ANCHOR_RUN_SLIDERS) + ["n_neighbors"],
    "Refinement (fast: only Refine-1 and Refine-2 run again)":
        ["n_iter", "refine_sample", "refine_neighbors", "alpha", "refine_clusters"],
}


def explorer(pair, random_state: int = 0, **initial) -> Panel:
    """A ``Panel`` with a slider for every ``MiniVec2Vec`` hyperparameter, on one problem.

    pair: an ``AlignmentPair`` (X_A: (n_A, d_A), X_B: (n_B, d_B) pools, E_A / E_B held-out
    pairs used only to score). random_state: the seed of the one estimator the panel keeps.
    initial: starting slider values by keyword, e.g. ``explorer(pair, n_runs=10)``; keys are
    those of ``EXPLORER_SLIDERS``. Every redraw calls ``set_params`` and ``fit`` on the same
    estimator, which caches the anchor stage per data and anchor settings: moving an anchor
    slider (s, c, QAP restarts) recomputes k-means and QAP for every run (in worker
    processes, with a progress bar), k reuses the cached runs and redoes the pseudo-pairs,
    and a Refine slider costs only the refinement. The sliders sit in two boxes accordingly
    (``EXPLORER_GROUPS``); the status line says which stage is being computed and then how
    long the redraw and its anchor stage took. Held-out pairs are scored at the start, at
    every quarter of Refine-1's T iterations (rounded up, the last at T) and after Refine-2.

    The figure is ``minivec.plot.plot_history``; the stats line under it gives top1,
    mean_cosine and mean_rank (held out, final map), nn_cosine (unsupervised), initial_top1
    (the anchor stage's map), anchor_seconds (near 0 when the cache served it) and seconds (the
    whole fit). Returns the Panel; ``panel.estimator`` is the fitted ``MiniVec2Vec``.
    """
    from ._blas import parallel_blocks
    from .estimator import MiniVec2Vec
    from .plot import plot_history

    unknown = set(initial) - set(EXPLORER_SLIDERS)
    if unknown:
        raise ValueError(f"explorer has no slider {sorted(unknown)}; "
                         f"choose from {list(EXPLORER_SLIDERS)}")
    controls = {}
    for key, (text, value, lo, hi, step) in EXPLORER_SLIDERS.items():
        value = initial.get(key, value)
        make = float_slider if isinstance(step, float) else int_slider
        controls[key] = make(text, value, min(lo, value), max(hi, value), step)
    # n_jobs=-1: anchor runs in worker processes, one BLAS thread each (same result as serial);
    # memory: a temporary folder caching the start, so that a Refine slider skips it
    est = MiniVec2Vec(random_state=random_state, tol=None, n_jobs=-1, verbose=False,
                      memory=tempfile.mkdtemp(prefix="minivec-explorer-"))
    # Whether the redraw under way recomputes the anchor runs, and how many redraws began.
    # The first redraw runs before the panel is shown, so instead of a progress bar (which
    # would be left behind in the cell's stored output) a line is printed before it.
    state = {"anchors": True, "redraws": 0}

    def busy(values, changed):
        state["anchors"] = bool(changed & set(ANCHOR_RUN_SLIDERS))
        state["redraws"] += 1
        if state["anchors"]:
            return (f"computing: anchor stage ({values['n_runs']} runs of k-means and QAP, "
                    "progress below), then the refinement...")
        if "n_neighbors" in changed:
            return f"computing: pseudo-pairs (k = {values['n_neighbors']}), then the refinement..."
        return "computing: refinement..."

    def done(stats, seconds):
        return (f"done in {seconds:.1f} s (anchor stage {stats['anchor_seconds']:.1f} s"
                f"{'' if state['anchors'] else ', reused'}; "
                f"fit {stats['seconds']:.1f} s)")

    def draw(**values):
        # a progress bar (in the panel) when the slow anchor runs are recomputed
        est.set_params(eval_every=max(1, -(-values["n_iter"] // 4)),
                       verbose=state["anchors"] and state["redraws"] > 1, **values)
        t0 = time.perf_counter()
        try:
            # Small products on one BLAS thread, blocked searches in worker threads:
            # OpenBLAS's spinning threads on a busy 2-core machine made a Refine redraw up to
            # ten times slower.
            with parallel_blocks():
                est.fit(pair.X_A, pair.X_B, eval_pairs=(pair.E_A, pair.E_B))
        finally:
            est.set_params(verbose=False)
        seconds = time.perf_counter() - t0
        first, last = est.history_[0], est.history_[-1]
        stopped = est.n_iter_ if est.n_iter_ < est.n_iter else None
        plot_history(est.history_, stopped_at=stopped, cap=est.n_iter, title=(
            f"{pair.name}: s={values['n_runs']}, c={values['n_clusters']}, "
            f"T={values['n_iter']}, n_s={values['refine_sample']}, alpha={values['alpha']:.2f}, "
            f"c'={values['refine_clusters']}"))
        return {"top1": float(last["top1"]), "mean_cosine": float(last["mean_cosine"]),
                "mean_rank": float(last["mean_rank"]), "nn_cosine": float(last["nn_cosine"]),
                "initial_top1": float(first["top1"]),
                "anchor_seconds": float(first["seconds"]), "seconds": float(seconds)}

    print(f"Computing the anchor stage ({controls['n_runs'].value} runs of k-means and QAP) "
          "and the first fit before showing the panel.", flush=True)
    panel = Panel(draw, controls, columns=2, groups=EXPLORER_GROUPS, busy=busy, done=done,
                  title=(f"mini-vec2vec explorer, {pair.name} (top-1 among {len(pair.E_A)} "
                         "held-out pairs)"))
    panel.estimator = est
    return panel
