"""Runners: where the pipeline runs — in this process, in forked processes, or on a Dask cluster.

A runner takes batches of articles and yields, in the order of the batches, what the store needs
for each: an articles table and an events table (Arrow, :mod:`geodata.store.schema`). The tables
are built where the pipeline runs, so the process that writes the store only commits them.

=============  ========================================================================
``local``      this process (one model)
``processes``  forked worker processes on this machine (the model is loaded once, then shared)
``dask``       the workers of a ``dask.distributed`` cluster: a local one, or any cluster given by
               its scheduler address; each worker loads the model once, on its first batch
=============  ========================================================================

>>> runner = make_runner("dask", workers=2)  # doctest: +SKIP
>>> with runner:  # doctest: +SKIP
...     for articles, events in runner.run(batches):
...         store.add(articles, events)
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from geodata.errors import ConfigurationError

if TYPE_CHECKING:
    import pyarrow as pa

    from geodata.articles import Article
    from geodata.config import Settings
    from geodata.ingest import Ingestor

__all__ = ["RUNNERS", "DaskRunner", "LocalRunner", "ProcessRunner", "Runner", "make_runner", "process_batch"]

BatchTables = tuple["pa.Table", "pa.Table"]


def article_row(article: Article, n_events: int) -> dict[str, Any]:
    """The stored row of an article (``n_events`` = its distinct events)."""
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


def process_batch(ingestor: Ingestor, batch: list[Article]) -> BatchTables:
    """Run the pipeline on a batch: (articles table, events table) ready for :meth:`Store.add`."""
    from geodata.store.schema import to_articles_table, to_events_table

    rows = ingestor.process(batch)
    events: dict[str, set[str]] = {}
    for row in rows:
        events.setdefault(row["doc_id"], set()).add(row["event_id"])
    articles = to_articles_table([article_row(a, len(events.get(a.doc_id, ()))) for a in batch])
    return articles, to_events_table(rows)


class Runner(Protocol):
    """Runs the pipeline on batches of articles; a context manager that frees its workers on exit."""

    name: str

    def run(self, batches: Sequence[list[Article]]) -> Iterator[BatchTables]:
        """(articles, events) tables for every batch, in the order of ``batches``."""
        ...

    def __enter__(self) -> Runner: ...

    def __exit__(self, *exc: object) -> None: ...


class _Base:
    name = "base"
    #: Articles per unit of work (a worker's task).
    work_size = 16

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the workers (nothing to do for in-process runners)."""


class LocalRunner(_Base):
    """The pipeline in this process."""

    name = "local"

    def __init__(self, *, settings: Settings | None = None, ingestor: Ingestor | None = None, **_: Any) -> None:
        self.settings = settings
        self.ingestor = ingestor

    def _ingestor(self) -> Ingestor:
        if self.ingestor is None:
            from geodata.ingest import Ingestor

            self.ingestor = Ingestor(self.settings)
        return self.ingestor

    def run(self, batches: Sequence[list[Article]]) -> Iterator[BatchTables]:
        """(articles, events) tables for every batch, in order."""
        for batch in batches:
            yield process_batch(self._ingestor(), batch)


_FORKED: Ingestor | None = None


def _forked_batch(batch: list[Article]) -> BatchTables:
    assert _FORKED is not None, "the pipeline is loaded before the workers fork"
    return process_batch(_FORKED, batch)


class ProcessRunner(LocalRunner):
    """Forked worker processes on this machine; the model is loaded once, before the fork, and shared."""

    name = "processes"

    def __init__(
        self, *, processes: int = 2, settings: Settings | None = None, ingestor: Ingestor | None = None, **_: Any
    ) -> None:
        super().__init__(settings=settings, ingestor=ingestor)
        self.processes = max(1, processes)

    def run(self, batches: Sequence[list[Article]]) -> Iterator[BatchTables]:
        """(articles, events) tables for every batch, in order, from the worker processes."""
        if self.processes <= 1 or len(batches) <= 1:
            yield from super().run(batches)
            return
        import multiprocessing

        global _FORKED
        _FORKED = self._ingestor()
        with multiprocessing.get_context("fork").Pool(self.processes) as pool:
            yield from pool.imap(_forked_batch, batches)


# ---------------------------------------------------------------------------- Dask
_DASK_INGESTORS: dict[str, Ingestor] = {}


def _worker_settings(settings: Settings | None, client_gazetteer: str | None) -> Settings:
    """The settings on a worker: the client's, with the worker's own gazetteer when the client used its default."""
    from geodata.config import default_gazetteer_path, load_settings

    settings = settings or load_settings()
    if client_gazetteer is not None and str(settings.gazetteer_path) == client_gazetteer:
        settings = settings.model_copy(update={"gazetteer_path": default_gazetteer_path()})
    return settings


def _dask_ingestor(settings: Settings | None, client_gazetteer: str | None) -> Ingestor:
    """The pipeline of this worker, loaded once per worker process and settings."""
    from geodata.ingest import Ingestor

    key = repr((settings, client_gazetteer))
    ingestor = _DASK_INGESTORS.get(key)
    if ingestor is None:
        ingestor = _DASK_INGESTORS[key] = Ingestor(_worker_settings(settings, client_gazetteer))
        ingestor.process([])  # load the model and the gazetteer now, not inside the first batch
    return ingestor


def _dask_warm(settings: Settings | None, client_gazetteer: str | None) -> int:
    _dask_ingestor(settings, client_gazetteer)
    return os.getpid()


def _dask_batch(batch: list[Article], settings: Settings | None, client_gazetteer: str | None) -> BatchTables:
    return process_batch(_dask_ingestor(settings, client_gazetteer), batch)


class DaskRunner(_Base):
    """Batches as tasks on a ``dask.distributed`` cluster; results come back in order.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); without it, a local cluster of
        ``workers`` processes (one thread each) is started and stopped with the runner.
    workers
        Worker processes of the local cluster (default: the CPU count).
    settings
        Sent to the workers; a worker whose settings name the client's default gazetteer uses its
        own installed one.
    """

    name = "dask"
    #: Articles per task: a task pays a round trip to the scheduler, so Dask gets larger ones.
    work_size = 64

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        settings: Settings | None = None,
        **_: Any,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise ConfigurationError("the dask engine needs dask.distributed: pip install 'eventmap[dask]'") from err
        from geodata.config import default_gazetteer_path

        self.settings = settings
        self._client_gazetteer = str(default_gazetteer_path())
        self._cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise ConfigurationError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from err
        else:
            import logging

            import dask

            # Dask makes glibc return freed memory eagerly (MALLOC_TRIM_THRESHOLD_); with spaCy's many
            # allocations that costs a fifth more CPU per article, so our local workers keep the default.
            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            # The scheduler lives in this process, which also commits: let workers queue their next
            # tasks instead of waiting for a round trip through a busy scheduler after each one.
            config = {"distributed.nanny.pre-spawn-environ": environ, "distributed.scheduler.worker-saturation": "inf"}
            with dask.config.set(config):
                self._cluster = LocalCluster(
                    n_workers=max(1, workers or os.cpu_count() or 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = Client(self._cluster)
        self.workers = len(self.client.scheduler_info(n_workers=-1)["workers"]) or 1

    def warm(self) -> None:
        """Load the pipeline on every worker now (in parallel), so the first batches run at full speed."""
        self.client.run(_dask_warm, self.settings, self._client_gazetteer)

    def run(self, batches: Sequence[list[Article]]) -> Iterator[BatchTables]:
        """(articles, events) tables for every batch, in order, from the cluster's workers."""
        self.warm()
        window = 2 * self.workers + 2  # enough queued work to keep every worker busy, no more in memory
        pending: deque = deque()
        todo = iter(batches)
        for batch in todo:
            pending.append(self.client.submit(_dask_batch, batch, self.settings, self._client_gazetteer, pure=False))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            result = future.result()
            future.release()
            for batch in todo:
                pending.append(
                    self.client.submit(_dask_batch, batch, self.settings, self._client_gazetteer, pure=False)
                )
                break
            yield result

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this runner started one."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


#: Runners by engine name (``eventmap ingest --engine NAME``).
RUNNERS: dict[str, type] = {"local": LocalRunner, "processes": ProcessRunner, "dask": DaskRunner}


def make_runner(engine: str = "local", **options: Any) -> Runner:
    """The runner of ``engine`` (see :data:`RUNNERS`) with its options (``processes``, ``scheduler``, ``workers``…).

    >>> make_runner("local").name
    'local'
    >>> make_runner("spark")
    Traceback (most recent call last):
    ...
    geodata.errors.ConfigurationError: unknown engine 'spark'; choose one of local, processes, dask
    """
    runner = RUNNERS.get(engine)
    if runner is None:
        raise ConfigurationError(f"unknown engine {engine!r}; choose one of {', '.join(RUNNERS)}")
    return runner(**options)
