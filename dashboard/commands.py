"""``eventmap`` commands provided by the dashboard package (entry-point group ``eventmap.commands``)."""

from __future__ import annotations

from pathlib import Path

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
@click.option("--port", type=int, default=None, help="Port (default 8050).")
@click.pass_context
def serve(ctx: click.Context, store: Path | None, host: str | None, port: int | None) -> None:
    """Serve the dashboard (debug off; nothing is fetched from the internet)."""
    from dashboard.app import create_app
    from geodata.errors import GeodataError

    settings = _settings(ctx, host=host, port=port, store_dir=store)
    folder = settings.store_dir
    try:
        ensure_gazetteer(settings)  # the basemap, area shapes and credits come from it
    except GeodataError as err:
        _fail(str(err))
    app = create_app(folder, settings)
    click.echo(f"eventmap: serving {folder} at http://{settings.host}:{settings.port}/ (Ctrl+C to stop)", err=True)
    app.run(host=settings.host, port=settings.port, debug=False)


def _fail(message: str, code: int = 2) -> None:
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
