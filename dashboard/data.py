"""What the dashboard sends to the browser, and what it does with the browser's answers (no Dash here).

The browser gets the events **once**, as the compact binary payload of :mod:`dashboard.payload`
(the same one the static export embeds): one row per (event, place) holding small integers only,
plus dictionaries of the strings. Filters, counts and map aggregation run in the browser over
those arrays (``assets/core.js``). Heavier parts load after the first paint: the search text
(:func:`~dashboard.payload.text_payload`) and the area shapes (:func:`area_features`). The card of
an event is built on the server when it is clicked (:func:`card_document`).

The browser names rows by their position in the payload; :class:`Snapshot` keeps the frame in that
order for one store generation, so a card, a correction or an export always refers to the rows the
browser saw. Every store call goes through :mod:`dashboard.storeio`.

>>> outlet_label("https://www.example.org/news/1"), outlet_label("reports/report.txt")
('example.org', 'report.txt')
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dashboard import storeio
from dashboard.card import CATEGORY_STYLE, event_card_html, is_missing
from dashboard.payload import (
    CATEGORIES,
    HALO_RADIUS_M,
    _has,
    _outlets,
    _strings,
    compact_payload,
    encode_binary,
    iso_day,
    mappable,
    outlet_label,
    place_records,
    text_payload,
)
from geodata.counts import count_events, plural
from geodata.model import MAPPED_STATUSES, STATUSES

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pyarrow as pa

    from geodata.config import Settings
    from geodata.store import EventStore

__all__ = [
    "ARTICLE_OPTIONS_LIMIT",
    "CATEGORIES",
    "EXPORT_KINDS",
    "HALO_RADIUS_M",
    "MAP_ROLES",
    "PAYLOAD_COLUMNS",
    "CardView",
    "EventData",
    "Snapshot",
    "StaleSnapshot",
    "area_features",
    "article_options",
    "basemap_layers",
    "card_document",
    "card_view",
    "choice_label",
    "correct_place",
    "correction_options",
    "country_names",
    "data_source",
    "decode_mask",
    "export_view",
    "filter_options",
    "gzip_json",
    "iso_day",
    "outlet_label",
    "remove_article",
    "slim_shape",
    "store_change",
    "write_view",
]

#: Place roles drawn on the map by default: where the event happened (not the actors' home countries).
MAP_ROLES = ("event", "focus")
#: Export kinds offered by the dashboard and the file suffix of each.
EXPORT_KINDS = {"html": ".html", "geojson": ".geojson", "csv": ".csv"}
_missing = is_missing


# ---------------------------------------------------------------------------- places and payloads
def slim_shape(geom: Any, *, detail: float = 120.0) -> Any:
    """A light copy of an area for the browser: small islands dropped, simplified to ~1/detail of its size.

    >>> import shapely
    >>> slim_shape(shapely.box(0, 0, 10, 10).buffer(1)).geom_type
    'Polygon'
    """
    import numpy as np
    import shapely

    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return geom
    x0, y0, x1, y1 = geom.bounds
    tol = min(max(max(x1 - x0, y1 - y0) / detail, 0.005), 0.5)
    parts = shapely.get_parts(geom)
    areas = shapely.area(parts)
    keep = parts[(areas >= (3 * tol) ** 2) | (areas == areas.max())]
    keep = shapely.simplify(keep, tol, preserve_topology=True)
    keep = keep[~shapely.is_empty(keep)]
    if len(keep) == 0:
        return geom
    out = shapely.MultiPolygon(list(shapely.get_parts(keep))) if len(keep) > 1 else keep[0]
    return shapely.transform(out, lambda coords: np.round(coords, 3))


def area_features(
    places: Sequence[Mapping[str, Any]], *, gazetteer: Any = None, settings: Settings | None = None
) -> dict[str, Any]:
    """GeoJSON of the places less precise than a locality, as areas (largest first, so small ones lie on top).

    Each feature has ``properties.p`` = the place index of :func:`place_table`. A place without a
    shape in the gazetteer stays a Point; the browser draws it as a halo sized by its precision.
    """
    import shapely

    from geodata.geocoding.frames import place_shapes

    wanted = [(n, p) for n, p in enumerate(places) if p["prec"] >= 2]
    ids = [p["place_id"] for _, p in wanted if p["place_id"]]
    shapes: dict[str, Any] = {}
    if ids:
        frame = place_shapes(ids, gazetteer=gazetteer, settings=settings)
        shapes = {
            pid: geom for pid, geom, area in zip(frame["place_id"], frame.geometry, frame["area"], strict=True) if area
        }
    features = []
    for n, place in wanted:
        geom = shapes.get(place["place_id"] or "")
        if geom is not None:
            slim = slim_shape(geom)
            features.append(
                (
                    -float(slim.area),
                    {"type": "Feature", "geometry": shapely.geometry.mapping(slim), "properties": {"p": n}},
                )
            )
        else:
            point = {"type": "Point", "coordinates": [place["lon"], place["lat"]]}
            features.append(
                (0.0, {"type": "Feature", "geometry": point, "properties": {"p": n, "halo": place["prec"]}})
            )
    features.sort(key=lambda item: item[0])
    return {"type": "FeatureCollection", "features": [f for _, f in features]}


def basemap_layers(path: str | Path) -> dict[str, Any]:
    """The offline basemap (country polygons) and its label points, from ``basemap.geojson``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    labels = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        label = props.get("label")
        if label and props.get("name"):
            labels.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": label},
                    "properties": {"name": props["name"], "iso_a2": props.get("iso_a2"), "rank": _label_rank(feature)},
                }
            )
    return {"countries": data, "labels": {"type": "FeatureCollection", "features": labels}}


def _label_rank(feature: Mapping[str, Any]) -> int:
    """1 for large countries (labelled from zoom 2), 2 for mid-sized (zoom 3), 3 for small (zoom 4)."""
    import shapely

    try:
        area = shapely.geometry.shape(feature["geometry"]).area
    except (KeyError, TypeError, ValueError, AttributeError):
        return 3
    return 1 if area > 60 else 2 if area > 8 else 3


def country_names(basemap: Mapping[str, Any]) -> dict[str, str]:
    """ISO code → country name, from the basemap's properties."""
    out = {}
    for feature in basemap.get("features", []):
        props = feature.get("properties") or {}
        if props.get("iso_a2") and props.get("name"):
            out[str(props["iso_a2"])] = str(props["name"])
    return out


def filter_options(
    frame: Any, names: Mapping[str, str] | None = None, *, actors: Sequence[str] = ()
) -> dict[str, list[dict[str, str]]]:
    """Options of the subtype, country, source, status and actor filters (plain-text labels; Dash escapes them).

    ``frame`` is a GeoDataFrame or an Arrow table of the events; ``actors`` are the payload's
    actor names, most frequent first. Only distinct values reach Python.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    names = names or {}
    categories, subtypes_ = _strings(frame, "category"), _strings(frame, "subtype")
    both = pc.and_(pc.is_valid(categories), pc.is_valid(subtypes_))
    pairs = pa.table({"c": categories, "s": subtypes_}).filter(both).group_by(["c", "s"]).aggregate([])
    order = {c: n for n, c in enumerate(CATEGORIES)}
    subtypes = []
    for category, subtype in sorted(
        zip(pairs["c"].to_pylist(), pairs["s"].to_pylist(), strict=True), key=lambda p: (order.get(p[0], 9), str(p[1]))
    ):
        label = CATEGORY_STYLE.get(category, {}).get("label", str(category))
        subtypes.append({"label": f"{label} · {str(subtype).replace('_', ' ')}", "value": str(subtype)})
    subtypes = list({o["value"]: o for o in subtypes}.values())
    present_codes = pc.unique(_strings(frame, "country_code")).to_pylist()
    codes = sorted({c for c in present_codes if c}, key=lambda c: names.get(c, c))
    countries = [{"label": f"{names.get(c, c)} ({c})", "value": c} for c in codes]
    outlet_codes, outlet_names = _outlets(_strings(frame, "source"))
    counts = np.bincount(outlet_codes, minlength=len(outlet_names))
    sources = [
        {"label": f"{label} ({count:,})", "value": label}
        for label, count in sorted(zip(outlet_names, counts.tolist(), strict=True), key=lambda kv: (-kv[1], kv[0]))
        if count
    ]
    statuses_ = _strings(frame, "status")
    present = set(pc.unique(statuses_).drop_null().to_pylist()) if _has(frame, "status") else set(MAPPED_STATUSES[:1])
    statuses = [{"label": status + ("" if status in present else " (none)"), "value": status} for status in STATUSES]
    return {
        "subtypes": subtypes,
        "countries": countries,
        "sources": sources,
        "statuses": statuses,
        "actors": [{"label": a, "value": a} for a in actors],
    }


# ---------------------------------------------------------------------------- browser answers
def decode_mask(mask: str | None, n: int) -> np.ndarray:
    """The rows selected in the browser, from its bitset (base64, bit ``i`` = row ``i``, LSB first).

    >>> decode_mask("BQ==", 3).tolist()
    [True, False, True]
    """
    import numpy as np

    if not mask:
        return np.zeros(n, dtype=bool)
    try:
        raw = base64.b64decode(mask, validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"the browser's row mask is not base64 ({err})") from err
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
    if len(bits) < n:
        raise ValueError(f"the browser's row mask covers {len(bits)} rows, the data has {n}; reload the page")
    return bits[:n].astype(bool)


_CARD_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:8px 10px;color:#222;background:#fff}
.em-card-head{font-size:15px;margin-bottom:4px}.em-card-date,.em-card-published,.em-card-meta{color:#555;font-size:13px}
blockquote{margin:8px 0;padding:6px 10px;background:#f6f6f4;border-left:3px solid #bbb;white-space:pre-wrap}
mark{background:#ffe28a;padding:0 2px}a{color:#0b5cad}details{margin-top:8px}summary{cursor:pointer;font-weight:600}
ul{margin:4px 0 0 18px;padding:0}.em-card div{margin:2px 0}
.em-card-corrected{background:#e6f4ea;color:#1e6b35;border-radius:8px;padding:0 6px;font-size:12px;font-weight:600}
.em-card-status{background:#fff1d6;border-radius:8px;padding:0 6px}
"""


def card_document(row: Mapping[str, Any]) -> str:
    """A standalone HTML page with the event card, for a sandboxed ``<iframe srcdoc>``.

    The card itself is escaped by :func:`dashboard.card.event_card_html`; the page also forbids
    every script, fetch and image through its Content-Security-Policy, so even a mistake there could
    neither run nor call out.
    """
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{csp}">'
        f'<base target="_blank"><style>{_CARD_CSS}</style></head><body>{event_card_html(row)}</body></html>'
    )


def choice_label(row: Mapping[str, Any]) -> str:
    """One line naming an event in the card's list (plain text; Dash escapes it).

    >>> choice_label({"date": "2025-03-01", "category": "military", "subtype": "armed_clash", "title": "Clashes"})
    '2025-03-01 · Military · armed clash — Clashes'
    """
    date = "" if _missing(row.get("date")) else str(row.get("date"))
    category = CATEGORY_STYLE.get(str(row.get("category")), {}).get("label", str(row.get("category") or ""))
    subtype = "" if _missing(row.get("subtype")) else str(row.get("subtype")).replace("_", " ")
    title = "" if _missing(row.get("title")) else str(row.get("title"))
    head = " · ".join(p for p in (date, category, subtype) if p)
    text = f"{head} — {title}" if title else head
    return text if len(text) <= 140 else text[:139] + "…"


def write_view(
    frame: gpd.GeoDataFrame,
    kind: str,
    folder: str | Path,
    *,
    title: str = "eventmap view",
    settings: Settings | None = None,
    gazetteer: Any = None,
) -> Path:
    """Write the events of the current view as ``html`` (static map), ``geojson`` or ``csv``; returns the file.

    Raises
    ------
    ValueError
        For an unknown kind.
    ImportError
        When the static HTML export (``dashboard.export``) is not available.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}; choose one of {', '.join(EXPORT_KINDS)}")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(folder) / f"eventmap-view-{stamp}{EXPORT_KINDS[kind]}"
    if kind == "html":
        from dashboard.export import export_html

        export_html(frame, path, offline=True, title=title, settings=settings, gazetteer=gazetteer)
        return path
    from geodata.store import write_events

    return write_events(frame, path, kind)


# ---------------------------------------------------------------------------- the server's cache
#: The store columns the events payload and the filter options are built from: the start reads only
#: these (about a third of a row). The rest, with the sentences and titles of the search text, loads
#: after the events payload (warm-up thread) or when a card or an export needs it.
PAYLOAD_COLUMNS = (
    *("event_id", "doc_id", "source", "published", "category", "subtype", "status"),
    *("date", "date_end", "date_precision", "place_text", "place_name", "place_id", "place_kind"),
    *("country_code", "geo_precision", "place_role", "actors", "agent", "target", "fatalities", "geometry"),
)


class StaleSnapshot(ValueError):
    """The store changed before a snapshot's full rows were read: the page must reload."""


class Snapshot:
    """The events of one store generation, in browser row order, and the payloads built from them.

    Parameters
    ----------
    generation
        The store generation the rows belong to.
    frame
        Every column of the rows, as a GeoDataFrame (small stores, tests), or None.
    table
        The rows as an Arrow table with :data:`PAYLOAD_COLUMNS` (what the payloads are built
        from), when ``frame`` is not given.
    load_rows
        ``load_rows(columns=None)`` returns the same rows with ``columns`` too (all by default) as
        an Arrow table: with the search text's two columns after the events payload, and with
        all of them on the first card, correction or export (holding them all costs memory and
        the first paint does not need them).
    """

    def __init__(
        self,
        generation: str,
        frame: gpd.GeoDataFrame | None = None,
        *,
        table: pa.Table | None = None,
        load_rows: Callable[..., pa.Table] | None = None,
        gazetteer: Any = None,
        settings: Any = None,
    ) -> None:
        self.generation = generation
        self.gazetteer = gazetteer
        self.settings = settings
        self._frame = frame
        self._light = table if table is not None else frame
        self._load_rows = load_rows
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Snapshot({self.generation!r}, n={self.n})"

    def _memo(self, key: str, build) -> Any:
        # One lock per part: a request for the events payload must not wait for the warm-up thread
        # building the search text or reading the full rows.
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    @property
    def n(self) -> int:
        """Number of rows the browser sees."""
        light = self._light
        return 0 if light is None else light.num_rows if hasattr(light, "num_rows") else len(light)

    def full_table(self) -> pa.Table:
        """Every column of the rows, as Arrow (read once; see ``load_rows``)."""

        def load() -> pa.Table:
            if self._load_rows is None:
                from geodata.store.schema import to_events_table

                return to_events_table(self._frame)
            return self._load_rows()

        return self._memo("full", load)

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """Every column of the rows as a GeoDataFrame (built on first use)."""
        if self._frame is not None:
            return self._frame
        from geodata.store.schema import table_to_frame

        return self._memo("frame", lambda: table_to_frame(self.full_table()))

    def payload(self) -> dict[str, Any]:
        """:func:`~dashboard.payload.compact_payload` of this generation (built once)."""
        return self._memo("payload", lambda: compact_payload(self._light, generation=self.generation))

    def payload_gz(self) -> bytes:
        """The payload, binary (:func:`~dashboard.payload.encode_binary`) and gzipped."""
        return self._memo("payload_gz", lambda: gzip.compress(encode_binary(self.payload()), compresslevel=3))

    def text_gz(self) -> bytes:
        """:func:`~dashboard.payload.text_payload`, binary and gzipped."""
        return self._memo(
            "text_gz",
            lambda: gzip.compress(
                encode_binary(text_payload(self._text_rows(), generation=self.generation)), compresslevel=3
            ),
        )

    def _text_rows(self) -> Any:
        """What the search text is built from: the rows read at the start when they hold the sentences."""
        light = self._light
        if light is None or "sentence" in (light.column_names if hasattr(light, "column_names") else light.columns):
            return light
        if "full" in self._cache or self._load_rows is None:
            return self.full_table()
        # Two columns more, not all of them: the full rows wait for a card or an export.
        return self._load_rows(["title", "sentence"])

    def places(self) -> list[dict[str, Any]]:
        """The distinct places of the rows, in the payload's order."""
        return self._memo("places", lambda: place_records(self._light)[1])

    def shapes_gz(self) -> bytes:
        """:func:`area_features` of this generation's places as gzipped JSON."""
        return self._memo(
            "shapes_gz",
            lambda: gzip_json(area_features(self.places(), gazetteer=self.gazetteer, settings=self.settings)),
        )

    def options(self, names: Mapping[str, str] | None = None) -> dict[str, list[dict[str, str]]]:
        """:func:`filter_options` of this generation."""
        return self._memo("options", lambda: filter_options(self._light, names, actors=self.payload()["actors"]))

    def row(self, index: int) -> dict[str, Any]:
        """Row ``index`` as a dict (for the card)."""
        if not 0 <= int(index) < self.n:
            raise IndexError(f"row {index} is not in this view of the store ({self.n} rows)")
        if self._frame is not None:
            return self._frame.iloc[int(index)].to_dict()
        from geodata.store.schema import table_to_frame

        return table_to_frame(self.full_table().slice(int(index), 1)).iloc[0].to_dict()

    def select(self, mask: np.ndarray) -> gpd.GeoDataFrame:
        """The rows the browser selected."""
        if self._frame is not None:
            return self._frame[mask]
        import numpy as np
        import pyarrow as pa

        from geodata.store.schema import table_to_frame

        return table_to_frame(self.full_table().filter(pa.array(np.asarray(mask, dtype=bool))))

    def rows_of(self, doc_id: Any) -> gpd.GeoDataFrame:
        """Every row of one article."""
        if self._frame is not None:
            return self._frame[self._frame["doc_id"] == doc_id]
        import pyarrow.compute as pc

        from geodata.store.schema import table_to_frame

        table = self.full_table()
        return table_to_frame(table.filter(pc.fill_null(pc.equal(table.column("doc_id"), str(doc_id)), False)))


def gzip_json(value: Any) -> bytes:
    """Compact JSON, gzipped (what the JSON data routes send)."""
    return gzip.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), compresslevel=5)


class EventData:
    """The dashboard's view of an :class:`~geodata.store.EventStore`: snapshots cached per generation.

    Parameters
    ----------
    store
        The event store the dashboard shows.
    settings
        Used for the gazetteer (area shapes, corrections).
    """

    def __init__(self, store: EventStore, settings: Settings | None = None, *, gazetteer: Any = None) -> None:
        self.store = store
        self.settings = settings
        self.gazetteer = gazetteer
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._build_lock = threading.Lock()
        self._articles: tuple[str, tuple[pa.Array, pa.Array]] | None = None

    def generation(self) -> str:
        """The store's current generation (changes on every write and every correction)."""
        return storeio.generation(self.store)

    def snapshot(self, generation: str | None = None) -> Snapshot:
        """The snapshot of ``generation`` if still cached, else of the current generation."""
        with self._lock:
            if generation and generation in self._snapshots:
                return self._snapshots[generation]
        # One build at a time: merging a large store takes seconds, and every request would start one.
        with self._build_lock:
            current = self.generation()
            with self._lock:
                if current in self._snapshots:
                    self._snapshots.move_to_end(current)
                    return self._snapshots[current]
            table = mappable(storeio.events_table(self.store, PAYLOAD_COLUMNS))
            snap = Snapshot(
                current,
                table=table,
                load_rows=lambda wanted=None: self._rows(current, table, wanted),
                gazetteer=self.gazetteer,
                settings=self.settings,
            )
            with self._lock:
                self._snapshots[current] = snap
                while len(self._snapshots) > 2:
                    self._snapshots.popitem(last=False)
            return snap

    def _rows(self, generation: str, light: pa.Table, wanted: Sequence[str] | None = None) -> pa.Table:
        """``light``'s rows with ``wanted`` columns too (all by default), in browser order.

        :class:`StaleSnapshot` when the store's rows are no longer ``generation``'s. Only the columns ``light`` lacks are read (and ``event_id``, to check that the rows are the
        same); the columns it has are shared, not copied, which keeps the peak memory down.
        """
        import pyarrow as pa

        from geodata.store.schema import EVENTS_SCHEMA

        rest = [c for c in EVENTS_SCHEMA.names if c not in light.column_names and (wanted is None or c in wanted)]
        # The corrections overlay matches mentions on these, so a read under corrections needs them.
        overlay = (
            ["doc_id", "place_text", "place_name", "place_id", "country_code"]
            if storeio.corrections(self.store)
            else []
        )
        table = mappable(storeio.events_table(self.store, ["event_id", "geometry", *overlay, *rest]))
        # The same rows, whatever the generation says now (a compaction changes it, not the rows):
        # same events in the same order, and the same places when corrections could have moved them.
        same = table.column("event_id").equals(light.column("event_id"))
        if same and "place_id" in table.column_names:
            same = table.column("place_id").equals(light.column("place_id"))
        if not same:
            raise StaleSnapshot("the store changed since this page loaded; reload the page")
        columns = {name: light.column(name) for name in light.column_names}
        columns.update({name: table.column(name) for name in rest})
        names = [c for c in EVENTS_SCHEMA.names if c in columns]
        return pa.Table.from_arrays([columns[c] for c in names], names=names)

    def article_list(self) -> tuple[pa.Array, pa.Array]:
        """Labels and doc_ids of every stored article (see :func:`article_options`), cached per generation."""
        current = self.generation()
        with self._lock:
            cached = self._articles
        if cached is not None and cached[0] == current:
            return cached[1]
        options = _article_list(self.store)
        with self._lock:
            self._articles = (current, options)
        return options

    def place(self, place_id: str) -> dict[str, Any] | None:
        """The gazetteer record of ``place_id`` (what a correction moves an event to)."""
        gazetteer = self.gazetteer
        if gazetteer is None:
            from geodata.gazetteer import open_gazetteer

            gazetteer = self.gazetteer = open_gazetteer(self.settings.gazetteer_path if self.settings else None)
        record = gazetteer.get(str(place_id))
        if record is None:
            return None
        return {**record.as_dict(), "geo_precision": record.geo_precision}


# ---------------------------------------------------------------------------- what the callbacks return
@dataclass(frozen=True)
class CardView:
    """The card panel: the card page, the list of the events there, the picked one, a hint and the correction choices."""

    srcdoc: str
    options: list[dict[str, Any]]
    value: int | None
    hint: str
    corrections: list[dict[str, Any]] = field(default_factory=list)


_EMPTY_CARD = card_document({}).replace(event_card_html({}), "")
NOT_A_PLACE = "__not_a_place__"


def correction_options(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The places a user may pick instead of the row's: its runner-up candidates (plain-text labels)."""
    options = []
    candidates = row.get("place_candidates")
    if candidates is None or isinstance(candidates, (str, float)):
        return options
    for candidate in list(candidates):
        if not isinstance(candidate, Mapping) or not candidate.get("place_id"):
            continue
        if candidate.get("place_id") == row.get("place_id"):
            continue
        where = ", ".join(str(v) for v in (candidate.get("kind"), candidate.get("country_code")) if v)
        options.append({"label": f"{candidate.get('name')} ({where})", "value": str(candidate["place_id"])})
    return options


def card_view(snapshot: Snapshot, selection: Mapping[str, Any] | None, pick: int | None, *, picked: bool) -> CardView:
    """The card of the picked event among the selected rows (the first one when a new place is selected).

    ``selection`` comes from the browser: ``{"generation", "place", "name", "kind", "rows", "total",
    "events", "fatalities", "places": [{"name", "kind", "n"}], "hidden"}``; ``rows`` are the shown
    rows at the clicked place, or at every area under the pointer, most precise first.
    """
    if selection and selection.get("hidden"):
        return CardView(
            _EMPTY_CARD, [], None, "The event you picked is hidden by the filters; click a place to see others."
        )
    if not selection or not selection.get("rows"):
        return CardView(_EMPTY_CARD, [], None, "Click a place, an area or a table row to see its events.")
    if selection.get("generation") != snapshot.generation:
        return CardView(_EMPTY_CARD, [], None, "The store changed since this page loaded; the map is reloading.")
    rows = [int(r) for r in selection["rows"]]
    value = int(pick) if picked and pick is not None and int(pick) in rows else rows[0]
    try:
        records = {r: snapshot.row(r) for r in rows}
    except StaleSnapshot:
        return CardView(_EMPTY_CARD, [], None, "The store changed since this page loaded; the map is reloading.")
    options = [{"label": choice_label(records[r]), "value": r} for r in rows]
    total = int(selection.get("total") or len(rows))
    events = int(selection.get("events") or count_events(list(records.values())).events)
    places = selection.get("places") or [
        {"name": selection.get("name") or records[value].get("place_name"), "kind": "", "n": total}
    ]
    where = [f"{p['name']}" + (f" ({p['kind']})" if p.get("kind") else "") for p in places]
    head = f"{plural(events, 'event')} shown at {where[0]}" if where else f"{plural(events, 'event')} shown"
    if len(where) > 1:
        head = f"{plural(events, 'event')} shown under the pointer: {where[0]}, then " + ", ".join(where[1:])
    fatalities = int(selection.get("fatalities") or 0)
    hint = head + (f" · {plural(fatalities, 'fatality').replace('fatalitys', 'fatalities')}" if fatalities else "")
    if total > len(rows):
        hint += f" (the {len(rows):,} most recent rows listed)"
    return CardView(card_document(records[value]), options, value, hint + ".", correction_options(records[value]))


def correct_place(data: EventData, generation: str | None, row: int | None, choice: str | None) -> str:
    """Record a user's correction of row ``row``'s place: another place (a place_id) or :data:`NOT_A_PLACE`.

    Returns the status line. The correction is stored with the store and applies to this event and
    to later articles naming the same place in the same context (:mod:`geodata.corrections`).
    """
    from geodata.corrections import document_contexts, not_a_place_correction, place_correction

    if row is None or not choice:
        return ""
    snapshot = data.snapshot(generation)
    if snapshot.generation != generation:
        return "The store changed since this page loaded; pick the event again."
    try:
        record = snapshot.row(int(row))
        doc_rows = snapshot.rows_of(record.get("doc_id"))
    except StaleSnapshot:
        return "The store changed since this page loaded; pick the event again."
    context = document_contexts(doc_rows).get(str(record.get("doc_id")), "")
    name = record.get("place_text") or record.get("place_name")
    if choice == NOT_A_PLACE:
        storeio.record(data.store, not_a_place_correction(record, context=context))
        return f"Saved: “{name}” is not a place here; the map is reloading."
    place = data.place(choice)
    if place is None:
        return f"{choice} is not in the gazetteer; nothing was changed."
    storeio.record(data.store, place_correction(record, place, context=context))
    return f"Saved: “{name}” is {place['name']} ({place.get('country_code') or place['kind']}); the map is reloading."


#: Articles listed in the "Remove an article" dropdown before the user types: the most recent ones;
#: typing searches them all on the server (a dropdown of every article of a large store would be
#: megabytes of page layout and a slow first paint).
ARTICLE_OPTIONS_LIMIT = 100


def article_options(
    data: EventData, *, search: str | None = None, limit: int | None = None, keep: str | None = None
) -> list[dict[str, str]]:
    """The stored articles a user may remove (title, date and number of events; plain text), most recent first.

    ``search`` keeps those whose label contains it (case-insensitive); ``limit`` caps the list;
    ``keep`` (the picked article) stays in it. The labels are built once per store generation.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    labels, values = every = data.article_list()
    if search:
        found = pc.match_substring(labels, search, ignore_case=True)
        labels, values = labels.filter(found), values.filter(found)
    shown = len(labels) if limit is None else min(limit, len(labels))
    options = [
        {"label": label, "value": value}
        for label, value in zip(labels[:shown].to_pylist(), values[:shown].to_pylist(), strict=True)
    ]
    if keep and limit is not None and all(o["value"] != keep for o in options):
        where = pc.index(every[1], pa.scalar(str(keep), pa.string())).as_py()
        if where >= 0:
            options.append({"label": every[0][where].as_py(), "value": str(keep)})
    return options


def _article_list(store: Any) -> tuple[pa.Array, pa.Array]:
    """Labels and doc_ids of every stored article, sorted by label, most recent first (vectorised)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = storeio.articles(store)
    doc_ids = pa.array(frame["doc_id"].astype(str).tolist(), pa.string())
    title = pa.array(frame["title"].tolist(), pa.string(), from_pandas=True)
    published = pa.array(frame["published"].tolist(), pa.string(), from_pandas=True)
    label = pc.utf8_slice_codeunits(pc.coalesce(title, doc_ids), 0, 90)
    label = pc.binary_join_element_wise(pc.coalesce(pc.binary_join_element_wise(published, "", " · "), ""), label, "")
    counts = frame["n_events"].to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(counts)
    numbers = [f"{int(n):,}" for n in np.nan_to_num(counts)]
    count = pc.if_else(
        pa.array(known),
        pc.binary_join_element_wise(pa.array(numbers, pa.string()), pa.array(np.where(counts == 1, "", "s")), " event"),
        "events unknown",
    )
    label = pc.binary_join_element_wise(label, " (", count, ")", "")
    order = pc.sort_indices(label, sort_keys=[("", "descending")]) if len(label) else pa.array([], pa.int64())
    return label.take(order), doc_ids.take(order)


def remove_article(data: EventData, doc_id: str | None) -> str:
    """Remove an article and its events from the store's readers; returns the status line."""
    if not doc_id:
        return ""
    storeio.remove_article(data.store, doc_id)
    return "Removed the article and its events; the map is reloading."


def export_view(data: EventData, request: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    """Write the rows the browser shows in the requested format; ``(dcc.Download data, status line)``."""
    if not request or request.get("kind") not in EXPORT_KINDS:
        return None, ""
    snapshot = data.snapshot(request.get("generation"))
    if snapshot.generation != request.get("generation"):
        return None, "The store changed since this page loaded; reload the page and export again."
    try:
        frame = snapshot.select(decode_mask(request.get("mask"), snapshot.n))
    except StaleSnapshot:
        return None, "The store changed since this page loaded; reload the page and export again."
    counted = count_events(frame)
    title = f"eventmap: {counted.describe()}"
    with tempfile.TemporaryDirectory(prefix="eventmap-export-") as folder:
        try:
            path = write_view(
                frame, request["kind"], folder, title=title, settings=data.settings, gazetteer=data.gazetteer
            )
        except ImportError:
            return None, "Static HTML export is not available in this installation (dashboard.export is missing)."
        content = base64.b64encode(path.read_bytes()).decode("ascii")
    download = {"content": content, "filename": path.name, "type": None, "base64": True}
    return download, f"Exported {counted.describe()} ({plural(counted.rows, 'row')}) as {path.name}."


def data_source(
    snapshot: Snapshot,
    *,
    prefix: str = "/",
    names: Mapping[str, str] | None = None,
    max_upload_bytes: int | None = None,
) -> dict[str, Any]:
    """What the browser's loader needs: where the payloads are, styles, country names, defaults, upload limits."""
    query = f"?g={snapshot.generation}"
    return {
        "generation": snapshot.generation,
        "url": f"{prefix}eventmap-api/events.bin{query}",
        "text_url": f"{prefix}eventmap-api/text.bin{query}",
        "shapes_url": f"{prefix}eventmap-api/shapes.json{query}",
        "info_id": "em-data-info",
        "style": {k: dict(v) for k, v in CATEGORY_STYLE.items()},
        "country_names": dict(names or {}),
        "upload": {
            "url": f"{prefix}eventmap-api/upload",
            "jobs_url": f"{prefix}eventmap-api/jobs/",
            "max_bytes": max_upload_bytes,
            "suffixes": [".txt", ".md", ".html", ".htm"],
        },
        "defaults": {
            "categories": list(CATEGORIES),
            "statuses": list(MAPPED_STATUSES),
            "roles": list(MAP_ROLES),
            "subtypes": [],
            "countries": [],
            "sources": [],
            "actors": [],
        },
    }


def store_change(
    data: EventData,
    *,
    source: Mapping[str, Any] | None,
    prefix: str = "/",
    names: Mapping[str, str] | None = None,
    max_upload_bytes: int | None = None,
) -> tuple[dict[str, Any] | None, dict[str, list] | None]:
    """Whether the store changed since the page loaded ``source``.

    Returns ``(new data source, new filter options)``, or ``(None, None)`` when unchanged.
    """
    current = data.generation()
    if source and source.get("generation") == current:
        return None, None
    snapshot = data.snapshot()
    new = data_source(snapshot, prefix=prefix, names=names, max_upload_bytes=max_upload_bytes)
    return new, snapshot.options(names)
