"""Geocoders with geopy's contract: the offline :class:`Gazetteer` and opt-in online backends.

:class:`Gazetteer` is a real :class:`geopy.geocoders.base.Geocoder`: ``geocode()`` returns geopy
:class:`~geopy.location.Location` objects whose ``raw`` is the gazetteer row plus its score, and it
works under :class:`geopy.extra.rate_limiter.RateLimiter` like any geopy geocoder.

Online geocoders (Nominatim, Photon) are used only when the settings ask for them. They are wrapped
by :class:`OnlineGeocoder`, which sends a user agent, waits between requests, keeps an on-disk
cache and falls back to the gazetteer when the network fails — a geocoding call never crashes a
batch because a server is unreachable.

>>> from geodata.geocoders import Gazetteer
>>> location = Gazetteer().geocode("Manta")  # doctest: +SKIP
>>> location.raw["country_code"], round(location.latitude, 2)  # doctest: +SKIP
('EC', -0.95)
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import unicodedata
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
from geodata.errors import ConfigurationError, InvalidQueryError
from geodata.gazetteer import KINDS, GazetteerIndex, PlaceRecord, open_gazetteer

__all__ = [
    "GEOCODERS",
    "MAX_QUERY_LENGTH",
    "Gazetteer",
    "OnlineGeocoder",
    "clean_query",
    "get_geocoder",
    "validate_country_codes",
]

logger = logging.getLogger(__name__)

#: Longer queries are refused: the longest place name in the gazetteer is well under this.
MAX_QUERY_LENGTH = 200


def clean_query(query: object) -> str:
    r"""Validate a geocoding query and return it without control characters.

    Raises
    ------
    InvalidQueryError
        For a non-string, an empty or blank string, or one longer than ``MAX_QUERY_LENGTH``.

    Examples
    --------
    >>> clean_query("Quito\\x00")
    'Quito'
    """
    if not isinstance(query, str):
        raise InvalidQueryError(f"a place name must be a string, not {type(query).__name__} ({query!r:.40})")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidQueryError(
            f"query is {len(query):,} characters long; place names are at most "
            f"{MAX_QUERY_LENGTH} characters (did you pass a whole text? use geodata.geoparse)"
        )
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in query)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InvalidQueryError("empty query: give a place name such as 'Quito'")
    return cleaned


def validate_country_codes(codes: str | Iterable[str] | None, gazetteer: GazetteerIndex) -> tuple[str, ...] | None:
    """Upper-case ISO 3166-1 alpha-2 codes, refusing unknown ones with a clear message.

    >>> validate_country_codes("ec", open_gazetteer())  # doctest: +SKIP
    ('EC',)
    """
    if codes is None:
        return None
    if isinstance(codes, str):
        codes = [codes]
    out = []
    for code in codes:
        if not isinstance(code, str):
            raise InvalidQueryError(f"country code must be a string, not {type(code).__name__}")
        upper = code.strip().upper()
        if upper not in gazetteer.countries:
            raise InvalidQueryError(f"unknown country code {code!r}; use ISO 3166-1 alpha-2 codes such as 'EC' or 'US'")
        out.append(upper)
    return tuple(out) or None


def _address(place: PlaceRecord, gazetteer: GazetteerIndex) -> str:
    parts = [place.name]
    if place.admin1_name and place.admin1_name != place.name and place.kind in ("city", "admin2", "island"):
        parts.append(place.admin1_name)
    country = gazetteer.countries.get(place.country_code)
    if country is not None and place.kind != "country":
        parts.append(country.name)
    return ", ".join(parts)


class Gazetteer(Geocoder):
    """The embedded offline gazetteer as a geopy geocoder.

    Parameters
    ----------
    path
        The gazetteer artefact; defaults to ``Settings.gazetteer_path``.
    settings
        Settings to read the default path from.

    Examples
    --------
    >>> geocoder = Gazetteer()  # doctest: +SKIP
    >>> geocoder.geocode("Georgia").raw["kind"]  # doctest: +SKIP
    'country'
    >>> geocoder.geocode("Georgia", country_codes="US").raw["kind"]  # doctest: +SKIP
    'admin1'
    """

    def __init__(self, path: str | Path | None = None, *, settings: Settings | None = None) -> None:
        super().__init__(user_agent="eventmap-gazetteer")
        if path is None:
            path = (settings or load_settings()).gazetteer_path
        self.index = open_gazetteer(path)

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: str | Iterable[str] | None = None,
        kinds: str | Iterable[str] | None = None,
        limit: int = 10,
        timeout: float | None = None,
    ) -> Location | list[Location] | None:
        """Find ``query`` in the gazetteer.

        Returns ``None`` when nothing matches, the best :class:`~geopy.location.Location` when
        ``exactly_one``, else up to ``limit`` of them, best first. ``raw`` holds the gazetteer row,
        ``score`` and ``matched_name``. ``country_codes`` restricts the answer to those countries
        (as Nominatim's ``country_codes`` does); ``kinds`` to some of :data:`~geodata.gazetteer.KINDS`.

        Raises
        ------
        InvalidQueryError
            For a non-string, empty or over-long query, an unknown country code or kind.
        """
        text = clean_query(query)
        codes = validate_country_codes(country_codes, self.index)
        wanted_kinds = _validate_kinds(kinds)
        candidates = self.index.lookup(text, country_codes=codes, kinds=wanted_kinds, limit=max(1, limit))
        locations = [self._location(c.place, score=c.score, matched=c.matched_name) for c in candidates]
        if not locations:
            return None
        return locations[0] if exactly_one else locations

    def reverse(
        self, query: Any, *, exactly_one: bool = True, timeout: float | None = None
    ) -> Location | list[Location] | None:
        """Which areas contain a point: admin-2, admin-1, country, then seas and regions.

        ``query`` is anything :class:`geopy.point.Point` accepts: ``(lat, lon)``, ``"lat, lon"``
        or a Point. ``raw["nearest_city"]`` names the closest city within ~50 km, if any.
        """
        try:
            point = Point(query)
        except (TypeError, ValueError) as err:
            raise InvalidQueryError(f"cannot read a point from {query!r:.60}: {err}") from err
        hits = self.index.containing(point.latitude, point.longitude)
        if not hits:
            return None
        nearest = self.index.nearest_city(point.latitude, point.longitude)
        locations = []
        for place in hits:
            extra = {"nearest_city": nearest.as_dict() if nearest else None}
            locations.append(self._location(place, score=None, matched=None, extra=extra))
        return locations[0] if exactly_one else locations

    def _location(
        self, place: PlaceRecord, *, score: float | None, matched: str | None, extra: dict | None = None
    ) -> Location:
        raw = place.as_dict()
        raw.update({"score": score, "matched_name": matched, "source": "gazetteer"})
        if extra:
            raw.update(extra)
        return Location(_address(place, self.index), (place.lat, place.lon), raw)


def _validate_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = [kinds]
    out = tuple(kinds)
    unknown = [k for k in out if k not in KINDS]
    if unknown:
        raise InvalidQueryError(f"unknown place kind(s) {unknown}; choose from {', '.join(KINDS)}")
    return out or None


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
