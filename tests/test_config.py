"""Settings: defaults, TOML file, EVENTMAP_* variables, validation, documentation."""

from __future__ import annotations

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
    [
        ({"geocoder": "bing"}, "geocoder must be one of: gazetteer, nominatim, photon"),
        ({"port": 0}, "port must be a whole number from 1 to 65535"),
        ({"geocoder_timeout": 0}, "geocoder_timeout must be a number of seconds > 0"),
    ],
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
    missing = [name for name in Settings.model_fields if f"`{name}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


# ---------------------------------------------------------------------------- one line per bad setting
#: A wrong value in a settings file for every setting: (TOML text, the value as the message shows it).
BAD_FILE_VALUES = {
    "store_dir": ("5", "5"),
    "gazetteer_path": ("[1, 2]", "[1, 2]"),
    "spacy_model": ("5", "5"),
    "classifier": ('"bert"', "'bert'"),
    "geocoder": ('"bing"', "'bing'"),
    "geocoder_domain": ("false", "false"),
    "user_agent": ("true", "true"),
    "geocoder_min_delay": ("-1", "-1"),
    "geocoder_timeout": ('"soon"', "'soon'"),
    "geocoder_cache_dir": ("{ a = 1 }", "{'a': 1}"),
    "max_article_bytes": ("true", "true"),
    "max_upload_bytes": ("1.5", "1.5"),
    "host": ('""', "''"),
    "port": ("8050.5", "8050.5"),
    "online_tiles": ('"maybe"', "'maybe'"),
}

#: Wrong values in EVENTMAP_* variables (every typed setting).
BAD_ENV_VALUES = {
    "store_dir": "",
    "classifier": "bert",
    "geocoder": "Nominatim ",
    "geocoder_min_delay": "-0.5",
    "geocoder_timeout": "nan",
    "max_article_bytes": "5MB",
    "max_upload_bytes": "0",
    "host": "my host",
    "port": "abc",
    "online_tiles": "maybe",
}


def _run(args, env=None):
    from click.testing import CliRunner

    from geodata.cli import main

    return CliRunner().invoke(main, args, env=env)


def _assert_one_clear_line(result, *parts):
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("eventmap: error: ")
    for part in parts:
        assert part in lines[0]
    return lines[0]


def test_every_setting_has_a_bad_file_value_case():
    assert set(BAD_FILE_VALUES) == set(Settings.model_fields)


@pytest.mark.parametrize("name", sorted(BAD_FILE_VALUES))
def test_cli_bad_setting_in_a_file_is_one_line_naming_setting_value_file_and_what_is_allowed(name, tmp_path):
    toml, shown = BAD_FILE_VALUES[name]
    config = tmp_path / "eventmap.toml"
    config.write_text(f"{name} = {toml}\n")
    result = _run(["--config", str(config), "gazetteer", "info"])
    line = _assert_one_clear_line(result, f"{name} = {shown}", f"settings file {config}", f"{name} must be ")
    assert line.endswith(Settings.model_fields[name].json_schema_extra["allowed"])


@pytest.mark.parametrize("name", sorted(BAD_ENV_VALUES))
def test_cli_bad_setting_in_the_environment_is_one_line_naming_the_variable(name, monkeypatch):
    variable = f"EVENTMAP_{name.upper()}"
    result = _run(["gazetteer", "info"], env={variable: BAD_ENV_VALUES[name]})
    _assert_one_clear_line(result, f"{name} = {BAD_ENV_VALUES[name]!r}", f"environment variable {variable}", "must be")


def test_settings_port_with_a_fraction_is_refused_not_cut(tmp_path):
    config = tmp_path / "eventmap.toml"
    config.write_text("port = 8050.5\n")
    with pytest.raises(ConfigurationError, match=r"port = 8050\.5 from settings file .* whole number from 1 to 65535"):
        load_settings(config)


def test_settings_true_is_not_a_byte_count(tmp_path):
    config = tmp_path / "eventmap.toml"
    config.write_text("max_article_bytes = true\n")
    with pytest.raises(ConfigurationError, match="max_article_bytes = true"):
        load_settings(config)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"port = \n", "is not valid TOML: Invalid value (at line 1, column 8)"),
        (b"[eventmap\nport = 1\n", "is not valid TOML"),
        (b"port = 1\nport = 2\n", "is not valid TOML"),
        (b"eventmap = 5\n", "eventmap must be a table ([eventmap]), not 5"),
        (b"prot = 9000\n", "unknown setting 'prot'; did you mean 'port'?"),
        (b"[eventmap]\nprot = 9000\n", "unknown setting 'prot'"),
        (b"user_agent = 'caf\xe9'\n", "is not UTF-8 text"),
    ],
)
def test_cli_unreadable_settings_file_is_one_line_naming_the_file(tmp_path, content, message):
    config = tmp_path / "eventmap.toml"
    config.write_bytes(content)
    _assert_one_clear_line(_run(["--config", str(config), "gazetteer", "info"]), str(config), message)


def test_cli_missing_settings_file_is_one_line(tmp_path):
    missing = tmp_path / "nowhere.toml"
    _assert_one_clear_line(_run(["gazetteer", "info"], env={"EVENTMAP_CONFIG": str(missing)}), str(missing))


def test_cli_misspelt_variable_is_named_with_the_right_one():
    _assert_one_clear_line(_run(["gazetteer", "info"], env={"EVENTMAP_PROT": "9000"}), "did you mean EVENTMAP_PORT?")


def test_cli_bad_setting_for_a_dashboard_command_is_one_line(tmp_path):
    result = _run(["serve", "--store", str(tmp_path)], env={"EVENTMAP_PORT": "abc"})
    _assert_one_clear_line(result, "port = 'abc' from environment variable EVENTMAP_PORT")


def test_settings_option_wins_over_a_bad_variable(monkeypatch):
    monkeypatch.setenv("EVENTMAP_PORT", "abc")
    assert load_settings(port=9000).port == 9000


def test_settings_are_frozen():
    settings = load_settings()
    with pytest.raises(ValueError):
        settings.port = 1
    assert settings.model_copy(update={"port": 1}).port == 1


def test_max_upload_bytes_is_a_setting(monkeypatch):
    monkeypatch.setenv("EVENTMAP_MAX_UPLOAD_BYTES", "1000")
    assert load_settings().max_upload_bytes == 1000
    assert Settings().max_upload_bytes == 1000


def test_default_gazetteer_path_is_the_one_the_gazetteer_opens_without_settings():
    from geodata.config import default_gazetteer_path
    from geodata.gazetteer import _default_path

    assert _default_path() == default_gazetteer_path()


def test_a_first_gazetteer_lookup_does_not_import_the_settings_machinery(gazetteer_path):
    import subprocess
    import sys

    code = (
        "import sys; from geodata.gazetteer import open_gazetteer; open_gazetteer().lookup('Manta'); "
        "from geodata.geocoding.gazetteer import Gazetteer; Gazetteer(open_gazetteer().path).geocode('Quito'); "
        "print(sorted(m for m in ('pydantic', 'pydantic_settings', 'geodata.config') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", "importing pydantic costs more than the whole 20 ms cold lookup"
