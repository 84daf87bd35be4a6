"""Code shared by the notebook tests (not a test module itself)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Run after a notebook, in the same kernel: finds every ``minivec.widgets.Panel``, moves
#: each slider one step, and checks the panel redrew without an error and that its figures
#: of merit changed for at least one slider.
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


def error_outputs(nb) -> list:
    """``(cell index, 'ename: evalue')`` of every error output in a notebook (a dict)."""
    return [(i, f"{o.get('ename')}: {o.get('evalue')}")
            for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def cell_text(cell) -> str:
    """A cell's source as one string (stored notebooks keep it as a list of lines)."""
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def printed(cell) -> str:
    """Everything a code cell printed or returned as text."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(cell_text({"source": o.get("text", "")}))
        elif "data" in o and "text/plain" in o["data"]:
            parts.append(cell_text({"source": o["data"]["text/plain"]}))
    return "".join(parts)
