"""Callbacks: wiring only. Filtering runs in the browser; the server builds cards, exports and ingests.

Clientside callbacks name functions of ``assets/eventmap.js`` (namespace ``eventmap``). Server
callbacks unpack their inputs, call one function of :mod:`dashboard.data` and return.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update

from dashboard import ids
from dashboard.data import EventData, card_view, export_view, store_change
from dashboard.layout import deferred_panels

__all__ = ["register_callbacks"]

_FILTER_INPUTS = [
    Input(ids.CATEGORIES, "value"),
    Input(ids.SUBTYPES, "value"),
    Input(ids.COUNTRIES, "value"),
    Input(ids.SOURCES, "value"),
    Input(ids.ROLES, "value"),
    Input(ids.TEXT, "value"),
    Input(ids.DATE_WINDOW, "data"),
]


def _all(kind: str) -> dict[str, object]:
    return ids.deferred(kind, ALL)


def _js(name: str) -> ClientsideFunction:
    return ClientsideFunction(namespace="eventmap", function_name=name)


def _or_no_update(*values):
    return tuple(no_update if v is None else v for v in values)


def register_clientside(app: Dash) -> None:
    """The browser side: load, date window, filter, panels, selection, URL and export requests."""
    controls = [ids.CATEGORIES, ids.SUBTYPES, ids.COUNTRIES, ids.SOURCES, ids.ROLES, ids.TEXT]
    app.clientside_callback(
        _js("load"),
        Output(ids.DATA_INFO, "data"),
        *[Output(c, "value") for c in controls],
        Output(ids.MAP, "viewport"),
        Input(ids.DATA_SOURCE, "data"),
    )
    app.clientside_callback(
        _js("window"),
        Output(ids.DATE_WINDOW, "data"),
        Output(ids.DATE_FROM, "value"),
        Output(ids.DATE_TO, "value"),
        Output(ids.PLAY_CLOCK, "disabled"),
        Output(ids.PLAY, "children"),
        Input(ids.DATA_INFO, "data"),
        Input(_all(ids.TIMELINE), "selectedData"),
        Input(ids.DATE_FROM, "value"),
        Input(ids.DATE_TO, "value"),
        Input(ids.DATES_ALL, "n_clicks"),
        Input(ids.PLAY, "n_clicks"),
        Input(ids.PLAY_CLOCK, "n_intervals"),
        State(ids.SPEED, "value"),
        State(ids.DATE_WINDOW, "data"),
        State(ids.PLAY_CLOCK, "disabled"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("filter"),
        Output(ids.POINTS, "data"),
        Output(ids.AREAS, "data"),
        Output(ids.COUNTER, "children"),
        Output(ids.FILTERED, "data"),
        Input(ids.DATA_INFO, "data"),
        *_FILTER_INPUTS,
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("panelsReady"),
        Output(ids.PANELS_READY, "data"),
        Input(ids.FILTERED, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("charts"),
        Output(_all(ids.TIMELINE), "figure"),
        Output(_all(ids.CAT_CHART), "figure"),
        Output(_all(ids.COUNTRY_CHART), "figure"),
        Input(ids.FILTERED, "data"),
        Input(ids.PANELS_MOUNTED, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("table"),
        Output(_all(ids.TABLE), "data"),
        Output(ids.IN_VIEW, "children"),
        Input(ids.FILTERED, "data"),
        Input(ids.MAP, "bounds"),
        Input(_all(ids.TABLE), "sort_by"),
        Input(ids.PANELS_MOUNTED, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("select"),
        Output(ids.SELECTION, "data"),
        Output(ids.MAP, "viewport", allow_duplicate=True),
        Input(ids.POINTS, "clickData"),
        Input(ids.AREAS, "clickData"),
        Input(_all(ids.TABLE), "active_cell"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("url"),
        Output(ids.URL_SYNC, "data"),
        *_FILTER_INPUTS,
        Input(ids.MAP, "center"),
        Input(ids.MAP, "zoom"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        _js("exportRequest"),
        Output(ids.EXPORT_REQUEST, "data"),
        Input(ids.EXPORT_HTML, "n_clicks"),
        Input(ids.EXPORT_GEOJSON, "n_clicks"),
        Input(ids.EXPORT_CSV, "n_clicks"),
        prevent_initial_call=True,
    )


def register_callbacks(
    app: Dash, data: EventData, *, prefix: str = "/", names: Mapping[str, str] | None = None
) -> None:
    """Register every callback of the dashboard on ``app``."""
    register_clientside(app)

    @app.callback(
        Output(ids.SLOT_TIMELINE, "children"),
        Output(ids.SLOT_CHARTS, "children"),
        Output(ids.SLOT_TABLE, "children"),
        Output(ids.PANELS_MOUNTED, "data"),
        Input(ids.PANELS_READY, "data"),
        prevent_initial_call=True,
    )
    def mount_panels(ready):
        return (*deferred_panels(), True) if ready else (no_update,) * 4

    @app.callback(
        Output(ids.CARD, "srcDoc"),
        Output(ids.CARD_PICK, "options"),
        Output(ids.CARD_PICK, "value"),
        Output(ids.CARD_HINT, "children"),
        Input(ids.SELECTION, "data"),
        Input(ids.CARD_PICK, "value"),
        prevent_initial_call=True,
    )
    def show_card(selection, pick):
        snapshot = data.snapshot((selection or {}).get("generation"))
        view = card_view(snapshot, selection, pick, picked=ctx.triggered_id == ids.CARD_PICK)
        return view.srcdoc, view.options, view.value, view.hint

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Input(ids.EXPORT_REQUEST, "data"),
        prevent_initial_call=True,
    )
    def export(request):
        download, status = export_view(data, request)
        return _or_no_update(download, status)

    @app.callback(
        Output(ids.DATA_SOURCE, "data"),
        Output(ids.SUBTYPES, "options"),
        Output(ids.COUNTRIES, "options"),
        Output(ids.SOURCES, "options"),
        Output(ids.UPLOAD_STATUS, "children"),
        Input(ids.UPLOAD, "contents"),
        Input(ids.STORE_POLL, "n_intervals"),
        State(ids.UPLOAD, "filename"),
        State(ids.DATA_SOURCE, "data"),
        running=[(Output(ids.UPLOAD, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def on_store_change(contents, _tick, filenames, source):
        uploaded = ctx.triggered_id == ids.UPLOAD
        new_source, options, lines = store_change(
            data, contents=contents, filenames=filenames, source=source, uploaded=uploaded, prefix=prefix, names=names
        )
        opts = options or {}
        status = [_line(text) for text in lines] if lines is not None else None
        return _or_no_update(new_source, opts.get("subtypes"), opts.get("countries"), opts.get("sources"), status)


def _line(text: str) -> html.Div:
    return html.Div(text, className="em-upload-line em-upload-error" if text.startswith("✗") else "em-upload-line")
