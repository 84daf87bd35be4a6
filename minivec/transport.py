"""Refine-1 by entropic optimal transport: a soft one-to-one matching (beyond the paper).

The paper's Refine-1 pairs each mapped A row with the *mean of its k' nearest B rows*. Those
means lean toward dense regions of B, a few B rows (hubs) are the neighbours of very many A
rows, and nothing stops the map from sending many A rows into one crowded place. Here every
iteration instead couples the whole A pool with the whole B pool by a *transport plan*
P: (n_A, n_B), in which every A row sends and every B row receives the same mass (uniform
marginals), chosen to maximise

    sum_ij P[i, j] cos(a_i W, b_j)  +  tau * entropy(P).

The balance is what the nearest-neighbour means lack: a dense region of B can take no more
of A than its share of B's rows. The entropy (temperature tau) keeps the plan soft, so the
map is fitted to many plausible partners of each row at once rather than to one.
Procrustes on the plan, W = polar(X_A^T P X_B), gives the next map. Nothing here sees a pair.

The plan is found by Sinkhorn's alternating scaling on a sparse support: each A row's k
nearest B rows and each B row's k nearest mapped A rows (``candidate_similarities``). That
makes it the entropic plan *restricted to those candidates*, not the full one (on a full
support the two coincide, as the tests check). What is left out weighs little: at tau = 0.04
the kernel exp(cos / tau) of a pair 0.2 below a row's 50th candidate is exp(-5), under 1% of
that candidate's, and the support takes tens of MB where a dense plan for two 15,000-row
pools takes 1.8 GB.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from ._parallel import cross_product
from .neighbors import topk
from .preprocess import unit_rows
from .procrustes import polar, smooth

#: Default temperature of the plan: cosines that differ by tau differ in weight by a factor e.
#: Chosen on a development pair that is not on the ladder (MiniLM-L3 -> e5-small, another
#: pair of model families): of 0.01, 0.02, 0.04 and 0.08, the value whose 60 iterations at
#: alpha = 1 from a Gromov-Wasserstein start ended highest (benchmarks/RESULTS.md, "Ladder
#: results, gw-transport").
DEFAULT_TAU = 0.04
#: Sinkhorn stops once every row's mass is within this fraction of its target, or after
#: SINKHORN_MAX_ITER scalings.
SINKHORN_RTOL, SINKHORN_MAX_ITER = 1e-3, 500
#: Bound on Sinkhorn's scalings before ``sinkhorn_plan`` folds them into its kernel.
ABSORB = 1e100
#: Smallest temperature accepted: below it exp((cos - best) / tau) underflows float64.
MIN_TAU = 0.005


def check_tau(tau) -> float:
    """Temperature of the transport plan: a real number in [MIN_TAU, 1]."""
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not MIN_TAU <= tau <= 1:
        raise ValueError(f"tau must be a number in [{MIN_TAU}, 1] (the temperature of the "
                         f"transport plan; default {DEFAULT_TAU}), got {tau!r}")
    return float(tau)


def candidate_similarities(M: np.ndarray, X_B: np.ndarray, k: int) -> sparse.csr_matrix:
    """Cosines between mapped A rows and B rows on the plan's support.

    M: (n_A, d_B) unit rows (A mapped into B); X_B: (n_B, d_B) unit rows; k < min(n_A, n_B).
    The support is the union of each row of M's k nearest rows of X_B and each row of X_B's
    k nearest rows of M, so that every row and every column has at least k candidates.
    Returns (n_A, n_B) CSR float64 holding cos(M_i, X_B_j) there.
    """
    n_A, n_B = len(M), len(X_B)
    cols_A, sims_A = topk(M, X_B, k)
    rows_B, sims_B = topk(X_B, M, k)
    rows = np.concatenate([np.repeat(np.arange(n_A), k), rows_B.ravel()])
    cols = np.concatenate([cols_A.ravel(), np.repeat(np.arange(n_B), k)])
    vals = np.concatenate([sims_A.ravel(), sims_B.ravel()]).astype(np.float64)
    _, first = np.unique(rows * n_B + cols, return_index=True)  # a pair found both ways once
    return sparse.csr_matrix((vals[first], (rows[first], cols[first])), shape=(n_A, n_B))


def sinkhorn_plan(S: sparse.csr_matrix, tau: float = DEFAULT_TAU) -> sparse.csr_matrix:
    """The entropic transport plan on the support of S with uniform marginals.

    S: (n_A, n_B) CSR similarities (``candidate_similarities``; every row and column holds at
    least one entry, else ValueError); tau: temperature. Returns P: (n_A, n_B) CSR with
    P_ij = exp(S_ij / tau + f_i + g_j) on S's support, the potentials f, g found by
    Sinkhorn's alternating updates until each row sums to 1 / n_A within SINKHORN_RTOL;
    columns sum to 1 / n_B exactly after the last update.

    The updates scale the kernel K = exp(S / tau - m_i), m_i the largest S_ij / tau of row i
    (so 0 < K <= 1), by u: (n_A,) and v: (n_B,), one sparse product per half-step, starting
    from f = 0 (u_i = exp(m_i)). Whenever a scaling leaves [1 / ABSORB, ABSORB] it is folded
    into the kernel and reset to 1 (log-domain stabilisation), so that no number leaves
    float64's range for cosines in [-1, 1] and any tau >= MIN_TAU. The iterates are those of
    the log-domain updates (the same plans to 1e-13), without their exp and log of every
    entry at every update.
    """
    tau = check_tau(tau)
    n_A, n_B = S.shape
    P = S.tocsr(copy=True)
    per_row = np.diff(P.indptr)
    if per_row.min(initial=1) == 0 or np.bincount(P.indices, minlength=n_B).min() == 0:
        raise ValueError("every row and every column of S needs at least one candidate: "
                         "a row or column without one can carry none of its mass")
    rows = np.repeat(np.arange(n_A), per_row)
    x = P.data / tau
    peak = np.maximum.reduceat(x, P.indptr[:-1])   # m_i, each row's largest S / tau
    u, v = np.exp(peak), np.ones(n_B)              # f = 0, as the log-domain updates start
    P.data = np.exp(x - peak[rows])
    converged = False
    for _ in range(SINKHORN_MAX_ITER):
        v = (1.0 / n_B) / (P.T @ u)
        Kv = P @ v
        converged = np.max(np.abs(n_A * u * Kv - 1.0)) < SINKHORN_RTOL
        if converged:
            break
        u = (1.0 / n_A) / Kv
        if max(u.max(), v.max(), 1.0 / u.min(), 1.0 / v.min()) > ABSORB:
            P.data *= u[rows] * v[P.indices]
            u, v = np.ones(n_A), np.ones(n_B)
    P.data *= u[rows] * v[P.indices]
    if not converged:
        off = max(np.abs(n_A * np.asarray(P.sum(axis=1)).ravel() - 1).max(),
                  np.abs(n_B * np.asarray(P.sum(axis=0)).ravel() - 1).max())
        warnings.warn(ConvergenceWarning(
            f"Sinkhorn stopped after {SINKHORN_MAX_ITER} scalings with the plan's row or column "
            f"sums off their targets by up to {off:.1%} (tolerance {SINKHORN_RTOL:.1%}), so the "
            f"plan is only roughly balanced. Raise tau (now {tau:g}) for a softer plan, which "
            f"converges faster, or give each row more candidates (k)"), stacklevel=2)
    return P


def transport_step(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, k: int = 50,
                   tau: float = DEFAULT_TAU, alpha: float = 1.0) -> tuple:
    """One Refine-1 iteration by entropic transport.

    W: (d_A, d_B); X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed pools; k: candidates per row
    and column of the plan; tau: its temperature. Returns (W_new, match): W_new =
    (1 - alpha) W + alpha * polar(X_A^T P X_B), P the plan for the rows of A mapped by W;
    match, the mean cosine the plan achieves (sum_ij P_ij cos_ij, P summing to 1), the
    objective it maximises, which needs no pairs.
    """
    S = candidate_similarities(unit_rows(X_A @ W), X_B, k)
    P = sinkhorn_plan(S, tau)
    match = float(P.multiply(S).sum() / P.sum())
    W_new = polar(cross_product(X_A, np.asarray(P @ X_B, dtype=np.float32)))
    return smooth(W, W_new, alpha), match
