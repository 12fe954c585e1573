"""Build hooks: every sdist and wheel fetches the pinned browser assets first and ships them.

All metadata is in ``pyproject.toml``. The assets (Leaflet, Leaflet.markercluster and their
licences) come from npm at the versions and checksums of ``scripts/vendor.lock.json`` through
``scripts/vendor_assets.py``, into ``dashboard/vendor/``, which the package data includes; a build
whose assets are already in place (a checkout after ``make vendor``, an unpacked sdist) fetches
nothing. Editable installs (``make install``) skip the step: ``make vendor`` does it there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent


def vendor_browser_assets() -> None:
    """Fetch the locked browser assets into ``dashboard/vendor/`` unless they are already there."""
    spec = importlib.util.spec_from_file_location("vendor_assets", HERE / "scripts" / "vendor_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.vendor() != 0:
        raise SystemExit("eventmap: the browser assets could not be vendored (scripts/vendor_assets.py)")


class BuildPyWithAssets(build_py):
    """``build_py`` that vendors the browser assets first, for wheels (not for editable installs)."""

    def run(self) -> None:
        """Vendor, then copy the modules and package data (the vendored files included)."""
        if not self.editable_mode:
            vendor_browser_assets()
            self.__dict__.pop("data_files", None)  # computed lazily: list the fetched files too
        super().run()


class SdistWithAssets(sdist):
    """``sdist`` that vendors the browser assets first, so the sdist ships them too."""

    def run(self) -> None:
        """Vendor, then make the sdist."""
        vendor_browser_assets()
        super().run()


setup(cmdclass={"build_py": BuildPyWithAssets, "sdist": SdistWithAssets})
