"""The explorer benchmark runs end to end and prints a row per Refine slider (it times,
it does not assert speed)."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

import bench_explorer  # noqa: E402


@pytest.mark.slow  # 15-30 s: kept out of the fast tier
def test_bench_explorer_moves_every_refine_slider(capsys):
    shown = bench_explorer.widgets.display
    bench_explorer.main(["--repeats", "1"])
    assert bench_explorer.widgets.display is shown  # the script puts the panel's display back
    out = capsys.readouterr().out
    for key in bench_explorer.REFINE_SLIDERS:
        text = re.escape(bench_explorer.widgets.EXPLORER_SLIDERS[key][0])
        assert re.search(rf"^\| {text} \| \S+ <-> \S+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", out,
                         re.M), out
    assert "PNG of the figure" in out
