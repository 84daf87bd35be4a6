"""How long a student waits after releasing a Refine slider of the explorer.

    python benchmarks/bench_explorer.py [--repeats 3]

Builds ``minivec.widgets.explorer`` on the classroom subset of ladder level 2 (the
quickstart's pair), redraws once so that the anchor stage is cached, then moves each Refine
slider one step up and back, ``--repeats`` times, through the slider itself as a student
does. Each redraw is timed as JupyterLab pays for it: the fit, the figure, and the figure's
PNG, which the panel renders once per redraw and shows as an image (here the image goes
nowhere: there is no notebook page to send it to). Prints, per slider, the median and
slowest redraw and the median fit (the rest of a redraw is the figure and its PNG), then the
median time of the PNG alone. A benchmark, not a test: it prints its figures and asserts
nothing.
"""

from __future__ import annotations

import argparse
import io
import time
from contextlib import redirect_stdout
from statistics import median_high as median

import matplotlib

matplotlib.use("Agg")

import minivec.widgets as widgets  # noqa: E402
from minivec._blas import blas_kernel_hint  # noqa: E402
from minivec.data import ladder  # noqa: E402

REFINE_SLIDERS = ("n_iter", "refine_sample", "refine_neighbors", "alpha", "refine_clusters")


def time_refine_sliders(panel, repeats: int) -> list:
    """Move each Refine slider of ``panel`` one step up and back ``repeats`` times; print a
    table row per slider (median and slowest redraw, median fit). Returns the seconds each
    redraw spent rendering its PNG."""
    png = []
    print("\n| Refine slider | values | redraw s, median | slowest | fit s, median |")
    print("|---|---|---|---|---|")
    for key in REFINE_SLIDERS:
        slider = panel.controls[key]
        default = slider.value
        values = (default + slider.step, default)
        redraws, fits = [], []
        for _ in range(repeats):
            for value in values:
                t = time.perf_counter()
                with redirect_stdout(io.StringIO()):  # the panel's stats line
                    slider.value = value  # the panel redraws, as on release in a notebook
                redraws.append(time.perf_counter() - t)
                if panel.error:  # never time a redraw that failed
                    raise RuntimeError(f"the redraw at {key}={value} failed:\n{panel.error}")
                fits.append(panel.last["seconds"])
                png.append(panel.png_seconds)
        print(f"| {widgets.EXPLORER_SLIDERS[key][0]} | {values[0]} <-> {values[1]} | "
              f"{median(redraws):.2f} | {max(redraws):.2f} | {median(fits):.2f} |")
    return png


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    hint = blas_kernel_hint()
    if hint:
        print(f"note: {hint}")
    pair = ladder(2, subset=True)
    shown, widgets.display = widgets.display, lambda *objs, **kwargs: None
    try:
        with redirect_stdout(io.StringIO()):
            panel = widgets.explorer(pair)  # draws once: k-means and QAP of every anchor run
        print(f"{pair.name}, classroom subset: A {pair.X_A.shape}, {len(pair.E_A)} held-out "
              f"pairs; first draw (anchor stage included) {panel.last['seconds']:.1f} s fit")
        png = time_refine_sliders(panel, args.repeats)
    finally:
        widgets.display = shown
    print(f"\nPNG of the figure: {median(png):.2f} s median (part of each redraw above)")


if __name__ == "__main__":
    main()
