"""A real browser drives the notebooks: JupyterLab on 127.0.0.1, headless Debian Chromium.

Needs Debian's `chromium` (/usr/bin/chromium) and Python Playwright (the [dev] extra); .ci/run
installs chromium when it is missing. Outside CI the tests skip when chromium is absent; in CI
(CI=true) they fail instead. Screenshots go to a folder the tests print.

Notebooks are run from copies with their stored outputs removed (so an old output can never
pass for a new one). Notebooks stored *with* outputs are also opened as they are, without
running them, as a reader who opens one first sees them; so is a small notebook with a slider
panel that the tests execute and store themselves.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RUN_ALL_TIMEOUT_MS = 420_000
ERROR_MARKERS = ("Traceback (most recent call last)", "This setting failed",
                 "Error displaying widget")
#: A notebook with one slider panel, executed and stored by the fixture.
PANEL_DEMO = """\
import matplotlib.pyplot as plt
from minivec.widgets import Panel, int_slider

def draw(n):
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(range(n), [i * i for i in range(n)], "-o")
    ax.set_title(f"n = {n}")
    return {"n": n}

Panel(draw, {"n": int_slider("points n", 5, 2, 20)}, title="Stored panel")"""

if not Path(CHROMIUM).exists() or shutil.which("jupyter") is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests need {CHROMIUM} and JupyterLab; .ci/run installs them")
    pytest.skip(f"no {CHROMIUM} or no jupyter here", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A token-less JupyterLab on 127.0.0.1 serving a copy of the notebooks; stopped by pid."""
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks" / "stored").mkdir(parents=True)
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
            nbformat.write(nb, root / "notebooks" / "stored" / path.name)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, root / "notebooks" / path.name)
    demo = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PANEL_DEMO)])
    demo.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    NotebookClient(demo, timeout=120, kernel_name="python3").execute()
    nbformat.write(demo, root / "notebooks" / "stored" / "panel_demo.ipynb")
    # Render every cell, not only those in view (JupyterLab 4 windows long notebooks by
    # default), so that the tests can read outputs wherever they are in the notebook.
    tracker = root / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    shots = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {shots}")
    port = _free_port()
    log = open(root / "jupyter.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         f"--port={port}", "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
         "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root / 'notebooks'}",
         "--LabApp.news_url=", "--LabServerApp.extension_manager=readonly",
         f"--LabApp.user_settings_dir={root / 'settings'}"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "agg"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start: "
                                       + (root / "jupyter.log").read_text()[-2000:]) from None
                time.sleep(0.5)
        yield url, shots, root / "notebooks"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(lab):
    url, shots, _ = lab
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            pg.set_default_timeout(120_000)
            yield pg, url, shots
        finally:
            browser.close()


def _open_and_run_all(pg, url: str, name: str):
    """Open a notebook in JupyterLab, run every cell, wait until the kernel is idle."""
    pg.goto(f"{url}/lab/tree/{name}?reset")  # a fresh workspace: only this notebook open
    pg.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    _wait_idle(pg)  # the kernel named in the notebook's metadata has started
    pg.click(".jp-Notebook .jp-Cell")
    pg.locator("div.lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    pg.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    # Every cell has run when no input prompt shows [*] and the kernel reports Idle again.
    pg.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputPrompt')];
            const busy = prompts.some(p => p.textContent.includes('*'));
            const ran = prompts.filter(p => /\\[\\d+\\]/.test(p.textContent)).length;
            return !busy && ran > 0;
        }""", timeout=RUN_ALL_TIMEOUT_MS)
    _wait_idle(pg)


def _wait_idle(pg):
    """Wait until JupyterLab's status bar reports the notebook's kernel as Idle."""
    pg.wait_for_function(
        """() => [...document.querySelectorAll('span')]
              .some(e => /^Python 3 .*\\| Idle$/.test(e.textContent.trim()))""",
        timeout=180_000)


def _errors(pg) -> list:
    texts = pg.locator(".jp-OutputArea-output").all_inner_texts()
    return [t[:400] for t in texts if any(m in t for m in ERROR_MARKERS)]


def _stats(pg) -> str:
    """The explorer's figures-of-merit line (printed under its figure)."""
    lines = [t for t in pg.locator(".jp-OutputArea-output").all_inner_texts() if "top1 =" in t]
    assert lines, "the explorer printed no stats line"
    return lines[-1]


def _texts(pg) -> str:
    return "\n".join(pg.locator(".jp-OutputArea-output").all_inner_texts())


def _nudge(pg, label: str, shots: Path, tag: str, computing: tuple = ()):
    """Move the slider whose description contains ``label`` one step with the keyboard and
    wait for the stats to change. With ``computing``, first wait until the panel shows each
    of those texts (the status line and progress of the redraw under way). Saves screenshots
    before, during (with ``computing``) and after."""
    before = _stats(pg)
    pg.screenshot(path=str(shots / f"{tag}_before.png"), full_page=True)
    slider = pg.locator(".widget-slider", has_text=label).first
    slider.scroll_into_view_if_needed()
    handle = slider.locator(".noUi-handle, .ui-slider-handle").first
    handle.focus()
    handle.press("ArrowRight")
    for text in computing:
        pg.wait_for_function(
            """(text) => [...document.querySelectorAll('.jp-OutputArea-output')]
                  .some(e => e.innerText.replace(/\u2007/g, ' ').includes(text))""",
            arg=text, timeout=60_000)  # progress bars pad with figure spaces (U+2007)
    if computing:
        pg.screenshot(path=str(shots / f"{tag}_during.png"), full_page=True)
    pg.wait_for_function(
        """(before) => [...document.querySelectorAll('.jp-OutputArea-output')]
              .map(e => e.innerText).filter(t => t.includes('top1 =')).pop() !== before""",
        arg=before, timeout=120_000)
    _wait_idle(pg)
    pg.screenshot(path=str(shots / f"{tag}_after.png"), full_page=True)
    return before, _stats(pg)


def test_explorer_sliders_redraw_in_a_real_browser(page):
    pg, url, shots = page
    _open_and_run_all(pg, url, "06_hyperparameter_explorer.ipynb")
    assert not _errors(pg)
    assert pg.locator(".jp-OutputArea-output img").count() >= 1, "no figure was drawn"
    text = _texts(pg)
    for heading in ("Anchor stage (slow", "Refinement (fast", "done in"):
        assert heading in text, f"the explorer shows no '{heading}'"
    for label, tag, computing in (
            ("Refine-1 iterations", "refine_slider", ()),
            ("anchor runs", "anchor_slider", ("computing: anchor stage (31 runs",
                                              "anchor runs:"))):  # the runs' progress bar
        before, after = _nudge(pg, label, shots, tag, computing)
        assert after != before
        assert not _errors(pg), f"moving '{label}' raised an error"
        assert "done in" in _texts(pg)


def test_stored_notebooks_show_their_panels_without_running(page, lab):
    """Opened as stored, without running: a panel shows its PNG snapshot (the untrusted
    output's safe choice), and no output reads as an error."""
    pg, url, shots = page
    for path in sorted((Path(lab[2]) / "stored").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        images = sum("image/png" in o.get("data", {}) for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)
        panels = sum("Interactive panel" in o.get("data", {}).get("text/plain", "")
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        assert panels >= (path.name == "panel_demo.ipynb")
        pg.goto(f"{url}/lab/tree/stored/{path.name}?reset")
        pg.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
        _wait_idle(pg)
        if images:
            pg.wait_for_function(
                """(n) => document.querySelectorAll('.jp-OutputArea-output img').length >= n""",
                arg=images, timeout=60_000)
            pg.locator(".jp-OutputArea-output img").last.scroll_into_view_if_needed()
        pg.screenshot(path=str(shots / f"stored_{path.stem}.png"), full_page=True)
        assert not _errors(pg), path.name
        assert "Loading widget" not in _texts(pg), path.name


def test_quickstart_runs_without_errors_in_a_real_browser(page):
    pg, url, shots = page
    _open_and_run_all(pg, url, "00_quickstart.ipynb")
    pg.screenshot(path=str(shots / "quickstart.png"), full_page=True)
    assert not _errors(pg)
    assert pg.locator(".jp-OutputArea-output img").count() >= 1
