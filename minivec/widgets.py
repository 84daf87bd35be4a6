"""Slider panels for the notebooks. Works with ipywidgets 7.7 (Colab) and 8 (JupyterLab).

Only widgets and arguments both versions have are used; figures are redrawn inline through
``interactive_output`` with ``continuous_update=False``; an error raised while drawing is shown
inside the panel's output area, never swallowed.
"""

from __future__ import annotations

import traceback
from typing import Callable

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


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


class Panel(W.VBox):
    """Sliders plus an output area redrawn by ``draw(**values)`` whenever a slider moves.

    ``draw`` makes its figures and returns a dict of figures of merit (or None); the dict
    is shown under the figure and kept in ``panel.last``. ``panel.controls`` maps each
    keyword to its slider, so tests and scripts can set ``panel.controls[name].value``.
    ``panel.draws`` counts completed redraws; ``panel.error`` holds the last error text.
    """

    def __init__(self, draw: Callable, controls: dict, columns: int = 2, title: str = ""):
        self.controls = controls
        self.last, self.error, self.draws = None, None, 0
        self.output = W.Output()
        self._draw = draw
        boxes = list(controls.values())
        rows = [W.HBox(boxes[i:i + columns]) for i in range(0, len(boxes), columns)]
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        super().__init__(header + rows + [self.output])
        W.interactive_output(self._redraw, controls)

    def _redraw(self, **values):
        with self.output:
            self.output.clear_output(wait=True)
            try:
                stats = self._draw(**values)
                self.error = None
            except Exception:  # shown to the student in the panel, not swallowed
                self.error = traceback.format_exc()
                print("This setting failed:\n" + self.error)
                return
            finally:
                for fig in map(plt.figure, plt.get_fignums()):
                    display(fig)
                plt.close("all")
            self.last = stats
            self.draws += 1
            if stats:
                print("  ".join(f"{k} = {_fmt(v)}" for k, v in stats.items()))


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


#: The explorer's sliders: keyword (a ``MiniVec2Vec`` parameter) -> (plain description,
#: default, min, max, step). Anchor sliders first, then Refine sliders. Defaults are the
#: paper's values except T (paper 50-100), n_s (paper 10,000; the pool has 3,000 rows) and
#: c' (paper 500; 0 skips Refine-2), chosen by cost so that a redraw at the defaults takes
#: under a second on the classroom subset (``benchmarks/bench_explorer.py`` on a 2-core
#: AVX-512 Xeon, float32 GEMM 398 GFLOP/s on two threads: medians 0.74-0.84 s with the
#: figure's PNG; twenty 384 x 384 SVDs of Procrustes, 0.26 s, twenty 500 x 3,000 searches,
#: 0.19 s, and the PNG, 0.13 s, are most of it, the earlier scorings running beside them).
#: n_s = 500 halves the searches of n_s = 1,000; held-out top-1 at T = 20 was no lower with
#: it (0.48 and 0.37 against 0.43 and 0.32, seeds 0 and 1), measured after the choice.
EXPLORER_SLIDERS = {
    "n_runs": ("anchor runs s", 30, 1, 40, 1),
    "n_clusters": ("anchor clusters c", 20, 4, 60, 1),
    "qap_restarts": ("QAP restarts per run", 30, 1, 60, 1),
    "n_neighbors": ("pseudo-pair neighbours k", 50, 1, 200, 5),
    "n_iter": ("Refine-1 iterations T", 20, 0, 100, 5),
    "refine_sample": ("Refine-1 sample n_s", 500, 250, 3000, 250),
    "refine_neighbors": ("Refine-1 neighbours k'", 50, 1, 200, 5),
    "alpha": ("smoothing alpha", 0.5, 0.05, 1.0, 0.05),
    "refine_clusters": ("Refine-2 clusters c' (0 = skip)", 0, 0, 500, 50),
}


def explorer(pair, random_state: int = 0, **initial) -> Panel:
    """A ``Panel`` with a slider for every ``MiniVec2Vec`` hyperparameter, on one problem.

    pair: an ``AlignmentPair`` (X_A: (n_A, d_A), X_B: (n_B, d_B) pools, E_A / E_B held-out
    pairs used only to score). random_state: the seed of the one estimator the panel keeps.
    initial: starting slider values by keyword, e.g. ``explorer(pair, n_runs=10)``; keys are
    those of ``EXPLORER_SLIDERS``. Every redraw calls ``set_params`` and ``fit`` on the same
    estimator, which caches the anchor stage per data and anchor settings: moving an anchor
    slider (s, c, QAP restarts) recomputes k-means and QAP for every run (in worker
    processes), k reuses the cached runs and redoes the pseudo-pairs, and a Refine slider
    costs only the refinement. Held-out pairs are scored at the start, at every quarter of
    Refine-1's T iterations (rounded up, the last at T) and after Refine-2.

    The figure is ``minivec.plot.plot_history``; the stats line under it gives top1,
    mean_cosine and mean_rank (held out, final map), nn_cosine (unsupervised), initial_top1
    (the anchor stage's map), anchor_seconds (near 0 when the cache served it) and seconds (the
    whole fit). Returns the Panel; ``panel.estimator`` is the fitted ``MiniVec2Vec``.
    """
    import tempfile
    import time

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

    def draw(**values):
        est.set_params(eval_every=max(1, -(-values["n_iter"] // 4)), **values)
        t0 = time.perf_counter()
        # Small products on one BLAS thread, blocked searches in worker threads: OpenBLAS's
        # spinning threads on a busy 2-core machine made a Refine redraw up to ten times slower.
        with parallel_blocks():
            est.fit(pair.X_A, pair.X_B, eval_pairs=(pair.E_A, pair.E_B))
        seconds = time.perf_counter() - t0
        first, last = est.history_[0], est.history_[-1]
        plot_history(est.history_, title=(
            f"{pair.name}: s={values['n_runs']}, c={values['n_clusters']}, "
            f"T={values['n_iter']}, n_s={values['refine_sample']}, alpha={values['alpha']:.2f}, "
            f"c'={values['refine_clusters']}"))
        return {"top1": float(last["top1"]), "mean_cosine": float(last["mean_cosine"]),
                "mean_rank": float(last["mean_rank"]), "nn_cosine": float(last["nn_cosine"]),
                "initial_top1": float(first["top1"]),
                "anchor_seconds": float(first["seconds"]), "seconds": float(seconds)}

    panel = Panel(draw, controls, columns=2, title=(
        f"mini-vec2vec explorer, {pair.name} (top-1 among {len(pair.E_A)} held-out pairs; "
        "anchor sliders recompute k-means and QAP, Refine sliders only the refinement)"))
    panel.estimator = est
    return panel
