"""Threads for the blocked work: the BLAS's thread count, a one-thread limit for small
products, and the worker threads that blocked work (``run_blocks``) is spread over.

Every algorithm module takes its threading from here: ``run_blocks`` with ``block_starts``
(row blocks of a product followed by per-block work, as the neighbour searches use) or
``worker_starts`` (one slice per worker), ``parallel_blocks`` around loops that alternate
small products with blocked work, ``one_blas_thread`` around small LAPACK calls, and
``cross_product``, the row-split A^T B.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from threadpoolctl import ThreadpoolController

_THREADPOOLS = ThreadpoolController()
#: Workers fixed by ``parallel_blocks`` in this thread (worker threads start with None).
_WORKERS: ContextVar = ContextVar("minivec_block_workers", default=None)


def blas_threads() -> int:
    """Threads the BLAS would use now: 1 under ``threadpool_limits(1)`` or
    OMP_NUM_THREADS=1, else usually the number of cores."""
    return max([lib.num_threads for lib in _THREADPOOLS.select(user_api="blas").lib_controllers],
               default=1)


def one_blas_thread():
    """Context manager limiting the BLAS to one thread (a few microseconds to enter).

    For work in worker threads of our own, and for LAPACK calls on small matrices such as
    the 384 x 384 SVD of Procrustes, whose many small steps lose more to thread hand-offs
    than threads gain.
    """
    return _THREADPOOLS.limit(limits=1, user_api="blas")


def block_workers() -> int:
    """Worker threads ``run_blocks`` uses: one per BLAS thread, or the number fixed
    by an enclosing ``parallel_blocks`` (1 inside a worker, so that blocks never nest)."""
    workers = _WORKERS.get()
    return blas_threads() if workers is None else workers


@contextmanager
def parallel_blocks():
    """Context manager: every BLAS call of this thread on one BLAS thread, while
    ``run_blocks`` keeps one worker per BLAS thread there was before.

    For loops that alternate small products in this thread with blocked work in workers, such
    as Refine-1's: after a threaded product, OpenBLAS's idle threads spin for a while, and on
    2 cores a spinning thread takes a core away from the workers.
    """
    token = _WORKERS.set(block_workers())
    try:
        with one_blas_thread():
            yield
    finally:
        _WORKERS.reset(token)


#: Similarity entries per block (32 MB of float32): small enough that the blocks in flight,
#: one per worker thread, stay kind to the caches; large enough that each product is
#: efficient (timings in benchmarks/RESULTS.md, "Speed of the pipeline").
BLOCK_ENTRIES = 1 << 23


def worker_starts(n: int) -> range:
    """First item of each of ``block_workers()`` nearly equal slices of n items (at least
    one item each): one block per worker of ``run_blocks``."""
    return range(0, n, max(1, -(-n // block_workers())))


def block_starts(n_q: int, n_x: int) -> range:
    """First query row of each block when n_q queries meet n_x rows: blocks of at most
    BLOCK_ENTRIES similarities (at least one row each), and at least one block per worker
    of ``run_blocks``, so that every core is busy on small problems too."""
    return range(0, n_q, max(1, min(BLOCK_ENTRIES // max(1, n_x), worker_starts(n_q).step)))


def run_blocks(work: Callable[[int], None], starts: range) -> None:
    """Call ``work(start)`` for every block start, in as many threads as the BLAS would use
    (``block_workers``), each with a one-thread BLAS: the product *and* the selection after it
    run in parallel, where a threaded BLAS would parallelise only the product. Blocks must
    write to disjoint outputs."""
    workers = min(block_workers(), len(starts))
    if workers <= 1:
        for start in starts:
            work(start)
        return
    with one_blas_thread(), ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, starts))  # list(): re-raise any error of a block


def cross_product(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A^T B for paired rows A: (n, d_A), B: (n, d_B) float32 -> (d_A, d_B) float32.

    The rows are split into one block per BLAS thread; each block's product runs in a worker
    thread on a one-thread BLAS and the partial products are summed. OpenBLAS's own threads
    handle this tall, thin product (n=10,000, d=384 in Refine-1's Procrustes) badly: on two
    threads it is slower than on one.
    """
    starts = worker_starts(len(A))
    parts = np.empty((len(starts), A.shape[1], B.shape[1]), np.float32)

    def block(i):
        rows = slice(starts[i], starts[i] + starts.step)
        parts[i] = A[rows].T @ B[rows]

    run_blocks(block, range(len(starts)))
    return parts.sum(axis=0)
