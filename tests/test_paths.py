"""Where the gazetteer lives: the checkout's copy in a checkout, else a per-user, per-version folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import geodata
from geodata import paths

ROOT = Path(__file__).resolve().parents[1]


def test_default_gazetteer_path_is_the_tree_copy_in_a_checkout():
    assert paths.is_source_checkout()
    assert paths.default_gazetteer_path() == ROOT / "geodata" / "gazetteer" / "data" / "gazetteer.sqlite"


@pytest.fixture
def installed_layout(monkeypatch, tmp_path):
    """``geodata`` as pip installs it: no checkout around it, no gazetteer in the package."""
    package_data = tmp_path / "site-packages" / "geodata" / "gazetteer" / "data"
    package_data.mkdir(parents=True)
    monkeypatch.setattr(paths, "_PACKAGE_DATA_DIR", package_data)
    monkeypatch.setattr(paths, "is_source_checkout", lambda: False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    return package_data


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux convention")
def test_default_gazetteer_path_of_an_installed_package_is_in_the_user_data_folder(installed_layout, tmp_path):
    expected = tmp_path / "user-data" / "eventmap" / geodata.__version__ / "gazetteer.sqlite"
    assert paths.user_data_dir() == expected.parent
    assert paths.default_gazetteer_path() == expected


def test_default_gazetteer_path_prefers_a_gazetteer_shipped_in_the_package(installed_layout):
    shipped = installed_layout / "gazetteer.sqlite"
    shipped.write_bytes(b"")
    assert paths.default_gazetteer_path() == shipped


def test_settings_default_follows_the_data_folder_rule(monkeypatch):
    from geodata.config import load_settings

    monkeypatch.delenv("EVENTMAP_GAZETTEER_PATH", raising=False)
    monkeypatch.delenv("EVENTMAP_CONFIG", raising=False)

    assert load_settings().gazetteer_path == paths.default_gazetteer_path()
