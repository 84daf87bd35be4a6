"""``python -m minivec run``: the README's headless end-to-end command."""

import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minivec
import minivec.data
import minivec.report
from minivec import METHODS, MiniVec2Vec
from minivec.__main__ import main
from minivec.data import make_synthetic_pair


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_run_writes_the_report(tmp_path):
    main(["run", "--out", str(tmp_path), "--level", "1", "--subset", "--eval-every", "50"])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["params"]["init"] == "anchors" and metrics["n_eval"] > 0
    assert (tmp_path / "stages.md").read_text().startswith("# level 1")
    assert (tmp_path / "curves.png").stat().st_size > 0
    env = metrics["environment"]
    assert env["python"] == platform.python_version() and env["platform"]
    assert set(env["packages"]) == {"numpy", "scipy", "scikit-learn", "minivec"}
    assert env["packages"]["minivec"] == minivec.__version__
    assert env["packages"]["numpy"] == np.__version__
    assert all(set(lib) == {"internal_api", "version", "architecture", "num_threads"}
               for lib in env["blas"])


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"minivec {minivec.__version__}"


def test_console_script_runs_main():
    """pyproject's console script ``minivec`` is this main, named after itself."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"minivec": "minivec.__main__:main"}
    assert project["project"]["requires-python"] == ">=3.10"
    script = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'minivec'; "
         "from minivec.__main__ import main; main(['--help'])"],
        capture_output=True, text=True, check=True)
    assert script.stdout.startswith("usage: minivec ")
    module = subprocess.run([sys.executable, "-m", "minivec", "--help"], capture_output=True,
                            text=True, check=True)
    assert module.stdout.startswith("usage: python -m minivec ")


class Built(Exception):
    """Raised by ``Recording.fit`` to stop ``report.run`` once it has built its estimator."""


class Recording(MiniVec2Vec):
    """A MiniVec2Vec whose fit only records the hyperparameters it was given."""

    built = []

    def fit(self, X_A, X_B, eval_pairs=None):
        Recording.built.append(self.get_params())
        raise Built


@pytest.mark.parametrize("method", list(METHODS))
def test_method_builds_its_estimator(monkeypatch, method):
    """``run --method M`` fits MiniVec2Vec with the defaults, overridden by METHODS[M] and by
    the command's own options only (seed, eval_every, n_jobs): "paper" is the defaults."""
    monkeypatch.setattr(minivec.report, "MiniVec2Vec", Recording)
    monkeypatch.setattr(minivec.data, "ladder", lambda level, subset: make_synthetic_pair(
        n_train=100, n_eval=10, d=4, random_state=0))
    Recording.built.clear()
    with pytest.raises(Built):
        main(["run", "--method", method, "--seed", "3", "--eval-every", "7", "--n-jobs", "2"])
    [params] = Recording.built
    command = {"random_state": 3, "eval_every": 7, "n_jobs": 2, "verbose": True}
    defaults = MiniVec2Vec().get_params()
    assert params == {**defaults, **METHODS[method], **command}
    changed = {k for k in params if params[k] != defaults[k]}
    assert changed == set(command) - {"verbose"} | set(METHODS[method])


def test_anchor_runs_use_every_core_unless_told(monkeypatch):
    seen = []
    monkeypatch.setattr(minivec.report, "run", lambda *args, **kwargs: seen.append(kwargs))
    main(["run"])
    main(["run", "--n-jobs", "1"])
    assert [kwargs["n_jobs"] for kwargs in seen] == [-1, 1]


def test_unknown_method_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--method", "vec2vec"])
    assert "invalid choice: 'vec2vec'" in capsys.readouterr().err
