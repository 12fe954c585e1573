"""eventmap's data side: articles → place mentions → places → events → GeoDataFrames → store.

The public API is imported lazily so that ``import geodata`` stays cheap (the gazetteer answers its
first lookup without loading pandas, geopandas or spaCy).

>>> import geodata
>>> frame = geodata.geocode_places(["Manta", "Caracas"])  # doctest: +SKIP
>>> frame.crs.to_string()  # doctest: +SKIP
'EPSG:4326'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Article": "geodata.articles",
    "EventQuery": "geodata.store",
    "EventStore": "geodata.store",
    "Gazetteer": "geodata.geocoding.gazetteer",
    "Geoparser": "geodata.nlp.geoparse",
    "events_frame": "geodata.store",
    "geoparse": "geodata.nlp.geoparse",
    "ingest_paths": "geodata.ingest",
    "read_article": "geodata.articles",
    "read_articles": "geodata.articles",
    "write_events": "geodata.store",
    "OnlineGeocoder": "geodata.geocoding.online",
    "Settings": "geodata.config",
    "get_geocoder": "geodata.geocoding.online",
    "geocode_places": "geodata.geocoding.frames",
    "load_settings": "geodata.config",
    "open_gazetteer": "geodata.gazetteer",
    "open_store": "geodata.store",
    "place_shapes": "geodata.geocoding.frames",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geodata' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
