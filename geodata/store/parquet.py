"""The GeoParquet folder store: safe for concurrent writers, linear in cost, readable by any GeoParquet tool.

Layout::

    eventmap-store/
      manifest.json           the committed state (parts, seq, generation, counts), replaced atomically
      events/<part>.parquet   GeoParquet, one row per (event, place) as its article reported it
      articles/<part>.parquet one row per article
      heads/<part>.parquet    one row per event: what the merge rule compares (geodata.store.merge)
      clusters/<part>.parquet the clusters a commit changed (member → representative)
      retired/                files replaced by a compaction, kept a minute for readers, then deleted
      writers/<id>.lease      held (flock) by every live writer for its lifetime
      .lock                   held (flock) by the writer that is committing

**Writers.** A writer writes its part files under hidden names (``.pending-…``), then takes the
store lock, re-reads the manifest, drops the articles another writer stored meanwhile, links the
new events to stored reports of the same event (:class:`~geodata.store.merge.MergeIndex`), renames
its files and replaces the manifest. File names carry the writer's id, so no two writers ever
write the same file, and a writer deletes another writer's leftovers only when that writer's lease
is free: the kernel releases ``flock`` locks when a process dies, so a killed writer never blocks
the next one and its half-written files are removed by the next writer.

**Readers** take no lock. They read the manifest (always a complete file) and the files it lists;
a file a compaction has just retired is found in ``retired/``, and when a file is missing because
the manifest changed during the read they read the new manifest again. A reader reports damage only
when a file of the current manifest is missing or unreadable.

**Cost.** Appending reads nothing but the manifest and the parts committed since this process last
looked (a doc_id index and a merge index kept in memory). Compaction is tiered: parts are merged
only with neighbours of their size (eight at a time), so old data is rewritten about once per
eightfold growth, never to add a batch. Reads load only the columns they need, part by part, and
apply the stored clusters with one vectorised join; no Python code runs per row.

>>> from geodata.store import open_store
>>> store = open_store("eventmap-store")  # doctest: +SKIP
>>> store.events(EventQuery(categories=("military",)))  # doctest: +SKIP
<GeoDataFrame …>
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from geodata.errors import StorageError
from geodata.store.base import AddResult, EventQuery, StoreBase, StoreCounts
from geodata.store.merge import (
    CLUSTER_SCHEMA,
    HEAD_SCHEMA,
    MergeIndex,
    MergePlan,
    apply_merge,
    fold_clusters,
    heads_table,
    merge_plan,
)
from geodata.store.schema import (
    ARTICLES_SCHEMA,
    EVENTS_SCHEMA,
    conform,
    geo_metadata,
    to_articles_table,
    to_events_table,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMAT_VERSION", "ParquetStore"]

FORMAT_VERSION = 2
_MANIFEST = "manifest.json"
_KINDS = ("events", "articles", "heads", "clusters")
_SCHEMAS = {"events": EVENTS_SCHEMA, "articles": ARTICLES_SCHEMA, "heads": HEAD_SCHEMA, "clusters": CLUSTER_SCHEMA}
_PENDING = ".pending-"
_MERGED_COLUMNS = ("n_sources", "sources", "doc_ids")
_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20] or "host"


def _empty_manifest() -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "revision": 0,
        "seq": 0,
        "generation": "empty",
        "parts": [],
        "counts": {"articles": 0, "reports": 0, "events": 0, "rows": 0},
    }


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _writer_of(file_name: str) -> str | None:
    """The writer id in a part file name (``<writer>.<n>.parquet``, maybe ``.pending-``/``.tmp-`` first)."""
    name = file_name.removeprefix(_PENDING)
    match = re.match(r"(?:\.tmp-)?(w\d+x[A-Za-z0-9]*x[0-9a-f]+)\.", name)
    return match[1] if match else None


@contextlib.contextmanager
def _flock(path: Path, *, timeout: float, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (yields False at once when busy and not ``blocking``)."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not blocking:
                    yield False
                    return
                if time.monotonic() > deadline:
                    holder = path.read_text(encoding="utf-8", errors="replace").strip()[:120] or "another process"
                    raise StorageError(
                        f"{path.parent} is locked by {holder} for more than {timeout:.0f} s; "
                        "wait for that writer to finish (a killed writer releases the lock at once)"
                    ) from None
                time.sleep(delay)  # polling keeps the wait interruptible and bounded
                delay = min(delay * 2, 0.05)
        with contextlib.suppress(OSError):  # who holds it, for the message of a writer that waits too long
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".ljust(120).encode()[:120], 0)
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock


class _Writer:
    """The identity of this process as a writer: an id in its file names and a lease held while it lives."""

    def __init__(self, store: ParquetStore) -> None:
        import fcntl

        self.pid = os.getpid()
        self.id = f"w{self.pid}x{_HOST}x{secrets.token_hex(4)}"
        self.counter = 0
        self.lock = threading.Lock()
        folder = store.path / "writers"
        folder.mkdir(parents=True, exist_ok=True)
        # Lock the lease before it gets its name, so no cleanup ever sees it unlocked.
        tmp = folder / f".tmp-{self.id}.lease"
        self.fd = os.open(tmp, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(tmp, folder / f"{self.id}.lease")

    def part_name(self) -> str:
        with self.lock:  # commits and the background compaction both name parts
            self.counter += 1
            return f"{self.id}.{self.counter:06d}"

    def close(self, store: ParquetStore) -> None:
        with contextlib.suppress(OSError):
            (store.path / "writers" / f"{self.id}.lease").unlink()
        with contextlib.suppress(OSError):
            os.close(self.fd)


class ParquetStore(StoreBase):
    """The GeoParquet folder backend (see the module docstring).

    Parameters
    ----------
    path
        The store folder; created on the first write.
    lock_timeout
        Seconds a writer waits for the store lock before giving up with a clear error.
    compact_factor, compact_base_bytes
        Tiered compaction: ``compact_factor`` neighbouring parts of one size tier (tier 0 is smaller
        than ``compact_base_bytes × compact_factor``) are merged into one.
    retire_grace
        Seconds a compacted file stays in ``retired/`` for readers of the previous manifest.
    """

    backend = "parquet"

    def __init__(
        self,
        path: str | Path,
        *,
        lock_timeout: float = 600.0,
        compact_factor: int = 8,
        compact_base_bytes: int = 256 * 1024,
        retire_grace: float = 60.0,
    ) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.compact_factor = max(2, compact_factor)
        self.compact_base_bytes = compact_base_bytes
        self.retire_grace = retire_grace
        self._thread_lock = threading.RLock()
        self._writer: _Writer | None = None
        self._docs: set[str] = set()
        self._docs_seq = -1
        self._docs_revision = -1
        self._index: MergeIndex | None = None
        self._index_seq = 0
        self._commits = 0
        self._compactor: threading.Thread | None = None
        #: Seconds spent compacting in the background (for benchmarks).
        self.compaction_seconds = 0.0

    def __repr__(self) -> str:
        return f"ParquetStore({str(self.path)!r})"

    def __del__(self) -> None:
        writer = self.__dict__.get("_writer")
        if writer is not None and writer.pid == os.getpid():
            writer.close(self)

    # ------------------------------------------------------------------ manifest
    def manifest(self) -> dict[str, Any]:
        """The committed state (an empty store has no parts); format 1 stores are returned as they are."""
        file = self.path / _MANIFEST
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _empty_manifest()
        except (OSError, ValueError) as err:
            raise StorageError(f"{file} is unreadable ({err}); restore it from a backup or delete the store") from err
        if data.get("version") not in (1, FORMAT_VERSION):
            raise StorageError(
                f"{file} has store format {data.get('version')!r}; this eventmap reads 1 and {FORMAT_VERSION}"
            )
        return data

    @property
    def generation(self) -> str:
        """Changes whenever the stored data changes (not when it is only compacted)."""
        return str(self.manifest()["generation"])

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        tmp = self.path / f".tmp-{self._writer.id if self._writer else 'migrate'}.{_MANIFEST}"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / _MANIFEST)
        _fsync_dir(self.path)

    # ------------------------------------------------------------------ files
    def _file(self, kind: str, name: str) -> Path:
        return self.path / kind / f"{name}.parquet"

    def _existing(self, kind: str, name: str) -> Path:
        """A listed file, or its copy in ``retired/`` when a compaction has just replaced it."""
        path = self._file(kind, name)
        if path.exists():
            return path
        retired = self.path / "retired" / kind / f"{name}.parquet"
        return retired if retired.exists() else path

    def _write(self, table: pa.Table, kind: str, name: str) -> Path:
        """Write a part file under its pending name (fsynced); :meth:`_publish` gives it its name."""
        folder = self.path / kind
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{_PENDING}{name}.parquet"
        if kind == "events":
            table = table.replace_schema_metadata({b"geo": geo_metadata()})
        pq.write_table(table, path, compression="zstd", row_group_size=128 * 1024)
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
        return path

    def _publish(self, kinds: Iterable[str], name: str) -> None:
        for kind in kinds:
            os.replace(self.path / kind / f"{_PENDING}{name}.parquet", self._file(kind, name))
        for kind in kinds:
            _fsync_dir(self.path / kind)

    def _discard(self, name: str) -> None:
        for kind in _KINDS:
            for path in (self.path / kind / f"{_PENDING}{name}.parquet", self._file(kind, name)):
                with contextlib.suppress(OSError):
                    path.unlink()

    # ------------------------------------------------------------------ reading
    def _reading(self, read):
        """Run ``read(manifest)``; read again when the manifest changed under it, else report damage."""
        for _ in range(20):
            manifest = self.manifest()
            try:
                return read(manifest)
            except StorageError:
                raise
            except (OSError, pa.ArrowInvalid) as err:
                now = self.manifest()
                if now.get("revision") != manifest.get("revision") or now.get("parts") != manifest.get("parts"):
                    continue
                if (
                    isinstance(err, OSError)
                    and err.errno not in (None, errno.ENOENT)
                    and not isinstance(err, FileNotFoundError)
                ):
                    raise StorageError(f"cannot read the store {self.path}: {err}") from err
                raise StorageError(
                    f"{self.path} is damaged: a file its manifest lists is missing or unreadable ({err}); "
                    "restore the store from a backup, or ingest the articles into a new store"
                ) from err
        raise StorageError(f"{self.path} changed during 20 reads in a row; try again")

    def counts(self) -> StoreCounts:
        """Articles, reported rows, merged events and merged rows, from the manifest (no data read)."""
        manifest = self.manifest()
        if manifest["version"] == 1:
            table = self.scan(EventQuery(columns=("event_id",)))
            articles = sum(int(p.get("docs", 0)) for p in manifest["parts"])
            reports = sum(int(p.get("rows", 0)) for p in manifest["parts"])
            events = pc.count_distinct(table.column("event_id")).as_py() if table.num_rows else 0
            return StoreCounts(articles, reports, events, table.num_rows, str(manifest["generation"]))
        c = manifest["counts"]
        return StoreCounts(c["articles"], c["reports"], c["events"], c["rows"], str(manifest["generation"]))

    def _sync_docs(self, manifest: dict[str, Any]) -> None:
        """Bring the doc_id index up to ``manifest``, reading only the parts committed since."""
        if manifest["version"] == 1:
            if self._docs_revision != id(manifest):
                names = [p["articles"] for p in manifest["parts"]]
                self._docs = {
                    d for n in names for d in pq.read_table(self.path / n, columns=["doc_id"]).column(0).to_pylist()
                }
                self._docs_seq, self._docs_revision = -1, id(manifest)
            return
        if self._docs_seq > manifest["seq"]:  # the store was replaced under us
            self._docs, self._docs_seq = set(), -1
        for part in manifest["parts"]:
            if part["seq"][1] > self._docs_seq:
                self._docs.update(self._read_part("articles", part["name"], ["doc_id"]).column(0).to_pylist())
        self._docs_seq = manifest["seq"]

    def has(self, doc_ids: Iterable[str]) -> set[str]:
        """Which of ``doc_ids`` are stored.

        >>> ParquetStore("no-such-store").has(["abc"])
        set()
        """
        wanted = set(doc_ids)
        with self._thread_lock:
            self._reading(self._sync_docs)
            return wanted & self._docs

    def doc_ids(self) -> set[str]:
        """Ids of every stored article."""
        with self._thread_lock:
            self._reading(self._sync_docs)
            return set(self._docs)

    def articles(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every stored article (one row each)."""

        def read(manifest: dict[str, Any]) -> pa.Table:
            if manifest["version"] == 1:
                tables = [pq.read_table(self.path / p["articles"], columns=columns) for p in manifest["parts"]]
                schema = ARTICLES_SCHEMA if columns is None else pa.schema([ARTICLES_SCHEMA.field(c) for c in columns])
                return pa.concat_tables([conform(t, schema) for t in tables]) if tables else schema.empty_table()
            return self._scan_files("articles", manifest, columns=columns)

        return self._reading(read).to_pandas()

    def _discard_unless_committed(self, name: str) -> None:
        """After a failure: delete the part's files, unless the manifest lists it (the failure came after the commit)."""
        with contextlib.suppress(StorageError):
            if any(p.get("name") == name for p in self.manifest()["parts"]):
                return
        self._discard(name)

    def _read_part(self, kind: str, name: str, columns: list[str] | None = None) -> pa.Table:
        """One part file with ``columns`` (all by default) of today's schema; columns it lacks are filled."""
        schema = _SCHEMAS[kind]
        wanted = schema.names if columns is None else columns
        file = pq.ParquetFile(self._existing(kind, name))
        names = set(file.schema_arrow.names)
        present = [c for c in wanted if c in names]
        return conform(file.read(columns=present), pa.schema([schema.field(c) for c in wanted]))

    def _scan_files(self, kind: str, manifest: dict[str, Any], *, columns: list[str] | None = None) -> pa.Table:
        names = [p["name"] for p in manifest["parts"] if kind != "clusters" or p.get("clusters")]
        tables = [self._read_part(kind, n, columns) for n in names]
        if not tables:
            empty = _SCHEMAS[kind].empty_table()
            return empty.select(columns) if columns is not None else empty
        return pa.concat_tables(tables)

    def reports(self, query: EventQuery | None = None) -> Any:
        """Every stored (event, place) row as its article reported it, before merging (a GeoDataFrame)."""
        from geodata.store.schema import table_to_frame

        return table_to_frame(self.scan(query or EventQuery(), merged=False))

    def scan(self, query: EventQuery | None = None, *, merged: bool = True) -> pa.Table:
        """The events as an Arrow table: projected, filtered and (by default) merged; WKB geometry.

        Each part file is read with the columns needed only, filtered and merged on its own, so
        the peak memory is the result plus one part. Columns are those of ``query.columns`` (all of
        ``EVENTS_SCHEMA`` by default), in the schema's order.
        """
        from geodata.store.query import filter_table

        query = query or EventQuery()
        wanted = [c for c in EVENTS_SCHEMA.names if not query.columns or c in query.columns]
        needed = set(wanted) | query.filter_columns() | {"event_id"}
        if merged and set(_MERGED_COLUMNS) & set(wanted):
            needed |= {"doc_id", "source", "title"}
        read_columns = [c for c in EVENTS_SCHEMA.names if c in needed and not (merged and c in _MERGED_COLUMNS)]

        def finish(table: pa.Table, plan: MergePlan | None) -> pa.Table:
            table = filter_table(table, query)
            if plan is not None:
                table = apply_merge(table, plan)
            return table.select(wanted)

        def read(manifest: dict[str, Any]) -> pa.Table:
            if manifest["version"] == 1:
                table = self._legacy_reports(manifest)
                plan = merge_plan(MergeIndex().add(heads_table(table), seq=0)) if merged else None
                return finish(table.select(read_columns), plan)
            plan = merge_plan(fold_clusters([self._scan_files("clusters", manifest)])) if merged else None
            tables = [finish(self._read_part("events", p["name"], read_columns), plan) for p in manifest["parts"]]
            if not tables:
                return finish(EVENTS_SCHEMA.empty_table().select(read_columns), plan)
            return pa.concat_tables(tables)

        return self._reading(read)

    def _legacy_reports(self, manifest: dict[str, Any]) -> pa.Table:
        """Rows of a format-1 store (lists stored as JSON text), in today's schema."""
        import geopandas as gpd

        tables = []
        for part in manifest["parts"]:
            frame = gpd.read_parquet(self.path / part["events"])
            if len(frame):
                tables.append(to_events_table(frame))
        return pa.concat_tables(tables) if tables else EVENTS_SCHEMA.empty_table()

    # ------------------------------------------------------------------ writing
    def _get_writer(self) -> _Writer:
        if self._writer is None or self._writer.pid != os.getpid():  # a forked child is a new writer
            self._writer = _Writer(self)
            self._index, self._index_seq = None, 0
            self._cleanup()
        return self._writer

    @contextlib.contextmanager
    def _commit_lock(self) -> Iterator[None]:
        with _flock(self.path / ".lock", timeout=self.lock_timeout):
            yield

    def _sync_index(self, manifest: dict[str, Any]) -> MergeIndex:
        """Bring the merge index up to ``manifest`` (under the commit lock), reading only new parts."""
        if self._index is None or self._index_seq > manifest["seq"]:
            self._index, self._index_seq = MergeIndex(), 0
        heads, clusters = [], []
        for part in manifest["parts"]:
            low, high = part["seq"]
            if high <= self._index_seq:
                continue
            table = self._read_part("heads", part["name"])
            if table.num_rows and table.column("seq").null_count == table.num_rows:
                table = table.set_column(
                    table.column_names.index("seq"), "seq", pa.array([low] * table.num_rows, pa.int64())
                )
            heads.append(table.filter(pc.greater(table.column("seq"), self._index_seq)))
            if part.get("clusters"):
                rows = self._read_part("clusters", part["name"])
                clusters.append(rows.filter(pc.greater(rows.column("seq"), self._index_seq)))
        for table in heads:
            self._index.load(table)
        if clusters:
            self._index.load(HEAD_SCHEMA.empty_table(), fold_clusters(clusters))
        self._index_seq = manifest["seq"]
        return self._index

    def add(self, articles: Any, events: Any) -> AddResult:
        """Store a batch of articles and their event rows, skipping articles already stored.

        ``articles`` are dicts (or a DataFrame / Arrow table) with at least ``doc_id``; ``events``
        are event rows as dicts, a GeoDataFrame or an Arrow table (see :mod:`geodata.store.schema`).
        The batch becomes visible at once, when the manifest is replaced; rows of articles that
        are already stored, by this or any other writer, are dropped.
        """
        article_rows = to_articles_table(articles)
        event_rows = to_events_table(events)
        with self._thread_lock:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                writer = self._get_writer()
                if self.manifest()["version"] == 1:
                    self._migrate()
                self._reading(self._sync_docs)
                fresh, skipped = self._fresh(article_rows.column("doc_id").to_pylist())
                if not fresh:
                    return AddResult([], skipped, 0)
                return self._commit(writer, article_rows, event_rows, fresh, skipped)
            except OSError as err:
                raise StorageError(f"cannot write to the store {self.path}: {err}") from err

    def _fresh(self, doc_ids: list[str]) -> tuple[list[str], list[str]]:
        fresh, skipped, seen = [], [], set()
        for doc_id in doc_ids:
            if doc_id in self._docs or doc_id in seen:
                skipped.append(doc_id)
            else:
                fresh.append(doc_id)
                seen.add(doc_id)
        return fresh, skipped

    @staticmethod
    def _only(articles: pa.Table, events: pa.Table, docs: list[str]) -> tuple[pa.Table, pa.Table]:
        keep = pa.array(docs, pa.string())
        mask = pc.is_in(articles.column("doc_id"), value_set=keep)
        # the first row of each doc_id only (a batch may repeat an article)
        first = pc.equal(
            pc.index_in(articles.column("doc_id"), value_set=articles.column("doc_id")),
            pa.array(range(articles.num_rows)),
        )
        articles = articles.filter(pc.and_(mask, first))
        return articles, events.filter(pc.is_in(events.column("doc_id"), value_set=keep))

    def _commit(
        self, writer: _Writer, articles: pa.Table, events: pa.Table, fresh: list[str], skipped: list[str]
    ) -> AddResult:
        articles, events = self._only(articles, events, fresh)
        heads = heads_table(events)
        name = writer.part_name()
        tables = {"events": events, "articles": articles, "heads": heads}
        for kind, table in tables.items():
            self._write(table, kind, name)
        try:
            with self._commit_lock():
                manifest = self.manifest()
                self._sync_docs(manifest)
                late = [d for d in fresh if d in self._docs]  # stored by another writer meanwhile
                if late:
                    skipped = skipped + late
                    fresh = [d for d in fresh if d not in self._docs]
                    if not fresh:
                        self._discard(name)
                        return AddResult([], skipped, 0)
                    articles, events = self._only(articles, events, fresh)
                    heads = heads_table(events)
                    tables = {"events": events, "articles": articles, "heads": heads}
                    for kind, table in tables.items():
                        self._write(table, kind, name)
                index = self._sync_index(manifest)
                seq = manifest["seq"] + 1
                try:
                    clusters = index.add(heads, seq)
                    kinds = list(tables)
                    if clusters.num_rows:
                        self._write(clusters, "clusters", name)
                        kinds.append("clusters")
                    self._publish(kinds, name)
                    part = {
                        "name": name,
                        "seq": [seq, seq],
                        "docs": articles.num_rows,
                        "rows": events.num_rows,
                        "bytes": sum(self._file(k, name).stat().st_size for k in ("events", "articles")),
                        "clusters": bool(clusters.num_rows),
                    }
                    counts = manifest["counts"]
                    manifest.update(
                        parts=[*manifest["parts"], part],
                        seq=seq,
                        revision=manifest["revision"] + 1,
                        generation=f"{seq}-{secrets.token_hex(4)}",
                        counts={
                            "articles": counts["articles"] + articles.num_rows,
                            "reports": counts["reports"] + events.num_rows,
                            "events": index.events,
                            "rows": index.rows,
                        },
                    )
                    self._write_manifest(manifest)
                except BaseException:
                    self._index = None  # it holds the batch that did not commit: rebuild it next time
                    raise
                self._docs.update(fresh)
                self._docs_seq = self._index_seq = seq
        except BaseException:
            self._discard_unless_committed(name)
            raise
        self._commits += 1
        self._start_compaction(cleanup=self._commits % 64 == 0)
        return AddResult(fresh, skipped, events.num_rows)

    def _start_compaction(self, *, cleanup: bool = False) -> None:
        """Compact (and clean up) in a background thread, so a commit returns as soon as it is visible."""
        if self._compactor is not None and self._compactor.is_alive():
            return  # the running one looks at the newest manifest when it is done with its merge
        if not cleanup and self._plan(self.manifest()["parts"]) is None:
            return

        def work() -> None:
            begun = time.perf_counter()
            try:
                self._compact_tail()
                if cleanup:
                    self._cleanup()
            except Exception as err:
                import logging

                logging.getLogger(__name__).warning("compaction of %s stopped: %s", self.path, err)
            finally:
                self.compaction_seconds += time.perf_counter() - begun

        self._compactor = threading.Thread(target=work, name=f"eventmap-compact-{self.path.name}", daemon=True)
        self._compactor.start()

    def wait(self) -> None:
        """Wait for the background compaction to finish (a process that exits right away may call it)."""
        compactor = self._compactor
        if compactor is not None:
            compactor.join()

    # ------------------------------------------------------------------ compaction
    def _tier(self, size: int) -> int:
        tier, limit = 0, self.compact_base_bytes * self.compact_factor
        while size >= limit:
            tier, limit = tier + 1, limit * self.compact_factor
        return tier

    def _plan(self, parts: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The tail run to merge: parts no bigger than the last part's tier, when there are enough of them."""
        if len(parts) < self.compact_factor:
            return None
        tiers = [self._tier(int(p["bytes"])) for p in parts]
        start = len(parts) - 1
        while start > 0 and tiers[start - 1] <= tiers[-1]:
            start -= 1
        run = parts[start:]
        return run if len(run) >= self.compact_factor else None

    def _compact_tail(self) -> None:
        for _ in range(8):  # a merge can complete the run of the next tier
            run = self._plan(self.manifest()["parts"])
            if run is None or not self._merge_run(run):
                return

    def compact(self) -> None:
        """Merge every part into one (readers keep working; a crash leaves the old parts)."""
        self.wait()
        with self._thread_lock:
            if self.manifest()["version"] == 1:
                self._get_writer()
                self._migrate()
            parts = self.manifest()["parts"]
            if len(parts) > 1:
                self._merge_run(parts)

    def _merge_run(self, run: list[dict[str, Any]]) -> bool:
        """Merge consecutive parts into one; False when another writer changed them first."""
        writer = self._get_writer()
        with _flock(self.path / ".compact.lock", timeout=0, blocking=False) as mine:
            if not mine:
                return False  # another writer is compacting: leave it to them
            name = writer.part_name()
            try:
                for kind in ("events", "articles"):
                    self._copy_parts(kind, run, name)
                heads = []
                for part in run:
                    table = self._read_part("heads", part["name"])
                    seq = pc.fill_null(table.column("seq"), part["seq"][0])
                    heads.append(table.set_column(table.column_names.index("seq"), "seq", seq))
                self._write(pa.concat_tables(heads), "heads", name)
                kinds = ["events", "articles", "heads"]
                clusters = fold_clusters([self._read_part("clusters", p["name"]) for p in run if p.get("clusters")])
                if clusters.num_rows:
                    self._write(clusters, "clusters", name)
                    kinds.append("clusters")
                with self._commit_lock():
                    manifest = self.manifest()
                    names = [p["name"] for p in manifest["parts"]]
                    first = names.index(run[0]["name"]) if run[0]["name"] in names else -1
                    if first < 0 or names[first : first + len(run)] != [p["name"] for p in run]:
                        self._discard(name)
                        return False
                    self._publish(kinds, name)
                    part = {
                        "name": name,
                        "seq": [run[0]["seq"][0], run[-1]["seq"][1]],
                        "docs": sum(int(p["docs"]) for p in run),
                        "rows": sum(int(p["rows"]) for p in run),
                        "bytes": sum(self._file(k, name).stat().st_size for k in ("events", "articles")),
                        "clusters": bool(clusters.num_rows),
                    }
                    manifest["parts"][first : first + len(run)] = [part]
                    manifest["revision"] += 1
                    self._write_manifest(manifest)
                    self._retire(run)
                return True
            except BaseException:
                self._discard_unless_committed(name)
                raise

    def _copy_parts(self, kind: str, run: list[dict[str, Any]], name: str) -> None:
        """Concatenate the ``kind`` files of ``run`` into one pending file, a few row groups at a time."""
        schema = _SCHEMAS[kind]
        if kind == "events":
            schema = schema.with_metadata({b"geo": geo_metadata()})
        folder = self.path / kind
        path = folder / f"{_PENDING}{name}.parquet"
        buffer: list[pa.Table] = []
        with pq.ParquetWriter(path, schema, compression="zstd") as out:
            for part in run:
                buffer.append(self._read_part(kind, part["name"]).replace_schema_metadata(schema.metadata))
                if sum(t.num_rows for t in buffer) >= 128 * 1024:
                    out.write_table(pa.concat_tables(buffer))
                    buffer = []
            if buffer:
                out.write_table(pa.concat_tables(buffer))
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())

    def _retire(self, run: list[dict[str, Any]]) -> None:
        """Move replaced files to ``retired/`` (readers of the previous manifest still find them there)."""
        now = time.time()
        for part in run:
            for kind in _KINDS:
                source = self._file(kind, part["name"])
                if not source.exists():
                    continue
                target = self.path / "retired" / kind / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                os.utime(target, (now, now))

    # ------------------------------------------------------------------ cleanup
    def _lease_alive(self, writer_id: str) -> bool:
        """Whether the writer that owns ``writer_id`` still runs (its lease is locked)."""
        import fcntl

        if self._writer is not None and writer_id == self._writer.id:
            return True
        lease = self.path / "writers" / f"{writer_id}.lease"
        try:
            fd = os.open(lease, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            lease.unlink()
        return False

    def _cleanup(self) -> None:
        """Delete what dead writers left (uncommitted parts, temporary files) and retired files past their grace."""
        if not self.path.is_dir():
            return
        with self._commit_lock():
            manifest = self.manifest()
            if manifest["version"] == 1:
                return
            listed = {p["name"] for p in manifest["parts"]}
            alive: dict[str, bool] = {}
            for folder in [self.path, *(self.path / k for k in _KINDS), self.path / "writers"]:
                if not folder.is_dir():
                    continue
                for file in folder.iterdir():
                    owner = _writer_of(file.name)
                    if owner is None or file.name.removesuffix(".parquet") in listed:
                        continue
                    if folder.name == "writers" and not file.name.startswith(".tmp-"):
                        self._lease_alive(owner)  # removes the lease of a dead writer
                        continue
                    if owner not in alive:
                        alive[owner] = self._lease_alive(owner)
                    if not alive[owner]:
                        with contextlib.suppress(OSError):
                            file.unlink()
            deadline = time.time() - self.retire_grace
            for file in (self.path / "retired").glob("*/*"):
                with contextlib.suppress(OSError):
                    if file.stat().st_mtime < deadline:
                        file.unlink()

    # ------------------------------------------------------------------ format 1
    def _migrate(self) -> None:
        """Rewrite a format-1 store (one part, today's schema, clusters computed) under the store lock."""
        with self._commit_lock():
            manifest = self.manifest()
            if manifest["version"] != 1:
                return
            events = self._legacy_reports(manifest)
            tables = [pq.read_table(self.path / p["articles"]) for p in manifest["parts"]]
            articles = (
                pa.concat_tables([conform(t, ARTICLES_SCHEMA) for t in tables])
                if tables
                else ARTICLES_SCHEMA.empty_table()
            )
            new = _empty_manifest()
            if articles.num_rows:
                name = self._get_writer().part_name()
                index = MergeIndex()
                heads = heads_table(events, seq=1)
                clusters = index.add(heads, seq=1)
                kinds = ["events", "articles", "heads"]
                for kind, table in (("events", events), ("articles", articles), ("heads", heads)):
                    self._write(table, kind, name)
                if clusters.num_rows:
                    self._write(clusters, "clusters", name)
                    kinds.append("clusters")
                self._publish(kinds, name)
                new["parts"] = [
                    {
                        "name": name,
                        "seq": [1, 1],
                        "docs": articles.num_rows,
                        "rows": events.num_rows,
                        "bytes": sum(self._file(k, name).stat().st_size for k in ("events", "articles")),
                        "clusters": bool(clusters.num_rows),
                    }
                ]
                new.update(
                    seq=1,
                    generation=f"1-{secrets.token_hex(4)}",
                    counts={
                        "articles": articles.num_rows,
                        "reports": events.num_rows,
                        "events": index.events,
                        "rows": index.rows,
                    },
                )
            new["revision"] = 1
            new["migrated_from"] = 1
            self._write_manifest(new)
            retired = self.path / "retired" / "format-1"
            retired.mkdir(parents=True, exist_ok=True)
            now = time.time()
            for part in manifest["parts"]:
                for key in ("events", "articles"):
                    source = self.path / part[key]
                    if source.exists():
                        os.replace(source, retired / part[key])
                        os.utime(retired / part[key], (now, now))
            self._docs_seq, self._index, self._index_seq = -1, None, 0
