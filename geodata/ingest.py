"""Ingest: article files → geoparse → events → the event store, in atomic batches.

Each batch of articles becomes visible in the store at once (see :mod:`geodata.store`), so a crash
or a kill loses at most the batch in flight and the next run picks up where it stopped. Articles
already stored (same ``doc_id``) are skipped before any work is done on them. A bad file gives one
error line and never stops the run. The pipeline runs where the engine says
(:mod:`geodata.runners`: this process, forked processes or a Dask cluster); this process only
commits the tables the workers return.

>>> from geodata.ingest import ingest_paths
>>> report = ingest_paths(["examples"], "eventmap-store")  # doctest: +SKIP
>>> report.summary()  # doctest: +SKIP
'32 files: 32 new articles, 0 already stored, 0 errors; 140 events (201 event rows: one per event and place) in 1.2 s'
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.articles import Article, read_articles
from geodata.config import Settings, load_settings
from geodata.corrections import apply_corrections, load_corrections
from geodata.counts import count_events, plural
from geodata.errors import ArticleError

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata.runners import Runner
    from geodata.store import Store

__all__ = ["IngestReport", "Ingestor", "events_to_geodataframe", "ingest_articles", "ingest_paths"]

Progress = Callable[[int, int], None]

#: Articles the pipeline takes at a time (a worker's task); commits gather several.
WORK_SIZE = 16
#: Articles per store commit by default.
BATCH_SIZE = 64


@dataclass
class IngestReport:
    """What an ingest run did."""

    files: int = 0
    added_docs: list[str] = field(default_factory=list)
    skipped_docs: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    added_rows: int = 0
    added_events: int = 0  # distinct events (geodata.counts): what "N events" means everywhere
    seconds: float = 0.0
    #: Seconds spent committing to the store, in all and per batch (the rest is reading and the pipeline).
    store_seconds: float = 0.0
    commit_seconds: list[float] = field(default_factory=list)

    def summary(self) -> str:
        """One line for people."""
        return (
            f"{self.files} file{'s' if self.files != 1 else ''}: {len(self.added_docs)} new article"
            f"{'s' if len(self.added_docs) != 1 else ''}, {len(self.skipped_docs)} already stored, "
            f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}; {plural(self.added_events, 'event')}"
            f" ({plural(self.added_rows, 'event row')}: one per event and place) in {self.seconds:.1f} s"
        )


def events_to_geodataframe(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Event rows → GeoDataFrame with the store's columns, Points at the places (EPSG:4326)."""
    from geodata.store.schema import table_to_frame, to_events_table

    return table_to_frame(to_events_table(rows))


class Ingestor:
    """eventmap's spaCy pipeline (:func:`~geodata.nlp.pipeline.build_nlp`), set up once for many articles.

    Parameters
    ----------
    settings
        Model, gazetteer and event classifier to use.
    nlp
        An already built pipeline (``build_nlp(settings)`` by default).
    """

    def __init__(self, settings: Settings | None = None, *, nlp: Any = None) -> None:
        from geodata.nlp.pipeline import build_nlp

        self.settings = settings or load_settings()
        self.nlp = nlp or build_nlp(self.settings)

    def process(self, articles: list[Article]) -> list[dict[str, Any]]:
        """Event rows (columns of :mod:`geodata.model`) for a batch of articles."""
        from geodata.nlp.events import event_rows

        docs = []
        for article in articles:
            doc = self.nlp.make_doc(article.text)
            doc._.article = article
            docs.append(doc)
        rows: list[dict[str, Any]] = []
        for doc in self.nlp.pipe(docs, batch_size=len(docs) or 1):
            rows.extend(event_rows(doc))
        return rows


_WORKER: Ingestor | None = None


def _work(articles: list[Article]) -> list[dict[str, Any]]:
    assert _WORKER is not None
    return _WORKER.process(articles)


def _batches(items: list[Article], size: int) -> Iterator[list[Article]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rows_for(ingestor: Ingestor, batches: list[list[Article]], n_process: int) -> Iterator[list[dict[str, Any]]]:
    """Event rows per batch, in order (forked workers when ``n_process`` > 1); used by ``eventmap extract``."""
    if n_process <= 1 or len(batches) <= 1:
        for batch in batches:
            yield ingestor.process(batch)
        return
    import multiprocessing

    global _WORKER
    _WORKER = ingestor
    with multiprocessing.get_context("fork").Pool(n_process) as pool:
        yield from pool.imap(_work, batches)


def ingest_articles(
    articles: Iterable[Article],
    store: Store | str | Path,
    *,
    settings: Settings | None = None,
    ingestor: Ingestor | None = None,
    batch_size: int = BATCH_SIZE,
    n_process: int = 1,
    engine: str | None = None,
    runner: Runner | None = None,
    progress: Progress | None = None,
    report: IngestReport | None = None,
    **engine_options: Any,
) -> IngestReport:
    """Extract and store the events of articles already read (skipping those already stored).

    ``engine`` names the runner (:data:`geodata.runners.RUNNERS`; default ``processes`` when
    ``n_process`` > 1, else ``local``) and ``engine_options`` its options (``scheduler``,
    ``workers``); or pass a ready ``runner``. Every engine commits through the same
    :meth:`~geodata.store.base.Store.add`, one atomic write per batch.
    """
    from geodata.runners import make_runner
    from geodata.store import open_store

    started = time.perf_counter()
    store = open_store(store)
    report = report or IngestReport()
    articles = list(articles)
    known = store.has(a.doc_id for a in articles)
    todo, seen = [], set()
    for article in articles:
        if article.doc_id in known or article.doc_id in seen:
            report.skipped_docs.append(article.doc_id)
        else:
            seen.add(article.doc_id)
            todo.append(article)
    done = 0
    if progress:
        progress(0, len(todo))
    if todo:
        # The pipeline works on chunks of the runner's work size (16 articles; 64 on Dask) for
        # parallelism and load balance; the store commits every batch_size articles (a commit costs
        # about the same whatever its size).
        owned = runner is None  # a runner passed in stays open for the caller's next run
        if runner is None:
            engine = engine or ("processes" if n_process > 1 else "local")
            runner = make_runner(engine, settings=settings, ingestor=ingestor, processes=n_process, **engine_options)
        chunks = list(_batches(todo, min(batch_size, getattr(runner, "work_size", WORK_SIZE))))
        pending: list[tuple[Any, Any]] = []
        waiting = 0

        corrections = load_corrections(store.path) if getattr(store, "path", None) is not None else []

        def commit() -> None:
            nonlocal done, waiting
            import pyarrow as pa
            import pyarrow.compute as pc

            article_rows = pa.concat_tables([a for a, _ in pending])
            event_rows = pa.concat_tables([e for _, e in pending])
            if corrections:  # users' corrections of earlier articles apply to new rows too
                from geodata.store.schema import table_to_frame, to_events_table

                corrected = apply_corrections(table_to_frame(event_rows), corrections)
                event_rows = to_events_table(corrected).select(event_rows.column_names)
            begun = time.perf_counter()
            result = store.add(article_rows, event_rows)
            spent = time.perf_counter() - begun
            report.store_seconds += spent
            report.commit_seconds.append(spent)
            report.added_docs.extend(result.added_docs)
            report.skipped_docs.extend(result.skipped_docs)
            report.added_rows += result.added_rows
            if result.added_docs and event_rows.num_rows:
                added = event_rows.filter(pc.is_in(event_rows["doc_id"], pa.array(result.added_docs)))
                report.added_events += count_events(added).events
            done += waiting
            pending.clear()
            waiting = 0
            if progress:
                progress(done, len(todo))

        with runner if owned else contextlib.nullcontext():
            for chunk, tables in zip(chunks, runner.run(chunks), strict=True):
                pending.append(tables)
                waiting += len(chunk)
                if waiting >= batch_size:
                    commit()
            if pending:
                commit()
        wait = getattr(store, "wait", None)
        if wait is not None:  # let the store finish its background compaction before the process ends
            wait()
    report.seconds += time.perf_counter() - started
    return report


def ingest_paths(
    paths: Iterable[str | Path],
    store: Store | str | Path,
    *,
    settings: Settings | None = None,
    published: str | None = None,
    source: str | None = None,
    batch_size: int = BATCH_SIZE,
    n_process: int = 1,
    engine: str | None = None,
    progress: Progress | None = None,
    on_error: Callable[[ArticleError], None] | None = None,
    **engine_options: Any,
) -> IngestReport:
    """Read files and folders, extract their events and add them to the store.

    Parameters
    ----------
    paths
        Files (``.txt``, ``.md``, ``.html``) and folders (searched recursively).
    store
        A store (:func:`~geodata.store.open_store`) or its folder.
    published, source
        Override the publication date and source of every article.
    batch_size
        Articles per atomic store write.
    n_process
        Worker processes for the model (forked; the store is written by this process only).
    engine, engine_options
        Where the pipeline runs: ``local``, ``processes`` or ``dask`` (with ``scheduler`` and
        ``workers``); see :mod:`geodata.runners`.
    progress
        Called as ``progress(done, total)`` after each batch.
    on_error
        Called with each :class:`~geodata.errors.ArticleError` as it happens.

    Returns
    -------
    IngestReport
        Counts, the ids added and skipped, and one ``(path, message)`` per bad file.
    """
    settings = settings or load_settings()
    report = IngestReport()
    articles = []
    for item in read_articles(paths, published=published, source=source, max_bytes=settings.max_article_bytes):
        report.files += 1
        if isinstance(item, ArticleError):
            report.errors.append((item.path or "", str(item)))
            if on_error:
                on_error(item)
        else:
            articles.append(item)
    return ingest_articles(
        articles,
        store,
        settings=settings,
        batch_size=batch_size,
        n_process=n_process,
        engine=engine,
        progress=progress,
        report=report,
        **engine_options,
    )
