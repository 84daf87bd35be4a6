"""Figures for the notebooks and the report. Every function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

STAGE_COLORS = {"initial": "tab:gray", "refine1": "tab:blue", "refine2": "tab:red"}


def _curve(history: list, key: str):
    """Iteration axis (initial = 0, Refine-1 = t, Refine-2 = T + 1) and values of ``key``."""
    pts = [(r, r[key]) for r in history if key in r]
    T = max([r["iteration"] for r in history if r["stage"] == "refine1"], default=0)
    x = [T + 1 if r["stage"] == "refine2" else r["iteration"] for r, _ in pts]
    return np.array(x), np.array([v for _, v in pts]), [r["stage"] for r, _ in pts]


def plot_history(history: list, title: str = "", fig=None):
    """Refine-1 curves from ``MiniVec2Vec.history_``: cosines on the left, top-1 on the right.

    Held-out metrics (if recorded) are solid; the unsupervised nearest-neighbour cosine, which
    needs no pairs, is dashed. The Refine-2 point sits one step after the last iteration.
    """
    fig = fig or plt.figure(figsize=(11, 4))
    ax1, ax2 = fig.subplots(1, 2)
    x, y, _ = _curve(history, "nn_cosine")
    ax1.plot(x, y, "--", color="tab:green", label="nearest-B cosine (unsupervised)")
    x, y, stages = _curve(history, "mean_cosine")
    if len(x):
        ax1.plot(x, y, "-", color="tab:blue", label="mean cosine to true pair (held out)")
        x2, t2, _ = _curve(history, "top1")
        ax2.plot(x2, t2, "-o", ms=3, color="tab:blue", label="top-1 (held out)")
        for s in ("initial", "refine2"):
            for xi, yi, ti, si in zip(x, y, t2, stages):
                if si == s:
                    ax1.plot(xi, yi, "o", color=STAGE_COLORS[s], ms=8, label=s)
                    ax2.plot(xi, ti, "o", color=STAGE_COLORS[s], ms=8, label=s)
        pool = next(r["pool_size"] for r in history if "pool_size" in r)
        ax2.set_ylim(-0.02, 1.02)
        ax2.set_title(f"Top-1 retrieval among {pool} held-out pairs")
    else:
        ax2.text(0.5, 0.5, "no held-out pairs given", ha="center", va="center")
        ax2.set_title("Top-1 retrieval")
    ax1.set_title("Cosine")
    for ax in (ax1, ax2):
        ax.set_xlabel("Refine-1 iteration (0 = initial map, last = Refine-2)")
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=8, loc="lower right")
    ax1.set_ylabel("cosine")
    ax2.set_ylabel("top-1 accuracy")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
