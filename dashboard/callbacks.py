"""Callbacks: wiring only. Filtering runs in the browser; the server builds cards, exports and ingests.

Clientside callbacks name functions of ``assets/eventmap.js`` (namespace ``eventmap``). Server
callbacks unpack their inputs, call one function of :mod:`dashboard.data` and return.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.data import (
    ARTICLE_OPTIONS_LIMIT,
    NOT_A_PLACE,
    EventData,
    article_options,
    card_view,
    correct_place,
    export_view,
    remove_article,
    store_change,
)
from dashboard.layout import deferred_panels

__all__ = ["register_callbacks"]

_FILTER_INPUTS = [
    Input(ids.CATEGORIES, "value"),
    Input(ids.STATUSES, "value"),
    Input(ids.SUBTYPES, "value"),
    Input(ids.COUNTRIES, "value"),
    Input(ids.SOURCES, "value"),
    Input(ids.ACTORS, "value"),
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
    controls = [ids.CATEGORIES, ids.STATUSES, ids.SUBTYPES, ids.COUNTRIES, ids.SOURCES, ids.ACTORS, ids.ROLES, ids.TEXT]
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
        Input(_all(ids.SERIES_CHART), "selectedData"),
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
        Input(ids.SIZING, "value"),
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
        Output(_all(ids.SERIES_CHART), "figure"),
        Input(ids.FILTERED, "data"),
        Input(ids.PANELS_MOUNTED, "data"),
        Input(ids.SERIES_UNIT, "value"),
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
        Input(ids.FILTERED, "data"),
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
    app: Dash,
    data: EventData,
    *,
    prefix: str = "/",
    names: Mapping[str, str] | None = None,
    max_upload_bytes: int | None = None,
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
        Output(ids.CORRECT_PLACE, "options"),
        Output(ids.CORRECT_PLACE, "value"),
        Output(ids.CORRECT_BOX, "className"),
        Input(ids.SELECTION, "data"),
        Input(ids.CARD_PICK, "value"),
        prevent_initial_call=True,
    )
    def show_card(selection, pick):
        snapshot = data.snapshot((selection or {}).get("generation"))
        view = card_view(snapshot, selection, pick, picked=ctx.triggered_id == ids.CARD_PICK)
        box = "em-correct" if view.value is not None else "em-correct em-hidden"
        return view.srcdoc, view.options, view.value, view.hint, view.corrections, None, box

    @app.callback(
        Output(ids.CORRECT_STATUS, "children"),
        Output(ids.STORE_POLL, "n_intervals"),
        Input(ids.CORRECT_APPLY, "n_clicks"),
        Input(ids.CORRECT_NOT_PLACE, "n_clicks"),
        State(ids.CORRECT_PLACE, "value"),
        State(ids.CARD_PICK, "value"),
        State(ids.SELECTION, "data"),
        State(ids.STORE_POLL, "n_intervals"),
        prevent_initial_call=True,
    )
    def correct(_apply, _not_place, choice, row, selection, ticks):
        choice = NOT_A_PLACE if ctx.triggered_id == ids.CORRECT_NOT_PLACE else choice
        if not choice:
            return "Pick a place in the list first.", no_update
        status = correct_place(data, (selection or {}).get("generation"), row, choice)
        # Bumping the poll's counter makes the page check the store (and reload) right away.
        return status, (ticks or 0) + 1

    @app.callback(
        Output(ids.REMOVE_STATUS, "children"),
        Output(ids.STORE_POLL, "n_intervals", allow_duplicate=True),
        Input(ids.REMOVE_ARTICLE, "n_clicks"),
        State(ids.ARTICLES, "value"),
        State(ids.STORE_POLL, "n_intervals"),
        prevent_initial_call=True,
    )
    def remove(_clicks, doc_id, ticks):
        if not doc_id:
            return "Pick an article first.", no_update
        return remove_article(data, doc_id), (ticks or 0) + 1

    @app.callback(
        Output(ids.ARTICLES, "options", allow_duplicate=True),
        Input(ids.ARTICLES, "search_value"),
        State(ids.ARTICLES, "value"),
        prevent_initial_call=True,
    )
    def search_articles(search, value):
        # The layout lists the most recent articles only; typing searches every stored one.
        return article_options(data, search=search or None, limit=ARTICLE_OPTIONS_LIMIT, keep=value)

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
        Output(ids.ACTORS, "options"),
        Output(ids.ARTICLES, "options"),
        Input(ids.STORE_POLL, "n_intervals"),
        Input(ids.UPLOAD_JOB, "data"),
        State(ids.DATA_SOURCE, "data"),
        State(ids.ARTICLES, "search_value"),
        State(ids.ARTICLES, "value"),
        prevent_initial_call=True,
    )
    def on_store_change(_tick, _job, source, search, picked):
        new_source, options = store_change(
            data, source=source, prefix=prefix, names=names, max_upload_bytes=max_upload_bytes
        )
        opts = options or {}
        # What the user is typing in the article list stays searched.
        fresh = article_options(data, search=search, limit=ARTICLE_OPTIONS_LIMIT, keep=picked) if new_source else None
        return _or_no_update(
            new_source, opts.get("subtypes"), opts.get("countries"), opts.get("sources"), opts.get("actors"), fresh
        )
