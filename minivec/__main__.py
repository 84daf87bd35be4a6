"""``python -m minivec run --out report/`` (or ``minivec run --out report/``, the console
script installed with the kit): the headless end-to-end run."""

import argparse
import sys
from pathlib import Path

from . import __version__
from .estimator import METHODS


def main(argv=None):
    # "python -m minivec" runs this file as __main__.py; the console script is "minivec"
    prog = "python -m minivec" if Path(sys.argv[0]).name == "__main__.py" else "minivec"
    parser = argparse.ArgumentParser(
        prog=prog, description="Fit mini-vec2vec on shipped data, write a report.")
    parser.add_argument("--version", action="version", version=f"minivec {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="fit on a ladder level and write metrics.json, "
                                   "stages.md and curves.png")
    r.add_argument("--out", default="report", help="report folder (default: report)")
    r.add_argument("--level", type=int, default=2, choices=[1, 2, 3, 4],
                   help="ladder level (default 2: sibling encoders, B rotated)")
    r.add_argument("--subset", action="store_true", help="the small classroom subset")
    r.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    r.add_argument("--eval-every", type=int, default=10,
                   help="score held-out pairs every N Refine-1 iterations (default 10)")
    r.add_argument("--method", default="paper", choices=list(METHODS),
                   help="settings from minivec.METHODS (default paper; gw-transport for "
                        "different encoder families, several minutes on the full data)")
    r.add_argument("--n-jobs", type=int, default=-1,
                   help="processes for the anchor runs (default -1: all cores; the map does "
                        "not depend on it)")
    args = parser.parse_args(argv)
    from ._blas import blas_kernel_hint
    from .report import run

    hint = blas_kernel_hint()
    if hint:
        print(f"note: {hint}", file=sys.stderr)
    run(args.out, args.level, args.subset, args.seed, eval_every=args.eval_every,
        n_jobs=args.n_jobs, **METHODS[args.method])


if __name__ == "__main__":
    main()
