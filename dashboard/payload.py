"""The one compact encoding of events for browsers: the dashboard and the static export both use it.

:func:`compact_payload` turns the events table (one row per event and place) into small integer
columns plus dictionaries of strings; :func:`encode_binary` packs it as one little-endian binary
blob that ``assets/core.js`` (``decodeBinary``) reads into typed arrays without parsing a number.
Both the dashboard (``/eventmap-api/events.bin``) and the static export (a gzipped, base64 block
inside the HTML) ship exactly these bytes, and the same ``core.js`` filters them.

Everything is vectorised (pandas/numpy): 1,000,000 rows encode in a few seconds.

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
    import geopandas as gpd
    import numpy as np

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
def _column(frame: Any, name: str, default: Any = None) -> Any:
    import pandas as pd

    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _text_values(series: Any) -> Any:
    """A column as plain strings ("" for missing), as a numpy object array."""
    import numpy as np

    values = series.to_numpy(dtype=object, na_value=None) if hasattr(series, "to_numpy") else np.asarray(series)
    out = np.empty(len(values), dtype=object)
    for k, v in enumerate(values):
        out[k] = "" if is_missing(v) else str(v)
    return out


def _factorize(series: Any, first: Sequence[str] = (), *, labels_of: Any = None) -> tuple[np.ndarray, list[str]]:
    """int32 codes and labels of a column; labels in ``first`` come first and keep their order.

    ``labels_of`` maps each distinct raw value to its label (e.g. a URL to its outlet) before
    codes are assigned, so equal labels share one code.
    """
    import numpy as np
    import pandas as pd

    values = series.to_numpy(dtype=object) if hasattr(series, "to_numpy") else np.asarray(series, dtype=object)
    # Object arrays factorize fast; pandas' Arrow strings would be converted value by value.
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).fillna(""), sort=False)
    names = [labels_of(str(u)) if labels_of else str(u) for u in uniques]
    labels: dict[str, int] = {label: n for n, label in enumerate(first)}
    remap = np.empty(max(len(names), 1), dtype=np.int32)
    for k, name in enumerate(names):
        remap[k] = labels.setdefault(name, len(labels))
    return remap[codes].astype(np.int32) if len(codes) else np.zeros(0, np.int32), list(labels)


def _outlets(series: Any) -> tuple[np.ndarray, list[str]]:
    """Outlet code of each row and the outlet labels (:func:`outlet_label`, vectorised over distinct sources)."""
    import pandas as pd

    codes, uniques = pd.factorize(series.astype(object).where(series.notna(), ""), sort=False)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    host = text.str.extract(r"^https?://(?:[^@/?#]*@)?([^/:?#]+)", flags=re.IGNORECASE)[0].str.lower()
    host = host.str.replace(r"^www\.", "", regex=True)
    name = text.str.extract(r"([^/\\\\]*)$")[0].fillna("").str.slice(0, 80)
    label = host.where(host.notna() & (host != ""), name)
    label = label.where(label != "", text.str.slice(0, 80))
    label = label.where(text != "", "(unknown source)")
    return _factorize(pd.Series(label.to_numpy()[codes] if len(codes) else [], dtype=object))


def _spans(series: Any) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each value of a date column (``NO_DAY`` when not a date)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series.astype(object).where(series.notna(), ""), sort=False)
    first = np.full(len(uniques) + 1, NO_DAY, dtype=np.int64)
    last = np.full(len(uniques) + 1, NO_DAY, dtype=np.int64)
    for k, value in enumerate(uniques):
        span = _parse_partial(value)
        if span:
            first[k], last[k] = span
    return first[codes], last[codes]  # code -1 (missing) picks the trailing NO_DAY


def mappable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows with a usable point, in a stable order (the browser's row numbers)."""
    geom = frame.geometry
    ok = geom.notna() & ~geom.is_empty
    return frame[ok.to_numpy()].reset_index(drop=True)


def _place_keys(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Place index of every row and the first row of every place (a place = gazetteer id, else its point)."""
    import numpy as np
    import pandas as pd

    pid = _column(frame, "place_id")
    xs, ys = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    keys = pid.astype(object).where(pid.notna() & (pid.astype(str) != ""), None).to_numpy(dtype=object)
    missing = np.flatnonzero(pd.isna(keys))
    for i in missing:
        keys[i] = f"@{xs[i]:.5f},{ys[i]:.5f}"
    codes, _ = pd.factorize(keys, sort=False)
    _, first_rows = np.unique(codes, return_index=True)
    return codes.astype(np.int32), first_rows


def place_records(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The place index of each row and one record per distinct place (name, kind, prec, lon, lat, cc, place_id)."""
    codes, first_rows = _place_keys(frame)
    sub = frame.iloc[first_rows]
    xs, ys = sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy()
    places = []
    columns = [_column(sub, c).tolist() for c in ("place_id", "place_name", "place_text", "place_kind")]
    columns += [_column(sub, "geo_precision").tolist(), _column(sub, "country_code").tolist()]
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
                "lon": round(float(xs[k]), 5),
                "lat": round(float(ys[k]), 5),
                "cc": "" if is_missing(country) else str(country),
            }
        )
    return codes, places


def _actors(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Actor lists per row (offsets, ids) and the actor names, most frequent first.

    A row's actors are its ``actors`` list plus its ``agent`` and ``target``.
    """
    import numpy as np
    import pandas as pd

    n = len(frame)
    pieces = []
    if "actors" in frame.columns:
        lists = pd.Series(frame["actors"].to_numpy(dtype=object), index=np.arange(n))
        lists = lists[lists.map(lambda v: v is not None and not isinstance(v, (str, float)) and len(v) > 0)]
        if len(lists):
            pieces.append(lists.explode())
    for name in ("agent", "target"):
        if name in frame.columns:
            pieces.append(pd.Series(frame[name].to_numpy(dtype=object), index=np.arange(n)))
    if not pieces:
        return np.zeros(n + 1, np.int32), np.zeros(0, np.int32), []
    flat = pd.concat(pieces)
    flat = flat[flat.notna()].astype(str).str.strip()
    flat = flat[flat != ""]
    pairs = pd.DataFrame({"row": flat.index.to_numpy(), "name": flat.to_numpy()}).drop_duplicates()
    pairs = pairs.sort_values("row", kind="stable")
    counts = pairs["name"].value_counts(sort=True)
    order = {name: k for k, name in enumerate(sorted(counts.index, key=lambda a: (-counts[a], a.lower())))}
    ids = pairs["name"].map(order).to_numpy(dtype=np.int32)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(pairs["row"].to_numpy(), minlength=n), out=offsets[1:])
    return offsets, ids, list(order)


def compact_payload(frame: gpd.GeoDataFrame, *, generation: str = "") -> dict[str, Any]:
    """The browser's copy of the events: integer columns per row (numpy arrays) plus string dictionaries.

    ``frame`` must already be in browser order (see :func:`mappable`); rows are numbered by their
    position. See the module docstring for the row columns. ``n_events`` counts distinct events;
    ``extent`` is the range of the events dated to the day (month- and year-precision dates are
    spans inside it and do not stretch it), ``extent_all`` that of every dated row.

    >>> from geodata.synthetic import synthetic_events  # doctest: +SKIP
    >>> compact_payload(synthetic_events(10))["n"]  # doctest: +SKIP
    10
    """
    import numpy as np
    import pandas as pd

    n = len(frame)
    place_codes, places = place_records(frame)
    cats, cat_labels = _factorize(_column(frame, "category"), CATEGORIES)
    subs, sub_labels = _factorize(_column(frame, "subtype"))
    status_col = _column(frame, "status", MAPPED_STATUSES[0])
    status_col = status_col.where(status_col.notna(), MAPPED_STATUSES[0])
    statuses, status_labels = _factorize(status_col, STATUSES)
    countries, country_labels = _factorize(_column(frame, "country_code"), ("",))
    outlets, outlet_labels = _outlets(_column(frame, "source"))
    roles, role_labels = _factorize(_column(frame, "place_role"), PLACE_ROLES)
    precisions, precision_labels = _factorize(_column(frame, "date_precision"), DATE_PRECISIONS)
    # Rows of one event share a code; the ids themselves stay on the server.
    events = pd.factorize(pd.Series(_column(frame, "event_id").to_numpy(dtype=object)).fillna(""), sort=False)[0]
    events = events.astype(np.int32)
    fatalities = _column(frame, "fatalities").to_numpy(dtype=object)
    fat = np.zeros(n, np.int32)
    for i in np.flatnonzero([not is_missing(v) for v in fatalities]) if n else ():
        with contextlib.suppress(TypeError, ValueError):
            fat[i] = max(0, int(fatalities[i]))
    date0, date1 = _spans(_column(frame, "date"))
    pub0, pub1 = _spans(_column(frame, "published"))
    _, end1 = _spans(_column(frame, "date_end"))
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
    cc_codes, cc_labels = _factorize(
        np.asarray([p["cc"] for p in places], dtype=object), country_labels, labels_of=None
    )
    actor_offsets, actor_ids, actor_labels = _actors(frame)
    return {
        "version": 2,
        "generation": generation,
        "n": n,
        "n_events": len(np.unique(events)) if n else 0,
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


def text_payload(frame: gpd.GeoDataFrame, *, generation: str = "") -> dict[str, Any]:
    """What free-text search runs over, loaded by the browser after the first paint.

    Sentences are de-duplicated and folded (lower case, no accents, so ``narino`` finds
    ``Nariño``): ``sentences`` and per row ``t`` (its sentence). ``docs`` are the article titles
    as written and ``doc`` the title of each row. Place names and actors are searched through the
    main payload's dictionaries.
    """
    t, sentences = _factorize(_column(frame, "sentence"))
    doc, doc_ids = _factorize(_column(frame, "doc_id"))
    titles = [""] * len(doc_ids)
    if len(frame):
        import numpy as np

        _, first = np.unique(doc, return_index=True)
        title_col = _column(frame, "title").to_numpy(dtype=object)
        for code, row in zip(range(len(first)), first, strict=True):
            value = title_col[row]
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
