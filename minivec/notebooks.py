"""Execute the kit's notebooks and store them with their outputs.

    python -m minivec.notebooks execute                 # every notebooks/NN_*.ipynb
    python -m minivec.notebooks execute notebooks/00_quickstart.ipynb

Each notebook runs top to bottom in a fresh kernel (cwd: the notebook's folder; the kernel
imports the ``minivec`` of the repository the notebook belongs to). Only if no cell failed is
the notebook rewritten in place with its outputs, its measured wall time in the first markdown
cell's ``**Run time:** about N s on C CPU cores.`` line (N rounded to 5 s) and in
``metadata["minivec"]["run_seconds"]``. Execution timestamps and widget state are not stored,
so that a notebook's diff shows what its outputs say, not when they were made; a slider
panel is stored as its first drawing, which GitHub can show.

Needs the development extras (``pip install -e ".[dev]"``: nbclient, nbformat, ipykernel).
The notebooks live in the repository, not in the installed package: this command works from a
clone (``pip install -e``), not from a wheel.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

#: The repository's notebook folder, found from this package's place in the clone.
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Which files in it are the kit's notebooks.
PATTERN = "[0-9][0-9]_*.ipynb"
#: Seconds a single cell may take before the run is stopped as failed.
CELL_TIMEOUT = 600
#: The run-time line of a notebook's first markdown cell; group 1 is the seconds.
RUN_TIME_LINE = re.compile(r"^\*\*Run time:\*\* about (\d+) s on (\d+) CPU cores?\.[ \t]*$",
                           re.MULTILINE)
#: Figures are stored as PNG at this resolution whatever the user's matplotlibrc says.
FIGURE_DPI = 100
#: Run in the kernel at start-up, before the first cell; not part of the notebook.
KERNEL_STARTUP = ("import matplotlib as _mpl; "
                  f"_mpl.rcParams.update({{'figure.dpi': {FIGURE_DPI}, 'savefig.dpi': 'figure'}}); "
                  "del _mpl")
#: Cell metadata keys that change on every run (timestamps), removed after executing.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


class NotebookError(RuntimeError):
    """A notebook that cannot be executed or stored; the message says which and why."""


def round_seconds(seconds: float, step: int = 5) -> int:
    """The run time shown to readers: ``seconds`` rounded to ``step``, at least ``step``."""
    return max(step, int(step * math.floor(seconds / step + 0.5)))


def run_time_line(seconds: float, cores: int | None = None) -> str:
    """``**Run time:** about N s on C CPU cores.`` for a measured wall time."""
    cores = cores or _cores()
    plural = "s" * (cores != 1)
    return f"**Run time:** about {round_seconds(seconds)} s on {cores} CPU core{plural}."


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def first_markdown(nb) -> dict:
    """The notebook's first markdown cell (raises NotebookError if it has none)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            return cell
    raise NotebookError("has no markdown cell: the first one must hold the "
                        "'**Run time:** about N s on 2 CPU cores.' line")


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def stated_run_time(nb) -> int | None:
    """N of the first markdown cell's ``**Run time:** about N s ...`` line, or None."""
    m = RUN_TIME_LINE.search(_text(first_markdown(nb)["source"]))
    return int(m.group(1)) if m else None


def set_run_time(nb, seconds: float, cores: int | None = None) -> None:
    """Rewrite the first markdown cell's run-time line with ``seconds``; record them.

    Raises NotebookError if the line is missing (it is required in every notebook).
    """
    cell = first_markdown(nb)
    text = _text(cell["source"])
    if len(RUN_TIME_LINE.findall(text)) != 1:
        raise NotebookError("the first markdown cell needs exactly one line "
                            "'**Run time:** about N s on 2 CPU cores.' (N is rewritten "
                            "from the measured run)")
    cell["source"] = RUN_TIME_LINE.sub(lambda m: run_time_line(seconds, cores), text)
    nb["metadata"].setdefault("minivec", {})["run_seconds"] = round(float(seconds), 1)


def strip_volatile(nb) -> None:
    """Remove what changes on every run without changing what the notebook shows.

    Cell timestamps and view state (``execution``, ``ExecuteTime``, ``collapsed``,
    ``scrolled``) and the notebook's stored widget state (``metadata.widgets``). Widget
    outputs keep their text fallback; the widgets themselves need a live kernel anyway.
    """
    nb["metadata"].pop("widgets", None)
    for cell in nb["cells"]:
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def static_panel_outputs(nb) -> None:
    """Store slider panels as their snapshot: drop the live view from widget outputs that
    carry an ``image/png`` (``minivec.widgets.Panel`` displays its last figures that way).

    A stored live view needs a running kernel; without one, JupyterLab shows an error in its
    place and GitHub nothing, while the PNG and the panel's text line read everywhere.
    Re-running the cell brings the live panel back. Other widget outputs (progress bars)
    keep their text fallback.
    """
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data and "image/png" in data:
                del data[WIDGET_VIEW]


def clear_outputs(nb) -> None:
    """Empty every code cell's outputs and execution count (a clean start)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None


def _require_dev():
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as e:  # the dev extras are not installed
        raise NotebookError(f"{e.name} is missing: executing notebooks needs the development "
                            'extras, pip install -e ".[dev]"') from None


def kernel_env(repo: Path | None = None) -> dict:
    """The kernel's environment: ours, with ``repo`` first on PYTHONPATH.

    So the kernel imports the ``minivec`` next to the notebooks, whichever copy of the kit
    is installed.
    """
    repo = Path(repo) if repo else NOTEBOOKS.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo)] + [p for p in
                                        env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


#: Seconds between checks of the kernel's channels for a message (see ``_poll_in_steps``).
POLL_STEP = 1.0


def _poll_in_steps(channel, step: float = POLL_STEP) -> None:
    """Make ``channel.get_msg`` wait in steps of ``step`` seconds up to its timeout.

    With ipywidgets in the notebook the client now and then misses the wake-up for a message
    the kernel has already sent (after a cell that creates or redraws a slider panel): a wait
    for the cell's reply then lasts until the cell timeout, finds the message in a last check
    and goes on as if nothing happened, minutes later. Waiting in short steps makes that
    last check every ``step`` seconds, so a missed wake-up costs at most ``step``.
    """
    from queue import Empty

    wait = channel.get_msg

    async def get_msg(timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = step if deadline is None else min(step, max(0.0, deadline - time.monotonic()))
            try:
                return await wait(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def _client(nb, **kwargs):
    """A ``nbclient.NotebookClient`` whose kernel channels wait in steps (_poll_in_steps)."""
    from nbclient import NotebookClient

    class Client(NotebookClient):
        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            _poll_in_steps(kc.shell_channel)
            _poll_in_steps(kc.iopub_channel)
            return kc

    return Client(nb, **kwargs)


def execute_notebook(nb, cwd: Path, timeout: int = CELL_TIMEOUT, env: dict | None = None):
    """Run ``nb`` (a ``nbformat`` notebook, changed in place) from a clean kernel.

    Returns ``(seconds, error)``: the wall time including kernel start-up, and None or the
    exception (a failed cell's outputs, error included, are kept in ``nb``). Figures are
    PNG at ``FIGURE_DPI``; slider panels are stored as their snapshot
    (``static_panel_outputs``); no timestamps or widget state are kept.
    """
    _require_dev()
    clear_outputs(nb)
    client = _client(
        nb, timeout=timeout, kernel_name="python3", record_timing=False,
        store_widget_state=True, resources={"metadata": {"path": str(cwd)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={[KERNEL_STARTUP]!r}"])
    t0 = time.perf_counter()
    error = None
    # The kernel's own stderr (start-up and shutdown notices) is shown only if the run failed.
    with tempfile.TemporaryFile("w+") as log:
        try:
            client.execute(env=env if env is not None else kernel_env(), stderr=log)
        except Exception as e:  # a failed cell, a timeout or a dead kernel: reported, not raised
            error = e
            log.seek(0)
            text = log.read()[-3000:].strip()
            if text:
                try:
                    error.kernel_stderr = text
                except AttributeError:  # an exception type that takes no attributes
                    pass
    seconds = time.perf_counter() - t0
    static_panel_outputs(nb)
    strip_volatile(nb)
    return seconds, error


def find_notebooks(names=None) -> list:
    """Paths of the notebooks to run: ``names`` (paths), or all ``notebooks/NN_*.ipynb``."""
    if names:
        paths = [Path(n).resolve() for n in names]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise NotebookError(f"no such notebook: {', '.join(missing)}")
        return paths
    if not NOTEBOOKS.is_dir():
        raise NotebookError(
            f"no notebooks folder at {NOTEBOOKS}: the notebooks live in the repository, so run "
            'this from a clone installed with pip install -e ".[dev]", or name the notebooks')
    paths = sorted(NOTEBOOKS.glob(PATTERN))
    if not paths:
        raise NotebookError(f"no {PATTERN} in {NOTEBOOKS}")
    return paths


def _error_text(nb, error) -> str:
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                tb = "\n".join(out.get("traceback", []))
                tb = re.sub(r"\x1b\[[0-9;]*m", "", tb)  # ANSI colours
                return f"cell {i}: {out.get('ename')}: {out.get('evalue')}\n{tb}"
    text = f"{type(error).__name__}: {str(error)[:3000]}"
    if getattr(error, "kernel_stderr", None):
        text += f"\nkernel's stderr (end):\n{error.kernel_stderr}"
    return text


def execute(paths, timeout: int = CELL_TIMEOUT) -> int:
    """Execute and store each notebook; print a table; return 0, or 1 if any failed."""
    import json

    rows, failed, ready = [], [], []
    for path in paths:  # check every run-time line before spending minutes on any notebook
        try:
            if stated_run_time(json.loads(Path(path).read_text(encoding="utf-8"))) is None:
                raise NotebookError("the first markdown cell needs a line "
                                    "'**Run time:** about N s on 2 CPU cores.' "
                                    "(N is rewritten from the measured run)")
            ready.append(Path(path))
        except (NotebookError, ValueError) as e:
            print(f"{Path(path).name}: {e}", flush=True)
            failed.append(Path(path).name)
    if ready:
        _require_dev()
    for path in ready:
        import nbformat

        nb = nbformat.read(path, as_version=4)
        print(f"{path.name}: executing ...", flush=True)
        seconds, error = execute_notebook(nb, path.parent, timeout)
        if error is not None:
            print(f"{path.name}: FAILED after {seconds:.1f} s, file left unchanged\n"
                  f"{_error_text(nb, error)}", flush=True)
            failed.append(path.name)
            continue
        set_run_time(nb, seconds)
        nbformat.validate(nb)
        tmp = path.with_name(path.name + ".tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
        rows.append((path.name, seconds, path.stat().st_size / 1024))
        print(f"{path.name}: {seconds:.1f} s, stored", flush=True)

    if rows:
        width = max(len(r[0]) for r in rows + [("total",)])
        print(f"\n{'notebook':<{width}}  {'seconds':>8}  {'KB':>8}")
        for name, s, kb in rows:
            print(f"{name:<{width}}  {s:8.1f}  {kb:8.1f}")
        print(f"{'total':<{width}}  {sum(r[1] for r in rows):8.1f}  "
              f"{sum(r[2] for r in rows):8.1f}")
        print(f"(load average {' '.join(_loadavg())}; {_cores()} CPU cores)")
    if failed:
        print(f"\nnot stored: {', '.join(failed)}")
        return 1
    return 0


def _loadavg() -> list:
    try:
        return [f"{x:.2f}" for x in os.getloadavg()]
    except OSError:
        return ["?"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minivec.notebooks",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Execute the kit's notebooks from a clean kernel and store them with "
                    "their outputs, so that they read on GitHub.",
        epilog="examples:\n"
               "  python -m minivec.notebooks execute            # all notebooks/NN_*.ipynb\n"
               "  python -m minivec.notebooks execute notebooks/06_hyperparameter_explorer.ipynb\n"
               "  python -m minivec.notebooks execute --help     # what it stores, options")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser(
        "execute", help="run notebooks and store their outputs in place",
        description="Run each notebook top to bottom in a fresh kernel (cwd: its folder). If "
                    "no cell failed, store its outputs in place, write the measured wall time "
                    "into the first markdown cell's '**Run time:** about N s on C CPU cores.' "
                    "line (N rounded to 5 s; the line is required) and into "
                    "metadata.minivec.run_seconds. A failed notebook is left unchanged, its "
                    "error printed, and the command exits 1. Prints a table of seconds and "
                    "sizes. Needs: pip install -e \".[dev]\".")
    ex.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                    help=f"notebook files (default: every {PATTERN} in the repository's "
                         "notebooks/ folder)")
    ex.add_argument("--timeout", type=int, default=CELL_TIMEOUT,
                    help=f"seconds a cell may take (default {CELL_TIMEOUT})")
    args = parser.parse_args(argv)
    try:
        return execute(find_notebooks(args.notebooks), timeout=args.timeout)
    except NotebookError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
