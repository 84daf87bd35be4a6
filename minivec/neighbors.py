"""Chunked nearest-neighbour search by inner product (cosine on unit rows).

One kernel serves pseudo-pairs (step 3), Refine-1 (step 4) and the metrics: queries are
processed in blocks so that no full n x n similarity matrix is ever held; each block is one
float32 BLAS product followed by an exact top-k selection (``top_columns``) that runs
``argpartition`` over a short list of candidate columns rather than over whole rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import sparse

from ._parallel import block_starts, run_blocks


def topk(Q: np.ndarray, X: np.ndarray, k: int) -> tuple:
    """The k rows of X with the largest inner product with each row of Q (unordered).

    Q: (n_q, d) float32; X: (n_x, d) float32; k < n_x.
    Returns (idx, sims): (n_q, k) int64 indices into X and (n_q, k) float32 similarities.
    """
    idx = np.empty((len(Q), k), np.int64)
    sims = np.empty((len(Q), k), np.float32)

    def keep(rows, cols, vals):
        idx[rows], sims[rows] = cols, vals

    each_topk_block(Q, X, k, keep)
    return idx, sims


def each_topk_block(Q: np.ndarray, X: np.ndarray, k: int, emit: Callable) -> None:
    """The top-k search of ``topk`` block by block, in ``run_blocks``' workers: for each
    block of query rows ``rows`` (a slice of Q), ``emit(rows, cols, vals)`` receives the
    block's (r, k) column indices into X and similarities, and writes what it keeps."""
    starts = block_starts(len(Q), len(X))

    def block(start):
        rows = slice(start, start + starts.step)
        emit(rows, *top_columns(Q[rows] @ X.T, k))

    run_blocks(block, starts)


def top_columns(S: np.ndarray, k: int, group: int | None = None) -> tuple:
    """The k largest entries of each row of S, exactly, in no particular order.

    S: (r, n) float; 1 <= k < n. Returns (cols, vals): (r, k) int64 column indices and the
    (r, k) values S[i, cols[i]]. The values are those of a full sort; among equal values
    which column is returned may differ. k=1 is an ``argmax``. Otherwise, when rows are long
    enough, ``group_candidates`` first narrows each row to about k * group columns, so that
    ``argpartition`` never runs over the whole row; group (default ``group_size(n, k)``)
    may be given to test the shortcut at any size; 1 or fewer than k groups use a plain
    ``argpartition``.
    """
    n = S.shape[1]
    group = group_size(n, k) if group is None else group
    if k == 1:
        cols = S.argmax(axis=1)[:, None]
    elif group <= 1 or n // group < k:
        cols = _argtop(S, k)
    else:
        cand = group_candidates(S, k, group)
        cols = np.take_along_axis(cand, _argtop(_gather(S, cand), k), axis=1)
    return cols, _gather(S, cols)


#: Smallest group worth the shortcut of ``top_columns`` (smaller groups save nothing over a
#: plain ``argpartition``).
MIN_GROUP = 4


def group_size(n: int, k: int) -> int:
    """Columns per group for the top-k shortcut over rows of n entries: about sqrt(n / 8k).

    This balances the two ``argpartition`` calls of the shortcut, over n / group group
    maxima and over k * group candidates (the candidates cost more per entry: they are
    gathered). Returns 1 (no shortcut) below ``MIN_GROUP``: with k=50 that is rows shorter
    than 6,400 entries, where a plain ``argpartition`` is as fast.
    """
    group = int(np.sqrt(n / (8 * k)))
    return group if group >= MIN_GROUP else 1


def group_candidates(S: np.ndarray, k: int, group: int) -> np.ndarray:
    """Columns that hold a set of the k largest entries of each row of S.

    S: (r, n); the first m * group columns (m = n // group >= k) form m groups, column j
    in group j % m; the last n % group columns are always candidates. Returns (r, k * group
    + n % group) int64 columns: every column of each row's k groups with the largest
    maximum. Why that suffices: with v the k-th largest entry of a row, each group whose
    maximum exceeds v holds one of the fewer than k entries above v, so all such groups
    rank among the top k, and the remaining top groups have maximum v whenever that is
    needed to complete k entries. Groups are strided (j, j + m, ...) so that their maxima
    are one fast reduction over contiguous runs of m columns.
    """
    r, n = S.shape
    m = n // group
    maxima = S[:, :m * group].reshape(r, group, m).max(axis=1)
    top = _argtop(maxima, k)
    cand = (top[:, None, :] + m * np.arange(group)[:, None]).reshape(r, k * group)
    tail = np.arange(m * group, n)
    return np.concatenate([cand, np.broadcast_to(tail, (r, len(tail)))], axis=1)


def _argtop(S: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the k largest entries of each row, unordered: (r, n) -> (r, k)."""
    n = S.shape[1]
    return np.argpartition(S, n - k, axis=1)[:, n - k:]


def _gather(S: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """S[i, cols[i, j]] for all i, j: (r, n), (r, c) -> (r, c). A flat ``take``, several
    times faster than ``np.take_along_axis`` on large blocks."""
    flat = cols + (np.arange(len(S)) * S.shape[1])[:, None]
    return np.ravel(S).take(flat)


def mean_of_neighbors(idx: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Average the rows of Y named by each row of ``idx``, as one sparse product.

    idx: (n_q, k) int indices into Y; Y: (n_y, d) -> (n_q, d) float32.
    """
    n_q, k = idx.shape
    M = sparse.csr_matrix((np.full(n_q * k, 1.0 / k, np.float32), idx.ravel(),
                           np.arange(0, n_q * k + 1, k)), shape=(n_q, len(Y)))
    return np.asarray(M @ Y, dtype=np.float32)


def knn_mean(Q: np.ndarray, X: np.ndarray, k: int, Y: np.ndarray | None = None) -> np.ndarray:
    """For each row of Q, the mean of Y over Q's k nearest rows of X (Y defaults to X).

    Q: (n_q, d) float32; X: (n_x, d) float32; Y: (n_x, d_y) rows aligned with X.
    Returns (n_q, d_y) float32. The means are taken block by block in the search's worker
    threads (the sparse product releases the GIL), so they too use every core.
    """
    Y = X if Y is None else Y
    out = np.empty((len(Q), Y.shape[1]), np.float32)

    def average(rows, cols, _):
        out[rows] = mean_of_neighbors(cols, Y)

    each_topk_block(Q, X, k, average)
    return out
