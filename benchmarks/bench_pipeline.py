"""Per-stage wall time and peak memory of mini-vec2vec at the paper's hyperparameters.

    python benchmarks/bench_pipeline.py [--level 2] [--naive-iter 3] [--skip-naive]

Runs, on the shipped pair of the chosen ladder level (about 15,000 rows a side, 384-d):
1. the machine's float32 BLAS throughput (GFLOP/s), to read times against the floor of the
   matrix products;
2. minivec's stages one by one, with Refine-1 stopped by its unsupervised convergence test
   (``minivec.refine.DEFAULT_TOL``, T=100 as the cap) and again with all T iterations, each
   followed by Refine-2, with the held-out top-1 of both maps after each refinement, so that
   the cost of stopping early is visible;
3. the whole ``MiniVec2Vec.fit`` as a user runs it (``n_jobs=-1``, Refine-1 stopped by its
   test), where Refine-2's k-means on A runs beside Refine-1 and the history is scored in a
   helper thread: the figure the stage sum above approximates;
4. the straightforward implementation in ``naive.py`` on the same data and settings. Its
   Refine-1 is timed over ``--naive-iter`` iterations and extrapolated to T, labelled so.
Evaluation over the 8,192 held-out pairs is timed for both. A benchmark, not a test: it
prints its figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import naive  # noqa: E402

import minivec  # noqa: E402
from minivec.data import ladder  # noqa: E402

PAPER = dict(n_runs=30, n_clusters=20, qap_restarts=30, anchor_sample=10_000, n_neighbors=50,
             n_iter=100, refine_sample=10_000, refine_neighbors=50, refine_clusters=500,
             alpha=0.5)


def blas_gflops(n: int = 4096, repeats: int = 3) -> float:
    """Best float32 GEMM throughput over ``repeats`` (n x n) @ (n x n) products."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), np.float32), rng.random((n, n), np.float32)
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


class Stage:
    """Context manager recording wall seconds and peak traced memory (MB) into ``rows``."""

    def __init__(self, rows: list, name: str, flops: float = 0.0):
        self.rows, self.name, self.flops = rows, name, flops

    def __enter__(self):
        tracemalloc.start()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        seconds = time.perf_counter() - self.t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.rows.append({"stage": self.name, "seconds": seconds, "peak_mb": peak / 2**20,
                          "gflop": self.flops / 1e9})


def run_minivec(data, p, rows):
    """minivec's stages: anchors and the initial map once, then Refine-1 stopped by its
    unsupervised test and Refine-1 with all T, each followed by Refine-2; a "->" row after
    each gives the held-out top-1 after Refine-1 and after Refine-2."""
    n_A, n_B, d = len(data.X_A), len(data.X_B), data.X_A.shape[1]
    with Stage(rows, "anchors (s runs: k-means + QAP)"):
        runs = minivec.anchor_ensemble(data.X_A, data.X_B, p["n_runs"], p["n_clusters"],
                                       p["qap_restarts"], p["anchor_sample"], 0, False, n_jobs=-1)
    r = p["n_runs"] * p["n_clusters"]
    with Stage(rows, "relative reps + pseudo-pairs + Procrustes", 2 * n_A * n_B * r):
        targets = minivec.pseudo_pairs(minivec.relative_representation(data.X_A, runs, "A"),
                                       minivec.relative_representation(data.X_B, runs, "B"),
                                       data.X_B, p["n_neighbors"])
        W0 = minivec.procrustes(data.X_A, targets)
    for label, tol in (("stopped by its test", minivec.refine.DEFAULT_TOL), ("all T", None)):
        iters = []
        with Stage(rows, f"Refine-1, {label}") as st:
            W1 = minivec.refine_matching(W0, data.X_A, data.X_B, p["n_iter"], p["refine_sample"],
                                         p["refine_neighbors"], p["alpha"], 1, tol=tol,
                                         callback=lambda t, W: iters.append(t),  # noqa: B023
                                         verbose=False)
        st.rows[-1]["gflop"] = 2 * len(iters) * p["refine_sample"] * n_B * d / 1e9
        st.rows[-1]["stage"] += f" ({len(iters)} of {p['n_iter']} iterations)"
        with Stage(rows, f"Refine-2 ({label})"):
            W2 = minivec.refine_clustering(W1, data.X_A, data.X_B, p["refine_clusters"],
                                           p["alpha"], 2)
        n = len(data.E_A)
        with Stage(rows, f"evaluate ({n} pairs)", 2 * n * n * d):
            score = minivec.evaluate(W2, data.E_A, data.E_B)
        rows.append({"stage": f"-> {label}: held-out top-1 "
                              f"{minivec.evaluate(W1, data.E_A, data.E_B).top1:.4f} after "
                              f"Refine-1, {score.top1:.4f} after Refine-2 (mean rank "
                              f"{score.mean_rank:.2f})",
                     "seconds": np.nan, "peak_mb": np.nan, "gflop": 0})


def time_estimator(pair, p) -> tuple:
    """Wall seconds of ``MiniVec2Vec(**p, n_jobs=-1).fit`` on the raw pair (its defaults
    otherwise: Refine-1 stopped by its test, the unsupervised signal recorded every
    iteration), and the number of Refine-1 iterations it ran (``n_iter_``)."""
    est = minivec.MiniVec2Vec(random_state=0, n_jobs=-1, verbose=False, **p)
    t0 = time.perf_counter()
    est.fit(pair.X_A, pair.X_B)
    return time.perf_counter() - t0, est.n_iter_


def run_naive(data, p, rows, naive_iter: int):
    """The straightforward implementation on the same data and settings."""
    rng = np.random.default_rng(0)
    X_A, X_B = data.X_A.astype(np.float64), data.X_B.astype(np.float64)
    with Stage(rows, "anchors (s runs: k-means + QAP)"):
        C_A, C_B = naive.anchors(X_A, X_B, p["n_runs"], p["n_clusters"], p["qap_restarts"],
                                 p["anchor_sample"], rng)
    with Stage(rows, "relative reps + pseudo-pairs + Procrustes"):
        W = naive.initial_map(X_A, X_B, C_A, C_B, p["n_neighbors"])
    with Stage(rows, f"Refine-1 ({naive_iter} iterations, measured)"):
        for _ in range(naive_iter):
            W = naive.refine1_step(W, X_A, X_B, p["refine_sample"], p["refine_neighbors"],
                                   p["alpha"], rng)
    per = rows[-1]["seconds"] / naive_iter
    rows.append({"stage": f"Refine-1 (all {p['n_iter']} iterations, EXTRAPOLATED)",
                 "seconds": per * p["n_iter"], "peak_mb": rows[-1]["peak_mb"], "gflop": 0})
    with Stage(rows, "Refine-2"):
        W = naive.refine2(W, X_A, X_B, p["refine_clusters"], p["alpha"], 2)
    with Stage(rows, f"evaluate ({len(data.E_A)} pairs)"):
        naive.evaluate(W, data.E_A.astype(np.float64), data.E_B.astype(np.float64))


def show(title: str, rows: list, gflops: float):
    print(f"\n{title}\n| stage | seconds | peak traced MB | GFLOP in products | BLAS floor s |")
    print("|---|---|---|---|---|")
    for r in rows:
        if np.isnan(r["seconds"]):
            print(f"| {r['stage']} | | | | |")
            continue
        floor = f"{r['gflop'] / gflops:.1f}" if r["gflop"] else ""
        gf = f"{r['gflop']:.0f}" if r["gflop"] else ""
        print(f"| {r['stage']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {gf} | {floor} |")


def fit_seconds(rows, label: str) -> float:
    """Seconds of a whole fit: anchors, initial map, and the Refine-1 and Refine-2 rows whose
    name carries ``label`` (minivec) or, for the naive rows, every stage but evaluation."""
    keep = ("anchors", "relative")
    return sum(r["seconds"] for r in rows if r["stage"].startswith(keep)
               or (label in r["stage"] and r["stage"].startswith(("Refine-1", "Refine-2"))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--naive-iter", type=int, default=3)
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_info

    from minivec._blas import blas_kernel_hint

    blas = [f"{i['internal_api']} {i.get('architecture', '')} x{i['num_threads']}"
            for i in threadpool_info() if i["user_api"] == "blas"]
    gflops = blas_gflops()
    pair = ladder(args.level)
    data = pair.prepare()
    print(f"{pair.name}: A {data.X_A.shape}, B {data.X_B.shape}, {len(data.E_A)} held-out pairs")
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS {blas}, "
          f"float32 GEMM {gflops:.0f} GFLOP/s")
    hint = blas_kernel_hint()
    if hint:
        print(f"note: {hint}")
    mine = []
    run_minivec(data, PAPER, mine)
    show("minivec (paper hyperparameters)", mine, gflops)
    t_mine, t_all = (fit_seconds(mine, label) for label in ("stopped by its test", "all T"))
    print(f"\nminivec full fit: {t_mine:.1f} s with Refine-1 stopped by its unsupervised test, "
          f"{t_all:.1f} s with all {PAPER['n_iter']} Refine-1 iterations; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MB")
    seconds, iters = time_estimator(pair, PAPER)
    print(f"MiniVec2Vec(n_jobs=-1).fit as a user runs it: {seconds:.1f} s (Refine-1 stopped "
          f"by its test after {iters} iterations; the estimator draws its own seeds, so the "
          f"stop may come at another iteration than above)")
    if not args.skip_naive:
        slow = []
        run_naive(data, PAPER, slow, args.naive_iter)
        show("straightforward implementation (benchmarks/naive.py)", slow, gflops)
        t_slow = fit_seconds([r for r in slow if "measured" not in r["stage"]], "")
        print(f"\nstraightforward full fit (Refine-1 extrapolated to all T): {t_slow:.1f} s; "
              f"ratio to minivec with all T: {t_slow / t_all:.1f}x, with Refine-1 stopped by "
              f"its test: {t_slow / t_mine:.1f}x")


if __name__ == "__main__":
    main()
