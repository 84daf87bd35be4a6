"""The exact top-k selection of ``minivec.neighbors`` against a brute-force sort."""

import numpy as np
import pytest

from minivec import topk
from minivec.neighbors import group_size, top_columns


def brute(S, k):
    """Column sets and sorted values of each row's k largest entries, by a full argsort."""
    cols = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return np.sort(cols, 1), np.sort(np.take_along_axis(S, cols, 1), 1)


def check(S, k, group=None):
    cols, vals = top_columns(S, k, group)
    assert cols.shape == vals.shape == (len(S), k) and cols.dtype == np.int64
    np.testing.assert_array_equal(vals, np.take_along_axis(S, cols, 1))
    assert all(len(set(row)) == k for row in cols)  # k distinct columns per row
    want_cols, want_vals = brute(S, k)
    np.testing.assert_array_equal(np.sort(vals, 1), want_vals)
    return np.sort(cols, 1), want_cols


@pytest.mark.parametrize("n, k, group", [
    (640, 5, 8),     # n a multiple of the group
    (645, 5, 8),     # n % group = 5 tail columns, always candidates
    (1001, 12, 7),   # odd group
    (96, 12, 8),     # exactly k groups: every column is a candidate
    (97, 12, 8),     # k groups and a one-column tail
    (200, 199, 4),   # k = n - 1: too few groups, plain argpartition
    (300, 1, 16),    # k = 1 is an argmax
    (2, 1, None), (5, 4, None), (9, 3, 2),  # tiny rows
    (3000, 20, None),  # the default group size (4 here)
])
def test_top_columns_equals_full_sort(rng, n, k, group):
    S = rng.normal(size=(23, n)).astype(np.float32)
    got, want = check(S, k, group)
    np.testing.assert_array_equal(got, want)  # continuous data: no ties, same columns


def test_top_columns_with_ties_returns_the_right_values(rng):
    """Duplicated columns (duplicate rows of B) tie: values exact, columns any valid set."""
    S = rng.integers(0, 6, size=(40, 512)).astype(np.float32)  # heavy ties
    for k in (1, 3, 10, 50):
        for group in (None, 4, 8):
            check(S, k, group)


def test_group_size_balances_and_skips_short_rows():
    assert group_size(15_237, 50) == 6   # Refine-1 and pseudo-pairs at the paper's settings
    assert group_size(3000, 50) == 1     # classroom pool: plain argpartition
    assert group_size(128 * 50, 50) == 4
    assert group_size(10, 1) == 1


def test_topk_with_the_shortcut_across_blocks(monkeypatch, rng):
    import minivec._parallel as nb
    monkeypatch.setattr(nb, "BLOCK_ENTRIES", 5000 * 9)  # 9 query rows per block
    Q = rng.normal(size=(40, 6)).astype(np.float32)
    X = rng.normal(size=(5000, 6)).astype(np.float32)
    assert group_size(len(X), 7) > 1
    idx, sims = topk(Q, X, 7)
    want_cols, want_vals = brute(Q @ X.T, 7)
    np.testing.assert_array_equal(np.sort(idx, 1), want_cols)
    np.testing.assert_allclose(np.sort(sims, 1), want_vals, rtol=1e-6)


def test_topk_in_worker_threads_equals_one_thread(monkeypatch, rng):
    import minivec._parallel as nb
    Q = rng.normal(size=(60, 6)).astype(np.float32)
    X = rng.normal(size=(3000, 6)).astype(np.float32)
    monkeypatch.setattr(nb, "BLOCK_ENTRIES", 3000 * 7)
    monkeypatch.setattr(nb, "block_workers", lambda: 1)
    one = topk(Q, X, 9)
    monkeypatch.setattr(nb, "block_workers", lambda: 3)  # three workers over nine blocks
    three = topk(Q, X, 9)
    np.testing.assert_array_equal(np.sort(one[0], 1), np.sort(three[0], 1))
    np.testing.assert_array_equal(np.sort(one[1], 1), np.sort(three[1], 1))
