"""Where a run happened: Python, platform, package versions and the BLAS, for metrics.json."""

from __future__ import annotations

import platform
from importlib import metadata

from threadpoolctl import threadpool_info

#: Distributions whose installed versions a report records, besides minivec's own.
PACKAGES = ("numpy", "scipy", "scikit-learn")


def environment() -> dict:
    """The run's environment as a JSON-ready dict: python (version), platform, packages
    ({distribution: version, None if not installed; minivec: ``minivec.__version__``}) and
    blas (one dict per BLAS library loaded: internal_api, version, architecture,
    num_threads, from threadpoolctl)."""
    from . import __version__

    packages = {}
    for name in PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    packages["minivec"] = __version__  # the copy imported, installed or not
    blas = [{key: lib.get(key) for key in ("internal_api", "version", "architecture",
                                           "num_threads")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return {"python": platform.python_version(), "platform": platform.platform(),
            "packages": packages, "blas": blas}
