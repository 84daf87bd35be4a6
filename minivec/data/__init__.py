"""Alignment problems: the shipped real embeddings, the ladder, user arrays, synthetic pairs."""

from .pair import AlignmentPair
from .shipped import (
    CLASSROOM,
    LADDER,
    DataError,
    ladder,
    load_arrays,
    load_embeddings,
    load_manifest,
    load_meta,
    load_npz,
    load_pair,
    load_umap,
)
from .synthetic import make_synthetic_pair

__all__ = ["AlignmentPair", "CLASSROOM", "DataError", "LADDER", "ladder", "load_arrays",
           "load_embeddings", "load_manifest", "load_meta", "load_npz", "load_pair",
           "load_umap", "make_synthetic_pair"]
