"""Figures for the notebooks and the report. Every function returns a matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

STAGE_COLORS = {"initial": "tab:gray", "refine1": "tab:blue", "refine2": "tab:red"}


def _curve(history: list, key: str):
    """Iteration axis (initial = 0, Refine-1 = t, Refine-2 = T + 1) and values of ``key``."""
    pts = [(r, r[key]) for r in history if key in r]
    T = max([r["iteration"] for r in history if r["stage"] == "refine1"], default=0)
    x = [T + 1 if r["stage"] == "refine2" else r["iteration"] for r, _ in pts]
    return np.array(x), np.array([v for _, v in pts]), [r["stage"] for r, _ in pts]


def plot_history(history: list, title: str = "", fig=None, stopped_at: int | None = None,
                 cap: int | None = None):
    """Refine-1 curves from ``MiniVec2Vec.history_``: cosines on the left, top-1 on the right.

    Held-out metrics (if recorded) are solid; the unsupervised nearest-neighbour cosine, which
    needs no pairs, is dashed. The Refine-2 point, if the history has one, sits one step after
    the last iteration. stopped_at: the iteration at which Refine-1's pairs-free convergence
    test stopped the run (``est.n_iter_`` when it is below ``est.n_iter``), drawn as a dotted
    line; cap: the iteration cap T (``est.n_iter``), named in its legend entry. Legends sit
    under the axes, clear of the curves.
    """
    fig = fig or plt.figure(figsize=(11, 4.6))
    ax1, ax2 = fig.subplots(1, 2)
    x, y, _ = _curve(history, "nn_cosine")
    ax1.plot(x, y, "--", color="tab:green", label="nearest-B cosine (unsupervised)")
    x, y, stages = _curve(history, "mean_cosine")
    names = {"initial": "initial map", "refine2": "after Refine-2"}
    if len(x):
        ax1.plot(x, y, "-", color="tab:blue", label="mean cosine to true pair (held out)")
        x2, t2, _ = _curve(history, "top1")
        ax2.plot(x2, t2, "-o", ms=3, color="tab:blue", label="top-1 (held out)")
        for s in ("initial", "refine2"):
            for xi, yi, ti, si in zip(x, y, t2, stages):
                if si == s:
                    ax1.plot(xi, yi, "o", color=STAGE_COLORS[s], ms=8, label=names[s])
                    ax2.plot(xi, ti, "o", color=STAGE_COLORS[s], ms=8, label=names[s])
        pool = next(r["pool_size"] for r in history if "pool_size" in r)
        ax2.set_ylim(-0.02, 1.02)
        ax2.set_title(f"Top-1 retrieval among {pool} held-out pairs")
    else:
        ax2.text(0.5, 0.5, "no held-out pairs given", ha="center", va="center")
        ax2.set_title("Top-1 retrieval")
    ax1.set_title("Cosine")
    xlabel = "Refine-1 iteration (0 = initial map"
    xlabel += ", last point = Refine-2)" if any(r["stage"] == "refine2" for r in history) else ")"
    for ax in (ax1, ax2):
        if stopped_at is not None:
            ax.axvline(stopped_at, ls=":", lw=1.5, color="black", label=(
                f"Refine-1 stopped by its test at t = {stopped_at}"
                + (f" (cap T = {cap})" if cap is not None else "")))
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.grid(alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
                      frameon=False)
    ax1.set_ylabel("cosine")
    ax2.set_ylabel("top-1 accuracy")
    if title:
        fig.suptitle(title)
    # Fixed margins rather than tight_layout, which draws the whole figure once more to
    # measure its text (the explorer redraws this figure often). The bottom margin holds the
    # legends.
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.3, top=0.86 if title else 0.91,
                        wspace=0.22)
    return fig


def plot_refine_curves(curves: dict, title: str = ""):
    """Held-out mean cosine (left) and top-1 (right) against Refine-1 iterations, one line
    per start or method. curves: {label: [(iteration, Scores)]}, e.g. from
    ``minivec.diagnostics.refine_curve``. The legend sits under the two panels, where it
    covers no curve. Returns the Figure."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4))
    for label, curve in curves.items():
        t = [i for i, _ in curve]
        line, = ax1.plot(t, [sc.mean_cosine for _, sc in curve], "-o", ms=3, label=label)
        ax2.plot(t, [sc.top1 for _, sc in curve], "-o", ms=3, color=line.get_color(),
                 label=label)
    pool = next(iter(curves.values()))[0][1].pool_size
    ax1.set_ylabel("mean cosine to true pair (held out)")
    ax2.set_ylabel(f"top-1 among {pool} held-out pairs")
    ax2.set_ylim(-0.02, 1.02)
    for ax in (ax1, ax2):
        ax.set_xlabel("Refine-1 iteration (0 = the start)")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
        ax.grid(alpha=0.3)
    ncol = min(len(curves), 3)
    rows = -(-len(curves) // ncol)
    fig.legend(*ax1.get_legend_handles_labels(), loc="lower center", ncol=ncol, fontsize=9,
               frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06 * rows + 0.02, 1, 1))
    return fig


def plot_umap_pair(coords_A: np.ndarray, coords_B: np.ndarray, labels: np.ndarray,
                   topics, names=("space A", "space B"), title: str = "",
                   highlight=None):
    """The same sentences drawn in two spaces side by side, coloured by topic.

    coords_A, coords_B: (m, 2) precomputed 2-D (UMAP) coordinates of the same m sentences
    in the two spaces; labels: (m,) topic ids indexing ``topics`` (names); names: the two
    panel titles; highlight: optional few row indices, drawn as numbered black markers in
    both panels so the reader can find the same sentence twice. Returns the Figure.
    """
    from matplotlib.lines import Line2D

    labels = np.asarray(labels)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.6))
    for ax, XY, name in zip(axes, (coords_A, coords_B), names):
        for t in range(len(topics)):
            m = labels == t
            ax.scatter(XY[m, 0], XY[m, 1], s=4, alpha=0.6, color=plt.cm.tab10(t))
        if highlight is not None:
            for n, i in enumerate(np.atleast_1d(highlight), start=1):
                ax.scatter(*XY[i], s=160, marker="o", facecolor="white", edgecolor="black",
                           zorder=3)
                ax.annotate(str(n), XY[i], ha="center", va="center", fontsize=8, zorder=4)
        ax.set_title(name)
        ax.set_xlabel("UMAP 1")
        ax.set_ylabel("UMAP 2")
    handles = [Line2D([], [], ls="", marker="o", ms=6, color=plt.cm.tab10(t), label=topic)
               for t, topic in enumerate(topics)]
    if highlight is not None:
        handles.append(Line2D([], [], ls="", marker="o", ms=10, mfc="white", mec="black",
                              label="marked sentence (same in both)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9,
               title="topic of the article", frameon=False)
    fig.suptitle(title or "The same sentences in two embedding spaces (2-D UMAP)")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def plot_similarity_scatter(sim_A: np.ndarray, sim_B: np.ndarray, names=("A", "B"),
                            title: str = "", max_points: int = 20_000, random_state: int = 0,
                            ax=None):
    """Pairwise cosine in space A (x) against the same pair's cosine in space B (y).

    sim_A, sim_B: (p,) cosines of the same p pairs of texts (``diagnostics.similarity_pairs``).
    Draws at most ``max_points`` of them (seeded); the Pearson correlation over all p pairs
    goes in the title. ax: draw into an existing axes. Returns the Figure.
    """
    sim_A, sim_B = np.asarray(sim_A), np.asarray(sim_B)
    r = float(np.corrcoef(sim_A, sim_B)[0, 1])
    show = np.random.default_rng(random_state).permutation(len(sim_A))[:max_points]
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4.6))
    ax.scatter(sim_A[show], sim_B[show], s=2, alpha=0.25, color="tab:blue")
    ax.set_xlabel(f"cosine of a pair of texts in {names[0]}")
    ax.set_ylabel(f"cosine of the same pair in {names[1]}")
    ax.set_title(f"{title + ': ' if title else ''}Pearson r = {r:.2f}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure


def plot_correlation_bars(results: dict, title: str = "",
                          legend=("same texts (paired)", "shuffled texts (control)"),
                          xlabel: str = "encoder pair (A vs B)",
                          ylabel: str = "correlation of pairwise cosines",
                          legend_below: bool = False):
    """Correlations per case, each against its control, as pairs of bars.

    results: {case label: (r, control r)}, e.g. from ``similarity_correlation`` with shuffle
    False and True; legend names the two bars; legend_below: put the legend under the axes
    instead of inside them (for bars that reach the top corners). Returns the Figure.
    """
    labels = list(results)
    vals = np.array([results[k] for k in labels], dtype=float)
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(labels)), 4))
    ax.bar(x - 0.2, vals[:, 0], 0.4, color="tab:blue", label=legend[0])
    ax.bar(x + 0.2, vals[:, 1], 0.4, color="tab:gray", label=legend[1])
    for xi, (v, v0) in zip(x, vals):
        ax.annotate(f"{v:.2f}", (xi - 0.2, max(v, 0)), ha="center", va="bottom", fontsize=8)
        ax.annotate(f"{v0:.2f}", (xi + 0.2, max(v0, 0)), ha="center", va="bottom", fontsize=8,
                    color="dimgray")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Do two encoders agree on which texts are similar?")
    if legend_below:
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8,
                   frameon=False)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
    else:
        ax.legend(fontsize=8)
        fig.tight_layout()
    return fig


def plot_heatmap_pair(S_left: np.ndarray, S_right: np.ndarray,
                      titles=("centroids of A", "centroids of B"), title: str = "",
                      order=None):
    """Two (c, c) centroid similarity matrices side by side on one colour scale.

    The colour scale spans the off-diagonal entries of both (the diagonal, always 1, is
    clipped), with one shared colourbar. order: optional (c,) display order applied to rows
    and columns of *both* matrices (e.g. ``diagnostics.similarity_order(S_left)``); centroid
    numbers on the axes are then positions in that order. Returns the Figure.
    """
    if order is not None:
        S_left, S_right = (np.asarray(S)[np.ix_(order, order)] for S in (S_left, S_right))
    off = ~np.eye(len(S_left), dtype=bool)
    vals = np.concatenate([S_left[off], S_right[off]]) if off.any() else np.array([0.0, 1.0])
    vmin, vmax = float(vals.min()), float(vals.max())
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), layout="constrained")
    for ax, S, name in zip(axes, (S_left, S_right), titles):
        im = ax.imshow(S, cmap="viridis", vmin=vmin, vmax=vmax)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("centroid j")
        ax.set_ylabel("centroid i")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    fig.colorbar(im, ax=list(axes), label="cosine of centroid i and centroid j", shrink=0.9)
    fig.suptitle(title or "Centroid similarity matrices")
    return fig


def plot_restart_objectives(objectives: np.ndarray, true_objective: float | None = None,
                            title: str = "", ax=None):
    """QAP objective of every 2-opt restart, sorted from best to worst, best marked.

    objectives: (restarts,) e.g. ``QAPResult.objectives``; true_objective: optional objective
    of the true matching (an *oracle* value), drawn as a dashed line. ax: draw into an
    existing axes. Returns the Figure.
    """
    obj = np.sort(np.asarray(objectives, float))[::-1]
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 4))
    ranks = np.arange(1, len(obj) + 1)
    ax.plot(ranks, obj, "-o", ms=3, color="tab:blue", label="2-opt restarts (sorted)")
    ax.plot(1, obj[0], "*", ms=15, color="tab:orange", label=f"best (kept): {obj[0]:.2f}")
    if true_objective is not None and np.isfinite(true_objective):
        ax.axhline(true_objective, ls="--", color="tab:red",
                   label=f"true matching (oracle): {true_objective:.2f}")
    ax.set_xlabel("restart, sorted by objective")
    ax.set_ylabel("QAP objective  sum S_A * S_B[perm]")
    ax.set_title(title or "QAP objective over restarts", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.figure.tight_layout()
    return ax.figure


# -- What alignment reveals (notebook 08): topic inference through a map ---------------------
def plot_gw_restarts(agreement: np.ndarray, truth: np.ndarray | None = None, n_probes: int = 3,
                     title: str = ""):
    """Each Gromov-Wasserstein restart's agreement (no pairs) against, when given, the share
    of its coupling the true pairs agree with (oracle, ``diagnostics.coupling_truth``).

    agreement: (r,) best first (``GWStart.agreement``); truth: (r,) in the same order, or None
    to plot the agreements alone by rank; the first n_probes restarts (probed) are ringed.
    Returns the Figure.
    """
    fig, ax = plt.subplots(figsize=(6.5, 4))
    x = agreement if truth is not None else np.arange(1, len(agreement) + 1)
    y = truth if truth is not None else agreement
    ax.scatter(x, y, s=18, color="tab:blue", label="restart")
    ax.scatter(x[:n_probes], y[:n_probes], s=90, facecolors="none", edgecolors="tab:red",
               label=f"best {n_probes} by agreement (probed)")
    if truth is not None:
        ax.set_ylabel("share of the coupling the true pairs agree with (oracle)")
        xlabel = "GW agreement of the coupling (no pairs; larger is better)"
    else:
        ax.set_ylabel("GW agreement (no pairs)")
        xlabel = "restart, ranked by agreement"
    return _finish(fig, [ax], xlabel, title or "Gromov-Wasserstein restarts", ax.set_title)


def plot_confusion(cm, topics, title: str = "", ax=None):
    """Heatmap of a topic confusion matrix, counts written in every cell.

    cm: (n_topics, n_topics) counts, row = true topic, column = predicted (as
    ``minivec.topics.confusion_matrix`` returns); topics: n_topics names. Colour is the
    fraction of each true topic's rows (so unequal topic sizes compare fairly); the title
    carries the accuracy (trace / total). ax: draw into this Axes. Returns the Figure.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(topics):
        raise ValueError(f"cm must be ({len(topics)}, {len(topics)}) for {len(topics)} topic "
                         f"names, got shape {cm.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.8))
    fig = ax.figure
    frac = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(cm)):
        for j in range(len(cm)):
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=9,
                    color="white" if frac[i, j] > 0.55 else "black")
    ax.set_xticks(range(len(topics)), topics, rotation=30, ha="right")
    ax.set_yticks(range(len(topics)), topics)
    ax.set_xlabel("predicted topic")
    ax.set_ylabel("true topic")
    total = int(cm.sum())
    acc = np.trace(cm) / total if total else float("nan")
    head = f"{title}\n" if title else ""
    ax.set_title(f"{head}topic accuracy {acc:.3f} ({int(np.trace(cm))}/{total})")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true topic's rows")
    fig.tight_layout()
    return fig


def plot_topic_accuracy(results: dict, chance: float | None = None, band=None,
                        title: str = "Topic inference on the leaked rows"):
    """Bar chart of topic accuracy per method, chance drawn as a horizontal line.

    results: {method: accuracy} or {group (e.g. ladder level): {method: accuracy}} for grouped
    bars; chance: e.g. 1 / n_topics, drawn as a dashed line; band: optional (low, high), e.g.
    the range of accuracies of random maps, drawn as a shaded strip. Returns the Figure.
    """
    groups = results if all(isinstance(v, dict) for v in results.values()) else {"": results}
    methods = list(dict.fromkeys(m for g in groups.values() for m in g))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(groups) * len(methods) ** 0.5 + 3), 4.2))
    width = 0.8 / len(methods)
    for j, m in enumerate(methods):
        xs = [i + (j - (len(methods) - 1) / 2) * width for i, g in enumerate(groups.values())
              if m in g]
        ys = [g[m] for g in groups.values() if m in g]
        bars = ax.bar(xs, ys, width * 0.92, label=m, color=plt.cm.tab10(j))
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    if band is not None:
        ax.axhspan(band[0], band[1], color="gray", alpha=0.2, label="random maps (range)")
    if chance is not None:
        ax.axhline(chance, color="black", ls="--", lw=1, label=f"chance ({chance:.2f})")
    ax.set_xticks(range(len(groups)), list(groups))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("topic accuracy on the leaked rows")
    ax.set_xlabel("problem" if len(groups) > 1 else "method")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


_CURVE_LABELS = {"top1": "top-1 retrieval (held-out pairs)",
                 "mean_cosine": "mean cosine to the true pair",
                 "topic_accuracy": "topic accuracy of the attack"}


def plot_supervised_curve(curves: dict, unsupervised: dict | None = None,
                          metrics=("top1", "topic_accuracy"), chance: float | None = None,
                          title: str = "Supervised Procrustes: how many known pairs?"):
    """Learning curve of supervised Procrustes against the number of true pairs (log x).

    curves: one ``minivec.topics.supervised_curve`` result or {label: result}; each is drawn
    as the mean over seeds with a min-max band. unsupervised: {label: {metric: value}}, the
    map learned without pairs, drawn as a dashed horizontal line in its curve's colour.
    metrics: one panel per key of the curves; chance: a dotted line on the topic panel.
    Returns the Figure.
    """
    if "sizes" in curves:
        curves = {"": curves}
    unsupervised = unsupervised or {}
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.2), squeeze=False)
    for ax, key in zip(axes[0], metrics):
        for i, (label, c) in enumerate(curves.items()):
            if key not in c:
                raise ValueError(f"curve {label!r} has no {key!r}; it has {sorted(c)}")
            color = plt.cm.tab10(i)
            vals = np.asarray(c[key])
            ax.plot(c["sizes"], vals.mean(axis=0), "-o", ms=3, color=color,
                    label=f"{label} supervised".strip())
            ax.fill_between(c["sizes"], vals.min(axis=0), vals.max(axis=0), color=color,
                            alpha=0.2)
            if key in unsupervised.get(label, {}):
                ax.axhline(unsupervised[label][key], color=color, ls="--",
                           label=f"{label} unsupervised (0 pairs)".strip())
        if chance is not None and key == "topic_accuracy":
            ax.axhline(chance, color="black", ls=":", lw=1, label=f"chance ({chance:.2f})")
        ax.set_xscale("log")
        ax.set_xlabel("true pairs used")
        ax.set_ylabel(_CURVE_LABELS.get(key, key))
        pool = next(iter(curves.values())).get("pool_size")
        ax.set_title(_CURVE_LABELS.get(key, key) + (f", pool {pool}" if key == "top1" and pool
                                                     else ""))
        if key != "mean_cosine":
            ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# -- notebooks 03-05: relative representations, first maps, refinement ----------------------
def _one_line(text: str, width: int = 90) -> str:
    """One line of at most ``width`` characters, for figure titles."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def plot_relative_profiles(R_A: np.ndarray, R_B: np.ndarray, texts: list,
                           run_labels: list | None = None, title: str = ""):
    """Relative coordinates of the same held-out texts in space A and in space B.

    R_A, R_B: (m, n, c) arrays: for m anchor runs and n texts, the c relative coordinates
    (cosines to the run's matched centroids, as ``relative_representation`` returns them for
    one run). texts: the n sentences (row titles); run_labels: m column titles. One panel per
    text and run, A and B drawn over each other with their cosine in the panel title: the two
    lines agree when the run matched the centroids correctly. Returns the Figure.
    """
    R_A, R_B = np.asarray(R_A), np.asarray(R_B)
    if R_A.ndim == 2:
        R_A, R_B = R_A[None], R_B[None]
    m, n, c = R_A.shape
    run_labels = run_labels or [f"run {j}" for j in range(m)]
    fig = plt.figure(figsize=(5.2 * m, 2.6 * n + 0.6), layout="constrained")
    subs = np.atleast_1d(fig.subfigures(n, 1))
    x = np.arange(1, c + 1)
    for i, sub in enumerate(subs):
        sub.suptitle(f"\u201c{_one_line(texts[i])}\u201d", fontsize=9, style="italic")
        axes = np.atleast_1d(sub.subplots(1, m, sharey=True))
        for j, ax in enumerate(axes):
            a, b = R_A[j, i], R_B[j, i]
            cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
            ax.plot(x, a, "-o", ms=3, color="tab:blue", label="space A")
            ax.plot(x, b, "-s", ms=3, color="tab:orange", label="space B (same text)")
            ax.axhline(0, color="0.7", lw=0.8)
            ax.set_title(f"{run_labels[j]}: cos(A, B) = {cos:.2f}", fontsize=9)
            ax.set_xlabel("matched centroid j")
            ax.set_xticks(x[::max(1, c // 10)])
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("relative coordinate")
    handles, labels = subs[0].axes[0].get_legend_handles_labels()
    # One legend for the whole figure, in its own row under the panels: it covers no line.
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=9)
    if title:
        fig.suptitle(title, fontsize=12, fontweight="bold")
    return fig


def _finish(fig, axes, xlabel: str, title: str, set_title):
    """Shared last touches: x label, grid and legend on every axis, ``set_title(title)`` if a
    title is given (``fig.suptitle`` or ``ax.set_title``), tight layout. Returns the Figure."""
    for ax in axes:
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        set_title(title)
    fig.tight_layout()
    return fig


def plot_relative_agreement(sizes, top1, mean_rank, pool_size: int, mean_rank_shuffled=None,
                            run_quality=None, title: str = ""):
    """How well relative representations identify a text across spaces, per ensemble size.

    sizes: (m,) ensemble sizes s; top1, mean_rank: (m,) relative-space retrieval of the true
    partner among ``pool_size`` held-out texts when the first s runs are used (an oracle
    measurement). mean_rank_shuffled: optional (m,) mean rank averaged over random orders of
    the same runs (dashed). run_quality: optional (m,) a per-run oracle score of the run added
    at step s (e.g. ``matched_fraction``), drawn as a third panel. Chance levels are dotted:
    top-1 1 / pool_size, mean rank (pool_size + 1) / 2 (log scale). Returns the Figure.
    """
    n_panels = 2 if run_quality is None else 3
    fig, axes = plt.subplots(1, n_panels, figsize=(5.3 * n_panels, 3.9))
    ax1, ax2 = axes[0], axes[1]
    ax1.plot(sizes, top1, "-o", ms=3, color="tab:blue", label="first s runs")
    ax1.axhline(1 / pool_size, ls=":", color="0.4", label=f"chance (1/{pool_size})")
    ax1.set_ylabel("top-1 accuracy")
    ax1.set_title(f"Relative top-1 among {pool_size} held-out texts", fontsize=10)
    ax2.plot(sizes, mean_rank, "-o", ms=3, color="tab:purple", label="first s runs")
    if mean_rank_shuffled is not None:
        ax2.plot(sizes, mean_rank_shuffled, "--", color="tab:purple", alpha=0.6,
                 label="average over random run orders")
    ax2.axhline((pool_size + 1) / 2, ls=":", color="0.4", label="chance (random ranking)")
    ax2.set_yscale("log")
    ax2.set_ylabel("mean rank of true partner (log)")
    ax2.set_title("Mean rank of the true partner (1 is perfect)", fontsize=10)
    if run_quality is not None:
        ax3 = axes[2]
        ax3.bar(sizes, run_quality, color="tab:gray", label="run added at step s")
        ax3.set_ylim(0, 1)
        ax3.set_ylabel("fraction of centroids matched correctly")
        ax3.set_title("Quality of each added run (oracle)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("ensemble size s (anchor runs)")
        ax.grid(alpha=0.3)
        # Below the axes, outside the data area: the chance lines run along the top and the
        # bottom of the first two panels, where a legend inside would cover them.
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.17), frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_histograms(samples: dict, xlabel: str, title: str = "", bins: int = 50,
                    ax=None):
    """Overlaid density histograms of several 1-D samples, each with its mean in the legend.

    samples: {label: (n_i,) values}; labels containing "random" or "shuffled" are drawn grey
    and dashed as baselines, labels containing "oracle" black and dash-dotted as references.
    Returns the Figure.
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 4))
    else:
        fig = ax.figure
    values = [np.asarray(v, float).ravel() for v in samples.values()]
    lo = min(v.min() for v in values)
    hi = max(v.max() for v in values)
    edges = np.linspace(lo, hi, bins + 1)
    colors = iter(plt.rcParams["axes.prop_cycle"].by_key()["color"])
    for (label, _), v in zip(samples.items(), values):
        base = any(w in label.lower() for w in ("random", "shuffled"))
        ref = "oracle" in label.lower()
        color = "0.45" if base else "black" if ref else next(colors)
        ax.hist(v, bins=edges, density=True, histtype="step", lw=2, color=color,
                ls="--" if base else "-." if ref else "-", label=f"{label} (mean {v.mean():.3f})")
        ax.axvline(v.mean(), color=color, lw=1, ls=":")
    ax.set_ylabel("density")
    return _finish(fig, [ax], xlabel, title, ax.set_title)


def plot_map_scores(scores: dict, title: str = ""):
    """Bar charts of held-out ``Scores`` for several maps: mean cosine, top-1, mean rank.

    scores: {map name: Scores}, all on the same held-out pairs. The mean-rank panel is on a
    log scale with chance (pool + 1) / 2 marked. The pool size goes into the title.
    Returns the Figure.
    """
    names = list(scores)
    pool = next(iter(scores.values())).pool_size
    y = np.arange(len(names))
    fig, axes = plt.subplots(1, 3, figsize=(13, 0.55 * len(names) + 2.2), sharey=True,
                             layout="constrained")
    panels = (("mean_cosine", "mean cosine to true pair", "tab:blue"),
              ("top1", "top-1 accuracy", "tab:green"),
              ("mean_rank", "mean rank of true pair (log)", "tab:purple"))
    for ax, (key, label, color) in zip(axes, panels):
        vals = np.array([getattr(scores[n], key) for n in names], float)
        ax.barh(y, vals, color=color, alpha=0.8)
        for yi, v in zip(y, vals):
            ax.text(v, yi, f" {v:.3f}" if key != "mean_rank" else f" {v:.1f}",
                    va="center", fontsize=8)
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
        if key == "mean_rank":
            ax.set_xscale("log")
            chance = ax.axvline((pool + 1) / 2, ls=":", color="0.4",
                                label=f"chance (random ranking, {(pool + 1) / 2:.0f})")
            ax.set_xlim(0.8, pool * 1.5)
        elif key == "top1":
            ax.set_xlim(0, 1.15)
        else:
            ax.set_xlim(min(0, vals.min()) - 0.02, 1.0)
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    # In its own row under the panels: inside a panel it would cover the chance line or a bar.
    fig.legend(handles=[chance], loc="outside lower right", fontsize=8, frameon=False)
    fig.suptitle((title + ": " if title else "") + f"held-out pairs, pool of {pool} candidates")
    return fig


def plot_stage_bars(history: list, title: str = ""):
    """Last value of each stage of ``MiniVec2Vec.history_``, grouped by metric.

    Three groups: held-out mean cosine and top-1, and the nearest-B cosine (unsupervised,
    hatched), one bar per stage (initial, Refine-1, Refine-2). Returns the Figure.
    """
    last = {}
    for row in history:
        if "top1" in row:
            last[row["stage"]] = row
    stages = [s for s in ("initial", "refine1", "refine2") if s in last]
    names = {"initial": "initial map", "refine1": "after Refine-1", "refine2": "after Refine-2"}
    metrics = (("mean_cosine", "mean cosine\n(held out)"), ("top1", "top-1\n(held out)"),
               ("nn_cosine", "nearest-B cosine\n(unsupervised, no pairs)"))
    fig, ax = plt.subplots(figsize=(8, 4.4), layout="constrained")
    width = 0.8 / max(1, len(stages))
    for j, s in enumerate(stages):
        vals = [last[s][k] for k, _ in metrics]
        x = np.arange(len(metrics)) + (j - (len(stages) - 1) / 2) * width
        bars = ax.bar(x, vals, width, color=STAGE_COLORS[s], label=names[s],
                      edgecolor="white")
        bars[-1].set_hatch("//")  # the unsupervised metric
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v, f"{v:.3f}", ha="center", va="bottom",
                    fontsize=7)
    ax.set_xticks(np.arange(len(metrics)), [m for _, m in metrics])
    ax.set_ylabel("value")
    ax.set_ylim(0, 1.08)
    ax.grid(axis="y", alpha=0.3)
    # in its own row under the axes: inside, a tall bar could run under it
    fig.legend(loc="outside lower center", ncols=len(stages), fontsize=8, frameon=False)
    pool = last[stages[0]].get("pool_size") if stages else None
    ax.set_title((title + ": " if title else "") + "end of each stage"
                 + (f" (top-1 among {pool} pairs)" if pool else ""))
    return fig


def plot_ladder(final: dict, ceilings: dict, initial: dict | None = None, title: str = ""):
    """Held-out top-1 and mean cosine per ladder level, one point per seed, ceiling beside.

    final: {level label: [row, ...]} one row per seed (dicts with "top1", "mean_cosine" and
    "pool_size", e.g. the last of ``report.stage_rows(est.history_)``); initial: the same for
    the anchor-stage map (drawn hollow, joined to its final point); ceilings: {level label:
    row} the supervised Procrustes ceiling (from ``report.reference_rows``), drawn as a red
    bar just right of the seeds. The top-1 panel marks chance, 1 / pool. Returns the Figure.
    """
    labels = list(final)
    x = np.arange(len(labels))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    pool = next(r["pool_size"] for rows in final.values() for r in rows)
    for ax, key, name in zip(axes, ("top1", "mean_cosine"),
                             ("top-1 accuracy", "mean cosine to true pair")):
        for i, label in enumerate(labels):
            rows = final[label]
            offsets = np.linspace(-0.18, 0.18, len(rows)) if len(rows) > 1 else np.zeros(1)
            for j, (dx, row) in enumerate(zip(offsets, rows)):
                first = i == 0 and j == 0
                if initial is not None:
                    y0 = initial[label][j][key]
                    ax.plot([x[i] + dx, x[i] + dx], [y0, row[key]], "-", color="0.7", lw=1)
                    ax.plot(x[i] + dx, y0, "o", mfc="white", mec="tab:gray", ms=7,
                            label="anchor-stage map, one per seed" if first else None)
                ax.plot(x[i] + dx, row[key], "o", color="tab:blue", ms=8,
                        label="after refinement, one per seed" if first else None)
            if label in ceilings:
                ax.plot([x[i] + 0.27, x[i] + 0.43], [ceilings[label][key]] * 2, "-",
                        color="tab:red", lw=3,
                        label="supervised Procrustes (ceiling)" if i == 0 else None)
        if key == "top1":
            ax.axhline(1.0 / pool, ls=":", color="0.4", label=f"chance (1/{pool})")
            ax.set_ylim(-0.03, 1.05)
        ax.set_xticks(x, labels)
        ax.set_xlim(-0.5, len(labels) - 0.4)
        ax.set_xlabel("ladder level")
        ax.set_ylabel(name + " (held out)")
        ax.set_title(f"{name}, {pool} held-out pairs")
        ax.grid(alpha=0.3)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=9)
    fig.suptitle(title or "The ladder: unsupervised fits per seed against the supervised ceiling")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def plot_anchor_diagnostics(summaries: dict, title: str = ""):
    """Why the anchor stage works or fails, per ladder level, one point per anchor run.

    summaries: {level label: [dict, ...]} one ``diagnostics.anchor_run_summary(run, W_true)``
    per anchor run (with the oracle keys). Three panels: (1) fraction of centroids the QAP
    matched correctly (*oracle*), with chance 1 / c; (2) the oracle one-to-one matching's QAP
    objective minus the objective the search found, relative to the found one (*oracle*):
    above 0 the truth scores higher and the search missed it, below 0 the objective itself
    prefers a wrong matching; (3) the data-only margin between best and runner-up restarts.
    Returns the Figure.
    """
    labels = list(summaries)
    x = np.arange(len(labels))
    rng = np.random.default_rng(0)
    panels = (
        ("matched fraction (oracle)",
         lambda s: s["matched_fraction"], "centroids matched correctly"),
        ("(truth - found) / |found| (oracle)",
         lambda s: (s["assignment_objective"] - s["objective"]) / abs(s["objective"]),
         "does the objective prefer the truth?"),
        ("gap best vs runner-up (data only)", lambda s: s["gap"], "margin of the best matching"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, (ylabel, value, name) in zip(axes, panels):
        for i, label in enumerate(labels):
            v = np.array([value(s) for s in summaries[label]], float)
            ax.plot(x[i] + rng.uniform(-0.2, 0.2, len(v)), v, "o", ms=4, alpha=0.6,
                    color="tab:blue", label="one anchor run" if i == 0 else None)
            ax.plot([x[i] - 0.3, x[i] + 0.3], [np.nanmean(v)] * 2, "-", color="black", lw=2,
                    label="mean over runs" if i == 0 else None)
        ax.set_xticks(x, labels)
        ax.set_xlabel("ladder level")
        ax.set_ylabel(ylabel)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    chance = np.mean([s["chance"] for rows in summaries.values() for s in rows])
    axes[0].axhline(chance, ls=":", color="0.4", label=f"chance (1/c = {chance:.2f})")
    axes[1].axhline(0, ls="--", color="tab:red",
                    label="0: truth scores as found\n(above: search missed it;\n"
                          "below: objective prefers a wrong one)")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.suptitle(title or "Anchor runs per level: matched fraction, objective, margin")
    fig.tight_layout()
    return fig


def plot_procrustes_toy(A: np.ndarray, fits: dict, title: str = "", highlight=None):
    """Procrustes in two dimensions: points, their targets, and the fitted rotation.

    A: (n, 2) source points. fits: {panel title: (targets, W)}, targets (n, 2) and W the
    2 x 2 map fitted to (A, targets); one panel each. A panel shows A (hollow grey), the
    targets (orange squares) and A W (blue dots), a thin line from each mapped point to its
    target (the residual Procrustes minimises), and each target's arrow from the origin (its
    length is its weight in A^T B). highlight: optional row index whose target is ringed in
    red in every panel (e.g. the pair a panel changes). Returns the Figure.
    """
    A = np.asarray(A, float)
    m = len(fits)
    fig, axes = plt.subplots(1, m, figsize=(4.6 * m, 4.9), layout="constrained", squeeze=False)
    axes = axes[0]
    reach = max(np.abs(A).max(), *(np.abs(np.asarray(t, float)).max() for t, _ in fits.values()))
    lim = 1.15 * reach
    for ax, (name, (targets, W)) in zip(axes, fits.items()):
        targets = np.asarray(targets, float)
        mapped = A @ np.asarray(W, float)
        for t in targets:
            ax.annotate("", xy=t, xytext=(0, 0),
                        arrowprops={"arrowstyle": "-|>", "color": "tab:orange", "alpha": 0.35,
                                    "lw": 1})
        for p, t in zip(mapped, targets):
            ax.plot(*np.transpose([p, t]), color="0.5", lw=0.8)
        ax.scatter(*A.T, s=40, facecolors="none", edgecolors="0.5", label="A (before the map)")
        ax.scatter(*targets.T, s=40, marker="s", color="tab:orange", label="target in B")
        ax.scatter(*mapped.T, s=25, color="tab:blue", label="A W (mapped)")
        if highlight is not None:
            ax.scatter(*targets[highlight], s=160, facecolors="none", edgecolors="tab:red",
                       lw=1.5, label=f"target of pair {highlight}")
        ax.axhline(0, color="0.85", lw=0.8, zorder=0)
        ax.axvline(0, color="0.85", lw=0.8, zorder=0)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("coordinate 1")
        ax.set_ylabel("coordinate 2")
    handles, labels = axes[0].get_legend_handles_labels()
    # In its own row under the panels, so that it covers no point.
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def move_legends_below(fig, ncols: int = 2):
    """Move every axes legend of ``fig`` under its axes (below the x label), where it can
    cover no data, and re-run the layout; e.g. ``move_legends_below(plot_histograms(...))``
    when the histograms fill the whole width. Returns the Figure."""
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, labels, fontsize=8, loc="upper center", ncols=ncols,
                  bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.tight_layout()
    return fig


#: The pipeline's steps as drawn by ``plot_pipeline``: (label, detail, notebook that teaches it).
PIPELINE_STEPS = (
    ("preprocess", "centre each space,\nunit-length rows", "00"),
    ("anchor runs x s", "k-means on A and on B,\nQAP matches the centroids", "02"),
    ("relative\nrepresentations", "each row: its cosines\nto the matched centroids", "03"),
    ("pseudo-pairs", "each A row: mean of its k\nnearest B rows, in relative space", "03"),
    ("Procrustes", "best rotation for the\npseudo-pairs: initial map", "04"),
    ("Refine-1 x T", "map, pair with k' nearest B,\nProcrustes, smooth by alpha", "05"),
    ("Refine-2", "c' clusters, Procrustes\non the centroids, smooth", "05"),
)


def plot_pipeline(
        title: str = "The mini-vec2vec pipeline, and the notebook that teaches each step"):
    """The method's steps as boxes joined by arrows, in two rows that fit a notebook's width.

    Each box holds a step's name, what it does in a few words, and the notebook that teaches
    it (``PIPELINE_STEPS``). The first row ends at the initial map; the second row is the
    refinement. Returns the Figure.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(11, 4.8))
    ax.set_xlim(0, 11)
    ax.set_ylim(0.2, 4.5)
    ax.axis("off")
    w, h = 2.3, 1.45
    rows = ([(0.2 + 2.75 * i, 2.85) for i in range(4)]
            + [(0.2 + 2.75 * i, 0.55) for i in (3, 2, 1)])  # second row runs right to left
    colors = ["0.85", "#c6dbef", "#c6dbef", "#fdd0a2", "#fdd0a2", "#c7e9c0", "#c7e9c0"]
    for (label, detail, nb), (x, y), color in zip(PIPELINE_STEPS, rows, colors):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04", fc=color,
                                    ec="0.3", lw=1.2))
        ax.text(x + w / 2, y + h - 0.12, label, ha="center", va="top", fontsize=10.5,
                fontweight="bold")
        ax.text(x + w / 2, y + 0.42, detail, ha="center", va="center", fontsize=8.3)
        ax.text(x + w - 0.06, y + 0.06, f"notebook {nb}", ha="right", va="bottom",
                fontsize=7.5, color="0.25", style="italic")
    for (x0, y0), (x1, y1) in zip(rows[:-1], rows[1:]):
        if y0 == y1:  # along a row
            start = (x0 + w, y0 + h / 2) if x1 > x0 else (x0, y0 + h / 2)
            end = (x1, y1 + h / 2) if x1 > x0 else (x1 + w, y1 + h / 2)
        else:  # down to the next row
            start, end = (x0 + w / 2, y0), (x1 + w / 2, y1 + h)
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16,
                                     lw=1.5, color="0.2"))
    ax.text(0.2, 2.55, "in: unpaired pools X_A and X_B (no pair is used to fit)", fontsize=8.5,
            color="0.3")
    ax.add_patch(FancyArrowPatch((rows[-1][0], rows[-1][1] + h / 2), (0.35, rows[-1][1] + h / 2),
                                 arrowstyle="-|>", mutation_scale=16, lw=1.5, color="0.2"))
    ax.text(1.55, rows[-1][1] + h / 2 + 0.12, "out: the map W", ha="center", va="bottom",
            fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, fc=c, ec="0.3") for c in
               ("0.85", "#c6dbef", "#fdd0a2", "#c7e9c0")]
    ax.legend(handles, ["step 0: preprocess", "steps 1-2: anchors, relative space",
                        "step 3: the initial map", "steps 4-5: refinement"],
              loc="upper center", ncol=4, fontsize=8.5, frameon=False,
              bbox_to_anchor=(0.5, 0.06))
    ax.set_title(title, fontsize=12)
    fig.tight_layout()
    return fig
