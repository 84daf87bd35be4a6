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
