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


def test_eventmap_events_parquet_export_builds_no_geodataframe_and_loads_no_pipeline(tmp_path):
    from geodata.store import open_store
    from geodata.synthetic import synthetic_events

    frame = synthetic_events(20, seed=2)
    open_store(tmp_path / "store").add([{"doc_id": d} for d in frame["doc_id"].unique()], frame)
    code = (
        "import sys; from geodata.cli import main\n"
        "try:\n    main(['events', '--format', 'parquet', '-o', sys.argv[2], '--store', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('spacy', 'geopandas', 'shapely', 'pyarrow.dataset') if m in sys.modules))"
    )
    command = [sys.executable, "-c", code, str(tmp_path / "store"), str(tmp_path / "out.parquet")]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr
    assert (tmp_path / "out.parquet").exists()
