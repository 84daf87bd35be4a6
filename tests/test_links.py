"""Every relative link a user can follow (README, docs, data and benchmark notes, notebooks)
points to a file of the repository, and its #anchor to a heading of that file."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCUMENTS = sorted([ROOT / "README.md", ROOT / "data" / "README.md",
                    ROOT / "benchmarks" / "RESULTS.md", *(ROOT / "docs").glob("*.md"),
                    *(ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")])
LINK = re.compile(r"\]\(([^)\s]+)\)")


def text_of(path: Path) -> str:
    """A Markdown file's text, or a notebook's Markdown cells joined."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return path.read_text()


def anchors(path: Path) -> set:
    """GitHub's anchors for the headings of a Markdown file: lower case, punctuation other
    than hyphens and underscores dropped, spaces turned into hyphens."""
    out = set()
    for line in text_of(path).splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            out.add(slug)
    return out


def test_documents_are_found():
    assert len(DOCUMENTS) >= 15


@pytest.mark.parametrize("doc", DOCUMENTS, ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS])
def test_relative_links_resolve(doc):
    problems = []
    for target in LINK.findall(text_of(doc)):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not ours to check
            continue
        file, _, anchor = target.partition("#")
        dest = (doc.parent / file).resolve() if file else doc
        if not dest.exists():
            problems.append(f"{target}: no file {dest}")
        elif anchor and dest.suffix in (".md", ".ipynb") and anchor not in anchors(dest):
            problems.append(f"{target}: no heading for #{anchor} in {dest.name}")
    assert not problems, f"{doc.relative_to(ROOT)}:\n" + "\n".join(problems)
