"""Uploads as background jobs: files arrive one request each, a worker thread ingests them, the page polls.

The browser posts each file as the raw body of one request (``POST /eventmap-api/upload``); the
server refuses it at once when its suffix is not an article's or its ``Content-Length`` is over
``max_upload_bytes``, and otherwise streams it to a temporary folder in 64 kB chunks, giving up as
soon as the limit is passed, so a large upload is never held in memory. When every file of a batch
is in, ``POST /eventmap-api/upload/commit`` queues a job; one worker thread takes jobs from a
queue and ingests them through :mod:`dashboard.storeio` (the CLI's path into the store), one
article per write, updating the job's progress, which the page reads from
``GET /eventmap-api/jobs/<id>``. The server stays responsive: no request waits for the model.

Every refused file gets one line naming the file and what to do; every article one line saying
whether it was added (with its number of events, counted as everywhere else) or already stored.

>>> refusal("scan.pdf", 1_000, max_bytes=5_000_000)
'✗ scan.pdf: is a PDF; save the article as text (.txt) or web page (.html) and upload that'
>>> refusal("notes.txt", 9_000_000, max_bytes=5_000_000)
'✗ notes.txt: is 9.0 MB, over the 5.0 MB upload limit (setting max_upload_bytes)'
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, TYPE_CHECKING, Any

from dashboard import storeio
from geodata.counts import plural

if TYPE_CHECKING:
    from geodata.config import Settings
    from geodata.store import EventStore

__all__ = ["UPLOAD_SUFFIXES", "Job", "UploadJobs", "refusal", "safe_name", "valid_published"]

#: What an upload may be: the article suffixes (the CLI also reads .markdown).
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
_CHUNK = 64 * 1024
_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_KEEP_JOBS = 50
_log = logging.getLogger(__name__)


def safe_name(name: str, fallback: str = "upload.txt") -> str:
    r"""The last component of an uploaded file's name, in safe characters (never a path elsewhere).

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\x\\\\report 1.txt"), safe_name("")
    ('passwd', 'report 1.txt', 'upload.txt')
    """
    base = PureWindowsPath(PurePosixPath(str(name or "")).name).name
    return _SAFE_NAME.sub("_", base).strip(" .")[:120] or fallback


def refusal(name: str, size: int | None, *, max_bytes: int) -> str | None:
    """The line refusing an upload by its name and size alone (``None`` when it may come in)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        return f"✗ {name}: is a PDF; save the article as text (.txt) or web page (.html) and upload that"
    if suffix not in UPLOAD_SUFFIXES:
        kind = f"{suffix} files are" if suffix else "a file without a suffix is"
        return f"✗ {name}: {kind} not articles; upload .txt, .md or .html files"
    if size is not None and size > max_bytes:
        return f"✗ {name}: is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB upload limit (setting max_upload_bytes)"
    return None


def valid_published(value: str | None) -> str | None:
    """The publication date typed with an upload, checked (``None`` when empty).

    >>> valid_published("2026-03-04"), valid_published(" ")
    ('2026-03-04', None)
    >>> valid_published("4 March")
    Traceback (most recent call last):
    ValueError: publication date '4 March' is not a date; use YYYY-MM-DD
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"publication date {text!r} is not a date; use YYYY-MM-DD") from None


@dataclass
class Job:
    """One batch of uploaded files being ingested."""

    id: str
    folder: Path
    files: list[tuple[str, Path]] = field(default_factory=list)  # (name shown, saved file)
    published: str | None = None
    source: str | None = None
    lines: list[str] = field(default_factory=list)
    state: str = "receiving"  # receiving → queued → running → done | failed
    stage: str = "Receiving files…"
    done: int = 0
    total: int = 0
    added: int = 0
    started: float = field(default_factory=time.monotonic)

    def view(self) -> dict[str, Any]:
        """What the page shows: state, progress, the current stage and the result lines."""
        return {
            "job": self.id,
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "added": self.added,
            "lines": list(self.lines),
        }


class UploadJobs:
    """Upload batches and the one worker thread that ingests them (see the module docstring).

    Parameters
    ----------
    store
        The event store uploads go to.
    settings
        ``max_upload_bytes`` and the model/gazetteer for ingesting.
    make_ingestor
        Builds the geoparser and event extractor once, on the first job (loading it takes seconds).
    on_done
        Called after a job that added articles (the dashboard drops its caches).
    """

    def __init__(
        self,
        store: EventStore,
        settings: Settings,
        *,
        make_ingestor: Callable[[], Any] | None = None,
        on_done: Callable[[Job], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.max_bytes = int(settings.max_upload_bytes)
        self._make_ingestor = make_ingestor
        self._ingestor: Any = None
        self._on_done = on_done
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._root = Path(tempfile.mkdtemp(prefix="eventmap-uploads-"))

    # ------------------------------------------------------------------ receiving
    def open_batch(self) -> Job:
        """A new batch to receive files into."""
        job = Job(uuid.uuid4().hex[:16], self._root / uuid.uuid4().hex[:8])
        job.folder.mkdir(parents=True)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > _KEEP_JOBS:
                _, old = self._jobs.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return job

    def job(self, job_id: str) -> Job | None:
        """The job ``job_id`` (``None`` when unknown or forgotten)."""
        with self._lock:
            return self._jobs.get(str(job_id))

    def receive(self, job: Job, name: str, stream: IO[bytes], length: int | None) -> str | None:
        """Save one uploaded file of ``job`` from ``stream``; returns the refusal line, or ``None`` when kept.

        The suffix and ``length`` (the request's Content-Length) are checked before anything is
        read; the body is then copied in chunks and dropped as soon as it passes the limit.
        """
        shown = safe_name(name)
        line = refusal(shown, length, max_bytes=self.max_bytes)
        if line is None:
            # One folder per file keeps its own name (the title falls back to it) even when two share one.
            target = job.folder / f"{len(job.files) + 1:03d}" / shown
            target.parent.mkdir()
            size = 0
            with target.open("wb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        break
                    out.write(chunk)
            if size > self.max_bytes:
                target.unlink(missing_ok=True)
                line = f"✗ {shown}: is over the {self.max_bytes / 1e6:.1f} MB upload limit (setting max_upload_bytes)"
            else:
                job.files.append((shown, target))
        if line:
            job.lines.append(line)
        return line

    def commit(self, job: Job, *, published: str | None, source: str | None) -> Job:
        """Queue ``job`` for ingesting (a bad publication date refuses the whole batch with one line)."""
        try:
            job.published = valid_published(published)
        except ValueError as err:
            job.lines.append(f"✗ {err}; nothing was added")
            job.state, job.stage = "done", "Nothing added."
            return job
        job.source = (source or "").strip() or None
        job.total = len(job.files)
        if not job.files:
            job.state = "done"
            job.stage = "Nothing to add." if job.lines else "No file was given."
            return job
        job.state, job.stage = "queued", "Waiting for the previous upload to finish…"
        self._queue.put(job)
        self._start_worker()
        return job

    # ------------------------------------------------------------------ the worker
    def _start_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="eventmap-uploads", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            except Exception as err:  # one failed job must not stop the worker; the page gets one line
                _log.exception("upload job %s failed", job.id)
                job.lines.append(f"✗ the upload failed: {err}")
                job.state, job.stage = "failed", "Failed."
            finally:
                shutil.rmtree(job.folder, ignore_errors=True)
                self._queue.task_done()

    def _run(self, job: Job) -> None:
        from geodata.articles import read_articles
        from geodata.errors import ArticleError

        job.state = "running"
        job.stage = f"Reading {plural(job.total, 'file')}…"
        names = {str(path): name for name, path in job.files}
        items = list(
            read_articles(
                [path for _, path in job.files],
                published=job.published,
                source=job.source,
                max_bytes=self.max_bytes,
            )
        )
        articles = []
        for item in items:
            if isinstance(item, ArticleError):
                name = names.get(str(item.path), Path(str(item.path or "file")).name)
                message = str(item).split(": ", 1)[-1] if item.path else str(item)
                job.lines.append(f"✗ {name}: {message}")
                job.done += 1
            else:
                articles.append(item)
        if articles:
            job.stage = "Loading the language model…" if self._ingestor is None else job.stage
            if self._ingestor is None and self._make_ingestor is not None:
                self._ingestor = self._make_ingestor()
            base = job.done

            def progress(done: int, total: int) -> None:
                job.done = base + done
                if done < total:
                    name = names.get(str(articles[done].path), articles[done].title or "article")
                    job.stage = f"Finding places and events in {name} ({done + 1} of {total})…"

            report = storeio.ingest(articles, self.store, self.settings, ingestor=self._ingestor, progress=progress)
            added = set(report.added_docs)
            counts = {}
            if added:
                stored = storeio.articles(self.store)
                counts = dict(zip(stored["doc_id"], stored["n_events"], strict=True))
            for article in articles:
                name = names.get(str(article.path), article.title or article.doc_id)
                if article.doc_id in added:
                    n = int(counts.get(article.doc_id) or 0)
                    job.lines.append(f"✓ {name}: added, {plural(n, 'event')} found")
                else:
                    job.lines.append(f"• {name}: already in the store")
            job.added = len(added)
            job.lines.append(f"{plural(len(added), 'new article')}, {plural(report.added_events, 'event')} added.")
        job.done = job.total
        job.state, job.stage = "done", "Done."
        if job.added and self._on_done:
            self._on_done(job)
