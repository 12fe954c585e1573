"""Reading events: the one read function (:func:`read_events`), filters, counts.

Every read of merged events (the CLI, the dashboard, the exports, :func:`events_frame`) goes
through :func:`read_events`: the backend's scan (projection, pushdown, merge), then the overlays
that change what was stored (:func:`_overlay`: the place for corrections made by people), then a
GeoDataFrame unless an Arrow table is asked for.

>>> from geodata.store import events_frame
>>> events_frame("eventmap-store", categories=["military"])  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from geodata.store.base import EventQuery, Store, open_store

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["events_frame", "filter_events", "filter_table", "read_events"]


def read_events(store: Store, query: EventQuery | None = None, *, as_table: bool = False) -> Any:
    """The merged events of ``store`` matching ``query``: a GeoDataFrame, or an Arrow table with ``as_table``."""
    from geodata.store.schema import table_to_frame

    table = _overlay(store.scan(query or EventQuery()), store)
    return table if as_table else table_to_frame(table)


def _overlay(table: pa.Table, store: Store) -> pa.Table:
    """Changes applied on top of the stored rows, on every read: the corrections made by people.

    Corrections (:func:`geodata.corrections.apply_corrections`) are an overlay, so every view and
    export sees them and the stored reports stay as the articles told them. Without corrections
    the table passes through untouched (no conversion).
    """
    from geodata.corrections import apply_corrections, load_corrections
    from geodata.store.schema import table_to_frame, to_events_table

    path = getattr(store, "path", None)
    corrections = load_corrections(path) if path is not None else []
    if not corrections or not table.num_rows:
        return table
    corrected = apply_corrections(table_to_frame(table), corrections)
    return to_events_table(corrected).select(table.column_names)


def filter_table(table: pa.Table, query: EventQuery) -> pa.Table:
    """Rows of an events table matching ``query``'s filters (vectorised, no Python per row)."""
    mask = None

    def both(a: Any, b: Any) -> Any:
        return b if a is None else pc.and_(a, b)

    if query.categories:
        mask = both(mask, pc.is_in(table.column("category"), value_set=pa.array(query.categories, pa.string())))
    if query.countries:
        mask = both(mask, pc.is_in(table.column("country_code"), value_set=pa.array(query.countries, pa.string())))
    if query.since or query.until:
        start = pc.coalesce(table.column("date"), table.column("published"), pa.scalar(""))
        end = pc.coalesce(table.column("date_end"), start)
        if query.since:
            mask = both(mask, pc.greater_equal(pc.utf8_slice_codeunits(end, 0, len(query.since)), query.since))
        if query.until:
            mask = both(mask, pc.less_equal(pc.utf8_slice_codeunits(start, 0, len(query.until)), query.until))
    return table if mask is None else table.filter(pc.fill_null(mask, False))


def filter_events(
    frame: gpd.GeoDataFrame,
    *,
    categories: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    countries: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Rows of an events GeoDataFrame matching every filter given (see :class:`EventQuery`).

    >>> from geodata.store.schema import empty_events_frame
    >>> len(filter_events(empty_events_frame(), categories=["military"], since="2026-03"))
    0
    """
    query = EventQuery(categories=categories, since=since, until=until, countries=countries)
    mask = frame.index == frame.index
    if query.categories:
        mask &= frame["category"].isin(query.categories)
    if query.since or query.until:
        start = frame["date"].fillna(frame["published"]).fillna("")
        end = frame["date_end"].fillna(start).fillna("")
        if query.since:
            mask &= end.str.slice(0, len(query.since)) >= query.since
        if query.until:
            mask &= start.str.slice(0, len(query.until)) <= query.until
    if query.countries:
        mask &= frame["country_code"].isin(query.countries)
    return frame[mask]


def events_frame(store: Store | str | Path, **filters: Any) -> gpd.GeoDataFrame:
    """The store's merged events as a GeoDataFrame (EPSG:4326), optionally filtered.

    Parameters
    ----------
    store
        A store (:func:`~geodata.store.open_store`) or its folder.
    **filters
        ``categories``, ``since``, ``until``, ``countries``, ``columns`` (see :class:`EventQuery`).

    Examples
    --------
    >>> frame = events_frame("eventmap-store", categories=["military"])  # doctest: +SKIP
    """
    return read_events(open_store(store), EventQuery(**filters))
