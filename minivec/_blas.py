"""The BLAS's kernels: a hint when OpenBLAS runs slower kernels than the CPU has
(``blas_kernel_hint``). Its threads are handled in ``_parallel``, whose helpers
(``parallel_blocks``, ``one_blas_thread``, ...) stay importable from here too."""

from __future__ import annotations

from ._parallel import (  # noqa: F401
    _THREADPOOLS,
    blas_threads,
    block_workers,
    one_blas_thread,
    parallel_blocks,
)

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
