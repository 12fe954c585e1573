"""The offline gazetteer as a geopy geocoder.

:class:`Gazetteer` is a real :class:`geopy.geocoders.base.Geocoder`: ``geocode()`` returns geopy
:class:`~geopy.location.Location` objects whose ``raw`` is the gazetteer row plus its score, and it
works under :class:`geopy.extra.rate_limiter.RateLimiter` like any geopy geocoder.

Online geocoders live in :mod:`geodata.geocoding.online`.

>>> from geodata.geocoding import Gazetteer
>>> location = Gazetteer().geocode("Manta")  # doctest: +SKIP
>>> location.raw["country_code"], round(location.latitude, 2)  # doctest: +SKIP
('EC', -0.95)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from geodata.errors import InvalidQueryError
from geodata.gazetteer import KINDS, GazetteerIndex, PlaceRecord, open_gazetteer

if TYPE_CHECKING:
    from geodata.config import Settings

__all__ = ["MAX_QUERY_LENGTH", "Gazetteer", "clean_query", "validate_country_codes", "validate_kinds"]

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
            f"{MAX_QUERY_LENGTH} characters (did you pass a whole text? use geodata.nlp.geoparse)"
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
            if settings is None:
                from geodata.config import load_settings  # pydantic: imported only when settings are read

                settings = load_settings()
            path = settings.gazetteer_path
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
        wanted_kinds = validate_kinds(kinds)
        # "Paris, Texas", "Charleston, W.Va.": the part after the comma says where to look.
        candidates = self.index.lookup_qualified(text, country_codes=codes, kinds=wanted_kinds, limit=max(1, limit))
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


def validate_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Place kinds to restrict an answer to, refusing unknown ones with a clear message.

    >>> validate_kinds("city")
    ('city',)
    """
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = [kinds]
    out = tuple(kinds)
    unknown = [k for k in out if k not in KINDS]
    if unknown:
        raise InvalidQueryError(f"unknown place kind(s) {unknown}; choose from {', '.join(KINDS)}")
    return out or None
