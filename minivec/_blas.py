"""The BLAS's threads: how many it would use, a one-thread limit for small products, and
how many worker threads ``neighbors.run_blocks`` spreads its blocks over."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

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
    """Worker threads ``neighbors.run_blocks`` uses: one per BLAS thread, or the number fixed
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


#: OpenBLAS kernel families that use AVX-512 (``threadpoolctl`` reports them as
#: ``architecture``).
AVX512_KERNELS = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})


def kernel_hint(cpu_flags: set, architectures: set) -> str | None:
    """A one-line hint when OpenBLAS runs AVX2 kernels on a CPU that has AVX-512, else None.

    cpu_flags: the CPU's feature flags (``/proc/cpuinfo``); architectures: the kernel
    families of the loaded OpenBLAS libraries. OpenBLAS picks its kernels from the CPU model
    when it loads and falls back to Haswell (AVX2) on models it does not know, some AMD EPYC
    virtual machines among them; there OPENBLAS_CORETYPE=SkylakeX, set before Python starts,
    about doubles the float32 GEMM throughput (benchmarks/RESULTS.md, "BLAS kernels").
    """
    if "avx512f" not in cpu_flags or not architectures or architectures & AVX512_KERNELS:
        return None
    return (f"OpenBLAS uses its {'/'.join(sorted(architectures))} kernels on a CPU with "
            "AVX-512: start Python with OPENBLAS_CORETYPE=SkylakeX set for about twice "
            "the speed of every matrix product")


def blas_kernel_hint() -> str | None:
    """``kernel_hint`` for this machine (None where /proc/cpuinfo cannot be read)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return None
    archs = {lib.architecture for lib in _THREADPOOLS.select(internal_api="openblas")
             .lib_controllers}
    return kernel_hint(set(flags.split(":", 1)[-1].split()), archs)
