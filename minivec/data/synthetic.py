"""Synthetic alignment problems with a known answer (a secret rotation)."""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..baselines import random_orthogonal
from .pair import AlignmentPair


def _hierarchical(n: int, d: int, n_topics: int, n_sub: int, rng) -> tuple:
    """Points with embedding-like structure: topics containing sub-topics, unequal cluster
    sizes, and an anisotropic, decaying spectrum. Returns (X: (n, d), labels: (n,))."""
    spectrum = np.arange(1, d + 1) ** -0.6
    topics = rng.normal(size=(n_topics, d)) * spectrum * 2.0
    subs = topics.repeat(n_sub, axis=0) + rng.normal(size=(n_topics * n_sub, d)) * spectrum
    weights = rng.dirichlet(np.full(n_topics * n_sub, 2.0))
    which = rng.choice(n_topics * n_sub, size=n, p=weights)
    X = subs[which] + rng.normal(size=(n, d)) * spectrum * 0.5 + 1.0 / np.sqrt(d)
    return X, which // n_sub


def _isotropic(n: int, d: int, n_topics: int, rng) -> tuple:
    """An isotropic Gaussian mixture: equal, spherical, evenly spread clusters."""
    centers = rng.normal(size=(n_topics, d))
    which = rng.integers(n_topics, size=n)
    return centers[which] + rng.normal(size=(n, d)) * 0.7, which


def make_synthetic_pair(n_train: int = 4000, n_eval: int = 1024, d: int = 32,
                        kind: str = "hierarchical", n_topics: int = 6, n_sub: int = 4,
                        noise: float = 0.0, random_state: int | None = 0) -> AlignmentPair:
    """Two disjoint pools of one synthetic space, B turned by a secret random rotation.

    kind: "hierarchical" (structure the anchor stage can use) or "isotropic" (a Gaussian
    mixture whose centroid similarities carry no signal: the anchor stage fails on it).
    noise: std of Gaussian noise added to B (0 shares the geometry exactly).
    Returns an ``AlignmentPair`` with ``n_train`` rows per pool, ``n_eval`` held-out pairs and
    the secret ``rotation`` (d, d): the true map is exactly that rotation.
    """
    n_train, n_eval, d = (check_int(v, name, 2) for v, name in
                          ((n_train, "n_train"), (n_eval, "n_eval"), (d, "d")))
    rng = np.random.default_rng(random_state)
    n = 2 * n_train + n_eval
    if kind == "hierarchical":
        Z, labels = _hierarchical(n, d, n_topics, n_sub, rng)
    elif kind == "isotropic":
        Z, labels = _isotropic(n, d, n_topics, rng)
    else:
        raise ValueError(f"kind must be 'hierarchical' or 'isotropic', got {kind!r}")
    R = random_orthogonal(d, random_state=rng.integers(2**32))
    ZB = Z @ R + noise * rng.normal(size=Z.shape)
    a, b, e = np.split(rng.permutation(n), [n_train, 2 * n_train])
    return AlignmentPair(
        f"synthetic {kind}", Z[a], ZB[b], Z[e], ZB[e],
        description=f"synthetic {kind} space, {d}-d, B = A turned by a secret rotation"
                    + (f" plus noise {noise}" if noise else ""),
        labels_A=labels[a], labels_B=labels[b], labels_eval=labels[e], rotation=R,
        true_pairs=(Z[a], Z[a] @ R),
        topics=tuple(f"topic {i}" for i in range(n_topics)))
