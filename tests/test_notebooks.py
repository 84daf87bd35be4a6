"""Every notebook runs top to bottom in a fresh kernel, and every slider panel redraws (slow).

Each notebook is copied to a temporary folder and executed there the way
``python -m minivec.notebooks execute`` does (clean kernel, the kit of this repository),
so the stored notebooks are never modified. After it has run, one more cell is executed in
the same kernel (``MOVE_EVERY_SLIDER``): it finds every ``minivec.widgets.Panel``, moves each
slider one step, and checks the panel redrew without an error and that its figures of merit
changed for at least one slider. What the stored notebooks hold is checked, fast, by
``test_stored_notebooks.py``.
"""

import shutil

import pytest
from notebook_checks import MOVE_EVERY_SLIDER, NOTEBOOKS, error_outputs

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
from minivec.notebooks import execute_notebook  # noqa: E402

pytestmark = pytest.mark.slow

#: Seconds a notebook cell may take (see the test: it is also the cost of a missed reply).
CELL_TIMEOUT = 300


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8, [n.name for n in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_sliders_redraw(path, tmp_path):
    stored = path.read_bytes()
    copy = tmp_path / "notebooks" / path.name
    copy.parent.mkdir()
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(MOVE_EVERY_SLIDER))
    # The longest cell took about 30 s here, 80 s on the slowest machine measured. Stalls
    # where the client missed a reply the kernel had sent (after a cell that creates or
    # redraws a Panel) until this timeout ran out cost at most a second now: the client
    # waits in steps (minivec.notebooks._poll_in_steps).
    seconds, error = execute_notebook(nb, copy.parent, timeout=CELL_TIMEOUT)
    print(f"{path.name}: {seconds:.1f} s")
    assert not error_outputs(nb), f"{path.name}: {error_outputs(nb)}"
    assert error is None, f"{path.name}: {type(error).__name__}: {str(error)[:3000]}"
    assert path.read_bytes() == stored, f"{path.name} was modified by its test"
