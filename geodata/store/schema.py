"""The store's Arrow schema: one typed column per model column, GeoParquet metadata, rows ↔ tables.

Everything the store writes goes through :func:`to_events_table` and :func:`to_articles_table`, so every
part has the same schema; parts written before a column existed are read with that column filled
(:data:`FILL_DEFAULTS`, else null). List columns are Arrow lists (``figures`` and
``place_candidates`` lists of structs), so any GeoParquet reader sees real arrays.

>>> table = to_events_table([{"event_id": "e1", "doc_id": "d1", "lat": -0.95, "lon": -80.73, "triggers": ["raid"]}])
>>> table.num_rows, table.schema.field("triggers").type
(1, ListType(list<item: string>))
>>> table_to_frame(table).geometry.iloc[0].x
-80.73
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from geodata.model import ARTICLE_COLUMNS, EVENT_COLUMNS, LIST_COLUMNS, STORE_EXTRA_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "ARTICLES_SCHEMA",
    "EVENTS_SCHEMA",
    "FILL_DEFAULTS",
    "STORE_COLUMNS",
    "conform",
    "empty_events_frame",
    "geo_metadata",
    "table_to_frame",
    "to_articles_table",
    "to_events_table",
]

STORE_COLUMNS = EVENT_COLUMNS + STORE_EXTRA_COLUMNS

_STR = pa.string()
_INT = pa.int64()
_FLOAT = pa.float64()
_STRINGS = pa.list_(pa.string())
FIGURE_TYPE = pa.struct(
    [("kind", _STR), ("value", _FLOAT), ("unit", _STR), ("text", _STR), ("start", _INT), ("end", _INT)]
)
CANDIDATE_TYPE = pa.struct(
    [("place_id", _STR), ("name", _STR), ("kind", _STR), ("country_code", _STR), ("score", _FLOAT)]
)

#: Arrow type of every column that is not a string (strings are the default).
_TYPES: dict[str, pa.DataType] = {
    "triggers": _STRINGS,
    "confidence": _FLOAT,
    "sentence_start": _INT,
    "sentence_end": _INT,
    "place_start": _INT,
    "place_end": _INT,
    "geo_precision": _INT,
    "actors": _STRINGS,
    "fatalities": _INT,
    "figures": pa.list_(FIGURE_TYPE),
    "evidence": _STRINGS,
    "n_sources": _INT,
    "place_score": _FLOAT,
    "place_candidates": pa.list_(CANDIDATE_TYPE),
    "sources": _STRINGS,
    "doc_ids": _STRINGS,
    "lat": _FLOAT,
    "lon": _FLOAT,
    "n_events": _INT,
}
#: Columns that are text on purpose (a test checks that every model column is typed here or above).
TEXT_COLUMNS = frozenset(
    {
        *("event_id", "doc_id", "title", "source", "published", "category", "subtype", "status"),
        *("acled_sub_event_type", "cameo_code", "sentence", "date", "date_end", "date_text", "date_precision"),
        *("place_text", "place_name", "place_id", "place_kind", "country_code", "admin1", "place_role"),
        *("agent", "target", "place_reason", "path", "author", "ingested_at", "text", "encoding"),
    }
)

EVENTS_SCHEMA = pa.schema(
    [pa.field(c, _TYPES.get(c, _STR)) for c in STORE_COLUMNS] + [pa.field("geometry", pa.binary())]
)
ARTICLES_SCHEMA = pa.schema([pa.field(c, _TYPES.get(c, _STR)) for c in ARTICLE_COLUMNS])

#: Values of columns added after a store was written, when its parts lack them.
FILL_DEFAULTS: dict[str, Any] = {"status": "reported"}


@cache
def _crs_json() -> dict[str, Any]:
    from pyproj import CRS

    return CRS.from_epsg(4326).to_json_dict()


def geo_metadata() -> bytes:
    """The GeoParquet 1.0 ``geo`` metadata of the events' WKB ``geometry`` column (EPSG:4326 Points)."""
    meta = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "crs": _crs_json()}},
    }
    return json.dumps(meta).encode("utf-8")


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _list_value(value: Any) -> list:
    """A cell of a list column as a list (JSON text, numpy arrays and missing values included)."""
    if _is_missing(value):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value) if value else []
        except ValueError:
            return [value]
    if isinstance(value, list):
        return value
    return list(value) if hasattr(value, "__iter__") and not isinstance(value, Mapping) else [value]


def _points_wkb(lats: list[Any], lons: list[Any]) -> pa.Array:
    import numpy as np
    import shapely

    from geodata.geocoding.frames import points_from_latlon

    points = points_from_latlon(
        [None if _is_missing(v) else float(v) for v in lats], [None if _is_missing(v) else float(v) for v in lons]
    )
    return pa.array(shapely.to_wkb(np.array(points, dtype=object)), type=pa.binary())


def _column(values: list[Any], name: str, kind: pa.DataType) -> pa.Array:
    if name in LIST_COLUMNS or pa.types.is_list(kind):
        values = [_list_value(v) for v in values]
    elif pa.types.is_integer(kind):
        values = [None if _is_missing(v) else int(v) for v in values]
    elif pa.types.is_floating(kind):
        values = [None if _is_missing(v) else float(v) for v in values]
    else:
        values = [None if _is_missing(v) else str(v) for v in values]
    return pa.array(values, type=kind)


def to_events_table(rows: Iterable[Mapping[str, Any]] | gpd.GeoDataFrame | pd.DataFrame | pa.Table) -> pa.Table:
    """Event rows (dicts, a (Geo)DataFrame or an Arrow table) as a table of :data:`EVENTS_SCHEMA`.

    The geometry is built from ``lat``/``lon`` when the rows have no geometry (WKB Points).
    """
    if isinstance(rows, pa.Table):
        return conform(rows, EVENTS_SCHEMA)
    if hasattr(rows, "columns"):  # a (Geo)DataFrame
        frame = rows
        present = [c for c in STORE_COLUMNS if c in frame.columns]
        columns = {c: frame[c].tolist() for c in present}
        geometry = None
        if "geometry" in frame.columns:
            import shapely

            geometry = pa.array(shapely.to_wkb(frame.geometry.to_numpy()), type=pa.binary())
    else:
        rows = list(rows)
        keys = set().union(*(r.keys() for r in rows)) if rows else set(STORE_COLUMNS)
        present = [c for c in STORE_COLUMNS if c in keys]
        columns = {c: [r.get(c) for r in rows] for c in present}
        geometry = None
    n = len(next(iter(columns.values()))) if columns else 0
    fields = [EVENTS_SCHEMA.field(c) for c in present]
    arrays = [_column(columns[f.name], f.name, f.type) for f in fields]
    if geometry is None:
        geometry = _points_wkb(columns.get("lat", [None] * n), columns.get("lon", [None] * n))
    table = pa.Table.from_arrays([*arrays, geometry], schema=pa.schema([*fields, EVENTS_SCHEMA.field("geometry")]))
    return conform(table, EVENTS_SCHEMA)


def to_articles_table(rows: Iterable[Mapping[str, Any]] | pd.DataFrame | pa.Table) -> pa.Table:
    """Article rows (dicts, a DataFrame or an Arrow table) as a table of :data:`ARTICLES_SCHEMA`."""
    if isinstance(rows, pa.Table):
        return conform(rows, ARTICLES_SCHEMA)
    if hasattr(rows, "columns"):
        rows = rows.to_dict("records")
    rows = list(rows)
    arrays = [_column([r.get(f.name) for r in rows], f.name, f.type) for f in ARTICLES_SCHEMA]
    return pa.Table.from_arrays(arrays, schema=ARTICLES_SCHEMA)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in order: missing ones filled, others cast.

    >>> conform(pa.table({"event_id": ["e"]}), EVENTS_SCHEMA).column("status").to_pylist()
    ['reported']
    """
    if table.schema.equals(schema):
        return table
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            arrays.append(column if column.type.equals(field.type) else column.cast(field.type))
        elif field.name in FILL_DEFAULTS:
            arrays.append(pa.array([FILL_DEFAULTS[field.name]] * table.num_rows, type=field.type))
        elif field.name == "evidence" and "sentence" in table.column_names:
            sentence = table.column("sentence").combine_chunks()
            offsets = pa.array(range(table.num_rows + 1), type=pa.int32())
            arrays.append(pa.ListArray.from_arrays(offsets, sentence.fill_null("")))
        else:
            arrays.append(pa.nulls(table.num_rows, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def table_to_frame(table: pa.Table) -> gpd.GeoDataFrame:
    """An events table as a GeoDataFrame (EPSG:4326); list columns hold Python lists."""
    import geopandas as gpd

    names = [c for c in table.column_names if c != "geometry"]
    lists = [c for c in names if pa.types.is_list(table.schema.field(c).type)]
    plain = table.select([c for c in names if c not in lists])
    frame = plain.to_pandas()
    for column in lists:
        values = table.column(column).to_pylist()
        frame[column] = [v if v is not None else [] for v in values]
    frame = frame[names]
    if "geometry" in table.column_names:
        geometry = gpd.GeoSeries.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False), crs="EPSG:4326")
    else:
        geometry = gpd.GeoSeries([None] * len(frame), crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geometry.values, crs="EPSG:4326")


def empty_events_frame() -> gpd.GeoDataFrame:
    """An events GeoDataFrame with every column and no rows."""
    return table_to_frame(EVENTS_SCHEMA.empty_table())
