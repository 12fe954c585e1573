"""Opt-in online geocoders (Nominatim, Photon) behind geopy, made safe to use in a batch.

:class:`OnlineGeocoder` sends a user agent, waits between requests, keeps an on-disk cache and
falls back to the offline gazetteer when the network fails — a geocoding call never crashes a
batch because a server is unreachable. :func:`get_geocoder` returns what the settings ask for.

>>> from geodata.geocoding import get_geocoder
>>> get_geocoder().__class__.__name__  # doctest: +SKIP
'Gazetteer'
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geodata.config import Settings, load_settings
from geodata.errors import ConfigurationError
from geodata.geocoding.gazetteer import Gazetteer, clean_query, validate_country_codes

__all__ = ["GEOCODERS", "OnlineGeocoder", "get_geocoder"]

logger = logging.getLogger(__name__)


class _DiskCache:
    """A small SQLite key → JSON cache for online answers (negative answers are cached too)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "geocoder-cache.sqlite"
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False)
        self._con.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT, stored REAL)")

    @staticmethod
    def key(*parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str) -> Any:
        with self._lock:
            row = self._con.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else _MISSING

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._con.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, json.dumps(value), time.time()))
            self._con.commit()


_MISSING = object()


def _to_json(result: Location | list[Location] | None) -> Any:
    if result is None:
        return None
    items = result if isinstance(result, list) else [result]
    return [{"address": loc.address, "lat": loc.latitude, "lon": loc.longitude, "raw": loc.raw} for loc in items]


def _from_json(data: Any, exactly_one: bool) -> Location | list[Location] | None:
    if not data:
        return None
    locations = [Location(d["address"], (d["lat"], d["lon"]), d["raw"]) for d in data]
    return locations[0] if exactly_one else locations


class OnlineGeocoder:
    """An online geopy geocoder made safe to use: rate-limited, cached on disk, never crashing.

    Parameters
    ----------
    remote
        A geopy geocoder (``Nominatim``, ``Photon``), built with a user agent.
    fallback
        The offline :class:`Gazetteer` that answers when the remote service fails.
    cache_dir
        Where answers are cached (the same query is never sent twice).
    min_delay_seconds
        Pause between two requests (``RateLimiter``); Nominatim allows one per second.
    sleep
        Injected for tests so they never sleep.
    """

    def __init__(
        self,
        remote: Geocoder,
        *,
        fallback: Gazetteer,
        cache_dir: str | Path,
        min_delay_seconds: float = 1.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.remote = remote
        self.fallback = fallback
        self.cache = _DiskCache(Path(cache_dir))
        self.name = type(remote).__name__.lower()
        self._geocode = RateLimiter(
            remote.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=1,
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        self._reverse = RateLimiter(
            remote.reverse,
            min_delay_seconds=min_delay_seconds,
            max_retries=1,
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        if sleep is not None:
            for limiter in (self._geocode, self._reverse):
                limiter._sleep = sleep  # the RateLimiter's documented test seam

    def geocode(
        self, query: str, *, exactly_one: bool = True, country_codes: str | Iterable[str] | None = None, **kwargs: Any
    ) -> Location | list[Location] | None:
        """Ask the remote service (or the cache); on a network or service error use the gazetteer."""
        text = clean_query(query)
        codes = validate_country_codes(country_codes, self.fallback.index)
        key = self.cache.key(self.name, "geocode", text, codes, sorted(kwargs.items()))
        cached = self.cache.get(key)
        if cached is not _MISSING:
            return _from_json(cached, exactly_one)
        try:
            params = {"exactly_one": False}
            if codes and isinstance(self.remote, Nominatim):
                params["country_codes"] = list(codes)
            result = self._geocode(text, **params)
        except (GeopyError, OSError) as err:
            logger.warning("%s failed for %r (%s); answering from the offline gazetteer", self.name, text, err)
            return self._fallback(text, exactly_one, codes, err)
        self.cache.put(key, _to_json(result))
        return _from_json(_to_json(result), exactly_one)

    def reverse(self, query: Any, *, exactly_one: bool = True, **kwargs: Any) -> Location | list[Location] | None:
        """Reverse-geocode online, falling back to the gazetteer's areas on failure."""
        key = self.cache.key(self.name, "reverse", str(Point(query)), sorted(kwargs.items()))
        cached = self.cache.get(key)
        if cached is not _MISSING:
            return _from_json(cached, exactly_one)
        try:
            result = self._reverse(query, exactly_one=exactly_one, **kwargs)
        except (GeopyError, OSError) as err:
            logger.warning("%s reverse failed (%s); answering from the offline gazetteer", self.name, err)
            return self.fallback.reverse(query, exactly_one=exactly_one)
        self.cache.put(key, _to_json(result))
        return result

    def _fallback(
        self, text: str, exactly_one: bool, codes: tuple[str, ...] | None, err: Exception
    ) -> Location | list[Location] | None:
        result = self.fallback.geocode(text, exactly_one=False, country_codes=codes)
        if not result:
            return None
        for loc in result:
            loc.raw["fallback_reason"] = f"{self.name} unavailable: {type(err).__name__}"
        return result[0] if exactly_one else result


#: Backends by settings name; the offline gazetteer is the default.
GEOCODERS: dict[str, type[Geocoder]] = {"gazetteer": Gazetteer, "nominatim": Nominatim, "photon": Photon}


def get_geocoder(
    settings: Settings | None = None,
    *,
    adapter_factory: Callable | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Gazetteer | OnlineGeocoder:
    """The geocoder the settings ask for (offline :class:`Gazetteer` unless told otherwise).

    ``adapter_factory`` is passed to geopy (tests inject a fake network with it).

    Raises
    ------
    ConfigurationError
        For an unknown backend, or Nominatim without a user agent.
    """
    settings = settings or load_settings()
    gazetteer = Gazetteer(settings.gazetteer_path)
    if settings.geocoder == "gazetteer":
        return gazetteer
    backend = GEOCODERS.get(settings.geocoder)
    if backend is None:  # pragma: no cover - Settings validates the name
        raise ConfigurationError(f"unknown geocoder {settings.geocoder!r}; options are: {', '.join(GEOCODERS)}")
    kwargs: dict[str, Any] = {
        "user_agent": settings.user_agent or "eventmap (self-hosted geocoder)",
        "timeout": settings.geocoder_timeout,
    }
    if settings.geocoder_domain:
        kwargs["domain"] = settings.geocoder_domain
    if adapter_factory is not None:
        kwargs["adapter_factory"] = adapter_factory
    try:
        remote = backend(**kwargs)
    except GeopyError as err:
        raise ConfigurationError(f"cannot set up {settings.geocoder}: {err}") from err
    return OnlineGeocoder(
        remote,
        fallback=gazetteer,
        cache_dir=settings.geocoder_cache_dir,
        min_delay_seconds=settings.geocoder_min_delay,
        sleep=sleep,
    )
