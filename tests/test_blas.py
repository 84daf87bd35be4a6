"""The BLAS helpers: the one-thread limit and the kernel hint."""

from minivec._blas import blas_threads, kernel_hint, one_blas_thread


def test_one_blas_thread_limits_and_restores():
    before = blas_threads()
    with one_blas_thread():
        assert blas_threads() == 1
    assert blas_threads() == before


def test_kernel_hint_only_for_avx2_kernels_on_an_avx512_cpu():
    avx512 = {"fma", "avx2", "avx512f"}
    hint = kernel_hint(avx512, {"Haswell"})
    assert "OPENBLAS_CORETYPE=SkylakeX" in hint and "Haswell" in hint
    assert kernel_hint(avx512, {"SkylakeX"}) is None
    assert kernel_hint(avx512, {"Haswell", "Cooperlake"}) is None
    assert kernel_hint({"fma", "avx2"}, {"Haswell"}) is None  # no AVX-512: nothing to gain
    assert kernel_hint(avx512, set()) is None                 # no OpenBLAS loaded (e.g. MKL)
