"""The curated public API: sorted, importable, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import geodata


def test_public_api_is_sorted_and_every_name_resolves():
    assert geodata.__all__ == sorted(geodata.__all__)
    for name in geodata.__all__:
        assert getattr(geodata, name) is not None


def test_import_geodata_does_not_load_pandas_or_spacy():
    code = "import sys, geodata; print(any(m in sys.modules for m in ('pandas', 'spacy', 'geopandas')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_geodata_does_not_import_dashboard():
    from pathlib import Path

    root = Path(geodata.__file__).parent
    offenders = [
        p.name for p in root.rglob("*.py") if "import dashboard" in p.read_text() or "from dashboard" in p.read_text()
    ]
    assert offenders == []
