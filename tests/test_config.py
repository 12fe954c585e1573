"""Settings: defaults, TOML file, EVENTMAP_* variables, validation, documentation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from geodata.config import Settings, load_settings
from geodata.errors import ConfigurationError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_load_settings_precedence_file_env_override(tmp_path, monkeypatch):
    config = tmp_path / "eventmap.toml"
    config.write_text('port = 9000\nstore_dir = "from-file"\n')
    monkeypatch.setenv("EVENTMAP_PORT", "9100")
    settings = load_settings(config)
    assert settings.port == 9100
    assert settings.store_dir == Path("from-file")
    assert load_settings(config, port=9200).port == 9200


def test_eventmap_store_variable_sets_the_store(monkeypatch):
    monkeypatch.setenv("EVENTMAP_STORE", "/data/events")
    assert load_settings().store_dir == Path("/data/events")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"geocoder": "bing"}, "unknown"), ({"port": 0}, "TCP port"), ({"geocoder_timeout": 0}, "timeout")],
)
def test_settings_refuse_bad_values_with_the_fix(overrides, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings(**overrides)


def test_settings_file_with_unknown_key_names_the_file(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(ConfigurationError, match="bad.toml: unknown setting 'prot'"):
        load_settings(config)


def test_settings_bad_type_names_the_setting(monkeypatch):
    monkeypatch.setenv("EVENTMAP_PORT", "eighty")
    with pytest.raises(ConfigurationError, match="port"):
        load_settings()


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [f.name for f in dataclasses.fields(Settings) if f"`{f.name}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"
