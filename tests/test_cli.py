"""``python -m minivec run``: the README's headless end-to-end command."""

import json

import pytest

import minivec.report
from minivec import METHODS
from minivec.__main__ import main


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_run_writes_the_report(tmp_path):
    main(["run", "--out", str(tmp_path), "--level", "1", "--subset", "--eval-every", "50"])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["params"]["init"] == "anchors" and metrics["n_eval"] > 0
    assert (tmp_path / "stages.md").read_text().startswith("# level 1")
    assert (tmp_path / "curves.png").stat().st_size > 0


@pytest.mark.parametrize("method", list(METHODS))
def test_method_passes_its_settings(monkeypatch, method):
    seen = {}
    monkeypatch.setattr(minivec.report, "run", lambda *args, **kwargs: seen.update(kwargs))
    main(["run", "--method", method])
    assert {key: seen[key] for key in METHODS[method]} == METHODS[method]


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
