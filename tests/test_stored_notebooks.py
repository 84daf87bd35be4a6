"""The notebooks as committed: executed, with their outputs, small, and every prompt answered.

Fast: reads the stored files only (``python -m minivec.notebooks execute`` writes them).
Every failure names the notebook, the cell (index in the notebook, from 0) and the problem.
"""

import ast
import base64
import io
import json
import re
import tokenize

import pytest
from notebook_checks import NOTEBOOKS, cell_text, error_outputs

from minivec.notebooks import round_seconds, stated_run_time

#: Bound on the size of all notebooks together, outputs included (bytes on disk).
MAX_TOTAL_BYTES = 6 * 1024 * 1024
#: Bound on one PNG output (decoded bytes).
MAX_PNG_BYTES = 300 * 1024

IDS = [p.stem for p in NOTEBOOKS]
#: Calls that show something: print and display, the kit's plot_ helpers, new figures.
SHOW_CALLS = {"print", "display"}
FIGURE_CALLS = {"figure", "subplots", "subplot_mosaic"}
#: Calls whose value is None: a cell that ends with one of them shows no value.
NONE_CALLS = {"close", "show", "seed", "append", "extend", "update", "sort", "insert", "clear",
              "remove", "savefig", "tight_layout", "print", "display"}
SHOWN = {"stream", "display_data", "execute_result"}


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb):
    return [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def _python(source: str) -> str:
    """The cell's Python: IPython magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _calls(node):
    """Names of the calls a cell makes for sure: not inside a def, class, lambda, if or while,
    nor in an except clause."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                         ast.If, ast.IfExp, ast.While)):
        return
    if isinstance(node, ast.Try):
        for child in node.body + node.finalbody:
            yield from _calls(child)
        return
    if isinstance(node, ast.Call):
        yield _call_name(node)
    for child in ast.iter_child_nodes(node):
        yield from _calls(child)


def _ends_with_semicolon(code: str) -> bool:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
                                tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)]
    return bool(tokens) and tokens[-1].string == ";"


def expected_output(source: str):
    """Why a code cell must show something ('value', 'print', 'figure'), or None.

    'value': its last statement is a bare expression (not ending in ';', not None, not a
    call such as ``plt.close()`` that returns None); 'figure': it calls a ``plot_``
    function or makes a figure; 'print': it calls print or display. Calls inside a def, an
    if or a while do not count (they may not run). Import-only cells show nothing.
    """
    code = _python(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if not tree.body or all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body):
        return None
    names = [n for s in tree.body for n in _calls(s)]
    if any(n.startswith("plot_") or n in FIGURE_CALLS for n in names):
        return "figure"
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not _ends_with_semicolon(code):
        v = last.value
        none = (isinstance(v, ast.Constant) and v.value is None) or (
            isinstance(v, ast.Call) and _call_name(v) in NONE_CALLS)
        if not none:
            return "value"
    if any(n in SHOW_CALLS for n in names):
        return "print"
    return None


def _report(problems, head=""):
    """Fail with one line per problem (no assertion introspection to wade through)."""
    if problems:
        pytest.fail((head + "\n" if head else "") + "\n".join(problems), pytrace=False)


def _first_line(cell) -> str:
    return (cell_text(cell).splitlines() or [""])[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_error_outputs(path):
    _report([f"{path.name}: cell {i}: error output {e}" for i, e in error_outputs(_load(path))])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_execution_counts_run_1_2_3(path):
    """Every non-empty code cell ran, once, in order, from a fresh kernel."""
    ran = [(i, c) for i, c in _code_cells(_load(path)) if cell_text(c).strip()]
    if all(c.get("execution_count") is None for _, c in ran):
        _report([f"{path.name}: stored without outputs (no cell has run): run "
                 "python -m minivec.notebooks execute"])
    wrong = [f"{path.name}: cell {i}: execution_count {c.get('execution_count')}, expected {k}"
             for k, (i, c) in enumerate(ran, 1) if c.get("execution_count") != k]
    _report(wrong[:10], "not executed top to bottom from a fresh kernel (run python -m "
                        "minivec.notebooks execute):")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_that_should_show_something_do(path):
    problems = []
    for k, (i, cell) in enumerate(_code_cells(_load(path))):
        why = None if k == 0 else expected_output(cell_text(cell))  # cell 1: the setup cell
        outputs = cell.get("outputs", [])
        if why and not any(o.get("output_type") in SHOWN for o in outputs):
            problems.append(f"{path.name}: cell {i}: no output, but {why} expected "
                            f"({_first_line(cell)[:60]!r})")
        elif why == "figure" and not any("image/png" in o.get("data", {}) for o in outputs):
            problems.append(f"{path.name}: cell {i}: draws a figure but stores no PNG "
                            f"({_first_line(cell)[:60]!r})")
    _report(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_run_time_line_agrees_with_measurement(path):
    nb = _load(path)
    stated = stated_run_time(nb)
    if stated is None:
        _report([f"{path.name}: first markdown cell: no line "
                 "'**Run time:** about N s on 2 CPU cores.'"])
    measured = nb["metadata"].get("minivec", {}).get("run_seconds")
    if measured is None:
        _report([f"{path.name}: metadata.minivec.run_seconds missing (run "
                 "python -m minivec.notebooks execute)"])
    if stated != round_seconds(measured):
        _report([f"{path.name}: first markdown cell says about {stated} s, the recorded run "
                 f"took {measured} s (rounds to {round_seconds(measured)} s)"])


def test_total_size_is_bounded():
    sizes = {p.name: p.stat().st_size for p in NOTEBOOKS}
    total = sum(sizes.values())
    if total > MAX_TOTAL_BYTES:
        _report([f"notebooks total {total / 1024**2:.2f} MB > {MAX_TOTAL_BYTES / 1024**2:.0f} MB: "
                 + ", ".join(f"{n} {s / 1024:.0f} KB" for n, s in sorted(sizes.items()))])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_png_outputs_are_small(path):
    big = []
    for i, cell in _code_cells(_load(path)):
        for o in cell.get("outputs", []):
            png = o.get("data", {}).get("image/png")
            if png:
                size = len(base64.b64decode(cell_text({"source": png})))
                if size > MAX_PNG_BYTES:
                    big.append(f"{path.name}: cell {i}: PNG of {size / 1024:.0f} KB > "
                               f"{MAX_PNG_BYTES / 1024:.0f} KB")
    _report(big)


HEADING = re.compile(r"^(#{1,2})\s+(.*)$", re.MULTILINE)
PROMPT = re.compile(r"^\*\*(\d+)\.\*\*")
LIST_ITEM = re.compile(r"^\s{0,3}\d+[.)]\s", re.MULTILINE)


def try_this_problems(nb, name: str) -> list:
    """What is wrong with a notebook's ``## Try this`` section (empty list: nothing)."""
    cells = nb["cells"]
    start = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and any(
        m.group(1) == "##" and m.group(2).strip().lower().startswith("try this")
        for m in HEADING.finditer(cell_text(c)))), None)
    if start is None:
        return [f"{name}: no '## Try this' section"]
    end = next((i for i in range(start + 1, len(cells)) if cells[i]["cell_type"] == "markdown"
                and HEADING.search(cell_text(cells[i]))), len(cells))
    problems, numbers = [], []
    for i in range(start, end):
        cell, text = cells[i], cell_text(cells[i])
        if cell["cell_type"] != "markdown":
            continue
        m = PROMPT.match(text.lstrip())
        if not m:
            if LIST_ITEM.search(text):
                problems.append(f"{name}: cell {i}: a numbered list under '## Try this': each "
                                "prompt must be its own markdown cell starting with **N.**")
            continue
        n = int(m.group(1))
        numbers.append(n)
        if "<details>" not in text:
            problems.append(f"{name}: cell {i}: prompt {n} has no <details> answer block")
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        if nxt is None or nxt["cell_type"] != "code":
            problems.append(f"{name}: cell {i}: prompt {n} is not followed by a code cell")
            continue
        meta = nxt.get("metadata", {})
        if "answer" not in meta.get("tags", []):
            problems.append(f"{name}: cell {i + 1}: answer to prompt {n} is not tagged 'answer'")
        if meta.get("cellView") != "form" or not meta.get("jupyter", {}).get("source_hidden"):
            problems.append(f"{name}: cell {i + 1}: answer to prompt {n} needs metadata "
                            '"cellView": "form" and "jupyter": {"source_hidden": true}')
        if not _first_line(nxt).startswith(f"#@title Answer {n}"):
            problems.append(f"{name}: cell {i + 1}: first line should start with "
                            f"'#@title Answer {n}', found {_first_line(nxt)[:60]!r}")
        try:
            asserts = any(isinstance(s, ast.Assert)
                          for s in ast.walk(ast.parse(_python(cell_text(nxt)))))
        except SyntaxError:
            asserts = re.search(r"^\s*assert\b", cell_text(nxt), re.MULTILINE) is not None
        if not asserts:
            problems.append(f"{name}: cell {i + 1}: answer to prompt {n} has no assert")
    if not numbers:
        problems.append(f"{name}: cell {start}: '## Try this' has no prompt cell starting "
                        "with **1.**")
    elif numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"{name}: prompts numbered {numbers}, expected 1 to {len(numbers)}")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_try_this_prompt_has_a_checked_answer(path):
    _report(try_this_problems(_load(path), path.name))
