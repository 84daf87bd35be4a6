"""Every notebook runs top to bottom in a fresh kernel, and every slider panel redraws.

After a notebook has run, one more cell is executed in the same kernel: it finds every
``minivec.widgets.Panel``, moves each slider one step, and checks the panel redrew without
an error and that its figures of merit changed for at least one slider.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

#: Seconds a notebook cell may take (see the test: it is also the cost of a missed reply).
CELL_TIMEOUT = 300
NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))

MOVE_EVERY_SLIDER = '''
from minivec.widgets import Panel as _Panel
_panels = list({id(v): v for v in list(globals().values()) if isinstance(v, _Panel)}.values())
for _p in _panels:
    assert _p.error is None, _p.error
    _changed = False
    for _name, _c in _p.controls.items():
        _before, _draws = _p.last, _p.draws
        _up = _c.value + _c.step
        _c.value = _up if _up <= _c.max else _c.value - _c.step
        assert _p.error is None, f"{_name}: {_p.error}"
        assert _p.draws == _draws + 1, f"moving {_name} did not redraw"
        _changed |= _p.last != _before
    assert _changed, "no slider changed the panel's figures of merit"
print(f"{len(_panels)} panels checked")
'''


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8, [n.name for n in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_sliders_redraw(path):
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        f"{path.name} is committed with outputs: strip them"
    nb.cells.append(nbformat.v4.new_code_cell(MOVE_EVERY_SLIDER))
    # CELL_TIMEOUT bounds a cell, and also a stall seen here: now and then (2 to 4 runs in 15
    # of notebook 01) the client misses a reply the kernel has already sent after a cell
    # that creates or redraws a Panel, notices it only when the timeout runs out, and goes on
    # without error. Measured from the kernel's own timestamps, with ipykernel 6 and 7 and
    # pyzmq 26 and 27 alike. The longest cell took about 30 s here, 80 s on the slowest
    # machine measured.
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
