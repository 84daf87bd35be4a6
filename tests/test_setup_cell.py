"""The Colab setup cell: the same in every notebook, pointing at the repository, safe to re-run.

Its Python is executed here with a stand-in ``google.colab`` module and ``subprocess.run``
replaced by a recorder, and its clone folder moved to a temporary one.
"""

import json
import re
import subprocess
import sys
import types

import pytest
from notebook_checks import NOTEBOOKS, REPO, cell_text

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = pytest.importorskip("tomli")

COLAB_HOME = re.compile(r"""(["'])(/content/[^"']*)\1""")


def _setup_cells():
    cells = {}
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells[path.name] = next(cell_text(c) for c in nb["cells"] if c["cell_type"] == "code")
    return cells


def _repository():
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"]


def test_setup_cell_is_the_same_everywhere_and_names_the_repository():
    cells = _setup_cells()
    first = cells[NOTEBOOKS[0].name]
    differ = [name for name, text in cells.items() if text != first]
    assert not differ, f"first code cell differs from {NOTEBOOKS[0].name}'s in: {differ}"
    repo = _repository()
    assert repo in first, f"the setup cell does not contain the repository address {repo}"


class Recorder:
    """Stands in for subprocess.run: records argv; a ``git pull`` returns ``pull_code``."""

    def __init__(self, pull_code=0):
        self.calls, self.pull_code = [], pull_code

    def __call__(self, args, check=False, **kwargs):
        args = [str(a) for a in args]
        self.calls.append(args)
        code = self.pull_code if "pull" in args else 0
        if check and code:
            raise subprocess.CalledProcessError(code, args)
        return subprocess.CompletedProcess(args, code)


@pytest.fixture
def colab(monkeypatch, tmp_path):
    """Run the setup cell as in Colab: returns run(pull_code=0) -> recorded argv lists."""
    source = _setup_cells()[NOTEBOOKS[0].name]
    homes = {m.group(2) for m in COLAB_HOME.finditer(source)}
    assert len(homes) == 1, f"expected one /content/... clone folder in the setup cell: {homes}"
    home = tmp_path / "minivec"
    code = "\n".join(line for line in source.splitlines()
                     if line.strip() != "%matplotlib inline")
    code = code.replace(homes.pop(), str(home))
    assert "%" not in "".join(line.split("#")[0] for line in code.splitlines()), \
        "the setup cell has IPython syntax other than %matplotlib inline"
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    namespace = {}

    def run(pull_code=0):
        recorder = Recorder(pull_code)
        monkeypatch.setattr(subprocess, "run", recorder)
        exec(compile(code, "<setup cell>", "exec"), namespace)
        return recorder.calls

    run.home = str(home)
    return run


def _is_clone(argv):
    return argv[0] == "git" and "clone" in argv


def _is_editable_install(argv, home):
    if argv[0] != sys.executable or argv[1:4] != ["-m", "pip", "install"] or "-e" not in argv:
        return False
    return argv[argv.index("-e") + 1] == home


def test_setup_cell_clones_then_installs(colab):
    calls = colab()
    assert len(calls) == 2, calls
    clone, install = calls
    assert _is_clone(clone) and _repository() in clone and colab.home in clone, clone
    assert _is_editable_install(install, colab.home), install
    assert colab.home in sys.path


@pytest.mark.parametrize("pull_code", [0, 1], ids=["pull", "pull fails (offline)"])
def test_setup_cell_run_again_pulls_instead_of_cloning(colab, tmp_path, pull_code):
    colab()  # the first run (the recorder clones nothing: make the clone by hand)
    (tmp_path / "minivec" / ".git").mkdir(parents=True)
    calls = colab(pull_code)
    assert not any(_is_clone(c) for c in calls), calls
    pulls = [c for c in calls if c[0] == "git" and "pull" in c]
    assert len(pulls) == 1 and colab.home in pulls[0], calls
    assert calls.index(pulls[0]) == 0 and _is_editable_install(calls[-1], colab.home), calls
    assert sys.path.count(colab.home) == 1
