"""``eventmap`` commands provided by the dashboard package (entry-point group ``eventmap.commands``)."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Any, NoReturn

import click

from geodata.cli import ensure_gazetteer, event_filter_options

__all__ = ["export_html", "serve"]


def _settings(ctx: click.Context, **overrides):
    """Settings from the ``--config`` file of the ``eventmap`` group, the environment and options.

    The store is ``--store``, else ``$EVENTMAP_STORE``, else the settings' ``store_dir``.
    """
    from geodata.config import load_settings

    return load_settings((ctx.find_root().obj or {}).get("config"), **overrides)


@click.command()
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Event store folder.")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1: this machine only).")
@click.option("--port", type=int, default=None, help="Port (default 8050, or $EVENTMAP_PORT).")
@click.option("--access-log", is_flag=True, help="Print one line per request on stderr (quiet by default).")
@click.pass_context
def serve(ctx: click.Context, store: Path | None, host: str | None, port: int | None, access_log: bool) -> None:
    """Serve the dashboard with waitress, a production WSGI server (nothing is fetched from the internet)."""
    settings = _settings(ctx, host=host, port=port, store_dir=store)
    listener = _listen(settings.host, settings.port)  # a busy port is said before anything else
    from dashboard.app import create_app
    from geodata.errors import GeodataError

    folder = settings.store_dir
    try:
        ensure_gazetteer(settings)  # the basemap, area shapes and credits come from it
    except GeodataError as err:
        _fail(str(err))
    app = create_app(folder, settings)
    shown = f"[{settings.host}]" if ":" in settings.host else settings.host
    click.echo(f"eventmap: serving {folder} at http://{shown}:{settings.port}/ (Ctrl+C to stop)", err=True)
    _run_server(_AccessLog(app.server) if access_log else app.server, listener)


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, or one line saying why not and how to pick another port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (OSError, UnicodeError) as err:
        _fail(
            f"cannot serve on host {host!r}: {getattr(err, 'strerror', None) or err}; give an IP address such as 127.0.0.1 (--host or EVENTMAP_HOST)"
        )
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does: restart at once after a stop
    try:
        listener.bind(address)
    except OSError as err:
        listener.close()
        other = port + 1 if port < 65535 else 8050
        if err.errno == errno.EADDRINUSE:
            _fail(
                f"port {port} on {host} is already in use (another eventmap serve?); "
                f"pick another with --port {other} or EVENTMAP_PORT={other}"
            )
        if err.errno == errno.EACCES:
            _fail(f"port {port} needs administrator rights; pick one above 1023 with --port 8050 or EVENTMAP_PORT=8050")
        _fail(
            f"cannot serve on {host}:{port}: {err.strerror or err}; pick another with --host, --port or EVENTMAP_PORT"
        )
    return listener


def _run_server(app: Any, listener: socket.socket) -> None:
    """Serve ``app`` with waitress on an already bound socket until Ctrl+C."""
    import waitress

    # waitress logs nothing per request; its own start-up line would repeat ours.
    server = waitress.create_server(app, sockets=[listener], threads=8, ident="eventmap")
    server.run()


class _AccessLog:
    """WSGI middleware printing one line per request (``eventmap serve --access-log``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        def logged(status: str, headers: list, exc_info: Any = None) -> Any:
            path = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
            click.echo(
                f"{environ.get('REMOTE_ADDR', '-')} {environ.get('REQUEST_METHOD', '-')} {path!r} {status.split()[0]}",
                err=True,
            )
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.app(environ, logged)


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"eventmap: error: {message}", err=True)
    raise SystemExit(code)


@click.command("export-html")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Event store folder.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write."
)
@click.option(
    "--offline", is_flag=True, help="Inline every script, style and the basemap: the file works with no network."
)
@click.option(
    "--online-tiles", is_flag=True, help="With --offline: still offer the OpenStreetMap layer (off by default)."
)
@click.option("--title", default=None, help="Title of the map page.")
@event_filter_options
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["event", "focus", "actor", "mentioned"]),
    help="Place roles to map (default: event and focus — where things happened).",
)
@click.pass_context
def export_html(
    ctx: click.Context,
    store: Path | None,
    output: Path,
    offline: bool,
    online_tiles: bool,
    title: str | None,
    categories: tuple[str, ...],
    since: str | None,
    until: str | None,
    countries: tuple[str, ...],
    roles: tuple[str, ...],
) -> None:
    """Write the stored events as one static HTML map (``--offline``: a single self-contained file)."""
    from dashboard.export import export_html as write_html
    from geodata.errors import GeodataError
    from geodata.store import EventStore, filter_events

    settings = _settings(ctx, store_dir=store)
    folder = settings.store_dir
    if not (folder / "manifest.json").exists():
        _fail(f"no event store at {folder}; run `eventmap ingest PATH --store {folder}` first", 1)
    try:
        ensure_gazetteer(settings)  # the basemap, area shapes and credits come from it
        frame = filter_events(
            EventStore(folder).events(),
            categories=list(categories) or None,
            since=since,
            until=until,
            countries=list(countries) or None,
        )
        frame = frame[frame["place_role"].isin(roles or ("event", "focus"))]
        path = write_html(
            frame, output, offline=offline, title=title, online_tiles=online_tiles or None, settings=settings
        )
    except GeodataError as err:
        _fail(str(err))
    click.echo(f"eventmap: wrote {len(frame)} event rows → {path}", err=True)
