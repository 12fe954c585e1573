"""The dashboard's ``eventmap`` commands (entry-point group ``eventmap.commands``): thin wrappers."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

__all__ = ["export_html"]


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"eventmap: error: {message}", err=True)
    sys.exit(code)


@click.command("export-html")
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    help="Event store (default: $EVENTMAP_STORE, else settings).",
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write."
)
@click.option("--offline", is_flag=True, help="One self-contained file: Leaflet inlined, offline basemap, no tiles.")
@click.option(
    "--online-tiles", is_flag=True, help="With --offline: still offer the OpenStreetMap layer (off by default)."
)
@click.option("--title", help="Title shown on the map.")
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=click.Choice(["military", "political", "economic"]),
    help="Only these categories (repeatable).",
)
@click.option("--since", metavar="DATE", help="Events on or after YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", metavar="DATE", help="Events on or before YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option(
    "--country", "countries", multiple=True, metavar="CC", help="Only events in these ISO country codes (repeatable)."
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
) -> None:
    """Write the stored events as one static HTML map (shareable; with --offline, needs no network)."""
    from dashboard.export import export_html as write_map
    from geodata.config import load_settings
    from geodata.errors import GeodataError
    from geodata.store import EventStore, filter_events

    bad = [c for c in countries if not re.fullmatch(r"[A-Za-z]{2}", c)]
    if bad:
        _fail(f"--country {bad[0]!r} is not an ISO 3166 two-letter code such as EC or CO")
    try:
        config = (ctx.find_root().obj or {}).get("config")
        settings = load_settings(config, store_dir=store)
        if not settings.store_dir.is_dir():
            _fail(
                f"no event store at {settings.store_dir}; run `eventmap ingest PATH --store {settings.store_dir}` first"
            )
        events = filter_events(
            EventStore(settings.store_dir).events(),
            categories=list(categories) or None,
            since=since,
            until=until,
            countries=list(countries) or None,
        )
        if events.empty:
            click.echo("eventmap: warning: no events match; the map will be empty", err=True)
        path = write_map(
            events, output, offline=offline, title=title, online_tiles=online_tiles or None, settings=settings
        )
    except GeodataError as err:
        _fail(str(err))
    size = path.stat().st_size
    click.echo(
        f"wrote {path} ({size / 1e6:.1f} MB, {events['event_id'].nunique():,} events{', offline' if offline else ''})"
    )
