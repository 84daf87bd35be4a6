"""Load the real embeddings shipped in ``data/`` and ``data/sotu/``, and the ladder of problems."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..baselines import random_orthogonal
from .build import build_command, sha256_file
from .corpus import CORPORA, corpus_source
from .pair import AlignmentPair

#: Seed of the secret rotation applied to space B at ladder levels 1 and 2.
ROTATION_SEED = 2025
#: Size of the classroom subset used by the sliders.
CLASSROOM = {"n_train": 3000, "n_eval": 2048}

LADDER = {
    1: ("minilm-l6", "minilm-l6", True,
        "same encoder (MiniLM-L6) on disjoint sentences, B turned by a secret rotation"),
    2: ("minilm-l6", "minilm-l3", True,
        "sibling encoders (MiniLM-L6 and paraphrase-MiniLM-L3), B turned by a secret rotation"),
    3: ("minilm-l6", "e5-small", False,
        "different families: MiniLM-L6 and multilingual-e5-small, both 384-d"),
    4: ("minilm-l6", "static-64", False,
        "different dimensions: 384-d MiniLM-L6 and a 64-d static model"),
}


class DataError(RuntimeError):
    """The shipped data is missing or does not match its manifest."""


def data_dir(path=None) -> Path:
    """The data folder: ``path``, else $MINIVEC_DATA, else ``data/`` of the repository."""
    return Path(path or os.environ.get("MINIVEC_DATA")
                or Path(__file__).resolve().parents[2] / "data")


def _rebuild(folder: Path) -> str:
    """The command that rebuilds a data folder: by its name (``data/sotu``), else BBC's."""
    return build_command(folder.name if folder.name in CORPORA else "bbc")


def load_manifest(path=None) -> dict:
    """The data folder's ``manifest.json`` as a dict, or a ``DataError`` saying what to run."""
    mpath = data_dir(path) / "manifest.json"
    if not mpath.exists():
        raise DataError(f"no manifest at {mpath}: the shipped data is missing. Clone the whole "
                        f"repository (data/ ships with it) or rebuild with "
                        f"`{_rebuild(mpath.parent)}`.")
    return json.loads(mpath.read_text())


@functools.cache
def _verified(path: Path, sha256: str) -> Path:
    if not path.exists():
        raise DataError(f"{path} is missing; rebuild it with `{_rebuild(path.parent)}`")
    if sha256_file(path) != sha256:
        raise DataError(f"{path} does not match the checksum in manifest.json (changed or "
                        f"truncated); restore it with `git checkout -- {path.name}` or rebuild "
                        f"with `{_rebuild(path.parent)}`")
    return path


def load_embeddings(name: str, path=None) -> np.ndarray:
    """One encoder's embeddings of every corpus row: (rows, dim) float32, checksum verified."""
    manifest = load_manifest(path)
    known = manifest.get("encoders", {})
    if name not in known:
        raise DataError(f"unknown encoder {name!r}; shipped encoders: {sorted(known)}")
    rec = known[name]
    X = np.load(_verified(data_dir(path) / rec["file"], rec["sha256"]))
    rows, dim = manifest["corpus"]["rows"], rec["dim"]
    if X.shape != (rows, dim):
        raise DataError(f"{rec['file']} has shape {X.shape}, the manifest says ({rows}, {dim}); "
                        f"rebuild with `{_rebuild(data_dir(path))} --encoders {name} --force`")
    return X.astype(np.float32)


def load_meta(path=None) -> dict:
    """Topic labels, article ids and the fixed split (eval_idx, a_idx, b_idx) as arrays."""
    corpus = load_manifest(path)["corpus"]
    with np.load(_verified(data_dir(path) / corpus["meta_file"], corpus["meta_sha256"])) as z:
        return {k: z[k] for k in z.files}


def load_umap(path=None) -> dict:
    """Precomputed 2-D UMAP coordinates: {"rows": (m,) corpus rows, encoder: (m, 2)}."""
    manifest = load_manifest(path)
    rec = manifest.get("umap")
    if rec is None:
        if not corpus_source(manifest["corpus"]["package"]).umap:
            raise DataError(f"no UMAP coordinates ship with {manifest['corpus']['name']}: "
                            "they are made for BBC News only")
        raise DataError(f"no UMAP coordinates in the manifest; run "
                        f"`{_rebuild(data_dir(path))} --umap`")
    with np.load(_verified(data_dir(path) / rec["file"], rec["sha256"])) as z:
        return {k: z[k] for k in z.files}


def load_pair(a: str = "minilm-l6", b: str = "minilm-l3", rotate_b: bool = False,
              subset: bool = False, path=None) -> AlignmentPair:
    """Encoder ``a`` as space A and encoder ``b`` as space B on the fixed split.

    A gets the sentences of one training half, B those of the other (no text in both);
    the held-out sentences (8,192 for BBC News) are paired across the two. rotate_b: turn B
    by a secret seeded rotation (equal dimensions) so the identity map is useless. subset:
    the classroom subset (``CLASSROOM`` rows) for fast sliders. path: the data folder
    (default ``data/``, BBC News; ``data/sotu`` for the State of the Union addresses).
    """
    XA, XB = load_embeddings(a, path), load_embeddings(b, path)
    meta = load_meta(path)
    manifest = load_manifest(path)
    R = None
    if rotate_b:
        R = random_orthogonal(XB.shape[1], random_state=ROTATION_SEED)
        XB = XB @ R
    ev, ia, ib, labels = meta["eval_idx"], meta["a_idx"], meta["b_idx"], meta["labels"]
    name = f"{a} -> {b}" + (" (rotated)" if rotate_b else "")
    pair = AlignmentPair(
        name, XA[ia], XB[ib], XA[ev], XB[ev],
        description=f"{corpus_source(manifest['corpus']['package']).label}; A: {a}, B: {b}"
                    + (", B turned by a secret rotation" if rotate_b else ""),
        labels_A=labels[ia], labels_B=labels[ib], labels_eval=labels[ev],
        rows_A=ia, rows_B=ib, rows_eval=ev, rotation=R, true_pairs=(XA[ia], XB[ia]),
        topics=tuple(manifest["corpus"]["topics"]),
        meta={"a": a, "b": b, "rotate_b": rotate_b, "data": str(data_dir(path))})
    return pair.subset(**CLASSROOM) if subset else pair


def ladder(level: int, subset: bool = False, path=None) -> AlignmentPair:
    """Level 1-4 of the ladder, from shared geometry to different families and dimensions."""
    if level not in LADDER:
        raise ValueError(f"ladder level must be one of {sorted(LADDER)}, got {level!r}")
    a, b, rotate, what = LADDER[level]
    pair = load_pair(a, b, rotate, subset, path)
    return replace(pair, name=f"level {level}: {pair.name}", description=what,
                   meta={**pair.meta, "level": level})


def load_arrays(X_A, X_B, E_A, E_B, name: str = "user arrays") -> AlignmentPair:
    """Your own problem: unpaired pools X_A, X_B and held-out pairs E_A, E_B (row i = one text).

    Each argument is an array or the path of a ``.npy`` file. The held-out pairs are needed
    (an ``AlignmentPair`` is for measuring); ``MiniVec2Vec().fit(X_A, X_B)`` needs none.
    """
    def read(x):
        return np.load(x) if isinstance(x, (str, os.PathLike)) else x

    return AlignmentPair(name, read(X_A), read(X_B), read(E_A), read(E_B))


def load_npz(file) -> AlignmentPair:
    """Your own problem from an ``.npz`` with arrays X_A, X_B, E_A, E_B."""
    with np.load(file) as z:
        missing = {"X_A", "X_B", "E_A", "E_B"} - set(z.files)
        if missing:
            raise ValueError(f"{file} lacks arrays {sorted(missing)}; it needs X_A, X_B, E_A, E_B")
        return load_arrays(z["X_A"], z["X_B"], z["E_A"], z["E_B"], name=str(file))


@functools.lru_cache(maxsize=2)
def corpus_sentences(path=None) -> list:
    """Every sentence of the data folder's corpus, row-aligned with its embeddings.

    Read from the installed package the manifest names and checked against its checksum.
    """
    record = load_manifest(path)["corpus"]
    source = corpus_source(record["package"])
    text = source.load()
    if text.checksum != record["sentence_sha256"]:
        raise DataError(f"the installed {source.package} gives other sentences than the ones "
                        f"the shipped embeddings were made from; install "
                        f"{source.package}=={record['package_version']}")
    return text.sentences
