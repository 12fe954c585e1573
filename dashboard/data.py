"""What the dashboard sends to the browser, and what it does with the browser's answers (no Dash here).

The browser gets the events **once**, as a compact columnar payload (:func:`compact_payload`):
one row per (event, place) holding small integers only — place, category, subtype, day span, date
precision, country, outlet, place role and event — plus dictionaries of the strings. At 100,000 rows
that is a few MB of JSON (a few hundred kB gzipped). Filters, counts and map aggregation run in the
browser over those arrays (``assets/eventmap.js``). Heavier parts load after the first paint: the
search text (:func:`text_payload`) and the area shapes (:func:`area_features`). The card of an
event is built on the server when it is clicked (:func:`card_document`).

The browser names rows by their position in the payload; :class:`Snapshot` keeps the frame in that
order for one store generation, so a card or an export always refers to the rows the browser saw.

>>> day_span("2025-11", None)
(20393, 20422)
>>> outlet_label("https://www.example.org/news/1"), outlet_label("reports/report.txt")
('example.org', 'report.txt')
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from dashboard.card import CATEGORY_STYLE, event_card_html, is_missing
from geodata.gazetteer.index import geo_precision
from geodata.gazetteer.normalize import fold
from geodata.model import DATE_PRECISIONS, PLACE_ROLES

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

    from geodata.config import Settings
    from geodata.store import EventStore

__all__ = [
    "CATEGORIES",
    "EXPORT_KINDS",
    "HALO_RADIUS_M",
    "MAP_ROLES",
    "CardView",
    "EventData",
    "Snapshot",
    "area_features",
    "basemap_layers",
    "card_document",
    "card_view",
    "choice_label",
    "compact_payload",
    "country_names",
    "data_source",
    "day_span",
    "decode_mask",
    "export_view",
    "filter_options",
    "gzip_json",
    "ingest_uploads",
    "iso_day",
    "outlet_label",
    "place_table",
    "save_uploads",
    "slim_shape",
    "store_change",
    "text_payload",
    "write_view",
]

CATEGORIES = tuple(CATEGORY_STYLE)
#: Place roles drawn on the map by default: where the event happened (not the actors' home countries).
MAP_ROLES = ("event", "focus")
#: Radius of the halo drawn for an area event without a shape, by geo_precision (metres).
HALO_RADIUS_M = {2: 60_000, 3: 250_000, 4: 700_000}
#: Export kinds offered by the dashboard and the file suffix of each.
EXPORT_KINDS = {"html": ".html", "geojson": ".geojson", "csv": ".csv"}
_EPOCH = dt.date(1970, 1, 1).toordinal()
_NO_DAY = -(2**31)


# ---------------------------------------------------------------------------- small pure helpers
_missing = is_missing


def _day(date: dt.date) -> int:
    return date.toordinal() - _EPOCH


def iso_day(day: int | None) -> str | None:
    """The ISO date of a day number (days since 1970-01-01); ``None`` stays ``None``.

    >>> iso_day(0), iso_day(20393)
    ('1970-01-01', '2025-11-01')
    """
    if day is None:
        return None
    return dt.date.fromordinal(int(day) + _EPOCH).isoformat()


def _parse_partial(value: Any) -> tuple[dt.date, dt.date] | None:
    """First and last day of an ISO date that may be partial (``2025``, ``2025-11``, ``2025-11-03``)."""
    if _missing(value):
        return None
    text = str(value).strip()[:10]
    try:
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date.fromisoformat(text + "-01")
            following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return first, following - dt.timedelta(days=1)
        day = dt.date.fromisoformat(text)
        return day, day
    except ValueError:
        return None


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
    last = max(start[1], end[1]) if end else start[1]
    return _day(start[0]), _day(last)


def outlet_label(source: Any) -> str:
    r"""A short name for where an article came from: the web host, else the file name.

    >>> outlet_label("https://www.reuters.com/world/x"), outlet_label("C:\\news\\a.html"), outlet_label(None)
    ('reuters.com', 'a.html', '(unknown source)')
    """
    if _missing(source):
        return "(unknown source)"
    text = str(source).strip()
    parsed = urlparse(text)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        host = parsed.hostname
        return host[4:] if host.startswith("www.") else host
    name = PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name
    return (name or text)[:80]


def _factorize(values: Iterable[Any], first: Sequence[str] = ()) -> tuple[list[int], list[str]]:
    """Codes and labels of ``values`` (labels in ``first`` keep their order and come first)."""
    labels: dict[str, int] = {label: n for n, label in enumerate(first)}
    codes = []
    for value in values:
        label = "" if _missing(value) else str(value)
        code = labels.get(label)
        if code is None:
            code = labels[label] = len(labels)
        codes.append(code)
    return codes, list(labels)


# ---------------------------------------------------------------------------- places and payloads
def place_table(frame: gpd.GeoDataFrame) -> tuple[list[int], list[dict[str, Any]]]:
    """Distinct places of the rows: the place index of each row and one record per place.

    A place is its gazetteer id, or its coordinates when it has none. The record keeps what the
    browser needs to draw it: name, kind, precision (1 locality … 4 region or sea), lon/lat and
    country code.
    """
    index: dict[str, int] = {}
    codes: list[int] = []
    places: list[dict[str, Any]] = []
    xs, ys = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    columns = ["place_id", "place_name", "place_text", "place_kind", "geo_precision", "country_code"]
    for i, (pid, name, text, kind, precision, country) in enumerate(frame[columns].itertuples(index=False, name=None)):
        key = str(pid) if not _missing(pid) else f"@{xs[i]:.5f},{ys[i]:.5f}"
        code = index.get(key)
        if code is None:
            code = index[key] = len(places)
            kind = "" if _missing(kind) else str(kind)
            prec = int(precision) if not _missing(precision) else geo_precision(kind)
            places.append(
                {
                    "key": key,
                    "place_id": None if _missing(pid) else str(pid),
                    "name": str(name) if not _missing(name) else (str(text) if not _missing(text) else key),
                    "kind": kind,
                    "prec": min(max(prec, 1), 4),
                    "lon": round(float(xs[i]), 5),
                    "lat": round(float(ys[i]), 5),
                    "cc": "" if _missing(country) else str(country),
                }
            )
        codes.append(code)
    return codes, places


def _mappable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows with a usable point, in a stable order (the browser's row numbers)."""
    geom = frame.geometry
    ok = geom.notna() & ~geom.is_empty
    return frame[ok.to_numpy()].reset_index(drop=True)


def compact_payload(frame: gpd.GeoDataFrame, *, generation: str = "") -> dict[str, Any]:
    """The browser's copy of the events: small integers per row plus string dictionaries.

    ``frame`` must already be in browser order (see :class:`Snapshot`). Rows are numbered by their
    position. ``rows`` holds, per row: ``p`` place, ``c`` category, ``s`` subtype, ``d0`` first day
    (days since 1970-01-01; a very negative number when undated), ``dd`` length of the span in days,
    ``dp`` date precision, ``k`` country, ``o`` outlet, ``r`` place role, ``ev`` event (rows of one
    event share it).

    >>> from geodata.synthetic import synthetic_events  # doctest: +SKIP
    >>> compact_payload(synthetic_events(10))["n"]  # doctest: +SKIP
    10
    """
    place_codes, places = place_table(frame)
    cats, cat_labels = _factorize(frame["category"], CATEGORIES)
    subs, sub_labels = _factorize(frame["subtype"])
    countries, country_labels = _factorize(frame["country_code"], ("",))
    outlets, outlet_labels = _factorize(outlet_label(s) for s in frame["source"])
    roles, role_labels = _factorize(frame["place_role"], PLACE_ROLES)
    precisions, precision_labels = _factorize(frame["date_precision"], DATE_PRECISIONS)
    events, _ = _factorize(frame["event_id"])
    spans: dict[tuple, tuple[int, int] | None] = {}
    d0, dd = [], []
    for key in zip(frame["date"], frame["date_end"], frame["published"], strict=True):
        key = tuple(None if _missing(v) else str(v) for v in key)
        span = spans.get(key, ...)
        if span is ...:
            span = spans[key] = day_span(*key)
        d0.append(span[0] if span else _NO_DAY)
        dd.append(span[1] - span[0] if span else 0)
    dated = [(a, a + b) for a, b in zip(d0, dd, strict=True) if a != _NO_DAY]
    extent = [min(a for a, _ in dated), max(b for _, b in dated)] if dated else None
    cc_codes, cc_labels = _factorize((p["cc"] for p in places), country_labels)
    return {
        "generation": generation,
        "n": len(frame),
        "n_events": len(set(events)),
        "extent": extent,
        "categories": cat_labels,
        "subtypes": sub_labels,
        "countries": cc_labels,
        "outlets": outlet_labels,
        "roles": role_labels,
        "date_precisions": precision_labels,
        "places": {
            "name": [p["name"] for p in places],
            "kind": [p["kind"] for p in places],
            "prec": [p["prec"] for p in places],
            "lon": [p["lon"] for p in places],
            "lat": [p["lat"] for p in places],
            "k": cc_codes,
        },
        "rows": {
            "p": place_codes,
            "c": cats,
            "s": subs,
            "d0": d0,
            "dd": dd,
            "dp": precisions,
            "k": countries,
            "o": outlets,
            "r": roles,
            "ev": events,
        },
    }


def text_payload(frame: gpd.GeoDataFrame, *, generation: str = "") -> dict[str, Any]:
    """What free-text search runs over, loaded by the browser after the first paint.

    ``text[i]`` is row ``i``'s evidence sentence, place and actors, folded (lower case, no accents,
    so ``narino`` finds ``Nariño``); ``docs`` are the article titles (as written, for the table)
    and ``doc[i]`` the title of row ``i``.
    """
    doc_codes, doc_ids = _factorize(frame["doc_id"])
    titles: dict[int, str] = {}
    for code, title in zip(doc_codes, frame["title"], strict=True):
        if code not in titles:
            titles[code] = "" if _missing(title) else str(title)
    texts = []
    columns = ["sentence", "place_name", "place_text", "actors"]
    for sentence, name, text, actors in frame[columns].itertuples(index=False, name=None):
        words = [str(v) for v in (sentence, name, text) if not _missing(v)]
        if isinstance(actors, (list, tuple)) or (actors is not None and hasattr(actors, "tolist")):
            words.extend(str(a) for a in list(actors))
        texts.append(fold(" | ".join(words)))
    return {"generation": generation, "docs": [titles[i] for i in range(len(doc_ids))], "doc": doc_codes, "text": texts}


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


def filter_options(frame: gpd.GeoDataFrame, names: Mapping[str, str] | None = None) -> dict[str, list[dict[str, str]]]:
    """Options of the subtype, country and source filters (labels are plain text; Dash escapes them)."""
    names = names or {}
    subtypes = []
    pairs = frame[["category", "subtype"]].dropna().drop_duplicates()
    order = {c: n for n, c in enumerate(CATEGORIES)}
    for category, subtype in sorted(
        pairs.itertuples(index=False, name=None), key=lambda p: (order.get(p[0], 9), str(p[1]))
    ):
        label = CATEGORY_STYLE.get(category, {}).get("label", str(category))
        subtypes.append({"label": f"{label} · {str(subtype).replace('_', ' ')}", "value": str(subtype)})
    subtypes = list({o["value"]: o for o in subtypes}.values())
    codes = sorted({str(c) for c in frame["country_code"].dropna() if str(c)}, key=lambda c: names.get(c, c))
    countries = [{"label": f"{names.get(c, c)} ({c})", "value": c} for c in codes]
    counts: dict[str, int] = {}
    for source in frame["source"]:
        label = outlet_label(source)
        counts[label] = counts.get(label, 0) + 1
    sources = [
        {"label": f"{label} ({count:,})", "value": label}
        for label, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return {"subtypes": subtypes, "countries": countries, "sources": sources}


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


# ---------------------------------------------------------------------------- uploads
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def save_uploads(contents: Sequence[str], filenames: Sequence[str], folder: str | Path) -> list[Path]:
    """Write uploaded files (``data:`` URLs from ``dcc.Upload``) into ``folder``, keeping their names.

    Names are reduced to their last component and safe characters, so an upload can never write
    outside ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (content, name) in enumerate(zip(contents, filenames, strict=True)):
        base = PureWindowsPath(PurePosixPath(str(name or "")).name).name
        safe = _SAFE_NAME.sub("_", base).strip(" .") or f"upload-{n + 1}.txt"
        path = folder / safe
        if path.exists():
            path = folder / f"{path.stem}-{n + 1}{path.suffix}"
        _, _, encoded = str(content or "").partition(",")
        path.write_bytes(base64.b64decode(encoded or ""))
        paths.append(path)
    return paths


def ingest_uploads(
    paths: Sequence[Path], store: EventStore, settings: Settings | None, *, ingestor: Any = None
) -> list[str]:
    """Ingest uploaded files into the store; one result line per file, then a summary line.

    Uses the ingest pipeline's two public steps (:func:`geodata.articles.read_articles`, then
    :func:`geodata.ingest.ingest_articles`, which is what ``ingest_paths`` does) so each line can say
    whether its file was added, already stored or unreadable.
    """
    try:
        from geodata.articles import read_articles
        from geodata.errors import ArticleError
        from geodata.ingest import ingest_articles
    except ImportError:
        return ["✗ Adding articles is not available: this eventmap has no ingest pipeline (geodata.ingest)."]
    from geodata.config import load_settings

    settings = settings or load_settings()
    items = list(read_articles([str(p) for p in paths], max_bytes=settings.max_article_bytes))
    articles = [a for a in items if not isinstance(a, ArticleError)]
    report = ingest_articles(articles, store, settings=settings, ingestor=ingestor)
    added = set(report.added_docs)
    n_events = {}
    if added:
        stored = store.articles(columns=["doc_id", "n_events"])
        n_events = dict(zip(stored["doc_id"], stored["n_events"], strict=True))
    lines = []
    for item in items:
        if isinstance(item, ArticleError):
            name = Path(item.path).name if item.path else "file"
            message = str(item).split(": ", 1)[-1] if item.path else str(item)
            lines.append(f"✗ {name}: {message}")
            continue
        name = Path(item.path).name if item.path else (item.title or item.doc_id)
        if item.doc_id in added:
            count = int(n_events.get(item.doc_id) or 0)
            lines.append(f"✓ {name}: added, {count} event{'s' if count != 1 else ''} found")
        else:
            lines.append(f"• {name}: already in the store")
    lines.append(f"{len(added)} new article{'s' if len(added) != 1 else ''}, {report.added_rows} event rows added.")
    return lines


# ---------------------------------------------------------------------------- the server's cache
@dataclass
class Snapshot:
    """The events of one store generation, in browser row order, and the payloads built from them."""

    generation: str
    frame: gpd.GeoDataFrame
    gazetteer: Any = None
    settings: Any = None
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def _memo(self, key: str, build) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    @property
    def n(self) -> int:
        """Number of rows the browser sees."""
        return len(self.frame)

    def payload(self) -> dict[str, Any]:
        """:func:`compact_payload` of this generation (built once)."""
        return self._memo("payload", lambda: compact_payload(self.frame, generation=self.generation))

    def payload_gz(self) -> bytes:
        """The payload as gzipped JSON."""
        return self._memo("payload_gz", lambda: gzip_json(self.payload()))

    def text_gz(self) -> bytes:
        """:func:`text_payload` as gzipped JSON."""
        return self._memo("text_gz", lambda: gzip_json(text_payload(self.frame, generation=self.generation)))

    def shapes_gz(self) -> bytes:
        """:func:`area_features` of this generation's places as gzipped JSON."""

        def build() -> bytes:
            _, places = place_table(self.frame)
            return gzip_json(area_features(places, gazetteer=self.gazetteer, settings=self.settings))

        return self._memo("shapes_gz", build)

    def options(self, names: Mapping[str, str] | None = None) -> dict[str, list[dict[str, str]]]:
        """:func:`filter_options` of this generation."""
        return self._memo("options", lambda: filter_options(self.frame, names))

    def row(self, index: int) -> dict[str, Any]:
        """Row ``index`` as a dict (for the card)."""
        if not 0 <= int(index) < self.n:
            raise IndexError(f"row {index} is not in this view of the store ({self.n} rows)")
        return self.frame.iloc[int(index)].to_dict()

    def select(self, mask: np.ndarray) -> gpd.GeoDataFrame:
        """The rows the browser selected."""
        return self.frame[mask]


def gzip_json(value: Any) -> bytes:
    """Compact JSON, gzipped (what the data routes send)."""
    return gzip.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), compresslevel=5)


class EventData:
    """The dashboard's view of an :class:`~geodata.store.EventStore`: snapshots cached per generation.

    Parameters
    ----------
    store
        The event store the dashboard shows.
    settings
        Used for the gazetteer (area shapes).
    """

    def __init__(self, store: EventStore, settings: Settings | None = None, *, gazetteer: Any = None) -> None:
        self.store = store
        self.settings = settings
        self.gazetteer = gazetteer
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()
        self._ingest_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._ingestor: Any = None

    def ingest(self, paths: Sequence[Path]) -> list[str]:
        """:func:`ingest_uploads` with one model kept for every upload (loading it takes seconds)."""
        with self._ingest_lock:
            if self._ingestor is None:
                try:
                    from geodata.ingest import Ingestor
                except ImportError:
                    return ingest_uploads(paths, self.store, self.settings)
                self._ingestor = Ingestor(self.settings)
            return ingest_uploads(paths, self.store, self.settings, ingestor=self._ingestor)

    def generation(self) -> str:
        """The store's current generation (changes on every write)."""
        return self.store.generation

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
            frame = _mappable(self.store.events())
            snap = Snapshot(current, frame, gazetteer=self.gazetteer, settings=self.settings)
            with self._lock:
                self._snapshots[current] = snap
                while len(self._snapshots) > 2:
                    self._snapshots.popitem(last=False)
            return snap


# ---------------------------------------------------------------------------- what the callbacks return
@dataclass(frozen=True)
class CardView:
    """The card panel: the card page, the list of the place's events, the picked one and a hint line."""

    srcdoc: str
    options: list[dict[str, Any]]
    value: int | None
    hint: str


_EMPTY_CARD = card_document({}).replace(event_card_html({}), "")


def card_view(snapshot: Snapshot, selection: Mapping[str, Any] | None, pick: int | None, *, picked: bool) -> CardView:
    """The card of the picked event among the selected rows (the first one when a new place is selected).

    ``selection`` comes from the browser: ``{"generation", "place", "name", "rows", "total"}``.
    """
    if not selection or not selection.get("rows"):
        return CardView(_EMPTY_CARD, [], None, "Click a place, an area or a table row to see its events.")
    if selection.get("generation") != snapshot.generation:
        return CardView(_EMPTY_CARD, [], None, "The store changed since this page loaded; the map is reloading.")
    rows = [int(r) for r in selection["rows"]]
    value = int(pick) if picked and pick is not None and int(pick) in rows else rows[0]
    records = {r: snapshot.row(r) for r in rows}
    options = [{"label": choice_label(records[r]), "value": r} for r in rows]
    total = int(selection.get("total") or len(rows))
    name = str(selection.get("name") or records[value].get("place_name") or "this place")
    shown = f" (the {len(rows)} most recent listed)" if total > len(rows) else ""
    hint = f"{total:,} event{'s' if total != 1 else ''} shown at {name}{shown}."
    return CardView(card_document(records[value]), options, value, hint)


def export_view(data: EventData, request: Mapping[str, Any] | None) -> tuple[dict[str, Any] | None, str]:
    """Write the rows the browser shows in the requested format; ``(dcc.Download data, status line)``."""
    if not request or request.get("kind") not in EXPORT_KINDS:
        return None, ""
    snapshot = data.snapshot(request.get("generation"))
    if snapshot.generation != request.get("generation"):
        return None, "The store changed since this page loaded; reload the page and export again."
    frame = snapshot.select(decode_mask(request.get("mask"), snapshot.n))
    title = f"eventmap: {len(frame):,} event rows"
    with tempfile.TemporaryDirectory(prefix="eventmap-export-") as folder:
        try:
            path = write_view(
                frame, request["kind"], folder, title=title, settings=data.settings, gazetteer=data.gazetteer
            )
        except ImportError:
            return None, "Static HTML export is not available in this installation (dashboard.export is missing)."
        content = base64.b64encode(path.read_bytes()).decode("ascii")
    download = {"content": content, "filename": path.name, "type": None, "base64": True}
    return download, f"Exported {len(frame):,} event rows as {path.name}."


def data_source(snapshot: Snapshot, *, prefix: str = "/", names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What the browser's loader needs: where the payloads are, styles, country names, defaults."""
    query = f"?g={snapshot.generation}"
    return {
        "generation": snapshot.generation,
        "url": f"{prefix}eventmap-api/events.json{query}",
        "text_url": f"{prefix}eventmap-api/text.json{query}",
        "shapes_url": f"{prefix}eventmap-api/shapes.json{query}",
        "info_id": "em-data-info",
        "halo_radius_m": dict(HALO_RADIUS_M),
        "style": {k: dict(v) for k, v in CATEGORY_STYLE.items()},
        "country_names": dict(names or {}),
        "defaults": {
            "categories": list(CATEGORIES),
            "roles": list(MAP_ROLES),
            "subtypes": [],
            "countries": [],
            "sources": [],
        },
    }


def store_change(
    data: EventData,
    *,
    contents: Sequence[str] | None,
    filenames: Sequence[str] | None,
    source: Mapping[str, Any] | None,
    uploaded: bool,
    prefix: str = "/",
    names: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any] | None, dict[str, list] | None, list[str] | None]:
    """Ingest uploaded files (when ``uploaded``), then report whether the store changed.

    Returns ``(new data source or None, new filter options or None, upload result lines or None)``;
    ``None`` means "unchanged".
    """
    lines = None
    if uploaded and contents:
        with tempfile.TemporaryDirectory(prefix="eventmap-upload-") as folder:
            paths = save_uploads(contents, filenames or [], folder)
            lines = data.ingest(paths)
    current = data.generation()
    if source and source.get("generation") == current:
        return None, None, lines
    snapshot = data.snapshot()
    return data_source(snapshot, prefix=prefix, names=names), snapshot.options(names), lines
