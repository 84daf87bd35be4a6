"""Diagnostics that explain why a stage works or fails.

Functions marked *oracle* use true pairs: they are for measuring and teaching only, never for
fitting or choosing hyperparameters.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int
from ._parallel import cross_product
from .anchors import AnchorRun, relative_representation
from .neighbors import topk
from .preprocess import unit_rows
from .procrustes import procrustes
from .qap import centroid_similarity, qap_objective


def similarity_correlation(P_A: np.ndarray, P_B: np.ndarray, n: int = 500,
                           shuffle: bool = False, random_state: int = 0) -> float:
    """Pearson correlation of the two spaces' pairwise cosine similarities (*oracle*).

    P_A: (m, d_A), P_B: (m, d_B) unit rows of the same m texts. Takes n rows, compares the
    off-diagonal entries of P_A P_A^T and P_B P_B^T. shuffle: break the pairing first (the
    control: correlation near 0). "Universal geometry" predicts a clearly positive value.
    """
    rng = np.random.default_rng(random_state)
    idx = rng.choice(len(P_A), min(n, len(P_A)), replace=False)
    idx_B = rng.permutation(idx) if shuffle else idx
    S_A, S_B = P_A[idx] @ P_A[idx].T, P_B[idx_B] @ P_B[idx_B].T
    off = ~np.eye(len(idx), dtype=bool)
    return float(np.corrcoef(S_A[off], S_B[off])[0, 1])


def true_partners(run: AnchorRun, W_true: np.ndarray) -> np.ndarray:
    """(c,) index of the B centroid (in the run's matched order) nearest to each A centroid
    mapped by a trusted map W_true (*oracle*, e.g. supervised Procrustes)."""
    return np.argmax((run.centroids_A @ W_true) @ run.centroids_B.T, axis=1)


def matched_fraction(run: AnchorRun, W_true: np.ndarray) -> float:
    """Fraction of centroids the QAP matched to their true counterparts (*oracle*).

    The matched order puts A centroid j against B centroid j, so a match is correct when
    ``true_partners(run, W_true)[j] == j``.
    """
    return float(np.mean(true_partners(run, W_true) == np.arange(len(run.centroids_A))))


def qap_margin(run: AnchorRun) -> dict:
    """How identifiable the matching is, from the data alone (no pairs).

    Returns best (the QAP objective), runner_up (the best objective among restarts that found
    another value), and gap: (best - runner_up) / (|S_A|_F |S_B|_F), the difference as a
    fraction of the largest objective any matching could reach (the objective is an inner
    product of S_A with the permuted S_B, so Cauchy-Schwarz bounds it by the product of their
    Frobenius norms, at least c for c unit centroids): a number in [0, 2], defined whatever
    the sign of best. A flat landscape (gap near 0) means many different matchings fit the
    similarities equally well.
    """
    obj = np.sort(np.unique(np.round(run.qap.objectives, 9)))[::-1]
    best = float(obj[0])
    runner = float(obj[1]) if len(obj) > 1 else best
    bound = (np.linalg.norm(centroid_similarity(run.centroids_A))
             * np.linalg.norm(centroid_similarity(run.centroids_B)))
    return {"best": best, "runner_up": runner, "gap": (best - runner) / float(bound)}


def true_matching_objective(run: AnchorRun, W_true: np.ndarray) -> float:
    """QAP objective of the oracle matching in the run's own terms (*oracle*): compare it with
    ``run.qap.objective`` to see whether the objective even prefers the truth."""
    S_A = centroid_similarity(run.centroids_A)
    S_B = centroid_similarity(run.centroids_B)
    perm = true_partners(run, W_true)
    if len(np.unique(perm)) < len(perm):  # not a permutation: nearest partners collide
        return float("nan")
    return qap_objective(S_A, S_B, perm)


def relative_top1(runs: list, E_A: np.ndarray, E_B: np.ndarray) -> float:
    """Top-1 retrieval of true pairs by nearest neighbour in relative space (*oracle*).

    E_A, E_B: (n, d) preprocessed held-out pairs. How well the relative representations of
    ``runs`` already identify the same text in both spaces.
    """
    R_A = relative_representation(E_A, runs, "A")
    R_B = relative_representation(E_B, runs, "B")
    idx, _ = topk(R_A, R_B, 1)
    return float(np.mean(idx[:, 0] == np.arange(len(E_A))))


def pseudo_pair_quality(targets: np.ndarray, true_B: np.ndarray) -> np.ndarray:
    """Cosine between each pseudo-pair target and the true B embedding of the same A text
    (*oracle*). targets, true_B: (n, d_B). Returns (n,) cosines."""
    return np.einsum("ij,ij->i", unit_rows(targets), unit_rows(true_B))


def similarity_pairs(P_A: np.ndarray, P_B: np.ndarray, n: int = 500, shuffle: bool = False,
                     random_state: int = 0) -> tuple:
    """The off-diagonal pairwise cosines behind ``similarity_correlation`` (*oracle*).

    P_A: (m, d_A), P_B: (m, d_B) unit rows of the same m texts. Draws the same n rows as
    ``similarity_correlation`` with the same arguments, so ``np.corrcoef(s_A, s_B)[0, 1]``
    equals it (each unordered pair is kept once, which leaves the correlation unchanged).
    Returns (s_A, s_B), two (n * (n - 1) / 2,) float arrays: the cosine of each pair of texts
    in space A and in space B (with shuffle, B's texts are a permutation of A's).
    """
    rng = np.random.default_rng(random_state)
    idx = rng.choice(len(P_A), min(n, len(P_A)), replace=False)
    idx_B = rng.permutation(idx) if shuffle else idx
    S_A, S_B = P_A[idx] @ P_A[idx].T, P_B[idx_B] @ P_B[idx_B].T
    upper = np.triu_indices(len(idx), k=1)
    return S_A[upper], S_B[upper]


def centroid_matrices(run: AnchorRun) -> dict:
    """The centroid similarity matrices of one anchor run, for plotting.

    Returns {"A": S_A, "B_kmeans": S_B in k-means' own order, "B_matched": S_B re-ordered by
    the QAP permutation (row j is the B centroid matched to A centroid j)}, each (c, c).
    """
    S_B_matched = centroid_similarity(run.centroids_B)
    inverse = np.argsort(run.qap.perm)  # undo the re-ordering: back to k-means' numbering
    return {"A": centroid_similarity(run.centroids_A),
            "B_kmeans": S_B_matched[np.ix_(inverse, inverse)], "B_matched": S_B_matched}


def oracle_assignment(run: AnchorRun, W_true: np.ndarray) -> dict:
    """The best one-to-one matching of the run's centroids under a trusted map (*oracle*).

    ``true_partners`` may send two A centroids to one B centroid (independent k-means runs
    do not cut the data identically), and then ``true_matching_objective`` is nan. Here the
    Hungarian algorithm picks the permutation with the largest total cosine between mapped A
    centroids and B centroids, so the "true" matching always exists. Returns perm ((c,) int,
    in the run's matched order: perm[j] == j means the QAP got centroid j right), fraction
    (share of such j), objective (its QAP objective, to compare with ``run.qap.objective``)
    and cosine (mean cosine of the oracle-matched centroid pairs: how well clusters
    correspond at all).
    """
    C, perm = _hungarian_partners(run.centroids_A, run.centroids_B, W_true)
    c = len(perm)
    objective = qap_objective(centroid_similarity(run.centroids_A),
                              centroid_similarity(run.centroids_B), perm)
    return {"perm": perm, "fraction": float(np.mean(perm == np.arange(c))),
            "objective": objective, "cosine": float(C[np.arange(c), perm].mean())}


def _hungarian_partners(C_A: np.ndarray, C_B: np.ndarray, W_true: np.ndarray) -> tuple:
    """Cosines C = (C_A W_true) C_B^T of unit centroids (c, d_A), (c, d_B), and the
    permutation perm maximising sum_i C[i, perm[i]] (*oracle*). Returns (C, perm)."""
    from scipy.optimize import linear_sum_assignment

    C = unit_rows(C_A @ W_true) @ unit_rows(C_B).T
    return C, linear_sum_assignment(-C)[1]


def centroid_geometry_agreement(C_A: np.ndarray, C_B: np.ndarray, W_true: np.ndarray) -> dict:
    """How much of its centroid geometry one space shares with the other (*oracle*).

    C_A: (c, d_A), C_B: (c, d_B) centroids of independent clusterings of the two pools (e.g.
    ``kmeans_centroids``), matched one-to-one through the trusted map W_true: (d_A, d_B)
    (Hungarian). Returns correlation (Pearson, between the off-diagonal centroid cosines of A
    and those of the matched B centroids: the signal the QAP of step 1 has to work with) and
    cosine (median cosine of matched centroid pairs: how well the two clusterings correspond).
    """
    C_A, C_B = unit_rows(np.asarray(C_A, np.float64)), unit_rows(np.asarray(C_B, np.float64))
    C, perm = _hungarian_partners(C_A, C_B, W_true)
    S_A, S_B = C_A @ C_A.T, (C_B @ C_B.T)[np.ix_(perm, perm)]
    off = ~np.eye(len(perm), dtype=bool)
    return {"correlation": float(np.corrcoef(S_A[off], S_B[off])[0, 1]),
            "cosine": float(np.median(C[np.arange(len(perm)), perm]))}


def coupling_truth(couplings: np.ndarray, C_A: np.ndarray, C_B: np.ndarray, P_A: np.ndarray,
                   P_B: np.ndarray) -> np.ndarray:
    """ORACLE: the share of each cluster coupling's mass that the true pairs agree with.

    couplings: (r, c_A, c_B), each summing to 1 (``GWStart.couplings``); C_A: (c_A, d_A),
    C_B: (c_B, d_B) unit centroids; P_A, P_B: (n, d) true pairs. The truth is the joint
    share of pairs whose A row lies nearest centroid i and whose B row lies nearest centroid j;
    returns (r,) sum over i, j of min(T[i, j], truth[i, j]): 1 for a coupling that moves mass
    exactly as the pairs do, about 1/c for one that ignores them.
    """
    truth = np.zeros((len(C_A), len(C_B)))
    np.add.at(truth, (np.argmax(P_A @ C_A.T, axis=1), np.argmax(P_B @ C_B.T, axis=1)), 1.0)
    return np.minimum(couplings, truth / truth.sum()).sum(axis=(1, 2))


def principal_subspace_start(X_A: np.ndarray, X_B: np.ndarray, P_A: np.ndarray,
                             P_B: np.ndarray, m: int) -> np.ndarray:
    """A start that is right on the top m principal directions only (*oracle*).

    X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed pools; P_A: (n, d_A), P_B: (n, d_B) true
    pairs. With V_A: (m, d_A) and V_B: (m, d_B) the pools' top m principal axes, Q: (m, m) is
    Procrustes between the true pairs' coordinates on them; returns the rank-m map
    V_A^T Q V_B: (d_A, d_B) float32. It answers: how small a rotation would the anchor stage
    have to find for Refine-1 to do the rest?
    """
    m = check_int(m, "m", 1)
    if m > min(X_A.shape[1], X_B.shape[1]):
        raise ValueError(f"m = {m} exceeds the dimension of a space "
                         f"({X_A.shape[1]} and {X_B.shape[1]})")
    V_A, V_B = principal_axes(X_A, m), principal_axes(X_B, m)
    Q = procrustes(P_A @ V_A.T, P_B @ V_B.T)
    return (V_A.T @ Q @ V_B).astype(np.float32)


def principal_axes(X: np.ndarray, m: int) -> np.ndarray:
    """The top m principal axes of the rows X: (n, d), as (m, d) float64 unit rows, largest
    first: the top right singular vectors of X (X is used as given, not centred again), found
    as eigenvectors of the d x d matrix X^T X, which takes a fraction of the time of an SVD
    of X itself. Each axis's sign is arbitrary."""
    X = np.asarray(X, np.float32)
    _, V = np.linalg.eigh(cross_product(X, X).astype(np.float64))
    return V[:, ::-1][:, :m].T


def refine_curve(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, E_A: np.ndarray,
                 E_B: np.ndarray, n_iter: int = 20, every: int = 5, verbose: bool = True,
                 **refine) -> list:
    """Refine-1 from the start W: (d_A, d_B), scored on held-out pairs as it goes (*oracle*:
    the pairs only measure). X_A, X_B: preprocessed pools; E_A, E_B: (n, d) preprocessed
    pairs; verbose: Refine-1's progress bar; refine: further ``refine_matching`` arguments
    (sample_size, k, symmetric, matching, ...). Returns (curve, W_final): curve, a list of
    (iteration, Scores) for iteration 0, every ``every`` iterations and the last; W_final,
    the (d_A, d_B) map Refine-1 ends with.
    """
    from .metrics import evaluate
    from .refine import refine_matching

    curve = [(0, evaluate(W, E_A, E_B))]

    def score(t, W_t):
        if t % every == 0 or t == n_iter:
            curve.append((t, evaluate(W_t, E_A, E_B)))

    return curve, refine_matching(W, X_A, X_B, n_iter, callback=score, verbose=verbose,
                                  **refine)


def neighbor_indegree(W: np.ndarray, X_A: np.ndarray, X_B: np.ndarray, k: int = 50) -> np.ndarray:
    """How often each B row is among the k nearest B rows of a mapped A row, as a share of
    its fair part: 1 means a B row is picked as often as it would be if every B row were
    picked equally (k n_A / n_B times); hubs score far above 1, rows nobody picks 0.

    W: (d_A, d_B); X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed pools; k < n_B. These are
    the weights the paper's Refine-1 gives B's rows through its pseudo-pairs (step 4); an
    entropic transport plan (``minivec.transport``) gives every B row exactly 1.
    Returns (n_B,) float64.
    """
    idx, _ = topk(unit_rows(X_A @ W), X_B, check_int(k, "k", 1))
    return np.bincount(idx.ravel(), minlength=len(X_B)) * len(X_B) / (k * len(X_A))


def similarity_order(S: np.ndarray) -> np.ndarray:
    """A display order for a (c, c) similarity matrix: the leaf order of average-linkage
    clustering on 1 - S, so similar items sit next to each other and blocks show up in a
    heatmap. Purely cosmetic. Returns a (c,) permutation."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    D = np.clip(1.0 - np.asarray(S, float), 0.0, None)
    np.fill_diagonal(D, 0.0)
    if len(D) < 3:
        return np.arange(len(D))
    return leaves_list(linkage(squareform((D + D.T) / 2, checks=False), "average"))


def anchor_run_summary(run: AnchorRun, W_true: np.ndarray | None = None) -> dict:
    """Figures of merit of one anchor run, as a flat dict of numbers.

    Always (data only): clusters c, objective (best QAP objective), runner_up and gap (see
    ``qap_margin``). With a trusted map W_true (*oracle*, measuring only): matched_fraction,
    chance (1 / c, the expected fraction for a random matching), true_objective
    (``true_matching_objective``, nan when true partners collide), and the Hungarian oracle's
    assignment_fraction and assignment_objective (``oracle_assignment``).
    """
    out = {"clusters": len(run.centroids_A), "objective": float(run.qap.objective)}
    margin = qap_margin(run)
    out.update(runner_up=margin["runner_up"], gap=margin["gap"])
    if W_true is not None:
        oracle = oracle_assignment(run, W_true)
        out.update(matched_fraction=matched_fraction(run, W_true),
                   chance=1.0 / len(run.centroids_A),
                   true_objective=true_matching_objective(run, W_true),
                   assignment_fraction=oracle["fraction"],
                   assignment_objective=oracle["objective"])
    return out


def relative_scores(runs: list, E_A: np.ndarray, E_B: np.ndarray):
    """Held-out metrics of retrieval in relative space (*oracle*): ``Scores``.

    E_A, E_B: (n, d) preprocessed held-out pairs. Both sides go into the relative space of
    ``runs`` (s*c coordinates) and are compared there as they are: mean_cosine is the mean
    relative-space cosine of true pairs, top1 agrees with ``relative_top1``, and mean_rank
    (chance about n/2) shows progress long before top-1 moves.
    """
    from .metrics import evaluate

    R_A = relative_representation(E_A, runs, "A")
    R_B = relative_representation(E_B, runs, "B")
    return evaluate(np.eye(R_A.shape[1], dtype=np.float32), R_A, R_B)


def scores_table(scores: dict) -> str:
    """A Markdown table of held-out ``Scores`` per map: {name: Scores} -> str with columns
    map, mean cosine, top-1, mean rank, pool."""
    lines = ["| map | mean cosine | top-1 | mean rank | pool |", "|---|---|---|---|---|"]
    for name, s in scores.items():
        lines.append(f"| {name} | {s.mean_cosine:.3f} | {s.top1:.3f} | {s.mean_rank:.1f} | "
                     f"{s.pool_size} |")
    return "\n".join(lines)


def orthogonality_gap(W: np.ndarray) -> float:
    """How far a map is from orthogonal: ||G - I||_F / sqrt(m), G the smaller Gram matrix.

    W: (d_A, d_B). G is W^T W when d_A >= d_B, else W W^T (m = min(d_A, d_B)). 0 for a
    Procrustes map; the smoothing of Refine-1/2 ((1 - alpha) W + alpha W_new) moves W off it.
    """
    W = np.asarray(W, np.float64)
    G = W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T
    return float(np.linalg.norm(G - np.eye(len(G))) / np.sqrt(len(G)))


def relative_agreement_curve(runs: list, E_A: np.ndarray, E_B: np.ndarray,
                             order=None, block: int = 1024) -> tuple:
    """Relative-space retrieval of held-out pairs for every ensemble size s (*oracle*).

    E_A, E_B: (n, d) preprocessed held-out pairs; order: optional sequence of run indices
    (default 0, 1, ..., len(runs) - 1). For s = 1 ... len(order), the first s runs of
    ``order`` give both sides their relative representation, and each A row's true partner
    is ranked among the n B rows by cosine there. Returns (top1, mean_rank), two (len(order),)
    float arrays, equal to ``relative_top1`` and ``relative_scores(...).mean_rank`` of the same
    runs up to float rounding. The similarities are accumulated run by run, so the whole curve
    costs about as much as one evaluation at the largest s; memory stays at block x n.
    """
    order = np.arange(len(runs)) if order is None else np.asarray(order, int)
    E_A, E_B = np.asarray(E_A, np.float32), np.asarray(E_B, np.float32)
    n = len(E_A)
    c = len(runs[0].centroids_A)
    # Raw cosines to every centroid, one product a side: (n, s * c), run j in columns j*c...
    Q_A = E_A @ np.concatenate([runs[j].centroids_A for j in order]).T
    Q_B = E_B @ np.concatenate([runs[j].centroids_B for j in order]).T
    # Row i of A divides a whole row of similarities by the same norm, so only B's norms
    # change the order of candidates: 1 / ||relative row of B|| for each s, (s, n).
    inv_B = 1 / np.sqrt(np.cumsum((Q_B * Q_B).reshape(n, len(order), c).sum(axis=2), axis=1)).T
    ranks = np.empty((len(order), n), np.int64)
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        S = np.zeros((len(rows), n), np.float32)
        T = np.empty_like(S)
        for s in range(len(order)):
            cols = slice(s * c, (s + 1) * c)
            S += Q_A[rows, cols] @ Q_B[:, cols].T
            np.multiply(S, inv_B[s].astype(np.float32), out=T)
            own = T[np.arange(len(rows)), rows]
            ranks[s, rows] = 1 + (T > own[:, None]).sum(axis=1)
    return (ranks == 1).mean(axis=1), ranks.mean(axis=1)


def procrustes_toy(n: int = 8, angle: float = 40.0, noise: float = 0.1,
                   random_state: int = 0) -> tuple:
    """A 2-D Procrustes problem with a known answer, for teaching.

    Returns (A, B): A (n, 2) float32 unit rows at random angles (like the kit's preprocessed
    rows); B (n, 2) float32, the same points turned by ``angle`` degrees counter-clockwise
    (row vectors: B = A R) plus Gaussian noise of standard deviation ``noise``.
    ``rotation_angle(procrustes(A, B))`` should come out close to ``angle``.
    """
    rng = np.random.default_rng(random_state)
    phi = rng.uniform(0, 2 * np.pi, n)
    A = np.column_stack([np.cos(phi), np.sin(phi)])
    B = A @ rotation_matrix(angle) + noise * rng.normal(size=(n, 2))
    return A.astype(np.float32), B.astype(np.float32)


def rotation_matrix(angle: float) -> np.ndarray:
    """(2, 2) float64 R that turns row vectors by ``angle`` degrees counter-clockwise: x R."""
    t = np.deg2rad(angle)
    return np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])


def rotation_angle(W: np.ndarray) -> float:
    """The angle in degrees, in (-180, 180], by which a 2 x 2 map W turns row vectors
    counter-clockwise (x -> x W), read from its first row; for a rotation it is exact."""
    W = np.asarray(W, np.float64)
    if W.shape != (2, 2):
        raise ValueError(f"rotation_angle needs a 2 x 2 map, got shape {W.shape}")
    return float(np.degrees(np.arctan2(W[0, 1], W[0, 0])))


def truth_vs_found(summaries: list, rtol: float = 1e-9) -> dict:
    """Does the QAP objective prefer the true matching? Counts over anchor runs (*oracle*).

    summaries: one dict per anchor run from ``anchor_run_summary(run, W_true)``; each holds
    the objective the 2-opt search found (``objective``) and that of the oracle's one-to-one
    matching (``assignment_objective``). Each run is judged by ``truth_versus_found``: "equal"
    when the two agree within rtol relative (the search found the truth, or a matching that
    scores exactly as well); otherwise "truth_higher" (the truth scores more: the search
    missed it, a failure that more restarts or a better solver could fix) or "truth_lower"
    (the objective itself prefers a wrong matching, which no search can fix).
    Returns {"truth_higher": int, "equal": int, "truth_lower": int}.
    """
    if not 0 <= rtol < 1:
        raise ValueError(f"rtol must be in [0, 1), got {rtol}")
    counts = dict.fromkeys((v.replace(" ", "_") for v in VERDICTS), 0)
    for s in summaries:
        verdict = truth_versus_found(float(s["objective"]), float(s["assignment_objective"]),
                                     rtol)
        counts[verdict.replace(" ", "_")] += 1
    return counts


def principal_axis_overlap(X_A: np.ndarray, X_B: np.ndarray, W: np.ndarray,
                           m: int = 5) -> np.ndarray:
    """How close the map W is to a signed permutation of the top m principal axes (*oracle*
    when W is fitted on true pairs).

    X_A: (n_A, d_A), X_B: (n_B, d_B) preprocessed pools; W: (d_A, d_B), e.g. supervised
    Procrustes. Each of A's top m principal axes is mapped by W and compared with B's top m
    axes. Returns (m,) float64: for each A axis, in order, the largest |cosine| with any of
    B's top m axes. All near 1: the map only reorders and flips the top axes (a signed
    permutation), so matching principal axes would find it; well below 1: each A axis is
    spread over several of B's, a rotation among them.
    """
    m = check_int(m, "m", 1)
    if m > min(X_A.shape[1], X_B.shape[1]):
        raise ValueError(f"m = {m} exceeds the dimension of a space "
                         f"({X_A.shape[1]} and {X_B.shape[1]})")
    mapped = principal_axes(X_A, m) @ np.asarray(W, np.float64)
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    return np.abs(mapped @ principal_axes(X_B, m).T).max(axis=1)


#: The three outcomes of ``truth_versus_found``, in the order a table lists them.
VERDICTS = ("truth higher", "equal", "truth lower")


def truth_versus_found(found: float, truth: float, rtol: float = 1e-9) -> str:
    """How the QAP objective of the true matching compares with the one the search found
    (*oracle*: ``truth`` comes from true pairs, e.g. ``anchor_run_summary(...)
    ["assignment_objective"]``; ``found`` is ``run.qap.objective``). Two floats in, one of
    ``VERDICTS`` out:

    - "truth higher": the true matching scores higher, so the search missed it (more restarts
      or a better solver could help);
    - "equal": the two agree within ``rtol`` of |found| (relative), which in practice means the
      search found the true matching itself;
    - "truth lower": the objective ranks a wrong matching above the truth, so no better solver
      could fix the matching.
    """
    if abs(truth - found) <= rtol * max(abs(found), abs(truth)):
        return "equal"
    return "truth higher" if truth > found else "truth lower"


def neighbor_overlap(P: np.ndarray, Q: np.ndarray, k: int = 10) -> float:
    """How far two pictures of the same items agree on who is near whom.

    P: (n, d_P) and Q: (n, d_Q) float, row i of both the same item (e.g. 2-D UMAP coordinates
    of the same sentences from two encoders, or their embeddings). For each row, its k
    nearest other rows by Euclidean distance in P and in Q; returns the mean fraction shared,
    in [0, 1]: 1 when the neighbourhoods agree, about k / (n - 1) for unrelated pictures.
    """
    P, Q = np.asarray(P, np.float64), np.asarray(Q, np.float64)
    if len(P) != len(Q):
        raise ValueError(f"P and Q need the same rows, got {len(P)} and {len(Q)}")
    k = check_int(k, "k", 1, len(P) - 1)

    def knn(X):
        sq = np.einsum("ij,ij->i", X, X)
        D = sq[:, None] + sq[None, :] - 2 * X @ X.T
        np.fill_diagonal(D, np.inf)
        return np.argpartition(D, k - 1, axis=1)[:, :k]

    a, b = knn(P), knn(Q)
    shared = [len(np.intersect1d(x, y, assume_unique=True)) for x, y in zip(a, b)]
    return float(np.mean(shared) / k)
