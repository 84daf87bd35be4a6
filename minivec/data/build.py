"""Rebuild a data folder: embed a corpus's sentences with its encoders and write the manifest.

Run ``python -m minivec.data build`` for BBC News into ``data/``, or
``python -m minivec.data build --corpus sotu --out data/sotu`` for the State of the Union
addresses (needs the ``[embed]`` extra). Each encoder's file is written as soon as it is
done and recorded in ``manifest.json``, so an interrupted build resumes with the encoders
still missing.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .corpus import CORPORA, CorpusSource

SPLIT_SEED = 0
N_EVAL = CORPORA["bbc"].n_eval  # held-out pairs of BBC News; each corpus sets its own
BUILD_COMMAND = "python -m minivec.data build"


def build_command(corpus: str = "bbc") -> str:
    """The command that rebuilds ``corpus`` into its usual folder."""
    if corpus == "bbc":
        return BUILD_COMMAND
    return f"{BUILD_COMMAND} --corpus {corpus} --out data/{corpus}"


def _source(corpus: str) -> CorpusSource:
    if corpus not in CORPORA:
        raise ValueError(f"unknown corpus {corpus!r}; known: {sorted(CORPORA)}")
    return CORPORA[corpus]


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_split(n: int, n_eval: int = N_EVAL, seed: int = SPLIT_SEED):
    """Seeded split of n rows: (eval_idx, a_idx, b_idx), disjoint, each sorted.

    eval_idx: (n_eval,) held-out rows paired across encoders; a_idx / b_idx: the remaining
    rows cut into two halves, the training pools of space A and space B.
    """
    perm = np.random.default_rng(seed).permutation(n)
    ev, rest = perm[:n_eval], perm[n_eval:]
    half = len(rest) // 2
    return tuple(np.sort(p).astype(np.int32) for p in (ev, rest[:half], rest[half:2 * half]))


def _embed(encoder, sentences) -> np.ndarray:
    """(n, dim) float16 embeddings of ``sentences``, in batches with a progress bar."""
    encode = encoder.load()
    out = np.empty((len(sentences), encoder.dim), np.float16)
    for start in tqdm(range(0, len(sentences), encoder.batch), desc=encoder.name, unit="batch"):
        chunk = sentences[start:start + encoder.batch]
        out[start:start + len(chunk)] = np.asarray(encode(chunk), np.float32)
    return out


def build(out_dir="data", encoders=None, force=False, corpus="bbc") -> dict:
    """Embed ``corpus`` (a key of ``CORPORA``) with each of its encoders into ``out_dir``.

    encoders: names to (re)build, by default those the corpus ships with. Encoders already
    recorded in the manifest with a matching file are skipped unless ``force``. Files are
    named ``<corpus>_<encoder>.npy`` and ``<corpus>_meta.npz``. Returns the manifest.
    """
    from .encoders import ENCODERS

    source = _source(corpus)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = source.load()
    n = len(text.sentences)
    ev, a, b = make_split(n, source.n_eval)
    meta_file = f"{source.key}_meta.npz"
    np.savez(out / meta_file, labels=text.labels, articles=text.articles,
             eval_idx=ev, a_idx=a, b_idx=b)
    mpath = out / "manifest.json"
    manifest = json.loads(mpath.read_text()) if mpath.exists() else {}
    if manifest.get("corpus", {}).get("sentence_sha256") != text.checksum:
        manifest["encoders"] = {}  # a different sentence list invalidates every file
    manifest["corpus"] = {
        "name": source.title, "package": source.package,
        "package_version": _version(source.package),
        "rows": n, "topics": list(source.topics), "sentences": source.how,
        "sentence_sha256": text.checksum,
        "meta_file": meta_file, "meta_sha256": sha256_file(out / meta_file),
        "split": {"seed": SPLIT_SEED, "n_eval": len(ev), "n_a": len(a), "n_b": len(b),
                  "how": "numpy default_rng(seed).permutation(rows): first n_eval held out, "
                         "the rest cut into two disjoint halves for A and B"},
    }
    manifest.setdefault("encoders", {})
    names = list(encoders or source.encoders or ENCODERS)
    for name in names:
        enc = ENCODERS[name]
        fname = f"{source.key}_{name}.npy"
        rec = manifest["encoders"].get(name)
        if (not force and rec and (out / fname).exists()
                and rec["sha256"] == sha256_file(out / fname)):
            print(f"{name}: up to date, skipped")
            continue
        t0 = time.perf_counter()
        X = _embed(enc, text.sentences)
        np.save(out / fname, X)
        manifest["encoders"][name] = {
            "model": enc.model, "package": enc.package, "package_version": enc.version,
            "dim": enc.dim, "dtype": "float16", "file": fname, "sha256": sha256_file(out / fname),
            "seconds": round(time.perf_counter() - t0, 1),
            "command": f"{build_command(source.key)} --encoders {name}",
        }
        mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    mpath.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)


UMAP_FILE = "bbc_umap2d.npz"
UMAP_ROWS = 3000
UMAP_PARAMS = {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine", "random_state": 0}


def build_umap(out_dir="data") -> dict:
    """2-D UMAP coordinates of UMAP_ROWS held-out sentences in every shipped space.

    Precomputed so that no notebook pays UMAP's numba compile. The same sentences in every
    space, each space centred on its own mean of those rows. Writes ``UMAP_FILE`` and records
    it in the manifest.
    """
    import umap

    from ..preprocess import center_normalize, training_mean
    from .shipped import load_embeddings, load_manifest, load_meta

    out = Path(out_dir)
    manifest = load_manifest(out)
    rows = np.sort(np.random.default_rng(SPLIT_SEED).choice(
        load_meta(out)["eval_idx"], UMAP_ROWS, replace=False))
    coords = {"rows": rows.astype(np.int32)}
    for name in tqdm(sorted(manifest["encoders"]), desc="UMAP"):
        X = load_embeddings(name, out)[rows]
        X = center_normalize(X, training_mean(X))
        coords[name] = umap.UMAP(**UMAP_PARAMS).fit_transform(X).astype(np.float32)
    np.savez(out / UMAP_FILE, **coords)
    manifest["umap"] = {"file": UMAP_FILE, "sha256": sha256_file(out / UMAP_FILE),
                        "rows": f"{UMAP_ROWS} held-out rows, numpy default_rng({SPLIT_SEED})",
                        "params": UMAP_PARAMS, "command": f"{BUILD_COMMAND} --umap"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
