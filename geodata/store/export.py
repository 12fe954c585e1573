"""Exports of events with exactly the contract's columns: GeoJSON, CSV, GeoParquet, GeoPackage.

List columns (``triggers``, ``actors``, ``figures``, ``evidence``) stay arrays in GeoJSON and
Parquet and become JSON text in CSV and GeoPackage. CSV adds ``lon``/``lat`` and drops the
geometry. A GeoParquet export of an Arrow table (:meth:`Store.table`) never builds Python objects.

>>> write_events(frame, "events.parquet")  # doctest: +SKIP
PosixPath('events.parquet')
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from geodata.errors import InvalidQueryError, StorageError
from geodata.model import EVENT_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["EXPORT_FORMATS", "export_format", "write_events"]

EXPORT_FORMATS = ("geojson", "csv", "parquet", "gpkg")
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".parquet": "parquet", ".gpkg": "gpkg"}


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The export format named, else the one of the file's suffix.

    >>> export_format("a.geojson"), export_format("a.txt", "csv")
    ('geojson', 'csv')
    """
    fmt = fmt or _SUFFIXES.get(Path(path).suffix.lower())
    if fmt not in EXPORT_FORMATS:
        raise InvalidQueryError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def write_events(events: gpd.GeoDataFrame | pa.Table, path: str | Path, fmt: str | None = None) -> Path:
    """Write events (a GeoDataFrame or an events Arrow table) as GeoJSON, CSV, GeoParquet or GeoPackage.

    The file appears complete or not at all (written under a temporary name, then renamed).
    """
    from geodata.store.schema import geo_metadata, table_to_frame, to_events_table

    path = Path(path)
    fmt = export_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            table = to_events_table(events).select([*EVENT_COLUMNS, "geometry"])
            pq.write_table(table.replace_schema_metadata({b"geo": geo_metadata()}), tmp, compression="snappy")
        else:
            frame = table_to_frame(events) if isinstance(events, pa.Table) else events
            _write_frame(frame, tmp, fmt)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {path}: {err}") from err
    return path


def _write_frame(frame: Any, tmp: Path, fmt: str) -> None:
    out = frame.reindex(columns=[*EVENT_COLUMNS, "geometry"]).copy()
    if fmt == "geojson":
        tmp.write_text(out.to_json(na="null", drop_id=True, ensure_ascii=False), encoding="utf-8")
        return
    for col in ("triggers", "actors", "figures", "evidence"):
        out[col] = [json.dumps(_plain(v), ensure_ascii=False) for v in out[col]]
    if fmt == "csv":
        flat = out.drop(columns="geometry").assign(lon=out.geometry.x, lat=out.geometry.y)
        flat.to_csv(tmp, index=False)
    else:
        out.to_file(tmp, driver="GPKG", layer="events")


def _plain(value: Any) -> Any:
    """A list cell as plain JSON values (numpy arrays and scalars included)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    if hasattr(value, "tolist"):
        value = value.tolist()
    return value if isinstance(value, list) else list(value) if isinstance(value, tuple) else value
