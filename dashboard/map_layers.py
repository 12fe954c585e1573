"""The map: offline basemap, optional online tiles, event layers and legend (pure builders).

Event layers start empty; the browser fills them after filtering (``assets/eventmap.js``):

* **places** — localities (geo_precision 1) as pins coloured and iconed by category, clustered
  with supercluster (dash-leaflet ``cluster=True``). One feature per *place*, carrying the count of
  shown events per category, so clustering stays fast whatever the number of events.
* **areas** — events placed at an admin unit, a country, a region or a sea, drawn as that area
  (dashed when it is a country or wider), or as a halo sized by the precision when the gazetteer
  has no shape. Never as a pin.

The offline basemap (Natural Earth country shapes and labels) is the default base layer, so the
page makes no request outside the dashboard's own server. Online tile layers (from xyzservices)
are offered only when ``settings.online_tiles`` is on, and only load when picked.

>>> halo_radius_m(3)
250000
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_leaflet as dl
from dash import html

from dashboard import ids
from dashboard.card import CATEGORY_STYLE
from dashboard.data import HALO_RADIUS_M

__all__ = [
    "CLUSTER_OPTIONS",
    "HALO_RADIUS_M",
    "INITIAL_VIEW",
    "SENTINEL",
    "attribution",
    "event_map",
    "halo_radius_m",
    "js",
    "legend",
    "online_tile_layers",
]

#: supercluster options (places, not events, are clustered: a low maxZoom is enough and faster).
CLUSTER_OPTIONS = {"radius": 56, "maxZoom": 13, "minPoints": 2}
INITIAL_VIEW = {"center": [18.0, 0.0], "zoom": 2}
#: The event layers' initial data: one invisible feature whose drawing tells the browser the layer is
#: ready for data (see ``mounted`` in ``assets/eventmap.js``).
SENTINEL = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [0.0, 0.0]},
            "properties": {"sentinel": True, "id": -1},
        },
    ],
}
_BASEMAP_STYLE = {"color": "#9a9a8f", "weight": 0.6, "fillColor": "#f3f1ea", "fillOpacity": 1.0, "opacity": 1.0}


def halo_radius_m(precision: int | None) -> int:
    """Radius (m) of the halo of an area event without a shape: wider for vaguer places."""
    return HALO_RADIUS_M.get(int(precision or 2), HALO_RADIUS_M[2])


def js(name: str) -> dict[str, str]:
    """A reference to one of our functions in ``assets/eventmap.js`` (how dash-leaflet takes functions)."""
    return {"variable": f"eventmap.{name}"}


def attribution(gazetteer_attribution: str | None = None) -> str:
    """The map's attribution line (GeoNames and Natural Earth are credited as their licences ask)."""
    base = "Basemap: Natural Earth (public domain)"
    places = gazetteer_attribution or "Places: GeoNames (CC BY 4.0)"
    return f"{base} · {places}"


def online_tile_layers(carto_api_key: str = "") -> list[tuple[str, str, str]]:
    """``(name, url template, attribution)`` of the online tile layers offered (xyzservices).

    CARTO's basemaps need an API key since 2026 (xyzservices 2026.9); without one only
    OpenStreetMap is offered.

    >>> [name for name, _, _ in online_tile_layers()]
    ['OpenStreetMap (online)']
    """
    import xyzservices.providers as xyz

    layers = [("OpenStreetMap (online)", xyz.OpenStreetMap.Mapnik.build_url(), xyz.OpenStreetMap.Mapnik)]
    if carto_api_key:
        layers.append(
            ("CARTO Positron (online)", xyz.CartoDB.Positron.build_url(apikey=carto_api_key), xyz.CartoDB.Positron)
        )
    return [
        (name, url, provider.get("html_attribution", provider.get("attribution", ""))) for name, url, provider in layers
    ]


def event_map(
    *, basemap_url: str, labels_url: str, online_tiles: bool, credit: str, carto_api_key: str = ""
) -> dl.MapContainer:
    """The map component: base layers, the areas and places overlays, a layer control."""
    offline = dl.LayerGroup(
        [
            dl.GeoJSON(id=ids.BASEMAP, url=basemap_url, style=_BASEMAP_STYLE, interactive=False, attribution=credit),
            dl.GeoJSON(url=labels_url, pointToLayer=js("labelToLayer"), interactive=False),
        ]
    )
    base_layers = [dl.BaseLayer(offline, name="Offline basemap (Natural Earth)", checked=True)]
    if online_tiles:
        base_layers += [
            dl.BaseLayer(dl.TileLayer(url=url, attribution=credit_html, maxZoom=18), name=name, checked=False)
            for name, url, credit_html in online_tile_layers(carto_api_key)
        ]
    areas = dl.GeoJSON(
        id=ids.AREAS,
        data=SENTINEL,
        style=js("areaStyle"),
        pointToLayer=js("areaPoint"),
        onEachFeature=js("areaEach"),
        bubblingMouseEvents=False,
    )
    points = dl.GeoJSON(
        id=ids.POINTS,
        data=SENTINEL,
        cluster=True,
        superClusterOptions=dict(CLUSTER_OPTIONS),
        zoomToBoundsOnClick=True,
        pointToLayer=js("pointToLayer"),
        clusterToLayer=js("clusterToLayer"),
        onEachFeature=js("pointEach"),
    )
    control = dl.LayersControl(
        [
            *base_layers,
            # Own pane, so restyling the areas redraws their canvas only, not the basemap's.
            dl.Overlay(
                dl.Pane(areas, name="em-areas", style={"zIndex": 420}),
                name="Areas: admin units, countries, regions, seas",
                checked=True,
            ),
            dl.Overlay(points, name="Places: towns and cities", checked=True),
        ],
        id=ids.LAYERS,
        position="topright",
        collapsed=True,
    )
    return dl.MapContainer(
        [control, dl.ScaleControl(position="bottomleft", imperial=False)],
        id=ids.MAP,
        center=INITIAL_VIEW["center"],
        zoom=INITIAL_VIEW["zoom"],
        minZoom=1,
        maxZoom=16,
        worldCopyJump=True,
        preferCanvas=True,
        trackViewport=True,
        style={"width": "100%", "height": "100%"},
        className="em-map",
    )


def legend(styles: Mapping[str, Mapping[str, Any]] = CATEGORY_STYLE) -> html.Details:
    """The map legend: category colours and symbols, and how precision is drawn."""
    rows = [
        html.Div(
            [
                html.Span(style_["symbol"], className="em-legend-pin", style={"background": style_["color"]}),
                style_["label"],
            ],
            className="em-legend-row",
        )
        for style_ in styles.values()
    ]
    precision = [
        html.Div(
            [html.Span(className="em-legend-swatch em-legend-pin-shape"), "town or city (exact place)"],
            className="em-legend-row",
        ),
        html.Div(
            [html.Span(className="em-legend-swatch em-legend-area"), "admin unit: its area"], className="em-legend-row"
        ),
        html.Div(
            [html.Span(className="em-legend-swatch em-legend-wide"), "country, region or sea: dashed area"],
            className="em-legend-row",
        ),
        html.Div(
            [html.Span(className="em-legend-swatch em-legend-cluster"), "cluster: share of each category"],
            className="em-legend-row",
        ),
    ]
    return html.Details(
        [
            html.Summary("Legend"),
            html.Div("Categories", className="em-legend-title"),
            *rows,
            html.Div("Where", className="em-legend-title"),
            *precision,
        ],
        open=True,
        className="em-legend",
    )
