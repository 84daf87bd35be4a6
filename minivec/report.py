"""The main job: fit on a shipped problem and write a report (metrics, stage table, curves)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ._environment import environment
from .baselines import identity_map, supervised_procrustes
from .estimator import MiniVec2Vec
from .metrics import evaluate

STAGES = ("initial", "refine1", "refine2")
#: What the stage table's seconds column means, written under the table in stages.md.
SECONDS_NOTE = ("Seconds are cumulative: the time from the start of the fit to the end of "
                "each stage, so a stage's own time is the difference from the row above. "
                "Reference rows are not part of the fit and have none.")


def stage_rows(history: list) -> list:
    """The last history row of each stage, in pipeline order."""
    last = {row["stage"]: row for row in history if "top1" in row}
    return [last[s] for s in STAGES if s in last]


def stage_table(rows: list) -> str:
    """A Markdown table of stage rows: stage, mean cosine, top-1, mean rank, pool, seconds
    since the start of the fit (blank for reference rows, which are not part of the fit)."""
    lines = ["| stage | mean cosine | top-1 | mean rank | pool | seconds since fit start |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        secs = f"{r['seconds']:.1f}" if "seconds" in r else ""
        lines.append(f"| {r['stage']} | {r['mean_cosine']:.3f} | {r['top1']:.3f} | "
                     f"{r['mean_rank']:.2f} | {r['pool_size']} | {secs} |")
    return "\n".join(lines)


def reference_rows(pair) -> list:
    """Stage-table rows for the baselines: identity (equal dims only) and, when the problem
    carries true training pairs, the supervised Procrustes ceiling fitted on them."""
    data = pair.prepare()
    d_A, d_B = data.X_A.shape[1], data.X_B.shape[1]
    rows = []
    if d_A == d_B:
        rows.append({"stage": "identity (baseline)",
                     **evaluate(identity_map(d_A, d_B), data.E_A, data.E_B).as_dict()})
    if pair.true_pairs is not None:
        W = supervised_procrustes(*pair.prepared_true_pairs(data.mean_A, data.mean_B))
        rows.append({"stage": "supervised Procrustes (ceiling)",
                     **evaluate(W, data.E_A, data.E_B).as_dict()})
    return rows


def run(out="report", level: int = 2, subset: bool = False, random_state: int = 0,
        verbose: bool = True, **params) -> dict:
    """Fit ``MiniVec2Vec(**params)`` on ladder ``level`` and write the report into ``out``.

    Writes metrics.json, stages.md and curves.png; returns the metrics dict.
    """
    from .data import ladder
    from .plot import plot_history

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pair = ladder(level, subset=subset)
    est = MiniVec2Vec(random_state=random_state, verbose=verbose, **params)
    t0 = time.perf_counter()
    est.fit(pair.X_A, pair.X_B, eval_pairs=(pair.E_A, pair.E_B))
    seconds = time.perf_counter() - t0
    stages, refs = stage_rows(est.history_), reference_rows(pair)
    metrics = {"problem": pair.name, "description": pair.description,
               "n_A": len(pair.X_A), "n_B": len(pair.X_B), "n_eval": len(pair.E_A),
               "params": est.get_params(), "fit_seconds": round(seconds, 1),
               "stages": stages, "references": refs, "history": est.history_,
               "environment": environment()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    table = stage_table(stages + refs)
    (out / "stages.md").write_text(
        f"# {pair.name}\n\n{pair.description}\n\n{table}\n\n{SECONDS_NOTE}\n")
    stopped = est.n_iter_ if est.n_iter_ < est.n_iter else None
    fig = plot_history(est.history_, title=pair.name, stopped_at=stopped, cap=est.n_iter)
    fig.savefig(out / "curves.png", dpi=120, bbox_inches="tight")
    if verbose:
        print(f"{pair.name}: fit in {seconds:.1f} s\n{table}\nreport written to {out}/")
    return metrics
