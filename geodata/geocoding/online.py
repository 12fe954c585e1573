"""Opt-in online geocoders (Nominatim, Photon) behind geopy, made safe to use in a batch.

:class:`OnlineGeocoder` sends a user agent, waits between requests, keeps an on-disk cache and
falls back to the offline gazetteer when the network fails — a geocoding call never crashes a
batch because a server is unreachable. A name never costs more than ``geocoder_timeout`` seconds
of waiting on the service (retries included), each failure is one warning line, and a
:class:`CircuitBreaker` stops asking a service that keeps failing (the gazetteer answers, and the
service is tried again after a pause). :func:`get_geocoder` returns what the settings ask for.

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
from functools import partial
from pathlib import Path
from typing import Any

from geopy.adapters import RequestsAdapter, URLLibAdapter
from geopy.exc import GeocoderQueryError, GeocoderTimedOut, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geodata.config import Settings, load_settings
from geodata.errors import ConfigurationError
from geodata.geocoding.gazetteer import Gazetteer, clean_query, validate_country_codes

__all__ = ["GEOCODERS", "CircuitBreaker", "OnlineGeocoder", "get_geocoder"]

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


class CircuitBreaker:
    """Stop calling a service after ``failures`` failures in a row, for ``cooldown`` seconds.

    Closed (calls go through) → open after ``failures`` consecutive failures (calls are refused;
    the caller answers from elsewhere) → after ``cooldown`` seconds one trial call is let through:
    success closes the breaker, failure opens it again for another ``cooldown``.

    >>> breaker = CircuitBreaker(failures=2, cooldown=60)
    >>> breaker.allow(), breaker.failure(), breaker.failure(), breaker.allow()
    (True, False, True, False)
    """

    def __init__(self, *, failures: int = 3, cooldown: float = 60.0, clock: Callable[[], float] = time.monotonic):
        if failures < 1 or cooldown < 0:
            raise ValueError("failures must be ≥ 1 and cooldown ≥ 0")
        self.failures = failures
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being refused right now."""
        with self._lock:
            return self._opened_at is not None and not self._trial

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._count

    def allow(self) -> bool:
        """Whether a call may go through now (an open breaker lets one trial through after the pause)."""
        with self._lock:
            if self._opened_at is None:
                return True
            if not self._trial and self._clock() - self._opened_at >= self.cooldown:
                self._trial = True
                return True
            return False

    def success(self) -> None:
        """The call worked: close the breaker."""
        with self._lock:
            self._count, self._opened_at, self._trial = 0, None, False

    def failure(self) -> bool:
        """The call failed; ``True`` when this failure opens the breaker."""
        with self._lock:
            self._count += 1
            if self._trial or (self._opened_at is None and self._count >= self.failures):
                self._opened_at, self._trial = self._clock(), False
                return True
            return False


def _reason(err: BaseException) -> str:
    """One short line saying what went wrong (geopy messages can hold whole URLs and tracebacks)."""
    first = (str(err).strip().splitlines() or [""])[0]
    if len(first) > 160:
        first = first[:157] + "…"
    return f"{type(err).__name__}: {first}" if first else type(err).__name__


def _call_before(
    deadline: float, clock: Callable[[], float], *args: Any, func: Callable[..., Any], **kwargs: Any
) -> Any:
    """``func(*args, timeout=…, **kwargs)``, given up on at ``deadline`` whatever the network does.

    The socket timeout of geopy's adapters applies to each connect and each read, and not to name
    resolution, so a slow or silent server can cost several times the timeout; the call runs in a
    daemon thread instead and is abandoned at the deadline (its socket timeout ends it soon after).
    """
    remaining = deadline - clock()
    if remaining <= 0:
        raise GeocoderTimedOut("no time left for another try")
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            outcome["result"] = func(*args, timeout=remaining, **kwargs)
        except BaseException as err:  # handed to the caller's thread below
            outcome["error"] = err

    worker = threading.Thread(target=call, name="eventmap-geocoder-request", daemon=True)
    worker.start()
    worker.join(remaining)
    if worker.is_alive():
        raise GeocoderTimedOut(f"no answer within {remaining:.3g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


class OnlineGeocoder:
    """An online geopy geocoder made safe to use: rate-limited, cached, time-boxed, never crashing.

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
    timeout
        Seconds one name may cost the service in all, retries included (``geocoder_timeout``).
    retries
        Further tries after a failure, while time is left (not for errors about the query itself).
    breaker
        Stops asking a service that keeps failing; three failures in a row pause it for a minute.
    sleep, clock
        Injected for tests so they never sleep.
    """

    def __init__(
        self,
        remote: Geocoder,
        *,
        fallback: Gazetteer,
        cache_dir: str | Path,
        min_delay_seconds: float = 1.0,
        timeout: float = 10.0,
        retries: int = 1,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remote = remote
        self.fallback = fallback
        self.cache = _DiskCache(Path(cache_dir))
        self.name = type(remote).__name__.lower()
        self.timeout = timeout
        self.retries = retries
        self.breaker = breaker or CircuitBreaker()
        self._clock = clock
        # RateLimiter only spaces the requests; retries and their time budget are handled here, so
        # it neither retries nor logs (its retry warnings carry full tracebacks).
        self._geocode = RateLimiter(
            partial(_call_before, func=remote.geocode),
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )
        self._reverse = RateLimiter(
            partial(_call_before, func=remote.reverse),
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
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
        params: dict[str, Any] = {"exactly_one": False}
        if codes and isinstance(self.remote, Nominatim):
            params["country_codes"] = list(codes)
        try:
            result = self._ask(self._geocode, repr(text), text, **params)
        except _NotAsked as skipped:
            return self._fallback(text, exactly_one, codes, skipped.reason)
        except (GeopyError, OSError) as err:
            return self._fallback(text, exactly_one, codes, _reason(err))
        self.cache.put(key, _to_json(result))
        return _from_json(_to_json(result), exactly_one)

    def reverse(self, query: Any, *, exactly_one: bool = True, **kwargs: Any) -> Location | list[Location] | None:
        """Reverse-geocode online, falling back to the gazetteer's areas on failure."""
        point = Point(query)
        key = self.cache.key(self.name, "reverse", str(point), sorted(kwargs.items()))
        cached = self.cache.get(key)
        if cached is not _MISSING:
            return _from_json(cached, exactly_one)
        try:
            result = self._ask(
                self._reverse, f"the point {point.format_decimal()}", query, exactly_one=exactly_one, **kwargs
            )
        except (_NotAsked, GeopyError, OSError):
            return self.fallback.reverse(query, exactly_one=exactly_one)
        self.cache.put(key, _to_json(result))
        return result

    def _ask(self, call: Callable[..., Any], what: str, *args: Any, **kwargs: Any) -> Any:
        """One answer from the service within the time budget, or one warning line and an error."""
        if not self.breaker.allow():
            raise _NotAsked(f"{self.name} not asked: it failed {self.breaker.consecutive_failures} times in a row")
        deadline = self._clock() + self.timeout
        tries = 0
        while True:
            tries += 1
            try:
                result = call(deadline, self._clock, *args, **kwargs)
            except (GeopyError, OSError) as err:
                if isinstance(err, GeocoderQueryError):  # about this query, not the service
                    logger.warning("%s refused %s (%s); the offline gazetteer answers", self.name, what, _reason(err))
                    raise
                if tries <= self.retries and deadline - self._clock() >= self.timeout / 4:
                    continue  # a quick failure (refused, 503): one more try while most of the budget is left
                logger.warning("%s failed for %s (%s); the offline gazetteer answers", self.name, what, _reason(err))
                if self.breaker.failure():
                    logger.warning(
                        "%s failed %d times in a row; not asking it again for %.0f s (the offline gazetteer answers)",
                        self.name,
                        self.breaker.consecutive_failures,
                        self.breaker.cooldown,
                    )
                raise
            self.breaker.success()
            return result

    def _fallback(
        self, text: str, exactly_one: bool, codes: tuple[str, ...] | None, reason: str
    ) -> Location | list[Location] | None:
        result = self.fallback.geocode(text, exactly_one=False, country_codes=codes)
        if not result:
            return None
        for loc in result:
            loc.raw["fallback_reason"] = (
                reason if reason.startswith(self.name) else f"{self.name} unavailable: {reason}"
            )
        return result[0] if exactly_one else result


class _NotAsked(Exception):
    """The circuit breaker is open: the service was not asked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _adapter_without_retries(*, proxies: Any, ssl_context: Any) -> Any:
    """The HTTP adapter geopy would pick, without its hidden retries (OnlineGeocoder retries in its budget)."""
    if RequestsAdapter.is_available:
        return RequestsAdapter(proxies=proxies, ssl_context=ssl_context, max_retries=0)
    return URLLibAdapter(proxies=proxies, ssl_context=ssl_context)


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
        "adapter_factory": adapter_factory or _adapter_without_retries,
    }
    if settings.geocoder_domain:
        scheme, _, domain = settings.geocoder_domain.rpartition("://")
        kwargs["domain"] = domain.rstrip("/")
        if scheme:  # "http://localhost:8080" for a self-hosted server without TLS
            kwargs["scheme"] = scheme
    try:
        remote = backend(**kwargs)
    except GeopyError as err:
        raise ConfigurationError(f"cannot set up {settings.geocoder}: {err}") from err
    return OnlineGeocoder(
        remote,
        fallback=gazetteer,
        cache_dir=settings.geocoder_cache_dir,
        min_delay_seconds=settings.geocoder_min_delay,
        timeout=settings.geocoder_timeout,
        sleep=sleep,
    )
