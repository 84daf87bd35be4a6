"""How good a map is: held-out pair metrics, and an unsupervised signal that needs no pairs."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ._checks import as_embeddings, check_map, check_pairs
from ._parallel import block_starts, run_blocks
from .neighbors import topk
from .preprocess import unit_rows


@dataclass(frozen=True)
class Scores:
    """Held-out metrics of a map. pool_size: candidates each mapped row is ranked among."""

    mean_cosine: float
    top1: float
    mean_rank: float
    pool_size: int

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(W, E_A, E_B) -> Scores:
    """Score W on held-out pairs: row i of E_A and row i of E_B embed the same text.

    W: (d_A, d_B); E_A: (n, d_A), E_B: (n, d_B), both preprocessed with the *training* means.
    Mean cosine between mapped A rows and their true B rows; top-1, the fraction whose nearest
    B row (of all n) is the true one; mean rank of the true row (1 is perfect, chance about
    n/2). Works in bounded blocks: memory stays far below n x n.
    """
    E_A, E_B = as_embeddings(E_A, "E_A"), as_embeddings(E_B, "E_B")
    check_pairs(E_A, E_B)
    W = check_map(W, E_A.shape[1], E_B.shape[1])
    return evaluate_mapped(E_A @ W, E_B)


def evaluate_mapped(M_A, M_B) -> Scores:
    """``evaluate`` for held-out pairs already in one space: row i of M_A and row i of M_B
    embed the same text; M_A: (n, r), M_B: (n, r). ``evaluate(W, E_A, E_B)`` is
    ``evaluate_mapped(E_A @ W, E_B)``; a method that maps both spaces into a third one
    (``minivec.vecmap``) is scored on its two mapped sides.
    """
    M_A, M_B = np.asarray(M_A, np.float32), np.asarray(M_B, np.float32)
    if M_A.ndim != 2 or M_B.ndim != 2 or M_A.shape[1] != M_B.shape[1]:
        raise ValueError(f"mapped pairs must be 2-D with equal columns, got shapes {M_A.shape} "
                         f"and {M_B.shape}")
    check_pairs(M_A, M_B)
    M = unit_rows(M_A)
    B = unit_rows(M_B)
    true = np.einsum("ij,ij->i", M, B)
    ranks = np.empty(len(M), np.int64)
    starts = block_starts(len(M), len(B))

    def block(start):
        S = M[start:start + starts.step] @ B.T
        rows = np.arange(len(S))
        own = S[rows, start + rows]  # the true pair's similarity, from the same BLAS product
        ranks[start:start + len(S)] = 1 + (S > own[:, None]).sum(axis=1)

    run_blocks(block, starts)
    return Scores(float(true.mean()), float((ranks == 1).mean()), float(ranks.mean()), len(M))


def nn_cosine(W, A_sample: np.ndarray, X_B: np.ndarray) -> float:
    """Unsupervised signal: mean cosine of each mapped A row to its nearest B row.

    W: (d_A, d_B); A_sample: (m, d_A); X_B: (n_B, d_B) unit rows. Uses no pairs, so a user
    without any can watch it converge; it rises as the map lands rows in populated regions.
    """
    _, sims = topk(unit_rows(A_sample @ W), X_B, 1)
    return float(sims.mean())
