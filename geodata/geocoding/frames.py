"""GeoDataFrames: the currency between eventmap's stages (always EPSG:4326).

This module is the one place where latitude/longitude pairs become shapely Points.

>>> from geodata.geocoding.frames import geocode_places
>>> frame = geocode_places(["Manta", "Nariño", "Atlantis Prime"])  # doctest: +SKIP
>>> list(frame["country_code"])  # doctest: +SKIP
['EC', 'CO', None]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from geodata.errors import GeocodingError, InvalidQueryError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.config import Settings

__all__ = ["CRS", "GEOCODE_COLUMNS", "geocode_places", "place_shapes", "points_from_latlon"]

CRS = "EPSG:4326"
GEOCODE_COLUMNS = [
    "query",
    "name",
    "kind",
    "country_code",
    "admin1",
    "population",
    "place_id",
    "score",
    "geo_precision",
    "reason",
    "geometry",
]


def points_from_latlon(lats: Sequence[float | None], lons: Sequence[float | None]) -> list:
    """Shapely Points from latitude/longitude lists; ``None`` pairs give empty geometries.

    geopy and the gazetteer speak (lat, lon); shapely wants (x=lon, y=lat). Nothing else in
    eventmap swaps axes.

    >>> [p.wkt for p in points_from_latlon([-0.95, None], [-80.73, None])]
    ['POINT (-80.73 -0.95)', 'POINT EMPTY']
    """
    import shapely

    return [
        shapely.Point(lon, lat) if lat is not None and lon is not None else shapely.Point()
        for lat, lon in zip(lats, lons, strict=True)
    ]


def _rows_from_answers(queries: list[Any], answers: list[tuple[Any, str | None]]) -> list[dict[str, Any]]:
    """Pure: (query, geopy Location or None, reason) → one row per query."""
    rows = []
    for query, (location, reason) in zip(queries, answers, strict=True):
        raw = location.raw if location is not None else {}
        rows.append(
            {
                "query": query if isinstance(query, str) else repr(query),
                "name": raw.get("name", location.address if location is not None else None),
                "kind": raw.get("kind"),
                "country_code": raw.get("country_code") or None,
                "admin1": raw.get("admin1") or None,
                "population": raw.get("population"),
                "place_id": raw.get("place_id"),
                "score": raw.get("score"),
                "geo_precision": raw.get("geo_precision"),
                "reason": reason,
                "lat": location.latitude if location is not None else None,
                "lon": location.longitude if location is not None else None,
            }
        )
    return rows


def geocode_places(
    names: Iterable[Any],
    *,
    geocoder: Any = None,
    settings: Settings | None = None,
    country_codes: str | Iterable[str] | None = None,
    kinds: str | Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Geocode place names into a GeoDataFrame, one row per query, in the order given.

    Names that cannot be resolved keep their row with an empty geometry and a ``reason`` ("no
    place called …", "empty query …"); a bad name never stops the batch.

    Parameters
    ----------
    names
        Place names (non-strings are reported in ``reason``, not raised).
    geocoder
        Any geopy-style geocoder; defaults to :func:`geodata.geocoding.online.get_geocoder`.
    country_codes, kinds
        Passed to the geocoder (the offline gazetteer restricts its answers to them).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``query, name, kind, country_code, admin1, population, place_id, score,
        geo_precision, reason, geometry`` (the representative Point), CRS EPSG:4326.

    Raises
    ------
    InvalidQueryError
        Only for an unknown country code or kind, which would make every row fail alike.

    Examples
    --------
    >>> frame = geocode_places(["Caracas", ""])  # doctest: +SKIP
    >>> frame.loc[1, "reason"]  # doctest: +SKIP
    "empty query: give a place name such as 'Quito'"
    """
    import geopandas as gpd

    from geodata.geocoding.gazetteer import Gazetteer, validate_country_codes, validate_kinds
    from geodata.geocoding.online import get_geocoder

    geocoder = geocoder or get_geocoder(settings)
    gazetteer = geocoder if isinstance(geocoder, Gazetteer) else getattr(geocoder, "fallback", None)
    if gazetteer is not None:
        country_codes = validate_country_codes(country_codes, gazetteer.index)
    kinds = validate_kinds(kinds)
    queries = list(names)
    answers: list[tuple[Any, str | None]] = []
    for query in queries:
        kwargs: dict[str, Any] = {"exactly_one": True}
        if country_codes:
            kwargs["country_codes"] = country_codes
        if kinds and isinstance(geocoder, Gazetteer):
            kwargs["kinds"] = kinds
        try:
            location = geocoder.geocode(query, **kwargs)
        except InvalidQueryError as err:
            answers.append((None, str(err)))
            continue
        except GeocodingError as err:
            answers.append((None, f"geocoder failed: {err}"))
            continue
        answers.append((location, None if location is not None else f"no place called {query!r} in the gazetteer"))
    rows = _rows_from_answers(queries, answers)
    geometry = points_from_latlon([r.pop("lat") for r in rows], [r.pop("lon") for r in rows])
    frame = gpd.GeoDataFrame(rows, columns=GEOCODE_COLUMNS[:-1], geometry=geometry, crs=CRS)
    return frame.astype({"population": "Int64", "geo_precision": "Int64", "score": "float64"})


def place_shapes(
    place_ids: Iterable[str], *, settings: Settings | None = None, gazetteer: Any = None
) -> gpd.GeoDataFrame:
    """Area geometries of places (countries, admin units, regions, seas), one row per known id.

    Places without an area (cities, rivers) get their Point, so every id maps to a geometry; the
    ``area`` column says which is which.

    >>> shapes = place_shapes(["geonames:3674021"])  # doctest: +SKIP
    >>> shapes.geometry.iloc[0].geom_type  # doctest: +SKIP
    'MultiPolygon'
    """
    import geopandas as gpd

    from geodata.gazetteer import open_gazetteer

    if gazetteer is None:
        gazetteer = open_gazetteer(settings.gazetteer_path if settings else None)
    ids = [i for i in dict.fromkeys(place_ids) if isinstance(i, str) and i]
    records = gazetteer.get_many(ids)
    shapes = gazetteer.shapes([i for i in ids if i in records and records[i].has_shape])
    rows, geoms = [], []
    points = points_from_latlon(
        [records[i].lat for i in ids if i in records], [records[i].lon for i in ids if i in records]
    )
    for pid, point in zip([i for i in ids if i in records], points, strict=True):
        rec = records[pid]
        rows.append(
            {
                "place_id": pid,
                "name": rec.name,
                "kind": rec.kind,
                "country_code": rec.country_code or None,
                "geo_precision": rec.geo_precision,
                "area": pid in shapes,
            }
        )
        geoms.append(shapes.get(pid, point))
    return gpd.GeoDataFrame(
        rows, columns=["place_id", "name", "kind", "country_code", "geo_precision", "area"], geometry=geoms, crs=CRS
    )
