"""Build the dashboard: ``create_app(store, settings)`` returns a Dash app (there is no global app).

>>> from dashboard.app import create_app
>>> app = create_app("eventmap-store")  # doctest: +SKIP
>>> app.run(host="127.0.0.1", port=8050)  # doctest: +SKIP

Besides Dash's own routes, the server answers ``/eventmap-api/…``: the events payload, the search
text and the area shapes of one store generation (gzipped JSON), and the offline basemap. Every
asset is served by this server; the page needs no other host.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dash import Dash

from dashboard import data as dashboard_data
from dashboard import storeio
from dashboard.callbacks import register_callbacks
from dashboard.jobs import UploadJobs
from dashboard.layout import build_layout
from dashboard.map_layers import attribution

if TYPE_CHECKING:
    from flask import Flask

    from geodata.config import Settings
    from geodata.store import EventStore

__all__ = ["create_app"]

_log = logging.getLogger(__name__)
_ASSETS = Path(__file__).resolve().parent / "assets"
_EMPTY = {"type": "FeatureCollection", "features": []}


def _gzip_response(body: bytes, *, max_age: int):
    """A JSON response from gzipped bytes (decompressed for the rare client that refuses gzip)."""
    from flask import Response, request

    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(body, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(body), mimetype="application/json")
    response.headers["Cache-Control"] = f"private, max-age={max_age}" if max_age else "no-cache"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _register_routes(
    server: Flask,
    prefix: str,
    events: dashboard_data.EventData,
    basemap: dict[str, Any],
    uploads: UploadJobs,
) -> None:
    from flask import jsonify, request

    def snapshot() -> dashboard_data.Snapshot:
        return events.snapshot(request.args.get("g"))

    def max_age() -> int:
        # Without ?g= the answer is "the current generation", which changes: always revalidate.
        return 3600 if request.args.get("g") else 0

    def binary(body: bytes):
        response = _gzip_response(body, max_age=max_age())
        response.mimetype = "application/octet-stream"
        return response

    routes = {
        "events.bin": lambda: binary(snapshot().payload_gz()),
        "text.bin": lambda: binary(snapshot().text_gz()),
        "shapes.json": lambda: _gzip_response(snapshot().shapes_gz(), max_age=max_age()),
        "basemap.json": lambda: _gzip_response(basemap["countries"], max_age=86400),
        "labels.json": lambda: _gzip_response(basemap["labels"], max_age=86400),
    }
    for name, view in routes.items():
        server.add_url_rule(f"{prefix}eventmap-api/{name}", endpoint=f"eventmap_{name}", view_func=view)

    def upload():
        # One file per request, as the raw body: refused on its name and Content-Length before a byte is read.
        job = uploads.job(request.args.get("batch", "")) if request.args.get("batch") else uploads.open_batch()
        if job is None or job.state != "receiving":
            return jsonify({"error": "unknown or closed upload batch; upload the files again"}), 404
        line = uploads.receive(job, request.args.get("name", ""), request.stream, request.content_length)
        return jsonify({"batch": job.id, "line": line})

    def commit():
        body = request.get_json(silent=True) or {}
        job = uploads.job(str(body.get("batch", "")))
        if job is None or job.state != "receiving":
            return jsonify({"error": "unknown or closed upload batch; upload the files again"}), 404
        return jsonify(uploads.commit(job, published=body.get("published"), source=body.get("source")).view())

    def job_view(job_id: str):
        job = uploads.job(job_id)
        if job is None:
            return jsonify({"error": "unknown upload job"}), 404
        response = jsonify(job.view())
        response.headers["Cache-Control"] = "no-store"
        return response

    server.add_url_rule(f"{prefix}eventmap-api/upload", endpoint="eventmap_upload", view_func=upload, methods=["POST"])
    server.add_url_rule(
        f"{prefix}eventmap-api/upload/commit", endpoint="eventmap_commit", view_func=commit, methods=["POST"]
    )
    server.add_url_rule(f"{prefix}eventmap-api/jobs/<job_id>", endpoint="eventmap_job", view_func=job_view)


def _load_basemap(settings: Settings) -> tuple[dict[str, bytes], dict[str, str]]:
    from geodata.gazetteer import basemap_path

    path = basemap_path(settings.gazetteer_path)
    if not path.is_file():
        _log.warning("no offline basemap at %s (run `make data`); the map will have no land", path)
        empty = dashboard_data.gzip_json(_EMPTY)
        return {"countries": empty, "labels": empty}, {}
    layers = dashboard_data.basemap_layers(path)
    names = dashboard_data.country_names(layers["countries"])
    return {k: dashboard_data.gzip_json(v) for k, v in layers.items()}, names


def _credit(settings: Settings, gazetteer: Any) -> str:
    try:
        if gazetteer is None:
            from geodata.gazetteer import open_gazetteer

            gazetteer = open_gazetteer(settings.gazetteer_path)
        return attribution(gazetteer.info().get("attribution"))
    except Exception as err:  # a missing gazetteer must not stop the dashboard; the credit falls back
        _log.warning("gazetteer attribution unavailable: %s", err)
        return attribution()


def create_app(
    store: EventStore | str | Path, settings: Settings | None = None, *, gazetteer: Any = None, warm: bool = True
) -> Dash:
    """The eventmap dashboard over ``store``.

    Parameters
    ----------
    store
        An :class:`~geodata.store.EventStore` or its folder.
    settings
        Gazetteer location (area shapes, basemap) and ``online_tiles``; defaults to
        :func:`geodata.config.load_settings`.
    gazetteer
        An open gazetteer to use instead of opening ``settings.gazetteer_path``.
    warm
        Prepare the current store generation in a background thread, so the first page is quick.

    Returns
    -------
    dash.Dash
        Serve it with ``app.run(...)`` or mount ``app.server`` (a Flask WSGI app).
    """
    from geodata.config import load_settings

    settings = settings or load_settings()
    store = storeio.open_store(store)
    # Dash's dev tools would otherwise ask plotly.com for the latest version (debug mode only).
    os.environ.setdefault("DASH_DISABLE_VERSION_CHECK", "true")
    events = dashboard_data.EventData(store, settings, gazetteer=gazetteer)
    if warm:
        # Started first: reading the store (Arrow, mostly outside the GIL) overlaps the app's own set-up.
        threading.Thread(target=_warm, args=(events,), name="eventmap-warm", daemon=True).start()
    app = Dash(
        __name__,
        title="eventmap",
        assets_folder=str(_ASSETS),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
    )
    uploads = UploadJobs(store, settings, make_ingestor=lambda: _ingestor(settings))
    app.server.config["EVENTMAP_MAX_UPLOAD_BYTES"] = settings.max_upload_bytes
    basemap, names = _load_basemap(settings)
    prefix = app.config.requests_pathname_prefix
    _register_routes(app.server, app.config.routes_pathname_prefix, events, basemap, uploads)
    credit = _credit(settings, gazetteer)

    def serve_layout():
        snapshot = events.snapshot()
        payload = snapshot.payload()
        return build_layout(
            source=dashboard_data.data_source(
                snapshot, prefix=prefix, names=names, max_upload_bytes=settings.max_upload_bytes
            ),
            options=snapshot.options(names),
            extent=payload["extent"],
            basemap_url=f"{prefix}eventmap-api/basemap.json",
            labels_url=f"{prefix}eventmap-api/labels.json",
            online_tiles=settings.online_tiles,
            credit=credit,
            articles=dashboard_data.article_options(events, limit=dashboard_data.ARTICLE_OPTIONS_LIMIT),
        )

    app.layout = serve_layout
    register_callbacks(app, events, prefix=prefix, names=names, max_upload_bytes=settings.max_upload_bytes)
    return app


def _ingestor(settings: Settings) -> Any:
    """The geoparser and event extractor for uploads (None when this install has no ingest pipeline)."""
    try:
        from geodata.ingest import Ingestor
    except ImportError:
        return None
    return Ingestor(settings)


def _warm(events: dashboard_data.EventData) -> None:
    try:
        snapshot = events.snapshot()
        snapshot.payload_gz()
        snapshot.text_gz()
        snapshot.shapes_gz()
        # Last: every column of the rows, so the first card, correction or export does not wait.
        snapshot.full_table()
    except Exception as err:  # warming is an optimisation; the first request will report real errors
        _log.warning("could not prepare the events in advance: %s", err)
