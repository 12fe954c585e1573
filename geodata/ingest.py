"""Ingest: article files → geoparse → events → the GeoParquet store, in atomic batches.

Each batch of articles becomes visible in the store at once (see :mod:`geodata.store`), so a crash
or a kill loses at most the batch in flight and the next run picks up where it stopped. Articles
already stored (same ``doc_id``) are skipped before any work is done on them. A bad file gives one
error line and never stops the run.

>>> from geodata.ingest import ingest_paths
>>> report = ingest_paths(["examples"], "eventmap-store")  # doctest: +SKIP
>>> report.summary()  # doctest: +SKIP
'32 files: 32 new articles, 0 already stored, 0 errors; 140 events (201 event rows: one per event and place) in 1.2 s'
"""

from __future__ import annotations

import datetime as dt
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
from geodata.store import EventStore

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["IngestReport", "Ingestor", "events_to_geodataframe", "ingest_articles", "ingest_paths"]

Progress = Callable[[int, int], None]


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
    import geopandas as gpd

    from geodata.geocoding.frames import CRS, points_from_latlon
    from geodata.model import EVENT_COLUMNS, STORE_EXTRA_COLUMNS
    from geodata.store import empty_events_frame

    if not rows:
        return empty_events_frame()
    columns = EVENT_COLUMNS + STORE_EXTRA_COLUMNS
    geometry = points_from_latlon([r.get("lat") for r in rows], [r.get("lon") for r in rows])
    return gpd.GeoDataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns, geometry=geometry, crs=CRS)


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


def _article_row(article: Article, n_events: int) -> dict[str, Any]:
    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "source": article.source,
        "published": article.published,
        "path": article.path,
        "author": article.author,
        "encoding": article.encoding,
        "n_events": n_events,
        "ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "text": article.text,
    }


def ingest_articles(
    articles: Iterable[Article],
    store: EventStore | str | Path,
    *,
    settings: Settings | None = None,
    ingestor: Ingestor | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    progress: Progress | None = None,
    report: IngestReport | None = None,
) -> IngestReport:
    """Extract and store the events of articles already read (skipping those already stored)."""
    started = time.perf_counter()
    store = store if isinstance(store, EventStore) else EventStore(store)
    report = report or IngestReport()
    known = store.doc_ids()
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
        ingestor = ingestor or Ingestor(settings)
        batches = list(_batches(todo, batch_size))
        corrections = load_corrections(store.path)
        for batch, rows in zip(batches, _rows_for(ingestor, batches, n_process), strict=True):
            # Users' corrections of earlier articles apply to the new rows too (geodata/corrections.py).
            frame = apply_corrections(events_to_geodataframe(rows), corrections)
            counts = frame.groupby("doc_id")["event_id"].nunique().to_dict() if len(frame) else {}
            result = store.add([_article_row(a, int(counts.get(a.doc_id, 0))) for a in batch], frame)
            report.added_docs.extend(result.added_docs)
            report.skipped_docs.extend(result.skipped_docs)
            report.added_rows += result.added_rows
            added = frame[frame["doc_id"].isin(result.added_docs)] if len(frame) else frame
            report.added_events += count_events(added).events
            done += len(batch)
            if progress:
                progress(done, len(todo))
    report.seconds += time.perf_counter() - started
    return report


def _rows_for(ingestor: Ingestor, batches: list[list[Article]], n_process: int) -> Iterator[list[dict[str, Any]]]:
    if n_process <= 1 or len(batches) <= 1:
        for batch in batches:
            yield ingestor.process(batch)
        return
    import multiprocessing

    global _WORKER
    _WORKER = ingestor
    with multiprocessing.get_context("fork").Pool(n_process) as pool:
        yield from pool.imap(_work, batches)


def ingest_paths(
    paths: Iterable[str | Path],
    store: EventStore | str | Path,
    *,
    settings: Settings | None = None,
    published: str | None = None,
    source: str | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    progress: Progress | None = None,
    on_error: Callable[[ArticleError], None] | None = None,
) -> IngestReport:
    """Read files and folders, extract their events and add them to the store.

    Parameters
    ----------
    paths
        Files (``.txt``, ``.md``, ``.html``) and folders (searched recursively).
    store
        An :class:`~geodata.store.EventStore` or its folder.
    published, source
        Override the publication date and source of every article.
    batch_size
        Articles per atomic store write.
    n_process
        Worker processes for the model (forked; the store is written by this process only).
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
        articles, store, settings=settings, batch_size=batch_size, n_process=n_process, progress=progress, report=report
    )
