"""``python -m minivec run``: the README's headless end-to-end command."""

import json

import pytest

import minivec.data
import minivec.report
from minivec import METHODS, MiniVec2Vec
from minivec.__main__ import main
from minivec.data import make_synthetic_pair


def test_run_writes_the_report(tmp_path):
    main(["run", "--out", str(tmp_path), "--level", "1", "--subset", "--eval-every", "50"])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["params"]["init"] == "anchors" and metrics["n_eval"] > 0
    assert (tmp_path / "stages.md").read_text().startswith("# level 1")
    assert (tmp_path / "curves.png").stat().st_size > 0


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
