"""Every call the dashboard makes to the event store, in one place.

The dashboard reads the merged events, asks which generation the store is at, lists the stored
articles, ingests uploads (through :func:`geodata.ingest.ingest_articles`, the same path as
``eventmap ingest``, so through ``Store.add``), and records corrections and article removals
(:mod:`geodata.corrections`, an overlay the store applies on read). When the store's API changes,
only this module changes.

>>> from dashboard.storeio import open_store
>>> store = open_store("eventmap-store")  # doctest: +SKIP
>>> generation(store)  # doctest: +SKIP
'3f2a…+'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import pyarrow as pa

    from geodata.config import Settings
    from geodata.ingest import IngestReport
    from geodata.store import Store

__all__ = [
    "articles",
    "corrections",
    "events",
    "events_table",
    "generation",
    "ingest",
    "open_store",
    "record",
    "remove_article",
    "restore_article",
]


def open_store(store: Store | str | Path) -> Store:
    """The store of a folder (:func:`geodata.store.open_store`; a store is passed through)."""
    from geodata.store import open_store as open_

    return open_(store)


def generation(store: Store) -> str:
    """Changes on every write to the store and on every correction recorded."""
    from geodata.corrections import corrections_version

    return f"{store.generation}+{corrections_version(store.path)}"


def events(store: Store) -> gpd.GeoDataFrame:
    """The merged events, corrections applied (the store applies them on its read path)."""
    return store.events()


def events_table(store: Store, columns: Sequence[str] | None = None) -> pa.Table:
    """The merged events as an Arrow table (WKB geometry) with ``columns`` only (all by default), corrections applied.

    Reading only the columns a view needs, as Arrow, is what lets the dashboard start on a large store.
    """
    from geodata.store import EventQuery
    from geodata.store.query import read_events

    return read_events(store, EventQuery(columns=tuple(columns) if columns else None), as_table=True)


def corrections(store: Store) -> list[dict[str, Any]]:
    """Every correction recorded for the store."""
    from geodata.corrections import load_corrections

    return load_corrections(store.path)


def articles(store: Store) -> pd.DataFrame:
    """The stored articles that are not removed: doc_id, title, source, published, path, n_events."""
    from geodata.corrections import removed_articles

    frame = store.articles(columns=["doc_id", "title", "source", "published", "path", "n_events"])
    gone = removed_articles(corrections(store))
    return frame[~frame["doc_id"].isin(gone)].reset_index(drop=True) if gone else frame


def record(store: Store, correction: Mapping[str, Any]) -> None:
    """Record one correction with the store."""
    from geodata.corrections import record_correction

    record_correction(store.path, correction)


def remove_article(store: Store, doc_id: str) -> None:
    """Remove an article and its events from every reader of the store (an overlay; undone by restore)."""
    from geodata.corrections import article_removal

    record(store, article_removal(doc_id))


def restore_article(store: Store, doc_id: str) -> None:
    """Bring back a removed article."""
    from geodata.corrections import article_removal

    record(store, article_removal(doc_id, restore=True))


def ingest(
    items: Sequence[Any],
    store: Store,
    settings: Settings,
    *,
    ingestor: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Ingest articles already read, one per atomic store write (so progress is per article)."""
    from geodata.corrections import removed_articles
    from geodata.ingest import ingest_articles

    gone = removed_articles(corrections(store))
    for article in items:
        # An article removed earlier and uploaded again comes back (its events are still stored).
        if article.doc_id in gone:
            restore_article(store, article.doc_id)
    return ingest_articles(items, store, settings=settings, ingestor=ingestor, batch_size=1, progress=progress)
