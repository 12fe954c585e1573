"""The event store: a small interface (:mod:`~geodata.store.base`) and its GeoParquet backend.

=====================  ===================================================================
module                 what it holds
=====================  ===================================================================
``base``               the :class:`Store` protocol, :class:`EventQuery`, :func:`open_store`
``parquet``            the GeoParquet folder backend: locks, parts, indexes, compaction
``schema``             the Arrow schema of the stored rows; rows ↔ tables ↔ GeoDataFrames
``merge``              merging reports of one event by several articles (incremental)
``query``              :func:`read_events` (the one read path), filters, counts
``export``             :func:`write_events`: GeoJSON, CSV, GeoParquet, GeoPackage
=====================  ===================================================================

>>> from geodata.store import open_store, EventQuery
>>> store = open_store("eventmap-store")  # doctest: +SKIP
>>> store.events(EventQuery(categories=("military",)))  # doctest: +SKIP
<GeoDataFrame …>

``EventStore(path)`` (the GeoParquet backend's former name) still opens a folder.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it (imported on first use, so `import geodata.store` is cheap)
_EXPORTS = {
    "AddResult": "geodata.store.base",
    "EventQuery": "geodata.store.base",
    "Store": "geodata.store.base",
    "StoreCounts": "geodata.store.base",
    "open_store": "geodata.store.base",
    "ParquetStore": "geodata.store.parquet",
    "EventCount": "geodata.counts",
    "count_events": "geodata.counts",
    "events_frame": "geodata.store.query",
    "filter_events": "geodata.store.query",
    "read_events": "geodata.store.query",
    "merge_reports": "geodata.store.merge",
    "empty_events_frame": "geodata.store.schema",
    "EXPORT_FORMATS": "geodata.store.export",
    "write_events": "geodata.store.export",
}

__all__ = sorted([*_EXPORTS, "EventStore"])


def __getattr__(name: str) -> Any:
    if name == "EventStore":
        name_in_module, module = "ParquetStore", "geodata.store.parquet"
    else:
        name_in_module, module = name, _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geodata.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name_in_module)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
