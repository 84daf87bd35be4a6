"""What alignment reveals: reading topics out of a leaked vector database.

The attacker's setting (vec2vec's security point): a dump of vectors from an unknown encoder B
(no text, no labels) and an encoder A the attacker can query, with a labelled pool of A rows.
Align the two spaces without pairs, translate the leaked B rows into A with ``W.T``, and infer
each one's topic zero-shot in A, either by a vote of its k nearest labelled A rows or by the
nearest topic prototype (the unit mean of a topic's labelled rows).

Every embedding argument here is *preprocessed* (centred with its space's training mean, unit
rows), as ``AlignmentPair.prepare()`` returns it. Labels are integer topic ids 0..n_topics-1.
True labels of the leaked rows (``labels_eval``) are for measuring only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_embeddings, check_int, check_map, check_neighbors, check_pairs
from .baselines import random_orthogonal, supervised_procrustes
from .metrics import evaluate
from .neighbors import topk
from .preprocess import unit_rows

METHODS = ("knn", "prototype")


# -- checks ----------------------------------------------------------------------------------
def _check_labels(labels, n_rows: int, name: str = "labels",
                  n_topics: int | None = None) -> np.ndarray:
    """Return ``labels`` as a (n_rows,) int64 array of topic ids, or raise ``ValueError``."""
    if labels is None:
        raise ValueError(f"{name} is None: this problem carries no topic labels")
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one topic id per row), got shape {arr.shape}")
    if len(arr) != n_rows:
        raise ValueError(f"{name} has {len(arr)} entries but there are {n_rows} rows: "
                         "one topic id per row is needed")
    if arr.size and not (np.issubdtype(arr.dtype, np.integer)
                         or (np.issubdtype(arr.dtype, np.floating)
                             and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))):
        raise ValueError(f"{name} must hold integer topic ids, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} contains a negative topic id ({arr.min()})")
    if n_topics is not None and arr.size and arr.max() >= n_topics:
        raise ValueError(f"{name} contains topic id {arr.max()}, but n_topics={n_topics} "
                         f"allows only 0..{n_topics - 1}")
    return arr


def _n_topics(n_topics, *label_arrays) -> int:
    """``n_topics`` checked, or one more than the largest id seen."""
    if n_topics is None:
        return int(max(int(a.max()) for a in label_arrays if a.size)) + 1
    return check_int(n_topics, "n_topics", 1)


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


# -- zero-shot topic inference in one space --------------------------------------------------
def topic_prototypes(X, labels, n_topics: int | None = None) -> np.ndarray:
    """One prototype per topic: the mean of that topic's rows, scaled to unit length.

    X: (n, d) preprocessed rows; labels: (n,) topic ids. Returns (n_topics, d) float32.
    Raises if a topic has no row (it would have no prototype).
    """
    X = as_embeddings(X, "X")
    labels = _check_labels(labels, len(X), "labels", n_topics)
    n_topics = _n_topics(n_topics, labels)
    counts = np.bincount(labels, minlength=n_topics)
    if (counts == 0).any():
        raise ValueError(f"topic(s) {np.flatnonzero(counts == 0).tolist()} have no labelled "
                         "row, so no prototype")
    sums = np.zeros((n_topics, X.shape[1]), np.float64)
    np.add.at(sums, labels, X)
    return unit_rows(sums / counts[:, None]).astype(np.float32)


def knn_vote(Q, X_pool, labels_pool, k: int = 10, n_topics: int | None = None) -> np.ndarray:
    """Topic of each query row by majority over its k nearest labelled pool rows (cosine).

    Q: (n_q, d) query rows; X_pool: (n_pool, d) labelled rows; labels_pool: (n_pool,) ids;
    k < n_pool. Rows are scaled to unit length first, and the search is chunked
    (``minivec.neighbors.topk``), so no n_q x n_pool matrix is held. A tie in votes goes to
    the topic whose tied neighbours are more similar in total.
    Returns (n_q,) int64 predicted topic ids.
    """
    Q, X_pool = as_embeddings(Q, "Q"), as_embeddings(X_pool, "X_pool")
    if Q.shape[1] != X_pool.shape[1]:
        raise ValueError(f"query rows have {Q.shape[1]} dimensions but the labelled pool has "
                         f"{X_pool.shape[1]}: translate the queries into the pool's space first")
    labels_pool = _check_labels(labels_pool, len(X_pool), "labels_pool", n_topics)
    n_topics = _n_topics(n_topics, labels_pool)
    k = check_neighbors(k, len(X_pool))
    idx, sims = topk(unit_rows(Q), unit_rows(X_pool), k)
    votes = np.zeros((len(Q), n_topics), np.float64)
    rows = np.repeat(np.arange(len(Q)), k)
    # A count of votes plus the summed similarity scaled below one vote: ties only.
    np.add.at(votes, (rows, labels_pool[idx].ravel()), 1.0 + sims.ravel() / (2 * k + 1))
    return votes.argmax(axis=1).astype(np.int64)


def nearest_prototype(Q, prototypes) -> np.ndarray:
    """Topic of each query row: the prototype with the highest cosine.

    Q: (n_q, d); prototypes: (n_topics, d) from ``topic_prototypes``. Returns (n_q,) int64.
    """
    Q, P = as_embeddings(Q, "Q"), as_embeddings(prototypes, "prototypes")
    if Q.shape[1] != P.shape[1]:
        raise ValueError(f"query rows have {Q.shape[1]} dimensions but the prototypes have "
                         f"{P.shape[1]}")
    return np.argmax(unit_rows(Q) @ unit_rows(P).T, axis=1).astype(np.int64)


def predict_topics(Q, X_pool, labels_pool, method: str = "knn", k: int = 10,
                   n_topics: int | None = None) -> np.ndarray:
    """Zero-shot topics of query rows from a labelled pool of the same space.

    method: "knn" (vote of the k nearest pool rows, ``knn_vote``) or "prototype" (nearest
    topic mean, ``nearest_prototype``; k is then unused). Q: (n_q, d); X_pool: (n_pool, d);
    labels_pool: (n_pool,). Returns (n_q,) int64 predicted topic ids.
    """
    if _check_method(method) == "knn":
        return knn_vote(Q, X_pool, labels_pool, k, n_topics)
    return nearest_prototype(Q, topic_prototypes(X_pool, labels_pool, n_topics))


def topic_accuracy(predicted, true) -> float:
    """Fraction of rows whose predicted topic is the true one. Both (n,) ids."""
    true = _check_labels(true, len(np.asarray(true)), "true labels")
    predicted = _check_labels(predicted, len(true), "predicted labels")
    if not len(true):
        raise ValueError("no rows to score")
    return float(np.mean(predicted == true))


def confusion_matrix(true, predicted, n_topics: int | None = None) -> np.ndarray:
    """Counts of (true topic, predicted topic): (n_topics, n_topics) int64.

    Row i, column j counts rows of true topic i predicted as topic j; the diagonal holds the
    correct ones and the matrix sums to the number of rows.
    """
    true = _check_labels(true, len(np.asarray(true)), "true labels", n_topics)
    predicted = _check_labels(predicted, len(true), "predicted labels", n_topics)
    n_topics = _n_topics(n_topics, true, predicted)
    cm = np.zeros((n_topics, n_topics), np.int64)
    np.add.at(cm, (true, predicted), 1)
    return cm


def chance_levels(labels_pool, labels_true, n_topics: int | None = None) -> dict:
    """What guessing gets without looking at any vector.

    labels_pool: (n_pool,) the attacker's labelled pool; labels_true: (n,) the true topics of
    the attacked rows (measuring only). Returns {"uniform": 1 / n_topics, "majority": accuracy
    of always answering the pool's most frequent topic, "majority_topic": that topic's id}.
    """
    pool = _check_labels(labels_pool, len(np.asarray(labels_pool)), "labels_pool", n_topics)
    true = _check_labels(labels_true, len(np.asarray(labels_true)), "labels_true", n_topics)
    n_topics = _n_topics(n_topics, pool, true)
    top = int(np.bincount(pool, minlength=n_topics).argmax())
    return {"uniform": 1.0 / n_topics, "majority": float(np.mean(true == top)),
            "majority_topic": top}


# -- the attack ------------------------------------------------------------------------------
def translate_to_A(W, E_B) -> np.ndarray:
    """Bring rows of space B into space A with W.T (W maps A into B).

    W: (d_A, d_B); E_B: (n, d_B) preprocessed. Returns (n, d_A) float32 unit rows. For an
    orthogonal W, W.T is its inverse.
    """
    E_B = as_embeddings(E_B, "E_B")
    W = np.asarray(W, np.float32)
    if W.ndim != 2:
        raise ValueError(f"map W must be 2-D (d_A, d_B), got shape {W.shape}")
    W = check_map(W, W.shape[0], E_B.shape[1])
    return unit_rows(E_B @ W.T)


@dataclass(frozen=True)
class AttackResult:
    """One way of guessing the leaked rows' topics.

    name: what was used; accuracy: fraction guessed right; predicted: (n,) topic ids;
    confusion: (n_topics, n_topics) counts, rows = true topic, columns = predicted.
    """

    name: str
    accuracy: float
    predicted: np.ndarray
    confusion: np.ndarray


def _result(name, predicted, labels_true, n_topics) -> AttackResult:
    return AttackResult(name, topic_accuracy(predicted, labels_true), predicted,
                        confusion_matrix(labels_true, predicted, n_topics))


def leak_attack(W, X_A, labels_A, E_B, labels_true, method: str = "knn", k: int = 10,
                n_topics: int | None = None, name: str = "translated with W") -> AttackResult:
    """The attack: translate leaked B rows into A with W.T and infer their topics in A.

    W: (d_A, d_B) a map of A into B (fitted without pairs, or any other); X_A: (n_A, d_A) the
    attacker's labelled A pool with labels_A: (n_A,); E_B: (n, d_B) the leaked rows, with
    labels_true: (n,) their real topics, used only to score. Returns an ``AttackResult``.
    """
    E_B = as_embeddings(E_B, "E_B")
    labels_true = _check_labels(labels_true, len(E_B), "labels_true", n_topics)
    labels_A = _check_labels(labels_A, len(as_embeddings(X_A, "X_A")), "labels_A", n_topics)
    n_topics = _n_topics(n_topics, labels_A, labels_true)
    Q = translate_to_A(W, E_B)
    return _result(name, predict_topics(Q, X_A, labels_A, method, k, n_topics), labels_true,
                   n_topics)


def compare_attacks(pair, W, method: str = "knn", k: int = 10) -> dict:
    """The attack with map W next to its references, on one ``AlignmentPair``.

    W: (d_A, d_B) the unsupervised map. The attacker's labelled pool is the A training pool
    (``pair.X_A``, ``pair.labels_A``); the leaked rows are B's held-out rows ``pair.E_B``;
    ``pair.labels_eval`` only scores. Returns an ordered dict name -> ``AttackResult``:

    - "majority class": always the pool's most frequent topic (chance);
    - "untranslated B": B rows used as they are in A (the identity; equal dims only);
    - "unsupervised map": B rows translated with W.T (the attack);
    - "supervised ceiling": translated with Procrustes fitted on the true training pairs;
    - "A's own embeddings": the same texts embedded by A itself (the upper reference).
    """
    data = pair.prepare()
    n_topics = len(pair.topics) or None
    labels_A = _check_labels(pair.labels_A, len(data.X_A), "labels_A", n_topics)
    labels_true = _check_labels(pair.labels_eval, len(data.E_B), "labels_eval", n_topics)
    n_topics = _n_topics(n_topics, labels_A, labels_true)
    W = check_map(W, data.X_A.shape[1], data.X_B.shape[1])
    chance = chance_levels(labels_A, labels_true, n_topics)
    out = {"majority class": _result("majority class",
                                     np.full(len(labels_true), chance["majority_topic"]),
                                     labels_true, n_topics)}
    if data.X_A.shape[1] == data.X_B.shape[1]:
        out["untranslated B"] = _result(
            "untranslated B", predict_topics(data.E_B, data.X_A, labels_A, method, k, n_topics),
            labels_true, n_topics)
    out["unsupervised map"] = leak_attack(W, data.X_A, labels_A, data.E_B, labels_true, method,
                                          k, n_topics, "unsupervised map")
    if pair.true_pairs is not None:
        W_sup = supervised_procrustes(*pair.prepared_true_pairs(data.mean_A, data.mean_B))
        out["supervised ceiling"] = leak_attack(W_sup, data.X_A, labels_A, data.E_B,
                                                labels_true, method, k, n_topics,
                                                "supervised ceiling")
    out["A's own embeddings"] = _result(
        "A's own embeddings", predict_topics(data.E_A, data.X_A, labels_A, method, k, n_topics),
        labels_true, n_topics)
    return out


# -- the supervised side: how many known pairs does it take? ---------------------------------
def log_sizes(low: int = 10, high: int = 5000, num: int = 10) -> np.ndarray:
    """``num`` log-spaced integer pair counts from low to high (duplicates removed)."""
    low, high = check_int(low, "low", 1), check_int(high, "high", 1)
    if high < low:
        raise ValueError(f"high={high} must be at least low={low}")
    return np.unique(np.round(np.geomspace(low, high, check_int(num, "num", 1))).astype(int))


def supervised_curve(P_A, P_B, E_A, E_B, sizes=None, n_seeds: int = 3,
                     random_state: int = 0, attack: tuple | None = None) -> dict:
    """Learning curve of ``supervised_procrustes`` fitted on n known pairs.

    P_A: (m, d_A), P_B: (m, d_B) preprocessed true pairs to draw from; E_A: (n, d_A),
    E_B: (n, d_B) held-out pairs to score on (``minivec.evaluate``). sizes: pair counts
    (default ``log_sizes(10, min(5000, m))``), each at most m; n_seeds: random draws per size.
    attack: optional (X_A, labels_A, labels_eval[, method, k]) to also score the leak attack's
    topic accuracy with each fitted map.
    Returns {"sizes": (s,) int, "top1": (n_seeds, s), "mean_cosine": (n_seeds, s),
    "pool_size": int} plus "topic_accuracy": (n_seeds, s) when ``attack`` is given.
    """
    P_A, P_B = as_embeddings(P_A, "P_A"), as_embeddings(P_B, "P_B")
    check_pairs(P_A, P_B)
    E_A, E_B = as_embeddings(E_A, "E_A"), as_embeddings(E_B, "E_B")
    check_pairs(E_A, E_B)
    m = len(P_A)
    sizes = log_sizes(10, min(5000, m)) if sizes is None else np.asarray(sizes)
    if sizes.ndim != 1 or not len(sizes) or not np.issubdtype(sizes.dtype, np.integer):
        raise ValueError(f"sizes must be a non-empty 1-D list of integer pair counts, "
                         f"got {sizes!r}")
    sizes = np.array([check_int(int(s), "pair count", 1, m,
                                f" (only {m} true pairs to draw from)") for s in sizes])
    n_seeds = check_int(n_seeds, "n_seeds", 1)
    if attack is not None:
        if not 3 <= len(attack) <= 5:
            raise ValueError("attack must be (X_A, labels_A, labels_eval[, method, k])")
        X_A, labels_A, labels_eval, *rest = attack
        method, k = (list(rest) + ["knn", 10][len(rest):])[:2]
    rng = np.random.default_rng(random_state)
    out = {"sizes": sizes, "top1": np.empty((n_seeds, len(sizes))),
           "mean_cosine": np.empty((n_seeds, len(sizes))), "pool_size": len(E_A)}
    if attack is not None:
        out["topic_accuracy"] = np.empty((n_seeds, len(sizes)))
    for s in range(n_seeds):
        for j, n in enumerate(sizes):
            pick = rng.choice(m, int(n), replace=False)
            W = supervised_procrustes(P_A[pick], P_B[pick])
            scores = evaluate(W, E_A, E_B)
            out["top1"][s, j], out["mean_cosine"][s, j] = scores.top1, scores.mean_cosine
            if attack is not None:
                out["topic_accuracy"][s, j] = leak_attack(
                    W, X_A, labels_A, E_B, labels_eval, method, k).accuracy
    return out


# -- judging the attack: where it sits between chance and the ceiling ----------------------
def random_map_accuracies(X_A, labels_A, E_B, labels_true, n_maps: int = 10,
                          method: str = "knn", k: int = 10, random_state: int = 0) -> np.ndarray:
    """The attack's accuracy with Haar-random orthogonal maps: an empirical chance range.

    Same arguments as ``leak_attack``; each of ``n_maps`` seeded random maps replaces the
    learned one. A learned map whose accuracy falls inside this range has shown nothing.
    Returns (n_maps,) accuracies.
    """
    n_maps = check_int(n_maps, "n_maps", 1)
    d_A, d_B = as_embeddings(X_A, "X_A").shape[1], as_embeddings(E_B, "E_B").shape[1]
    seeds = np.random.SeedSequence(random_state).generate_state(n_maps)
    return np.array([leak_attack(random_orthogonal(d_A, d_B, int(s)), X_A, labels_A, E_B,
                                 labels_true, method, k).accuracy for s in seeds])


def attack_summary(attacks: dict, random_accuracies) -> dict:
    """Where the attack sits between chance and the ceiling, in numbers.

    attacks: the dict of ``compare_attacks`` (needs "majority class", "unsupervised map" and
    "supervised ceiling"); random_accuracies: (n_maps,) from ``random_map_accuracies``.
    Returns {"accuracy", "majority", "ceiling", "share_of_gain": (accuracy - majority) /
    (ceiling - majority), the fraction of the ceiling's gain over chance the attack recovers;
    "beats_random": fraction of random maps it beats; "random_max"}.
    """
    missing = {"majority class", "unsupervised map", "supervised ceiling"} - set(attacks)
    if missing:
        raise ValueError(f"attacks lacks {sorted(missing)}: pass the dict compare_attacks "
                         "returns for a problem with true pairs")
    rand = np.asarray(random_accuracies, float)
    if rand.ndim != 1 or not len(rand):
        raise ValueError("random_accuracies must be a non-empty 1-D array")
    acc = attacks["unsupervised map"].accuracy
    base = attacks["majority class"].accuracy
    ceil = attacks["supervised ceiling"].accuracy
    share = (acc - base) / (ceil - base) if ceil > base else float("nan")
    return {"accuracy": acc, "majority": base, "ceiling": ceil, "share_of_gain": share,
            "beats_random": float(np.mean(rand < acc)), "random_max": float(rand.max())}
