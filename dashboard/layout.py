"""The dashboard's page: filters on the left, the map and its timeline in the middle, card and table on the right.

:func:`build_layout` only arranges components; the data arrives in the browser through the
stores it declares (see ``callbacks.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.card import CATEGORY_STYLE
from dashboard.data import CATEGORIES, MAP_ROLES, iso_day
from dashboard.map_layers import event_map, legend
from geodata.model import MAPPED_STATUSES, STATUSES

__all__ = ["ROLE_OPTIONS", "SPEEDS", "TABLE_COLUMNS", "build_layout", "deferred_panels"]

ROLE_OPTIONS = [
    {"label": "where it happened", "value": "event"},
    {"label": "article focus", "value": "focus"},
    {"label": "actors' places", "value": "actor"},
    {"label": "mentioned", "value": "mentioned"},
]
SPEEDS = [{"label": f"{s}×", "value": s} for s in (0.5, 1, 2, 4)]
TABLE_COLUMNS = [
    {"name": "Date", "id": "date"},
    {"name": "Category", "id": "category"},
    {"name": "Type", "id": "subtype"},
    {"name": "Status", "id": "status"},
    {"name": "Killed", "id": "fatalities"},
    {"name": "Place", "id": "place"},
    {"name": "CC", "id": "country"},
    {"name": "Title", "id": "title"},
    {"name": "Source", "id": "source"},
]
_GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False}
_EMPTY_FIGURE = {
    "data": [],
    "layout": {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    },
}


def _category_options() -> list[dict[str, Any]]:
    return [
        {
            "label": html.Span(
                [
                    html.Span(style_["symbol"], className="em-legend-pin", style={"background": style_["color"]}),
                    style_["label"],
                ]
            ),
            "value": name,
        }
        for name, style_ in CATEGORY_STYLE.items()
        if name in CATEGORIES
    ]


def _field(label: str, control: Any) -> html.Div:
    return html.Div([html.Label(label, className="em-field-label"), control], className="em-field")


def _filters(options: Mapping[str, list]) -> html.Aside:
    return html.Aside(
        [
            _field(
                "Categories",
                dcc.Checklist(
                    id=ids.CATEGORIES,
                    options=_category_options(),
                    value=list(CATEGORIES),
                    className="em-checklist",
                    inputClassName="em-check",
                ),
            ),
            _field(
                "Status",
                dcc.Checklist(
                    id=ids.STATUSES,
                    options=options.get("statuses") or [{"label": s, "value": s} for s in STATUSES],
                    value=list(MAPPED_STATUSES),
                    className="em-checklist em-small em-statuses",
                    inputClassName="em-check",
                ),
            ),
            _field(
                "Type of event",
                dcc.Dropdown(
                    id=ids.SUBTYPES, options=options.get("subtypes", []), value=[], multi=True, placeholder="All types"
                ),
            ),
            _field(
                "Country",
                dcc.Dropdown(
                    id=ids.COUNTRIES,
                    options=options.get("countries", []),
                    value=[],
                    multi=True,
                    placeholder="All countries",
                ),
            ),
            _field(
                "Source",
                dcc.Dropdown(
                    id=ids.SOURCES, options=options.get("sources", []), value=[], multi=True, placeholder="All sources"
                ),
            ),
            _field(
                "Actor",
                dcc.Dropdown(
                    id=ids.ACTORS,
                    options=options.get("actors", []),
                    value=[],
                    multi=True,
                    placeholder="All actors (agent, target, named actors)",
                ),
            ),
            _field(
                "Search the evidence",
                dcc.Input(
                    id=ids.TEXT,
                    type="search",
                    value="",
                    debounce=0.12,
                    placeholder="words, places, titles…",
                    className="em-input",
                ),
            ),
            _field(
                "Places to show",
                dcc.Checklist(
                    id=ids.ROLES, options=ROLE_OPTIONS, value=list(MAP_ROLES), className="em-checklist em-small"
                ),
            ),
            _field(
                "Fatalities",
                dcc.Checklist(
                    id=ids.SIZING,
                    options=[{"label": "size places by fatalities", "value": "fatalities"}],
                    value=[],
                    className="em-checklist em-small",
                ),
            ),
            html.Div(id=ids.SLOT_CHARTS, className="em-slot-charts"),
            html.Div(
                [
                    html.Span("Time series by ", className="em-small"),
                    dcc.RadioItems(
                        id=ids.SERIES_UNIT,
                        options=[{"label": "week", "value": "week"}, {"label": "month", "value": "month"}],
                        value="month",
                        inline=True,
                        className="em-speed",
                    ),
                ],
                className="em-series-unit",
            ),
        ],
        className="em-filters",
    )


def _timeline(extent: list[int] | None) -> html.Div:
    first, last = (iso_day(extent[0]), iso_day(extent[1])) if extent else ("", "")
    controls = html.Div(
        [
            html.Button("▶ Play", id=ids.PLAY, n_clicks=0, className="em-button", title="Play the events through time"),
            dcc.RadioItems(id=ids.SPEED, options=SPEEDS, value=1, inline=True, className="em-speed"),
            html.Span("From", className="em-small"),
            dcc.Input(
                id=ids.DATE_FROM, type="text", value=first, debounce=True, placeholder="YYYY-MM-DD", className="em-date"
            ),
            html.Span("to", className="em-small"),
            dcc.Input(
                id=ids.DATE_TO, type="text", value=last, debounce=True, placeholder="YYYY-MM-DD", className="em-date"
            ),
            html.Button("All dates", id=ids.DATES_ALL, n_clicks=0, className="em-button em-button-light"),
            html.Span("Drag across the bars to pick dates.", className="em-hint"),
        ],
        className="em-timeline-controls",
    )
    graph_slot = html.Div(id=ids.SLOT_TIMELINE, className="em-slot-timeline")
    return html.Div(
        [controls, graph_slot, dcc.Interval(id=ids.PLAY_CLOCK, interval=700, disabled=True)], className="em-timeline"
    )


def _side(articles: list[dict[str, str]]) -> html.Aside:
    card = html.Section(
        [
            html.H2("Event"),
            html.Div("Click a place, an area or a table row to see its events.", id=ids.CARD_HINT, className="em-hint"),
            dcc.RadioItems(id=ids.CARD_PICK, options=[], className="em-card-pick"),
            # The card is escaped HTML; the frame also runs no script at all (no allow-scripts).
            html.Iframe(
                id=ids.CARD,
                sandbox="allow-popups allow-popups-to-escape-sandbox",
                srcDoc="",
                className="em-card-frame",
                title="Event card",
            ),
            html.Div(
                [
                    html.Span("Wrong place? ", className="em-small"),
                    dcc.Dropdown(
                        id=ids.CORRECT_PLACE,
                        options=[],
                        placeholder="pick one of the runner-up places",
                        className="em-correct-place",
                    ),
                    html.Button("Use this place", id=ids.CORRECT_APPLY, n_clicks=0, className="em-button"),
                    html.Button(
                        "Not a place", id=ids.CORRECT_NOT_PLACE, n_clicks=0, className="em-button em-button-light"
                    ),
                    html.Div(id=ids.CORRECT_STATUS, className="em-hint"),
                ],
                id=ids.CORRECT_BOX,
                className="em-correct em-hidden",
            ),
        ],
        className="em-panel em-card-panel",
    )
    table = html.Section(
        [
            html.H2("Events in view"),
            html.Div(id=ids.IN_VIEW, className="em-hint"),
            html.Div(id=ids.SLOT_TABLE, className="em-slot-table"),
        ],
        className="em-panel",
    )
    upload = html.Section(
        [
            html.H2("Add article"),
            html.Div(
                [
                    dcc.Input(
                        id=ids.UPLOAD_PUBLISHED,
                        type="text",
                        placeholder="published YYYY-MM-DD (optional)",
                        className="em-input",
                    ),
                    dcc.Input(
                        id=ids.UPLOAD_SOURCE, type="text", placeholder="source URL (optional)", className="em-input"
                    ),
                ],
                className="em-upload-fields",
            ),
            # A plain <input type=file> (added by assets/eventmap.js: Dash has none): it sends each file in its own request (see dashboard/jobs.py),
            # so a file over the limit is refused before it is read, and never held in memory.
            html.Label(
                [
                    "Drop article files here or ",
                    html.Span("choose files", className="em-link"),
                    html.Div(".txt, .md or .html", className="em-hint"),
                ],
                id=ids.UPLOAD,
                className="em-upload",
            ),
            html.Div(
                [html.Progress(max="1", value="0"), html.Span(className="em-upload-stage")],
                id=ids.UPLOAD_PROGRESS,
                className="em-upload-progress em-hidden",
            ),
            html.Div(id=ids.UPLOAD_STATUS, className="em-upload-status", **{"aria-live": "polite"}),
            html.H2("Remove an article"),
            dcc.Dropdown(id=ids.ARTICLES, options=articles, placeholder="stored articles", className="em-articles"),
            html.Button(
                "Remove it and its events", id=ids.REMOVE_ARTICLE, n_clicks=0, className="em-button em-button-light"
            ),
            html.Div(id=ids.REMOVE_STATUS, className="em-hint"),
        ],
        className="em-panel",
    )
    return html.Aside([card, table, upload], className="em-side")


def deferred_panels() -> tuple[Any, Any, Any]:
    """The timeline, the two charts and the table, mounted once the map has painted.

    plotly.js (4.8 MB) and the table's code are the heaviest scripts of the page; loading them
    after the map keeps the first paint quick.
    """
    timeline = dcc.Graph(
        id=ids.deferred(ids.TIMELINE), figure=_EMPTY_FIGURE, config=_GRAPH_CONFIG, style={"height": "96px"}
    )
    charts = [
        html.Div(
            [
                html.Label("Events per category", className="em-field-label"),
                dcc.Graph(
                    id=ids.deferred(ids.CAT_CHART),
                    figure=_EMPTY_FIGURE,
                    config=_GRAPH_CONFIG,
                    style={"height": "110px"},
                ),
            ],
            className="em-field",
        ),
        html.Div(
            [
                html.Label("Countries with most events", className="em-field-label"),
                dcc.Graph(id=ids.deferred(ids.COUNTRY_CHART), figure=_EMPTY_FIGURE, config=_GRAPH_CONFIG),
            ],
            className="em-field",
        ),
        html.Div(
            [
                html.Label("Events per category over time", className="em-field-label"),
                dcc.Graph(
                    id=ids.deferred(ids.SERIES_CHART),
                    figure=_EMPTY_FIGURE,
                    config=_GRAPH_CONFIG,
                    style={"height": "150px"},
                ),
                html.Div("Drag across the chart to pick dates.", className="em-hint"),
            ],
            className="em-field",
        ),
    ]
    table = dash_table.DataTable(
        id=ids.deferred(ids.TABLE),
        columns=TABLE_COLUMNS,
        data=[],
        sort_action="custom",
        sort_mode="single",
        sort_by=[{"column_id": "date", "direction": "desc"}],
        page_action="none",
        cell_selectable=True,
        style_table={"maxHeight": "300px", "overflowY": "auto"},
        fixed_rows={"headers": True},
        style_cell={
            "fontSize": 12,
            "padding": "2px 6px",
            "textAlign": "left",
            "maxWidth": 220,
            "overflow": "hidden",
            "textOverflow": "ellipsis",
            "whiteSpace": "nowrap",
        },
        style_header={"fontWeight": 600},
    )
    return timeline, charts, table


def build_layout(
    *,
    source: Mapping[str, Any],
    options: Mapping[str, list],
    extent: list[int] | None,
    basemap_url: str,
    labels_url: str,
    online_tiles: bool,
    credit: str,
    articles: Sequence[Mapping[str, str]] = (),
) -> html.Div:
    """The whole page.

    Parameters
    ----------
    source
        :func:`dashboard.data.data_source` of the current snapshot (the browser loads from it).
    options
        :func:`dashboard.data.filter_options` (subtypes, countries, sources).
    extent
        First and last day of the events (days since 1970-01-01), for the date inputs.
    articles
        :func:`dashboard.data.article_options`: the stored articles a user may remove.
    """
    header = html.Header(
        [
            html.H1(["event", html.Span("map")]),
            html.Div("Loading events…", id=ids.COUNTER, className="em-counter", **{"aria-live": "polite"}),
            html.Div(
                [
                    html.Span("Export view:", className="em-small"),
                    html.Button("Static HTML", id=ids.EXPORT_HTML, n_clicks=0, className="em-button"),
                    html.Button("GeoJSON", id=ids.EXPORT_GEOJSON, n_clicks=0, className="em-button"),
                    html.Button("CSV", id=ids.EXPORT_CSV, n_clicks=0, className="em-button"),
                    html.Span(id=ids.EXPORT_STATUS, className="em-small"),
                ],
                className="em-export",
            ),
        ],
        className="em-header",
    )
    map_panel = html.Div(
        [
            event_map(basemap_url=basemap_url, labels_url=labels_url, online_tiles=online_tiles, credit=credit),
            legend(),
            html.Div("Loading events…", id=ids.LOADING, className="em-loading", role="status"),
        ],
        className="em-map-wrap",
    )
    stores = [
        dcc.Store(id=ids.DATA_SOURCE, data=dict(source)),
        dcc.Store(id=ids.DATA_INFO),
        dcc.Store(id=ids.FILTERED),
        dcc.Store(id=ids.DATE_WINDOW),
        dcc.Store(id=ids.SELECTION),
        dcc.Store(id=ids.EXPORT_REQUEST),
        dcc.Store(id=ids.URL_SYNC),
        dcc.Store(id=ids.PANELS_READY),
        dcc.Store(id=ids.PANELS_MOUNTED),
        dcc.Store(id=ids.UPLOAD_JOB),
        dcc.Download(id=ids.DOWNLOAD),
        dcc.Interval(id=ids.STORE_POLL, interval=15_000),
    ]
    main = html.Main([map_panel, _timeline(extent)], className="em-main")
    return html.Div([*stores, header, _filters(options), main, _side(list(articles))], className="em-app")
