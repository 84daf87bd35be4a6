"""The pure parts of ``python -m minivec.notebooks`` and of the stored-notebook checks (fast)."""

import json

import pytest
from test_stored_notebooks import expected_output, try_this_problems

from minivec import notebooks as tool


def _nb(*cells):
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, **metadata):
    return {"cell_type": "code", "metadata": dict(metadata), "source": text, "outputs": [],
            "execution_count": None}


INTRO = ("# 00 · Title\n\nIntro.\n\n**What you will learn**\n\n- one\n\n"
         "**Run time:** about 40 s on 2 CPU cores.\n")


@pytest.mark.parametrize("seconds, shown", [(0.4, 5), (2.4, 5), (7.4, 5), (7.5, 10),
                                            (41.9, 40), (43.0, 45), (118.2, 120)])
def test_round_seconds(seconds, shown):
    assert tool.round_seconds(seconds) == shown


def test_set_run_time_rewrites_only_that_line_and_records_seconds():
    nb = _nb(_code("x = 1"), _md(INTRO), _md("**Run time:** about 40 s on 2 CPU cores.\n"))
    tool.set_run_time(nb, 52.64, cores=2)
    assert nb["cells"][1]["source"] == INTRO.replace("about 40 s", "about 55 s")
    assert nb["cells"][2]["source"] == "**Run time:** about 40 s on 2 CPU cores.\n"
    assert nb["metadata"]["minivec"]["run_seconds"] == 52.6
    assert tool.stated_run_time(nb) == 55


def test_set_run_time_takes_a_list_source_and_states_the_cores():
    nb = _nb(_md(INTRO.splitlines(keepends=True)))
    tool.set_run_time(nb, 9, cores=4)
    assert "**Run time:** about 10 s on 4 CPU cores.\n" in nb["cells"][0]["source"]
    tool.set_run_time(nb, 3, cores=1)
    assert "**Run time:** about 5 s on 1 CPU core.\n" in nb["cells"][0]["source"]


@pytest.mark.parametrize("text", ["# 00 · Title\n\nNo run time here.\n",
                                  "**Run time:** 40 s\n",
                                  INTRO + INTRO])
def test_set_run_time_requires_exactly_one_line(text):
    nb = _nb(_md(text))
    assert tool.stated_run_time(nb) in (None, 40)
    with pytest.raises(tool.NotebookError, match="Run time"):
        tool.set_run_time(nb, 10)
    assert nb["cells"][0]["source"] == text and "minivec" not in nb["metadata"]


def test_strip_volatile_removes_timestamps_and_widget_state_only():
    cell = _code("x", tags=["answer"], cellView="form",
                 execution={"iopub.execute_input": "2026-12-04T16:00:00Z"},
                 ExecuteTime={"end_time": "2026"}, collapsed=False, scrolled=True)
    nb = _nb(_md(INTRO), cell)
    nb["metadata"] = {"widgets": {"state": {}}, "kernelspec": {"name": "python3"}}
    tool.strip_volatile(nb)
    assert nb["cells"][1]["metadata"] == {"tags": ["answer"], "cellView": "form"}
    assert nb["metadata"] == {"kernelspec": {"name": "python3"}}


def test_clear_outputs():
    cell = _code("1")
    cell["outputs"], cell["execution_count"] = [{"output_type": "stream"}], 3
    nb = _nb(_md(INTRO), cell)
    tool.clear_outputs(nb)
    assert cell["outputs"] == [] and cell["execution_count"] is None


def test_kernel_env_puts_the_repository_first(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = tool.kernel_env("/the/repo")
    assert env["PYTHONPATH"].split(tool.os.pathsep) == ["/the/repo", "/elsewhere"]


def test_find_notebooks(tmp_path, monkeypatch):
    assert [p.name for p in tool.find_notebooks()][:1] == ["00_quickstart.ipynb"]
    monkeypatch.setattr(tool, "NOTEBOOKS", tmp_path / "absent")
    with pytest.raises(tool.NotebookError, match="no notebooks folder"):
        tool.find_notebooks()
    with pytest.raises(tool.NotebookError, match="no such notebook"):
        tool.find_notebooks([str(tmp_path / "x.ipynb")])


def test_help_documents_the_command(capsys):
    with pytest.raises(SystemExit) as stop:
        tool.main(["execute", "--help"])
    out = capsys.readouterr().out
    assert stop.value.code == 0
    assert "Run time" in out and "--timeout" in out and "NOTEBOOK" in out


def test_missing_run_time_line_fails_before_executing(tmp_path, capsys):
    path = tmp_path / "01_x.ipynb"
    text = json.dumps(_nb(_md("# 01 · X\n"), _code("raise SystemExit")), indent=1)
    path.write_text(text)
    assert tool.execute([path]) == 1
    assert "Run time" in capsys.readouterr().out and path.read_text() == text


@pytest.mark.parametrize("source, why", [
    ("import numpy as np\nfrom x import y", None),
    ("x = 1", None),
    ("x = 1\nx", "value"),
    ("model.fit(X)", "value"),
    ("x = 1\nx;", None),
    ("plt.close(fig)", None),
    ("None", None),
    ("print(1)\nx = 2", "print"),
    ("for r in rows:\n    display(r)", "print"),
    ("def f():\n    print(1)", None),
    ("if FULL:\n    print('full run')", None),
    ("fig = plot_history(model.history_)", "figure"),
    ("fig, ax = plt.subplots()\nax.plot(x);", "figure"),
    ("%time y = f(x)\nz = 1", None),
    ("%%time\ny = f(x)\ny", "value"),
])
def test_expected_output(source, why):
    assert expected_output(source) == why


ANSWER_META = {"tags": ["answer"], "cellView": "form", "jupyter": {"source_hidden": True}}
DETAILS = "\n\n<details><summary>Answer</summary>\n\nIt goes up.\n\n</details>\n"


def _answer(n, body="top1 = 0.9\nassert top1 > 0.5"):
    return _code(f"#@title Answer {n} (runs the experiment and checks the outcome stated above)"
                 f"\n{body}", **ANSWER_META)


def test_try_this_accepts_the_convention():
    nb = _nb(_md(INTRO), _md("## Try this"), _md("**1.** Raise T." + DETAILS), _answer(1),
             _md("**2.** Lower s." + DETAILS), _answer(2), _md("## Summary\n\n1. one"))
    assert try_this_problems(nb, "nb") == []


def test_try_this_names_each_problem():
    nb = _nb(_md(INTRO), _md("## Try this\n\n1. an old-style list\n2. of prompts"),
             _md("**1.** No answer block."), _answer(1, "print(1)"),
             _md("**3.** Wrong number." + DETAILS),
             _code("#@title Answer 2\nassert True"), _md("# End"))
    problems = "\n".join(try_this_problems(nb, "nb"))
    for expected in ["nb: cell 1: a numbered list", "nb: cell 2: prompt 1 has no <details>",
                     "nb: cell 3: answer to prompt 1 has no assert",
                     "nb: cell 5: answer to prompt 3 is not tagged 'answer'",
                     "nb: cell 5: answer to prompt 3 needs metadata",
                     "nb: cell 5: first line should start with '#@title Answer 3'",
                     "nb: prompts numbered [1, 3]"]:
        assert expected in problems, problems
    assert try_this_problems(_nb(_md(INTRO)), "nb") == ["nb: no '## Try this' section"]
    assert "has no prompt cell" in try_this_problems(_nb(_md("## Try this\n\nText.")), "nb")[0]


def test_static_panel_outputs_keep_a_panels_snapshot_and_drop_its_live_view():
    panel = {"output_type": "execute_result", "execution_count": 2, "metadata": {},
             "data": {"text/plain": "Interactive panel", "image/png": "iVBOR",
                      tool.WIDGET_VIEW: {"model_id": "p"}}}
    bar = {"output_type": "display_data", "metadata": {},
           "data": {"text/plain": "Refine-1: 100%", tool.WIDGET_VIEW: {"model_id": "b"}}}
    cell = _code("panel")
    cell["outputs"] = [panel, bar]
    tool.static_panel_outputs(_nb(_md(INTRO), cell))
    assert panel["data"] == {"text/plain": "Interactive panel", "image/png": "iVBOR"}
    assert tool.WIDGET_VIEW in bar["data"]  # no snapshot: the live view and its text stay
