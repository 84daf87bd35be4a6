"""The BLAS helpers: the one-thread limit, the block workers and the kernel hint."""

from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import threadpool_limits

from minivec._blas import kernel_hint
from minivec._parallel import (
    blas_threads,
    block_starts,
    block_workers,
    one_blas_thread,
    parallel_blocks,
)


def test_one_blas_thread_limits_and_restores():
    before = blas_threads()
    with one_blas_thread():
        assert blas_threads() == 1
    assert blas_threads() == before


def test_parallel_blocks_keeps_the_workers_and_limits_this_thread():
    with threadpool_limits(limits=2, user_api="blas"):
        assert block_workers() == 2
        with parallel_blocks():
            assert blas_threads() == 1 and block_workers() == 2
            with parallel_blocks():  # nested: the count of the outer one
                assert block_workers() == 2
            with ThreadPoolExecutor(1) as pool:  # a worker thread never fans out again
                assert pool.submit(block_workers).result() == 1
        assert blas_threads() == 2 and block_workers() == 2


def test_block_starts_give_every_worker_a_block():
    with threadpool_limits(limits=2, user_api="blas"):
        assert block_starts(1000, 3000) == range(0, 1000, 500)  # small: split for 2 workers
        assert block_starts(1, 3000) == range(0, 1, 1)
        assert block_starts(10_000, 15_237).step == (1 << 23) // 15_237  # large: by memory
    with threadpool_limits(limits=1, user_api="blas"):
        assert block_starts(1000, 3000) == range(0, 1000, 1000)


def test_kernel_hint_only_for_avx2_kernels_on_an_avx512_cpu():
    avx512 = {"fma", "avx2", "avx512f"}
    hint = kernel_hint(avx512, {"Haswell"})
    assert "OPENBLAS_CORETYPE=SkylakeX" in hint and "Haswell" in hint
    assert kernel_hint(avx512, {"SkylakeX"}) is None
    assert kernel_hint(avx512, {"Haswell", "Cooperlake"}) is None
    assert kernel_hint({"fma", "avx2"}, {"Haswell"}) is None  # no AVX-512: nothing to gain
    assert kernel_hint(avx512, set()) is None                 # no OpenBLAS loaded (e.g. MKL)
