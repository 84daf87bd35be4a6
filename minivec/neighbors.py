"""Chunked nearest-neighbour search by inner product (cosine on unit rows).

One kernel serves pseudo-pairs (step 3), Refine-1 (step 4) and the metrics: queries are
processed in blocks so that no full n x n similarity matrix is ever held; each block is one
float32 BLAS product followed by ``argpartition``.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from scipy import sparse

#: Similarity entries per block (64 MB of float32).
BLOCK_ENTRIES = 1 << 24


def similarity_blocks(Q: np.ndarray, X: np.ndarray) -> Iterator[tuple]:
    """Yield ``(start, S)`` with S = Q[start:stop] @ X.T, blocks of at most BLOCK_ENTRIES.

    Q: (n_q, d) float32; X: (n_x, d) float32; S: (rows, n_x) float32.
    """
    step = max(1, BLOCK_ENTRIES // max(1, len(X)))
    XT = np.ascontiguousarray(X.T)
    for start in range(0, len(Q), step):
        yield start, Q[start:start + step] @ XT


def topk(Q: np.ndarray, X: np.ndarray, k: int) -> tuple:
    """The k rows of X with the largest inner product with each row of Q (unordered).

    Q: (n_q, d) float32; X: (n_x, d) float32; k < n_x.
    Returns (idx, sims): (n_q, k) int64 indices into X and (n_q, k) float32 similarities.
    """
    idx = np.empty((len(Q), k), np.int64)
    sims = np.empty((len(Q), k), np.float32)
    for start, S in similarity_blocks(Q, X):
        part = np.argpartition(S, len(X) - k, axis=1)[:, len(X) - k:]
        stop = start + len(S)
        idx[start:stop] = part
        sims[start:stop] = np.take_along_axis(S, part, axis=1)
    return idx, sims


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
    Returns (n_q, d_y) float32.
    """
    idx, _ = topk(Q, X, k)
    return mean_of_neighbors(idx, X if Y is None else Y)
