"""Shared fixtures: the real gazetteer (built by `make data`), settings in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.config import default_gazetteer_path, load_settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = SHARED / "samples"
GEOBENCH = SHARED / "geobench"
OUTPUT = ROOT / "test-output"


@pytest.fixture(scope="session")
def gazetteer_path() -> Path:
    path = default_gazetteer_path()
    if not path.is_file():
        from geodata.gazetteer.build import build_gazetteer

        build_gazetteer(path)
    return path


@pytest.fixture(scope="session")
def gazetteer(gazetteer_path):
    from geodata.gazetteer import open_gazetteer

    return open_gazetteer(gazetteer_path)


@pytest.fixture(scope="session")
def geocoder(gazetteer_path):
    from geodata.geocoding.gazetteer import Gazetteer

    return Gazetteer(gazetteer_path)


@pytest.fixture
def settings(tmp_path, gazetteer_path):
    return load_settings(
        store_dir=tmp_path / "store", gazetteer_path=gazetteer_path, geocoder_cache_dir=tmp_path / "cache"
    )


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
