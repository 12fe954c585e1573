"""Static HTML map export (folium): one file to e-mail, offline if asked, small at 100k events.

The map is a folium :class:`~folium.Map` with one :class:`~folium.FeatureGroup` per category and a
:class:`~folium.LayerControl`. What folium cannot do well is done by small ``MacroElement``
widgets (branca's template design) that call one runtime script of ours
(``dashboard/export_assets/export.js``):

* **One data block, not one Marker per event** (folium#1399: 150k markers → 135 MB, blank page).
  The events travel as the dashboard's own binary payload (:mod:`dashboard.payload`: integer
  columns per row, string dictionaries), plus the event cards cut into de-duplicated HTML
  fragments. The block is gzipped and base64-encoded; the page inflates it with the browser's
  ``DecompressionStream``, decodes and filters it with the dashboard's ``core.js`` (inlined),
  builds the markers and clusters them with Leaflet.markercluster.
* **Statuses.** Reported and planned events are shown; denied, hypothetical, commentary and
  background ones are behind the status control, as in the dashboard.
* **Cards are the dashboard's cards.** Every popup shows :func:`dashboard.card.event_card_html` for
  its row, escaped in Python. Fragments are only ever joined and set as ``innerHTML``, never evaluated.
  Place names and labels are set with ``textContent``.
* **Precision is visible.** An event placed only to a province, country, region or sea is drawn as
  the area (:func:`geodata.geocoding.frames.place_shapes`, simplified and quantised). Without a shape it is a
  dashed halo sized by precision (the dashboard's radii, ``core.haloRadius``). It is never a city-exact pin.
* **Dates filter, then cluster** (folium#1391). The date control filters the features and rebuilds
  each category's cluster layer from what is left.
* **Offline** (folium#351, #1368). ``offline=True`` inlines Leaflet, the cluster plugin and their
  images (vendored at pinned versions by ``make vendor``) and embeds a basemap of country shapes.
  There is no tile layer, so the file renders with the network off. Without ``offline``, the page
  loads the same pinned versions from jsDelivr and shows OpenStreetMap tiles (CARTO's now need a
  key). folium's other CDN assets (jQuery, Bootstrap, Font Awesome) are not used, so not loaded.

>>> from dashboard.export import export_html
>>> export_html(events, "map.html", offline=True)  # doctest: +SKIP
PosixPath('map.html')
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import html
import json
import math
import os
import re
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from dashboard.card import CATEGORY_STYLE, PRECISION_LABELS, event_card_html
from dashboard.payload import compact_payload, decode_binary, encode_binary, mappable, place_records
from geodata.counts import EventCount
from geodata.errors import ConfigurationError, GazetteerError, StorageError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.config import Settings

__all__ = ["DATA_ELEMENT_ID", "export_html", "export_payload", "read_export_data", "render_export"]

#: ``id`` of the data block holding the events (gzipped JSON, base64; see :func:`read_export_data`).
DATA_ELEMENT_ID = "eventmap-data"
_BASEMAP_ELEMENT_ID = "eventmap-basemap"
_BLOCK_TYPE = "application/gzip+base64"  # not a script type: the browser never runs it

_HERE = Path(__file__).resolve().parent
_VENDOR = _HERE / "vendor"
_OWN_ASSETS = _HERE / "export_assets"
_CORE_JS = _HERE / "assets" / "core.js"
# Written beside the vendored files by scripts/vendor_assets.py (`make vendor`, every sdist and wheel build).
_LOCK = _VENDOR / "vendor.lock.json"
_CDN = "https://cdn.jsdelivr.net/npm"

#: Vendored files the export uses: (npm package, file in its tarball). Versions come from the lock.
_NEEDED_ASSETS = [
    ("leaflet", "package/dist/leaflet.js"),
    ("leaflet", "package/dist/leaflet.css"),
    ("leaflet.markercluster", "package/dist/leaflet.markercluster.js"),
    ("leaflet.markercluster", "package/dist/MarkerCluster.css"),
]

_SHAPE_SCALE = 100  # area and basemap shapes: 0.01 degree (about 1 km), delta-encoded
_BIG_COUNTRY_DEG2 = 150.0  # countries labelled from zoom 2 (the rest from zoom 4)
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")
_CARD_PART = re.compile(r'<(?:div|blockquote|details) class="(em-card(?:-[\w-]+)?)"')
_DEFAULT_ATTRIBUTION = "Places: GeoNames (CC BY 4.0, geonames.org); shapes: Natural Earth (public domain)"


# ---------------------------------------------------------------------------- assets
@dataclass(frozen=True)
class _Asset:
    url: str
    path: Path
    kind: str  # "js" or "css"


@cache
def _assets() -> tuple[_Asset, ...]:
    """The pinned third-party files: their CDN URL (online) and vendored copy (offline)."""
    try:
        packages = {p["name"]: p for p in json.loads(_LOCK.read_text(encoding="utf-8"))["packages"]}
    except (OSError, ValueError, KeyError) as err:
        raise ConfigurationError(f"cannot read the browser asset lock {_LOCK} ({err}); run `make vendor`") from err
    out = []
    for name, member in _NEEDED_ASSETS:
        package = packages.get(name)
        if package is None or member not in package["files"]:
            raise ConfigurationError(f"{_LOCK} does not list {name} {member}; run `make vendor`")
        url = f"{_CDN}/{name}@{package['version']}/{member.removeprefix('package/')}"
        out.append(_Asset(url, _VENDOR / package["files"][member], "js" if member.endswith(".js") else "css"))
    return tuple(out)


def _asset_links(package: str, kind: str) -> list[tuple[str, str]]:
    return [(a.url.rsplit("/", 1)[-1], a.url) for a in _assets() if f"/{package}@" in a.url and a.kind == kind]


def _data_uri(path: Path) -> str:
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}.get(
        path.suffix.lower(), "application/octet-stream"
    )
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _css_with_data_uris(path: Path) -> str:
    """A stylesheet with its relative ``url(...)`` images turned into data URIs."""

    def replace(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#", "http:", "https:", "//")):
            return match.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file():
            return match.group(0)
        return f'url("{_data_uri(target)}")'

    return re.sub(r"url\((['\"]?)([^'\")]+)\1\)", replace, path.read_text(encoding="utf-8"))


def _inline_assets(page: str) -> str:
    """Replace every CDN ``<script src>`` and stylesheet ``<link>`` with the vendored file's text."""
    by_url = {a.url: a for a in _assets()}
    missing = [a.path for a in by_url.values() if not a.path.is_file()]
    if missing:
        raise ConfigurationError(
            f"the offline export needs the vendored browser assets (missing {missing[0]}); run `make vendor`"
        )

    def script(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None:
            raise ConfigurationError(f"offline export: no vendored copy of {match.group(1)}")
        return "<script>" + asset.path.read_text(encoding="utf-8").replace("</script", "<\\/script") + "</script>"

    def stylesheet(match: re.Match[str]) -> str:
        asset = by_url.get(match.group(1))
        if asset is None:
            raise ConfigurationError(f"offline export: no vendored copy of {match.group(1)}")
        return "<style>" + _css_with_data_uris(asset.path).replace("</style", "<\\/style") + "</style>"

    page = re.sub(r'<script src="([^"]+)"></script>', script, page)
    page = re.sub(r'<link rel="stylesheet" href="([^"]+)"/>', stylesheet, page)
    leftover = re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page, re.IGNORECASE)
    if leftover:
        raise ConfigurationError(f"offline export still references {leftover.group(0)!r}")
    return page


def _pack(value: Any) -> str:
    """JSON, gzipped, base64: the text of a data block (safe inside ``<script>``, ~10x smaller for cards)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")


# ---------------------------------------------------------------------------- geometry
def _polygons(geom: Any) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [p for part in getattr(geom, "geoms", []) for p in _polygons(part)]


def _encode_geometry(geom: Any, *, tolerance: float | None = None) -> list:
    """Polygons as ``[[x0, y0, dx1, dy1, …] per ring] per polygon`` in 1/_SHAPE_SCALE degrees.

    ``tolerance`` (degrees) simplifies first. ``None`` adapts it to the shape's size (0.01° for a
    province, up to 0.5° for a continent) and drops islands smaller than the detail kept: an area
    event's shape says "somewhere in here", it need not be a survey.
    """
    import numpy as np
    import shapely

    polygons = _polygons(geom)
    if not polygons:
        return []
    if tolerance is None:
        tolerance = min(0.5, max(0.01, 0.01 * math.sqrt(sum(p.area for p in polygons))))
        biggest = max(p.area for p in polygons)
        polygons = [p for p in polygons if p.area >= biggest or p.area >= (3 * tolerance) ** 2]
    if tolerance > 0:
        polygons = _polygons(shapely.simplify(shapely.MultiPolygon(polygons), tolerance, preserve_topology=True))
    out = []
    for polygon in polygons:
        rings = []
        for k, ring in enumerate([polygon.exterior, *polygon.interiors]):
            q = np.round(np.asarray(ring.coords)[:, :2] * _SHAPE_SCALE).astype(np.int64)
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = np.any(np.diff(q, axis=0) != 0, axis=1)
            q = q[keep]
            if len(q) < 4:
                if k == 0:
                    break  # the exterior vanished at this precision: drop the polygon
                continue
            rings.append(np.vstack([q[:1], np.diff(q, axis=0)]).ravel().tolist())
        if rings:
            out.append(rings)
    return out


@cache
def _basemap_payload(path: str, mtime: float) -> dict[str, Any]:
    """Country shapes of the offline basemap, quantised, with label points (cached per file)."""
    import shapely.geometry

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    countries = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        geom = shapely.geometry.shape(feature["geometry"])
        label = props.get("label") or [geom.representative_point().x, geom.representative_point().y]
        encoded = _encode_geometry(geom, tolerance=0.02)
        if encoded:
            big = 1 if geom.area >= _BIG_COUNTRY_DEG2 else 0
            countries.append([str(props.get("name") or ""), big, [round(label[0], 2), round(label[1], 2)], encoded])
    return {"scale": _SHAPE_SCALE, "countries": countries}


# ---------------------------------------------------------------------------- payload
def _split_card(card: str) -> list[tuple[str, str]] | None:
    """A card as ``(slot, fragment)`` pairs whose concatenation is the card, or None if unsplittable.

    Article text in a card is escaped, so a literal ``<div class="em-card…"`` can only be card.py's
    own markup: each part of the card starts with one.
    """
    starts = list(_CARD_PART.finditer(card))
    if not starts or starts[0].start() != 0:
        return None
    pieces = []
    for k, match in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(card)
        pieces.append((match.group(1), card[match.start() : end]))
    names = [name for name, _ in pieces]
    return pieces if len(set(names)) == len(names) else None


def _category_styles(names: Iterable[str]) -> list[dict[str, str]]:
    out = []
    for name in names:
        style = CATEGORY_STYLE.get(name, {})
        color = style.get("color", "#555555")
        out.append(
            {
                "key": name,
                "label": style.get("label") or name.replace("_", " ").capitalize() or "Event",
                "color": color if _COLOR.fullmatch(color) else "#555555",
            }
        )
    return out


def export_payload(
    events: gpd.GeoDataFrame,
    *,
    settings: Settings | None = None,
    gazetteer: Any = None,
) -> dict[str, Any]:
    """The data block of an export: the dashboard's payload (:func:`dashboard.payload.compact_payload`) plus cards and shapes.

    Parameters
    ----------
    events
        Events table rows (one per event and place) with Point geometries in EPSG:4326. Rows without
        a geometry are left out and counted in ``unmapped``.
    settings, gazetteer
        Where the area shapes come from (default: the default gazetteer). Without a gazetteer, areas
        become halos sized by precision (the same radii as the dashboard's).

    Returns
    -------
    dict
        Everything :func:`~dashboard.payload.compact_payload` returns (rows, places, dictionaries;
        the same ``core.js`` decodes and filters both), and: ``styles`` (key, label, colour and
        number of events per category), ``places.shape`` (index into ``shapes`` or -1), ``shapes``
        (``[area in square degrees, polygons]``, delta-encoded in 1/``shape_scale`` degrees), the
        card fragments ``frag`` and, per card part in ``slots``, the fragment of every row
        (``cards.s0``, ``cards.s1`` …), ``span`` (the range of the events dated to the day),
        ``bounds``, ``n_events`` (distinct events), ``unmapped`` and the ``precision`` labels.
    """
    import numpy as np

    if events.crs is not None and not events.crs.equals("EPSG:4326"):
        events = events.to_crs("EPSG:4326")
    geometry = events.geometry
    mapped = ~(geometry.isna() | geometry.is_empty)
    frame = events[mapped]
    if len(frame) and not (frame.geom_type == "Point").all():  # a shape instead of a point: its inner point
        frame = frame.set_geometry(frame.geometry.representative_point())
    frame = mappable(frame)
    payload = compact_payload(frame)
    rows = frame.drop(columns=frame.geometry.name)
    records = rows.to_dict("records") if len(rows) else []

    frag_ids: dict[str, int] = {"": 0}
    slot_names: list[str] = []
    slot_rows: list[list[tuple[str, int]]] = []
    for row in records:
        card = event_card_html(row)
        pieces = _split_card(card) or [("*", card)]
        ids = []
        for slot, fragment in pieces:
            if slot not in slot_names:
                slot_names.append(slot)
            ids.append((slot, frag_ids.setdefault(fragment, len(frag_ids))))
        slot_rows.append(ids)
    frag, cards, slots = _card_columns(frag_ids, slot_names, slot_rows)
    places = place_records(frame)[1] if len(frame) else []
    shape_of, shapes = _area_shapes(places, settings=settings, gazetteer=gazetteer)
    payload["places"]["shape"] = np.asarray(shape_of, dtype=np.int32)

    styles = _category_styles(payload["categories"])
    codes, event_codes = payload["rows"]["c"], payload["rows"]["ev"]
    for k, style in enumerate(styles):
        style["count"] = len(np.unique(event_codes[codes == k])) if len(codes) else 0
    xs, ys = (frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()) if len(frame) else ([], [])
    # The initial view: polar seas and Antarctica would zoom a world map out to a stamp.
    south, north = (min(max(float(v), -58.0), 72.0) for v in (min(ys, default=0), max(ys, default=0)))
    bounds = [float(min(xs)), south, float(max(xs)), north] if len(xs) else None
    extent = payload["extent"]
    payload.update(
        styles=styles,
        shape_scale=_SHAPE_SCALE,
        shapes=shapes,
        slots=slots,
        frag=frag,
        cards={f"s{k}": np.asarray(column, dtype=np.int32) for k, column in enumerate(cards)},
        span={"first": extent[0] if extent else None, "last": extent[1] if extent else None},
        bounds=[round(v, 4) for v in bounds] if bounds else None,
        unmapped=int((~mapped).sum()),
        precision=[None, *(PRECISION_LABELS[k] for k in (1, 2, 3, 4))],
    )
    return payload


def _card_columns(
    frag_ids: dict[str, int], slot_names: list[str], slot_rows: list[list[tuple[str, int]]]
) -> tuple[list[str], list[list[int]], list[str]]:
    """Fragments sorted by use (frequent ones get short ids) and one id column per card slot."""
    order = _slot_order(slot_names, slot_rows)
    uses: Counter[int] = Counter(i for ids in slot_rows for _, i in ids)
    ranked = [0, *sorted((i for i in frag_ids.values() if i), key=lambda i: -uses[i])]
    remap = {old: new for new, old in enumerate(ranked)}
    texts = {i: text for text, i in frag_ids.items()}
    columns = [[0] * len(slot_rows) for _ in order]
    position = {name: k for k, name in enumerate(order)}
    for row, ids in enumerate(slot_rows):
        for slot, i in ids:
            columns[position[slot]][row] = remap[i]
    return [texts[i] for i in ranked], columns, order


def _slot_order(slot_names: list[str], slot_rows: list[list[tuple[str, int]]]) -> list[str]:
    """One order of card parts that every card follows (card.py emits its parts in a fixed order)."""
    before: dict[str, set[str]] = {name: set() for name in slot_names}
    for ids in slot_rows:
        names = [name for name, _ in ids]
        for k, name in enumerate(names):
            before[name].update(names[:k])
    order: list[str] = []
    pending = list(slot_names)
    while pending:
        ready = [n for n in pending if before[n] <= set(order)]
        if not ready:  # contradictory orders: cannot happen with card.py, but never emit a wrong card
            raise RuntimeError(f"event cards order their parts inconsistently: {pending}")
        order.append(ready[0])
        pending.remove(ready[0])
    return order


def _area_shapes(places: list[dict[str, Any]], *, settings: Any, gazetteer: Any) -> tuple[list[int], list[list]]:
    """The shape index of every place (-1: a point or no shape) and the encoded shapes."""
    shape_of = [-1] * len(places)
    wanted: dict[str, list[int]] = {}
    for k, place in enumerate(places):
        if place["prec"] >= 2 and place["place_id"]:
            wanted.setdefault(place["place_id"], []).append(k)
    if not wanted:
        return shape_of, []
    from geodata.geocoding.frames import place_shapes

    try:
        frame = place_shapes(list(wanted), settings=settings, gazetteer=gazetteer)
    except GazetteerError as err:
        warnings.warn(f"area shapes unavailable ({err}); areas are drawn as halos", stacklevel=3)
        return shape_of, []
    shapes = []
    for place_id, is_area, geom in zip(frame["place_id"], frame["area"], frame.geometry, strict=True):
        if not is_area:
            continue
        encoded = _encode_geometry(geom)
        if not encoded:
            continue
        for k in wanted.get(place_id, []):
            shape_of[k] = len(shapes)
        shapes.append([round(geom.area, 1), encoded])
    return shape_of, shapes


def read_export_data(source: str | Path) -> dict[str, Any]:
    """The data block of an exported map (a path or the HTML text), as :func:`export_payload` made it (arrays as numpy)."""
    text = source if isinstance(source, str) and "<" in source else Path(source).read_text(encoding="utf-8")
    opening = re.escape(f'<script type="{_BLOCK_TYPE}" id="{DATA_ELEMENT_ID}">')
    match = re.search(opening + "(.*?)</script>", text, re.DOTALL)
    if match is None:
        raise ValueError("no eventmap data block in this HTML")
    return decode_binary(gzip.decompress(base64.b64decode(match.group(1).strip())))


# ---------------------------------------------------------------------------- folium elements
class _Runtime(MacroElement):
    """Our runtime script and styles, inlined in every export (it is small and ours)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <link rel="icon" href="data:,">
            <style>{{ this.css }}</style>
            <script>{{ this.js }}</script>
        {% endmacro %}
        """
    )

    def __init__(self, categories: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "EventmapRuntime"
        colours = "".join(
            f".em-c{k}.em-point,.em-c{k}.em-swatch,.em-c{k}.em-cluster div{{background:{c['color']}}}"
            for k, c in enumerate(categories)
        )
        css = (_OWN_ASSETS / "export.css").read_text(encoding="utf-8") + colours
        self.css = css.replace("</style", "<\\/style")
        # The dashboard's core.js (decoding, filters, halos, dates), then the export's own drawing code.
        scripts = [_CORE_JS.read_text(encoding="utf-8"), (_OWN_ASSETS / "export.js").read_text(encoding="utf-8")]
        self.js = "\n".join(scripts).replace("</script", "<\\/script")


class _EventData(MacroElement):
    """The events: one data block (gzipped JSON, base64), decoded once by the runtime."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <script type="{{ this.block_type }}" id="{{ this.element_id }}">{{ this.packed }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = eventmap.create({{ this._parent.get_name() }}, {{ this.element_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__()
        self._name = "EventData"
        self.element_id = DATA_ELEMENT_ID
        self.block_type = _BLOCK_TYPE
        self.packed = base64.b64encode(gzip.compress(encode_binary(payload), compresslevel=6, mtime=0)).decode("ascii")


class _Basemap(folium.map.Layer):
    """The offline basemap: country shapes on a canvas and their names, a base layer."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <script type="{{ this.block_type }}" id="{{ this.element_id }}">{{ this.packed }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = eventmap.basemap({{ this._parent.get_name() }}, {{ this.element_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], name: str = "Countries (offline)") -> None:
        super().__init__(name=name, overlay=False, control=True, show=True)
        self._name = "Basemap"
        self.element_id = _BASEMAP_ELEMENT_ID
        self.block_type = _BLOCK_TYPE
        self.packed = _pack(payload)


class _CategoryLayer(JSCSSMixin):
    """One category's clustered points and areas, built by the runtime inside a FeatureGroup."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.data.get_name() }}.addCategory({{ this._parent.get_name() }}, {{ this.index|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, data: _EventData, index: int) -> None:
        super().__init__()
        self._name = "CategoryLayer"
        self.data = data
        self.index = index
        self.default_js = _asset_links("leaflet.markercluster", "js")
        self.default_css = _asset_links("leaflet.markercluster", "css")


class _RuntimeCall(MacroElement):
    """A call on the runtime object (date control, legend, ready) with JSON arguments."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.data.get_name() }}.{{ this.method }}({{ this.args|map('tojson')|join(', ') }});
        {% endmacro %}
        """
    )

    def __init__(self, data: _EventData, method: str, *args: Any) -> None:
        super().__init__()
        self._name = "RuntimeCall"
        self.data = data
        self.method = method
        self.args = args


class _Title(MacroElement):
    """The map's title and the data's time span, HTML-escaped."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="em-title"><h1>{{ this.title|e }}</h1><div class="em-subtitle">{{ this.subtitle|e }}</div></div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self._name = "Title"
        self.title = title
        self.subtitle = subtitle


class _Attribution(MacroElement):
    """Data credits (GeoNames CC BY, Natural Earth) in Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.markup|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.markup = html.escape(text) + " · map: eventmap"


# ---------------------------------------------------------------------------- the map
def _attribution(settings: Settings | None, gazetteer: Any) -> str:
    try:
        if gazetteer is None:
            from geodata.gazetteer import open_gazetteer

            gazetteer = open_gazetteer(settings.gazetteer_path if settings else None)
        return str(gazetteer.info().get("attribution") or _DEFAULT_ATTRIBUTION)
    except GazetteerError:
        return _DEFAULT_ATTRIBUTION


def _basemap(settings: Settings | None) -> dict[str, Any] | None:
    from geodata.gazetteer import basemap_path

    path = basemap_path(settings.gazetteer_path if settings else None)
    if not path.is_file():
        warnings.warn(f"no offline basemap at {path} (run `eventmap gazetteer build`)", stacklevel=3)
        return None
    return _basemap_payload(str(path), path.stat().st_mtime)


def _span_text(payload: dict[str, Any]) -> str:
    span = payload["span"]
    if span["first"] is None:
        when = "no dates"
    else:
        first, last = (dt.date(1970, 1, 1) + dt.timedelta(days=span[k]) for k in ("first", "last"))
        when = f"{first.isoformat()} – {last.isoformat()}"
    places = len(np.unique(payload["rows"]["p"])) if payload["n"] else 0
    return f"{when} · {EventCount(payload['n_events'], places, payload['n']).describe()}"


def render_export(
    events: gpd.GeoDataFrame,
    *,
    offline: bool = False,
    title: str | None = None,
    online_tiles: bool | None = None,
    settings: Settings | None = None,
    gazetteer: Any = None,
) -> str:
    """The HTML of an exported map (see :func:`export_html`)."""
    payload = export_payload(events, settings=settings, gazetteer=gazetteer)
    title = title.strip() if title and title.strip() else "eventmap — events"
    online_tiles = (not offline) if online_tiles is None else online_tiles

    m = folium.Map(
        location=[20, 0], zoom_start=2, tiles=None, prefer_canvas=True, maxZoom=18, minZoom=1, worldCopyJump=True
    )
    # Instance lists, so folium's class-level defaults (jQuery, Bootstrap, Font Awesome) stay untouched.
    m.default_js = _asset_links("leaflet", "js")
    m.default_css = _asset_links("leaflet", "css")
    m.get_root().title = html.escape(title)
    m.add_child(_Runtime(payload["styles"]))
    data = _EventData(payload)
    m.add_child(data)
    if offline:
        base = _basemap(settings)
        if base is not None:
            m.add_child(_Basemap(base))
    if online_tiles:
        has_base = any(isinstance(c, _Basemap) for c in m._children.values())
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap", show=not has_base).add_to(m)
    for k, style in enumerate(payload["styles"]):
        # Leaflet's layer control sets names as HTML: escape (a category could come from anywhere).
        name = html.escape(f"{style['label']} ({style['count']:,})")
        group = folium.FeatureGroup(name=name, overlay=True, show=True)
        group.add_child(_CategoryLayer(data, k))
        m.add_child(group)
    m.add_child(_Title(title, _span_text(payload)))
    m.add_child(_Attribution(_attribution(settings, gazetteer)))
    m.add_child(_RuntimeCall(data, "dateControl", "bottomleft"))
    m.add_child(_RuntimeCall(data, "statusControl", "topleft"))
    m.add_child(_RuntimeCall(data, "legend", "bottomright"))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.add_child(_RuntimeCall(data, "ready"))
    page = m.get_root().render()
    return _inline_assets(page) if offline else page


def export_html(
    events_gdf: gpd.GeoDataFrame,
    path: str | Path,
    *,
    offline: bool = False,
    title: str | None = None,
    online_tiles: bool | None = None,
    settings: Settings | None = None,
    gazetteer: Any = None,
) -> Path:
    """Write the events as one static HTML map (folium + Leaflet.markercluster).

    Parameters
    ----------
    events_gdf
        Events table rows (:meth:`geodata.store.EventStore.events`, possibly filtered with
        :func:`geodata.store.filter_events`), Point geometries in EPSG:4326.
    path
        The HTML file to write (atomically: a reader never sees half a file).
    offline
        Write one self-contained file: Leaflet, the cluster plugin and their images inlined from
        ``dashboard/vendor/`` (``make vendor``), the offline basemap embedded, no tile layer by
        default. It renders with the network disabled.
    title
        Title shown on the map and in the browser tab (default "eventmap — events").
    online_tiles
        Offer the OpenStreetMap tile layer. Default: yes online, no offline (offline, they
        would be choices in the layer control, never loaded unless picked).
    settings, gazetteer
        Where the gazetteer (area shapes, basemap, attribution) is found; defaults apply otherwise.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigurationError
        ``offline=True`` but the vendored assets are missing (the message says to run ``make vendor``).
    StorageError
        The file cannot be written.

    Examples
    --------
    >>> from geodata.store import EventStore, filter_events
    >>> events = filter_events(EventStore("eventmap-store").events(), categories=["military"])  # doctest: +SKIP
    >>> export_html(events, "military.html", offline=True, title="Military events")  # doctest: +SKIP
    PosixPath('military.html')
    """
    page = render_export(
        events_gdf, offline=offline, title=title, online_tiles=online_tiles, settings=settings, gazetteer=gazetteer
    )
    path = Path(path)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot write {path}: {err}") from err
    return path
