"""The kit on Colab's own package versions (slow): install as Colab's setup cell does, then
run notebooks 00 and 06.

A virtual environment of Python 3.12 (from pyenv) gets Colab's preinstalled versions of the
packages the kit uses (``COLAB_PINS``), then the kit with ``pip install -e <repo>`` exactly as
the notebooks' setup cell runs it in Colab. The test checks that installing the kit changed
none of those versions, then executes notebooks 00 and 06 from temporary copies in a kernel
of that environment, with no error output, and moves every slider of 06's explorer.

The environment is built once per set of pins and kept in ``~/.cache/minivec/colab-env-<hash>``
(outside the repository; ``MINIVEC_CACHE`` moves it); the kit's editable install is redone on
every run. Python 3.12 is found as ``MINIVEC_PYTHON312``, else in pyenv
(``$(pyenv root)/versions/3.12*``), else as ``python3.12`` on PATH. Without it the test is
skipped, except in CI (``CI=true``), where it fails.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from notebook_checks import MOVE_EVERY_SLIDER, REPO, error_outputs, printed

pytestmark = pytest.mark.slow

#: Colab's runtime as of this writing: Python 3.12 with these versions preinstalled.
COLAB_PYTHON = "3.12"
COLAB_PINS = ["numpy==2.0.2", "scipy==1.16.3", "scikit-learn==1.6.1", "matplotlib==3.10.0",
              "ipywidgets==7.7.1", "ipykernel<7", "umap-learn==0.5.12"]
#: What the test itself needs in the environment to execute notebooks.
TOOLS = ["nbclient>=0.7", "nbformat>=5.7"]
NOTEBOOKS = ["00_quickstart.ipynb", "06_hyperparameter_explorer.ipynb"]
CELL_TIMEOUT = 300
INSTALL_TIMEOUT = 1800

#: Runs inside the environment: execute one notebook (argv: in, out, cwd, timeout, extra cell
#: file) the way ``python -m minivec.notebooks execute`` does, with the environment's own
#: kernel and the extra cells appended; write the executed copy; exit 1 on an error.
RUNNER = r'''
import sys
from pathlib import Path
import nbformat
from minivec.notebooks import execute_notebook
src, out, cwd, timeout, extra = sys.argv[1:6]
nb = nbformat.read(src, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, numpy, scipy, sklearn, matplotlib, ipywidgets, ipykernel, minivec\n"
    "print('kernel:', sys.executable, sys.version.split()[0], 'numpy', numpy.__version__,\n"
    "      'ipywidgets', ipywidgets.__version__, 'ipykernel', ipykernel.__version__,\n"
    "      'minivec', minivec.__file__)"))
nb.cells.append(nbformat.v4.new_code_cell(open(extra).read()))
seconds, error = execute_notebook(nb, Path(cwd), int(timeout))
nbformat.write(nb, out)
print(f"executed in {seconds:.1f} s")
if error is not None:
    print(f"{type(error).__name__}: {str(error)[:4000]}")
    sys.exit(1)
'''


def _python312():
    """Path of a Python 3.12 interpreter, or None."""
    if os.environ.get("MINIVEC_PYTHON312"):
        return os.environ["MINIVEC_PYTHON312"]
    roots = []
    if shutil.which("pyenv"):
        out = subprocess.run(["pyenv", "root"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            roots.append(Path(out.stdout.strip()))
    roots.append(Path.home() / ".pyenv")
    for root in roots:
        found = sorted((root / "versions").glob(f"{COLAB_PYTHON}*/bin/python{COLAB_PYTHON}"),
                       key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)])
        if found:
            return str(found[-1])
    return shutil.which(f"python{COLAB_PYTHON}")


def _env(venv: Path) -> dict:
    """A clean environment for the venv: no PYTHONPATH into this checkout, no other venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run(argv, venv, timeout=INSTALL_TIMEOUT, **kwargs):
    out = subprocess.run([str(a) for a in argv], env=_env(venv), capture_output=True,
                         text=True, timeout=timeout, **kwargs)
    assert out.returncode == 0, (f"{' '.join(map(str, argv))} exited {out.returncode}:\n"
                                 f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out.stdout


def _versions(python, venv) -> dict:
    names = [re.split(r"[=<>]", p)[0] for p in COLAB_PINS]
    code = ("import importlib.metadata as m, json; "
            f"print(json.dumps({{n: m.version(n) for n in {names!r}}}))")
    return json.loads(_run([python, "-c", code], venv, timeout=120))


def _pinned_ok(versions: dict) -> list:
    """Pins the installed versions break: ['name: installed x, pinned y']."""
    bad = []
    for pin in COLAB_PINS:
        name, op, want = re.match(r"([\w-]+)(==|<)(.+)", pin).groups()
        have = versions.get(name)
        ok = have == want if op == "==" else (
            have is not None and int(have.split(".")[0]) < int(want))
        if not ok:
            bad.append(f"{name}: installed {have}, Colab has {pin}")
    return bad


@pytest.fixture(scope="module")
def colab_env():
    """(python of the venv, venv folder), built or reused, the kit installed editable."""
    base = _python312()
    if base is None:
        message = (f"no Python {COLAB_PYTHON}: install it with pyenv (pyenv install "
                   f"{COLAB_PYTHON}) or set MINIVEC_PYTHON312 to its interpreter")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    full = subprocess.run([base, "-c", "import sys; print(sys.version.split()[0])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    key = hashlib.sha256(json.dumps([full, COLAB_PINS, TOOLS]).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("MINIVEC_CACHE", Path.home() / ".cache" / "minivec"))
    venv = cache / f"colab-env-{key}"
    python = venv / "bin" / "python"
    stamp = venv / "colab-pins.json"
    t0 = time.perf_counter()
    if not (stamp.exists() and python.exists()
            and json.loads(stamp.read_text()) == {"python": full, "pins": COLAB_PINS,
                                                  "tools": TOOLS}):
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        _run([base, "-m", "venv", venv], venv)
        _run([python, "-m", "pip", "install", "--quiet", *COLAB_PINS, *TOOLS], venv)
        stamp.write_text(json.dumps({"python": full, "pins": COLAB_PINS, "tools": TOOLS}))
        print(f"\nbuilt {venv} in {time.perf_counter() - t0:.0f} s")
    # As Colab's setup cell does: python -m pip install --quiet -e <clone>
    _run([python, "-m", "pip", "install", "--quiet", "-e", REPO], venv)
    print(f"\n{venv}: ready in {time.perf_counter() - t0:.0f} s")
    return python, venv


def test_installing_the_kit_keeps_colabs_versions(colab_env):
    python, venv = colab_env
    versions = _versions(python, venv)
    bad = _pinned_ok(versions)
    assert not bad, "installing the kit changed Colab's packages:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_colabs_versions(colab_env, name, tmp_path):
    python, venv = colab_env
    nbformat = pytest.importorskip("nbformat")
    # The environment's own kernel, whatever kernels this machine's Jupyter knows.
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab versions)", "language": "python"}))
    (tmp_path / "runner.py").write_text(RUNNER)
    (tmp_path / "extra.py").write_text(MOVE_EVERY_SLIDER)
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(REPO / "notebooks" / name, work / name)
    out = tmp_path / f"executed_{name}"
    env = _env(venv)
    env["JUPYTER_PATH"] = str(tmp_path / "jupyter")
    proc = subprocess.run([str(python), tmp_path / "runner.py", work / name, out, work,
                           str(CELL_TIMEOUT), tmp_path / "extra.py"], env=env,
                          capture_output=True, text=True, timeout=1800)
    print(proc.stdout[-2000:])
    assert out.exists(), f"{name}: the runner wrote nothing:\n{proc.stdout}\n{proc.stderr[-3000:]}"
    nb = json.loads(out.read_text())
    errors = error_outputs(nb)
    assert not errors, f"{name}: error outputs on Colab's versions: {errors}"
    assert proc.returncode == 0, f"{name}: {proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    check = printed(nb["cells"][-2])
    assert f"kernel: {python}" in check and " 3.12." in check and "numpy 2.0.2" in check \
        and "ipywidgets 7.7.1" in check and "ipykernel 6." in check, check
    assert f"minivec {REPO / 'minivec'}" in check, f"not this checkout's kit: {check}"
    panels = re.search(r"(\d+) panels checked", printed(nb["cells"][-1]))
    assert panels, f"{name}: the slider check printed nothing"
    if name.startswith("06_"):
        assert int(panels.group(1)) >= 1, f"{name}: no explorer panel found"
    assert nbformat.reads(out.read_text(), as_version=4)  # a valid notebook came back
