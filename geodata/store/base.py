"""The store interface: one small protocol that the CLI, the dashboard and the exports use.

A backend stores batches of articles with their event rows (:meth:`Store.add`), says which articles
it has (:meth:`Store.has`), returns the merged events for a query (:meth:`Store.events` as a
GeoDataFrame, :meth:`Store.scan` as an Arrow table) and names the version of its data
(:attr:`Store.generation`, which changes on every write). The GeoParquet folder
(:mod:`geodata.store.parquet`) is the first backend; another one (PostGIS, an object store) is a
module registered in :data:`BACKENDS`.

>>> store = open_store("eventmap-store")  # doctest: +SKIP
>>> store.add([{"doc_id": "d1"}], rows)  # doctest: +SKIP
AddResult(added_docs=['d1'], skipped_docs=[], added_rows=3)
>>> EventQuery(categories=("military",), since="2026-01").filter_columns() >= {"category", "date"}
True
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from geodata.errors import InvalidQueryError, StorageError
from geodata.model import Category

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import pyarrow as pa

__all__ = ["BACKENDS", "AddResult", "EventQuery", "Store", "StoreBase", "StoreCounts", "open_store"]

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True)
class AddResult:
    """What one :meth:`Store.add` did."""

    added_docs: list[str]
    skipped_docs: list[str]
    added_rows: int


@dataclass(frozen=True)
class StoreCounts:
    """Sizes of a store, kept up to date by every commit (reading them reads no data)."""

    articles: int  # stored articles
    reports: int  # (event, place) rows as the articles reported them
    events: int  # events after merging reports of the same event (distinct event_id)
    rows: int  # (event, place) rows after merging
    generation: str


@dataclass(frozen=True)
class EventQuery:
    """Which events to read: filters (all optional) and the columns to load.

    Dates compare on ISO prefixes (``since="2026-03"``); an event with a date range matches when
    the range overlaps the window. ``columns=None`` loads every column.

    >>> EventQuery(since="last year")
    Traceback (most recent call last):
    ...
    geodata.errors.InvalidQueryError: --since 'last year' is not a date; use YYYY, YYYY-MM or YYYY-MM-DD
    """

    categories: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None
    countries: tuple[str, ...] | None = None
    columns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("categories", "countries", "columns"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value) or None)
        if self.categories:
            unknown = set(self.categories) - {c.value for c in Category}
            if unknown:
                raise InvalidQueryError(f"unknown category {sorted(unknown)}; use military, political or economic")
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not _DATE.fullmatch(value):
                raise InvalidQueryError(f"--{name} {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
        if self.countries:
            bad = [c for c in self.countries if not _COUNTRY.fullmatch(c)]
            if bad:
                raise InvalidQueryError(f"--country {bad[0]!r} is not a two-letter ISO country code (e.g. EC, CO)")
            object.__setattr__(self, "countries", tuple(c.upper() for c in self.countries))

    def filter_columns(self) -> set[str]:
        """Columns the filters read."""
        needed: set[str] = set()
        if self.categories:
            needed.add("category")
        if self.countries:
            needed.add("country_code")
        if self.since or self.until:
            needed |= {"date", "date_end", "published"}
        return needed


@runtime_checkable
class Store(Protocol):
    """What every store backend offers."""

    @property
    def generation(self) -> str:
        """An id of the stored data that changes on every write (a cache key for views)."""
        ...

    def add(self, articles: Any, events: Any) -> AddResult:
        """Store articles and their event rows atomically, skipping articles already stored."""
        ...

    def has(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of ``doc_ids`` are stored."""
        ...

    def events(self, query: EventQuery | None = None) -> gpd.GeoDataFrame:
        """The merged events matching ``query`` as a GeoDataFrame (EPSG:4326)."""
        ...

    def scan(self, query: EventQuery | None = None, *, merged: bool = True) -> pa.Table:
        """The events matching ``query`` as an Arrow table (WKB geometry)."""
        ...


class StoreBase:
    """What backends share: :meth:`events` and :meth:`table` go through :func:`geodata.store.query.read_events`."""

    def events(self, query: EventQuery | None = None, **filters: Any) -> gpd.GeoDataFrame:
        """The merged events matching ``query`` (or the filters as keywords) as a GeoDataFrame."""
        from geodata.store.query import read_events

        return read_events(self, query or EventQuery(**filters))

    def table(self, query: EventQuery | None = None) -> pa.Table:
        """The merged events matching ``query`` as an Arrow table (what the Parquet export writes)."""
        from geodata.store.query import read_events

        return read_events(self, query or EventQuery(), as_table=True)

    def articles(self, columns: list[str] | None = None) -> pd.DataFrame:  # pragma: no cover - per backend
        """Every stored article (one row each)."""
        raise NotImplementedError


#: Backends by scheme: ``open_store("parquet:/data/store")``; a plain path is a GeoParquet folder.
BACKENDS = {"parquet": "geodata.store.parquet:ParquetStore"}


def open_store(location: Store | str | Path, **options: Any) -> Store:
    """The store at ``location``: a folder path (GeoParquet) or ``scheme:address`` of a registered backend.

    >>> open_store("demo-store")
    ParquetStore('demo-store')
    >>> open_store("postgis://db/events")
    Traceback (most recent call last):
    ...
    geodata.errors.StorageError: no store backend 'postgis'; available: parquet
    """
    if isinstance(location, Store):
        return location
    text = str(location)
    scheme, sep, rest = text.partition(":")
    if not sep or len(scheme) <= 1 or "/" in scheme or "\\" in scheme:  # a path (or a Windows drive)
        scheme, rest = "parquet", text
    target = BACKENDS.get(scheme)
    if target is None:
        raise StorageError(f"no store backend {scheme!r}; available: {', '.join(sorted(BACKENDS))}")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(rest if scheme == "parquet" else text, **options)
