"""What the paper's default pipeline reaches at each level of the ladder.

    python benchmarks/ladder.py [--levels 1 2 3 4] [--seeds 0] [--subset]

Fits ``MiniVec2Vec`` at its defaults (the paper's hyperparameters, all T=100 Refine-1
iterations; anchor runs in parallel processes) on the full shipped pairs and prints a
Markdown table: mean cosine, top-1 and mean rank over the 8,192 held-out pairs after each
stage, the identity baseline and the supervised Procrustes ceiling beside them, and the fit
time. The table in data/README.md is this script's output.
"""

from __future__ import annotations

import argparse
import time

from minivec import MiniVec2Vec
from minivec.data import LADDER, ladder
from minivec.report import reference_rows, stage_rows


def fmt(row: dict) -> str:
    return f"{row['mean_cosine']:.3f} / {row['top1']:.3f} / {row['mean_rank']:.1f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", type=int, nargs="+", default=sorted(LADDER))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--subset", action="store_true", help="the classroom subset (quick look)")
    args = ap.parse_args(argv)
    print("cells: mean cosine / top-1 / mean rank over the held-out pairs\n")
    print("| level | seed | initial | Refine-1 (iterations) | Refine-2 | identity | "
          "supervised ceiling | pool | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for level in args.levels:
        pair = ladder(level, subset=args.subset)
        refs = {r["stage"].split()[0]: r for r in reference_rows(pair)}
        for seed in args.seeds:
            est = MiniVec2Vec(random_state=seed, verbose=False, eval_every=1000, n_jobs=-1)
            t0 = time.perf_counter()
            est.fit(pair.X_A, pair.X_B, eval_pairs=(pair.E_A, pair.E_B))
            secs = time.perf_counter() - t0
            st = {r["stage"]: r for r in stage_rows(est.history_)}
            ident = fmt(refs["identity"]) if "identity" in refs else "n/a (dims differ)"
            print(f"| {level}: {pair.description} | {seed} | {fmt(st['initial'])} | "
                  f"{fmt(st['refine1'])} ({est.n_iter_}) | {fmt(st['refine2'])} | {ident} | "
                  f"{fmt(refs['supervised'])} | {st['initial']['pool_size']} | {secs:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
