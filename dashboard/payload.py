"""The one compact encoding of events for browsers: the dashboard and the static export both use it.

:func:`compact_payload` turns the events table (one row per event and place) into small integer
columns plus dictionaries of strings; :func:`encode_binary` packs it as one little-endian binary
blob that ``assets/core.js`` (``decodeBinary``) reads into typed arrays without parsing a number.
Both the dashboard (``/eventmap-api/events.bin``) and the static export (a gzipped, base64 block
inside the HTML) ship exactly these bytes, and the same ``core.js`` filters them.

Everything is vectorised (Arrow/numpy; Python sees distinct values only): the builders take a
GeoDataFrame or the Arrow table the store returns, and 1,000,000 rows encode in a few seconds.

Row columns (``payload["rows"]``), one entry per row:

====  ==========================================================================
p     place (index into ``places``)
c     category (index into ``categories``)
s     subtype
st    status (index into ``statuses``; ``mapped_statuses`` are shown by default)
d0    first day (days since 1970-01-01; ``NO_DAY`` when undated)
dd    length of the span in days
dp    date precision (index into ``date_precisions``)
k     country (index into ``countries``)
o     outlet (index into ``outlets``)
r     place role (index into ``roles``)
ev    event (rows of one event share it; counts are of distinct ``ev``)
f     fatalities (0 when none were reported)
ao/a  actors: row ``i`` has actors ``a[ao[i]:ao[i+1]]`` (indices into ``actors``)
====  ==========================================================================

>>> day_span("2025-11", None)
(20393, 20422)
>>> HALO_RADIUS_M[3]
250000
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from dashboard.card import CATEGORY_STYLE, is_missing
from geodata.gazetteer.index import geo_precision
from geodata.gazetteer.normalize import fold
from geodata.model import DATE_PRECISIONS, MAPPED_STATUSES, PLACE_ROLES, STATUSES

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "CATEGORIES",
    "EXACT_DATE_PRECISIONS",
    "HALO_RADIUS_M",
    "NO_DAY",
    "compact_payload",
    "day_span",
    "encode_binary",
    "iso_day",
    "mappable",
    "outlet_label",
    "place_records",
    "text_payload",
]

CATEGORIES = tuple(CATEGORY_STYLE)
#: Radius of the halo drawn for an area event without a shape, by geo_precision (metres): one table
#: for the dashboard and the static export.
HALO_RADIUS_M = {2: 60_000, 3: 250_000, 4: 700_000}
#: Date precisions that pin an event to days: only these set the timeline's range.
EXACT_DATE_PRECISIONS = ("day", "publication")
NO_DAY = -(2**31)
_EPOCH = dt.date(1970, 1, 1).toordinal()
_MAGIC = b"EMB1"
_JS_TYPES = {"int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64"}


# ---------------------------------------------------------------------------- small pure helpers
def iso_day(day: int | None) -> str | None:
    """The ISO date of a day number (days since 1970-01-01); ``None`` stays ``None``.

    >>> iso_day(0), iso_day(20393)
    ('1970-01-01', '2025-11-01')
    """
    if day is None:
        return None
    return dt.date.fromordinal(int(day) + _EPOCH).isoformat()


def _parse_partial(value: Any) -> tuple[int, int] | None:
    """First and last day number of an ISO date that may be partial (``2025``, ``2025-11``, ``2025-11-03``)."""
    if is_missing(value):
        return None
    text = str(value).strip()[:10]
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date.fromisoformat(text + "-01")
            last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            first = last = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return first.toordinal() - _EPOCH, last.toordinal() - _EPOCH


def day_span(date: Any, date_end: Any = None, published: Any = None) -> tuple[int, int] | None:
    """Days (since 1970-01-01) covered by an event: its date, through ``date_end`` when given.

    A partial date covers its whole month or year; an event without a date falls back to the
    publication date; ``None`` when neither is a date.

    >>> day_span("2025-11-03", "2025-11-05")
    (20395, 20397)
    >>> day_span(None, None, "2025-11-03")
    (20395, 20395)
    """
    start = _parse_partial(date) or _parse_partial(published)
    if start is None:
        return None
    end = _parse_partial(date_end)
    return start[0], max(start[1], end[1]) if end else start[1]


def outlet_label(source: Any) -> str:
    r"""A short name for where an article came from: the web host, else the file name.

    >>> outlet_label("https://www.reuters.com/world/x"), outlet_label("C:\\news\\a.html"), outlet_label(None)
    ('reuters.com', 'a.html', '(unknown source)')
    """
    if is_missing(source):
        return "(unknown source)"
    text = str(source).strip()
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        host = parsed.hostname
        return host[4:] if host.startswith("www.") else host
    name = PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name
    return (name or text)[:80]


# ---------------------------------------------------------------------------- vectorised columns
# Every builder below takes either a (Geo)DataFrame or an Arrow table of the events (the dashboard
# reads only the columns it needs from the store, as Arrow), and works on Arrow arrays: a column is
# dictionary-encoded once and Python only sees its distinct values, never its rows.
def _n_rows(data: Any) -> int:
    return data.num_rows if hasattr(data, "num_rows") else len(data)


def _has(data: Any, name: str) -> bool:
    return name in (data.column_names if hasattr(data, "column_names") else data.columns)


def _arrow(data: Any, name: str, default: Any = None) -> pa.Array:
    """Column ``name`` as one Arrow array (nulls for missing values; ``default`` when there is no such column)."""
    import pyarrow as pa

    n = _n_rows(data)
    if not _has(data, name):
        return pa.nulls(n, pa.string()) if default is None else pa.array([default] * n)
    if hasattr(data, "column_names"):
        return data.column(name).combine_chunks()
    series = data[name]
    try:
        values = pa.array(series, from_pandas=True)
        # pandas columns backed by Arrow come back in chunks: one array for what follows.
        return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):  # mixed Python objects
        return pa.array([None if is_missing(v) else str(v) for v in series.tolist()], pa.string())


def _strings(data: Any, name: str, default: Any = None) -> pa.Array:
    """Column ``name`` as an Arrow string array (values that are not text are written as text)."""
    import pyarrow as pa

    values = _arrow(data, name, default)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_large_string(values.type):
        return values.cast(pa.string())
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_null(values.type):
        return values.cast(pa.string())
    return pa.array([None if is_missing(v) else str(v) for v in values.to_pylist()], pa.string())


def _encode(values: pa.Array, fill: str = "") -> tuple[np.ndarray, list[str]]:
    """Codes (in order of first appearance) and distinct values of a string array; nulls count as ``fill``."""
    import pyarrow.compute as pc

    encoded = pc.fill_null(values, fill).dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def _factorize(values: pa.Array, first: Sequence[str] = (), *, labels_of: Any = None) -> tuple[np.ndarray, list[str]]:
    """int32 codes and labels of a string column; labels in ``first`` come first and keep their order.

    Missing values are the label ``""``. ``labels_of`` maps each distinct raw value to its label
    (e.g. a URL to its outlet) before codes are assigned, so equal labels share one code.
    """
    import numpy as np

    codes, uniques = _encode(values)
    names = [labels_of(u) if labels_of else u for u in uniques]
    labels: dict[str, int] = {label: n for n, label in enumerate(first)}
    remap = np.empty(max(len(names), 1), dtype=np.int32)
    for k, name in enumerate(names):
        remap[k] = labels.setdefault(name, len(labels))
    return remap[codes].astype(np.int32) if len(codes) else np.zeros(0, np.int32), list(labels)


def _outlets(values: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Outlet code of each row and the outlet labels (:func:`outlet_label`, vectorised over distinct sources)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = _encode(values)
    text = pc.utf8_trim_whitespace(pa.array(uniques, pa.string()))
    host = pc.struct_field(pc.extract_regex(text, r"(?i)^https?://(?:[^@/?#]*@)?(?P<h>[^/:?#]+)"), [0])
    host = pc.replace_substring_regex(pc.utf8_lower(host), r"^www\.", "")
    name = pc.struct_field(pc.extract_regex(text, r"(?P<n>[^/\\]*)$"), [0])
    name = pc.utf8_slice_codeunits(pc.fill_null(name, ""), 0, 80)
    label = pc.if_else(pc.fill_null(pc.not_equal(host, ""), False), host, name)
    label = pc.if_else(pc.equal(label, ""), pc.utf8_slice_codeunits(text, 0, 80), label)
    label = pc.if_else(pc.equal(text, ""), "(unknown source)", label)
    return _factorize(label.take(pa.array(codes)))


def _spans(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each value of a date column (``NO_DAY`` when not a date)."""
    import numpy as np

    codes, uniques = _encode(values)
    first = np.full(len(uniques), NO_DAY, dtype=np.int64)
    last = np.full(len(uniques), NO_DAY, dtype=np.int64)
    for k, value in enumerate(uniques):
        span = _parse_partial(value) if value else None
        if span:
            first[k], last[k] = span
    return first[codes], last[codes]


def _points(data: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of every row (NaN without a point).

    An Arrow table holds WKB: 2D points (21 bytes each, the store's only kind) are read straight
    from the buffer; anything else goes through shapely (its inner point for a shape).
    """
    import numpy as np
    import shapely

    n = _n_rows(data)
    if not hasattr(data, "column_names"):
        geometry = data.geometry
        ok = (geometry.notna() & ~geometry.is_empty).to_numpy()
        xs, ys = np.full(n, np.nan), np.full(n, np.nan)
        if ok.any():
            xs[ok], ys[ok] = geometry[ok].x.to_numpy(), geometry[ok].y.to_numpy()
        return xs, ys
    if not _has(data, "geometry") or n == 0:
        return np.full(n, np.nan), np.full(n, np.nan)
    import pyarrow as pa

    column = data.column("geometry").combine_chunks()
    if pa.types.is_large_binary(column.type):
        column = column.cast(pa.binary())
    if column.null_count == 0:
        offsets = np.frombuffer(column.buffers()[1], dtype=np.int32, count=n + 1, offset=column.offset * 4)
        raw = np.frombuffer(column.buffers()[2], dtype=np.uint8)
        starts = offsets[:-1]
        if (np.diff(offsets) == 21).all():
            blobs = raw[starts[0] : starts[0] + 21 * n].reshape(n, 21)
            kinds = blobs[:, 1:5].copy().view("<u4")[:, 0]
            if (blobs[:, 0] == 1).all() and (kinds == 1).all():
                coords = blobs[:, 5:].copy().view("<f8")
                return coords[:, 0].copy(), coords[:, 1].copy()
    shapes = shapely.from_wkb(column.to_numpy(zero_copy_only=False))
    points = np.where(shapely.get_type_id(shapes) == 0, shapes, shapely.point_on_surface(shapes))
    return shapely.get_x(points), shapely.get_y(points)


def mappable(frame: Any) -> Any:
    """Rows with a usable point, in a stable order (the browser's row numbers); a frame or an Arrow table."""
    import numpy as np

    if hasattr(frame, "column_names"):
        import pyarrow as pa

        xs, ys = _points(frame)
        ok = ~(np.isnan(xs) | np.isnan(ys))
        return frame if ok.all() else frame.filter(pa.array(ok))
    geom = frame.geometry
    ok = geom.notna() & ~geom.is_empty
    return frame[ok.to_numpy()].reset_index(drop=True)


def _take(data: Any, name: str, rows: np.ndarray) -> list[Any]:
    """Values of column ``name`` at ``rows`` as Python objects (None when there is no such column)."""
    if not _has(data, name):
        return [None] * len(rows)
    if hasattr(data, "column_names"):
        import pyarrow as pa

        return data.column(name).take(pa.array(rows, type=pa.int64())).to_pylist()
    return data[name].iloc[rows].tolist()


def _place_keys(frame: Any, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Place index of every row and the first row of every place (a place = gazetteer id, else its point)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    pid = _strings(frame, "place_id")
    missing = np.flatnonzero(pc.fill_null(pc.equal(pid, ""), True).to_numpy(zero_copy_only=False))
    if len(missing):
        keys = pid.to_numpy(zero_copy_only=False).astype(object)
        for i in missing:
            keys[i] = f"@{xs[i]:.5f},{ys[i]:.5f}"
        pid = pa.array(keys, pa.string())
    codes, _ = _encode(pid)
    _, first_rows = np.unique(codes, return_index=True)
    return codes.astype(np.int32), first_rows


def place_records(frame: Any, points: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, list[dict]]:
    """The place index of each row and one record per distinct place (name, kind, prec, lon, lat, cc, place_id).

    ``frame`` is a GeoDataFrame or an Arrow table; ``points`` are its rows' (lon, lat) when known.
    """
    xs, ys = points if points is not None else _points(frame)
    codes, first_rows = _place_keys(frame, xs, ys)
    names = ("place_id", "place_name", "place_text", "place_kind", "geo_precision", "country_code")
    columns = [_take(frame, c, first_rows) for c in names]
    places = []
    for k, (pid, name, text, kind, precision, country) in enumerate(zip(*columns, strict=True)):
        kind = "" if is_missing(kind) else str(kind)
        prec = int(precision) if not is_missing(precision) else geo_precision(kind)
        label = name if not is_missing(name) else text if not is_missing(text) else pid
        places.append(
            {
                "place_id": None if is_missing(pid) else str(pid),
                "name": "" if is_missing(label) else str(label),
                "kind": kind,
                "prec": min(max(prec, 1), 4),
                "lon": round(float(xs[first_rows[k]]), 5),
                "lat": round(float(ys[first_rows[k]]), 5),
                "cc": "" if is_missing(country) else str(country),
            }
        )
    return codes, places


def _actor_lists(frame: Any) -> pa.Array | None:
    """The ``actors`` column as an Arrow list of strings (None when there is none)."""
    import pyarrow as pa

    if not _has(frame, "actors"):
        return None
    if hasattr(frame, "column_names"):
        return frame.column("actors").combine_chunks()

    def as_list(v: Any) -> list[str] | None:
        if v is None or isinstance(v, (str, float)) or len(v) == 0:
            return None
        return [None if is_missing(a) else str(a) for a in v]

    return pa.array([as_list(v) for v in frame["actors"].tolist()], pa.list_(pa.string()))


def _actors(frame: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Actor lists per row (offsets, ids) and the actor names, most frequent first.

    A row's actors are its ``actors`` list plus its ``agent`` and ``target``, each once, in that order.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = _n_rows(frame)
    names, rows = [], []
    lists = _actor_lists(frame)
    if lists is not None and len(lists):
        names.append(pc.list_flatten(lists).cast(pa.string()))
        rows.append(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False))
    for name in ("agent", "target"):
        if _has(frame, name):
            names.append(_strings(frame, name))
            rows.append(np.arange(n))
    if not names:
        return np.zeros(n + 1, np.int32), np.zeros(0, np.int32), []
    flat = pc.utf8_trim_whitespace(pa.concat_arrays(names))
    row = np.concatenate(rows).astype(np.int64)
    keep = pc.fill_null(pc.not_equal(flat, ""), False).to_numpy(zero_copy_only=False)
    flat, row = flat.filter(pa.array(keep)), row[keep]
    codes, labels = _encode(flat)
    # One (row, actor) pair each, in the order the row names them.
    _, first = np.unique(row * max(len(labels), 1) + codes, return_index=True)
    first = np.sort(first)
    first = first[np.argsort(row[first], kind="stable")]
    row, codes = row[first], codes[first]
    counts = np.bincount(codes, minlength=len(labels))
    order = sorted(range(len(labels)), key=lambda k: (-counts[k], labels[k].lower(), labels[k]))
    rank = np.empty(max(len(labels), 1), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(row, minlength=n), out=offsets[1:])
    return offsets, rank[codes].astype(np.int32), [labels[k] for k in order]


def _fatalities(frame: Any) -> np.ndarray:
    """Fatalities of each row as int32 (0 when none were reported or the value is not a number)."""
    import numpy as np
    import pyarrow as pa

    n = _n_rows(frame)
    values = _arrow(frame, "fatalities") if _has(frame, "fatalities") else pa.nulls(n)
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        numbers = values.to_numpy(zero_copy_only=False).astype(np.float64)
        numbers = np.trunc(np.nan_to_num(numbers, nan=0.0, posinf=0.0, neginf=0.0))
        return np.clip(numbers, 0, 2**31 - 1).astype(np.int32)
    out = np.zeros(n, np.int32)
    for i, v in enumerate(values.to_pylist()):
        if not is_missing(v):
            with contextlib.suppress(TypeError, ValueError):
                out[i] = max(0, int(v))
    return out


def compact_payload(frame: Any, *, generation: str = "") -> dict[str, Any]:
    """The browser's copy of the events: integer columns per row (numpy arrays) plus string dictionaries.

    ``frame`` (a GeoDataFrame, or an Arrow table with WKB ``geometry``) must already be in browser
    order (see :func:`mappable`); rows are numbered by their position. See the module docstring
    for the row columns. ``n_events`` counts distinct events; ``extent`` is the range of the
    events dated to the day (month- and year-precision dates are spans inside it and do not
    stretch it), ``extent_all`` that of every dated row.

    >>> from geodata.synthetic import synthetic_events  # doctest: +SKIP
    >>> compact_payload(synthetic_events(10))["n"]  # doctest: +SKIP
    10
    """
    import numpy as np
    import pyarrow.compute as pc

    n = _n_rows(frame)
    place_codes, places = place_records(frame)
    cats, cat_labels = _factorize(_strings(frame, "category"), CATEGORIES)
    subs, sub_labels = _factorize(_strings(frame, "subtype"))
    status_col = pc.fill_null(_strings(frame, "status"), MAPPED_STATUSES[0])
    statuses, status_labels = _factorize(status_col, STATUSES)
    countries, country_labels = _factorize(_strings(frame, "country_code"), ("",))
    outlets, outlet_labels = _outlets(_strings(frame, "source"))
    roles, role_labels = _factorize(_strings(frame, "place_role"), PLACE_ROLES)
    precisions, precision_labels = _factorize(_strings(frame, "date_precision"), DATE_PRECISIONS)
    # Rows of one event share a code; the ids themselves stay on the server.
    events, event_ids = _encode(_strings(frame, "event_id"))
    events = events.astype(np.int32)
    fat = _fatalities(frame)
    date0, date1 = _spans(_strings(frame, "date"))
    pub0, pub1 = _spans(_strings(frame, "published"))
    _, end1 = _spans(_strings(frame, "date_end"))
    dated = date0 != NO_DAY
    d0 = np.where(dated, date0, pub0)
    last = np.where(dated, date1, pub1)
    last = np.where(end1 != NO_DAY, np.maximum(last, end1), last)
    has_day = d0 != NO_DAY
    dd = np.where(has_day, last - d0, 0)
    exact_codes = [precision_labels.index(p) for p in EXACT_DATE_PRECISIONS if p in precision_labels]
    exact = has_day & np.isin(precisions, exact_codes)
    basis = exact if exact.any() else has_day
    extent = [int(d0[basis].min()), int((d0 + dd)[basis].max())] if basis.any() else None
    extent_all = [int(d0[has_day].min()), int((d0 + dd)[has_day].max())] if has_day.any() else None
    import pyarrow as pa

    cc_codes, cc_labels = _factorize(pa.array([p["cc"] for p in places], pa.string()), country_labels)
    actor_offsets, actor_ids, actor_labels = _actors(frame)
    return {
        "version": 2,
        "generation": generation,
        "n": n,
        "n_events": len(event_ids) if n else 0,
        "extent": extent,
        "extent_all": extent_all,
        "categories": cat_labels,
        "subtypes": sub_labels,
        "statuses": status_labels,
        "mapped_statuses": list(MAPPED_STATUSES),
        "countries": cc_labels,
        "outlets": outlet_labels,
        "roles": role_labels,
        "date_precisions": precision_labels,
        "actors": actor_labels,
        "halo_radius_m": {str(k): v for k, v in HALO_RADIUS_M.items()},
        "places": {
            "name": [p["name"] for p in places],
            "kind": [p["kind"] for p in places],
            "prec": np.asarray([p["prec"] for p in places], dtype=np.uint8),
            "lon": np.asarray([p["lon"] for p in places], dtype=np.float64),
            "lat": np.asarray([p["lat"] for p in places], dtype=np.float64),
            "k": cc_codes,
        },
        "rows": {
            "p": place_codes,
            "c": cats.astype(np.uint8),
            "s": subs,
            "st": statuses.astype(np.uint8),
            "d0": np.where(has_day, d0, NO_DAY).astype(np.int32),
            "dd": dd.astype(np.int32),
            "dp": precisions.astype(np.uint8),
            "k": countries,
            "o": outlets,
            "r": roles.astype(np.uint8),
            "ev": events,
            "f": fat,
            "ao": actor_offsets,
            "a": actor_ids,
        },
    }


def text_payload(frame: Any, *, generation: str = "") -> dict[str, Any]:
    """What free-text search runs over, loaded by the browser after the first paint.

    Sentences are de-duplicated and folded (lower case, no accents, so ``narino`` finds
    ``Nariño``): ``sentences`` and per row ``t`` (its sentence). ``docs`` are the article titles
    as written and ``doc`` the title of each row. Place names and actors are searched through the
    main payload's dictionaries.
    """
    import numpy as np

    t, sentences = _factorize(_strings(frame, "sentence"))
    doc, doc_ids = _factorize(_strings(frame, "doc_id"))
    titles = [""] * len(doc_ids)
    if _n_rows(frame):
        _, first = np.unique(doc, return_index=True)
        for code, value in enumerate(_take(frame, "title", first)):
            titles[code] = "" if is_missing(value) else str(value)
    return {
        "version": 2,
        "generation": generation,
        "sentences": [fold(s) for s in sentences],
        "docs": titles,
        "rows": {"t": t, "doc": doc},
    }


# ---------------------------------------------------------------------------- binary encoding
def _arrays(payload: Mapping[str, Any], path: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a payload into its JSON part and its numpy arrays (named by their path, ``rows.p``)."""
    import numpy as np

    plain: dict[str, Any] = {}
    arrays: dict[str, Any] = {}
    for key, value in payload.items():
        name = f"{path}{key}"
        if isinstance(value, np.ndarray):
            arrays[name] = value
        elif isinstance(value, Mapping):
            sub_plain, sub_arrays = _arrays(value, name + ".")
            plain[key] = sub_plain
            arrays.update(sub_arrays)
        else:
            plain[key] = value
    return plain, arrays


def encode_binary(payload: Mapping[str, Any]) -> bytes:
    """One blob: ``EMB1``, a uint32 header length, the JSON header, then 8-byte aligned little-endian arrays.

    The header is the payload without its arrays, plus ``arrays``: ``{path: [type, offset,
    length]}`` (offset from the start of the array section). ``core.js`` ``decodeBinary`` puts
    every array back in place as a typed array.

    >>> import numpy as np
    >>> blob = encode_binary({"n": 2, "rows": {"p": np.array([1, 2], dtype=np.int32)}})
    >>> blob[:4], len(blob) % 8
    (b'EMB1', 0)
    """
    import numpy as np

    plain, arrays = _arrays(payload)
    layout: dict[str, list[Any]] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.name not in _JS_TYPES:
            array = array.astype(np.int32)
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        layout[name] = [array.dtype.name, offset, int(array.size)]
        pad = (-len(data)) % 8
        chunks.append(data + b"\0" * pad)
        offset += len(data) + pad
    header = json.dumps({**plain, "arrays": layout}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header += b" " * ((-(len(header) + 8)) % 8)
    return b"".join([_MAGIC, struct.pack("<I", len(header)), header, *chunks])


def decode_binary(blob: bytes) -> dict[str, Any]:
    """The payload back from :func:`encode_binary` (for tests and tools; the browser has its own).

    >>> import numpy as np
    >>> decode_binary(encode_binary({"rows": {"p": np.array([7], dtype=np.int32)}}))["rows"]["p"].tolist()
    [7]
    """
    import numpy as np

    if blob[:4] != _MAGIC:
        raise ValueError("not an eventmap payload (bad magic)")
    (size,) = struct.unpack("<I", blob[4:8])
    header = json.loads(blob[8 : 8 + size].decode("utf-8"))
    base = 8 + size
    for name, (kind, offset, length) in header.pop("arrays").items():
        array = np.frombuffer(blob, dtype=np.dtype(kind).newbyteorder("<"), count=length, offset=base + offset)
        target = header
        *parents, leaf = name.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = array
    return header
