"""The event store: one folder of GeoParquet files, idempotent, incremental and atomic.

Layout::

    eventmap-store/
      manifest.json                     the committed state: the list of parts, written last
      part-000001.events.parquet        GeoParquet, one row per (event, place) as reported
      part-000001.articles.parquet      one row per article of that batch
      ...

Each ingest batch writes a new part (to a temporary name, then renamed) and then replaces
``manifest.json`` atomically. A crash at any point leaves the previous manifest, and so the
previous store, intact; parts that no manifest lists are removed by the next write. An article whose
``doc_id`` is already stored is skipped, so ingesting the same file twice adds nothing.

Reports of the same event by several articles are merged when the store is read
(:func:`merge_reports`): one event, all its sources, ``n_sources``.

>>> from geodata.store import EventStore
>>> store = EventStore("eventmap-store")  # doctest: +SKIP
>>> store.events()  # doctest: +SKIP
<GeoDataFrame …>
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import InvalidQueryError, StorageError
from geodata.model import ARTICLE_COLUMNS, EVENT_COLUMNS, LIST_COLUMNS, STORE_EXTRA_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "EXPORT_FORMATS",
    "AddResult",
    "EventStore",
    "events_frame",
    "filter_events",
    "merge_reports",
    "write_events",
]

_MANIFEST = "manifest.json"
_FORMAT_VERSION = 1
_COMPACT_AFTER_PARTS = 24
EXPORT_FORMATS = ("geojson", "csv", "parquet", "gpkg")
_STORE_COLUMNS = EVENT_COLUMNS + STORE_EXTRA_COLUMNS


@dataclass(frozen=True)
class AddResult:
    """What one :meth:`EventStore.add` did."""

    added_docs: list[str]
    skipped_docs: list[str]
    added_rows: int


class EventStore:
    """A folder of GeoParquet parts plus a manifest (see the module docstring).

    Parameters
    ----------
    path
        The store folder; created on the first write.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cache: tuple[str, Any] | None = None

    # ------------------------------------------------------------------ manifest
    def manifest(self) -> dict[str, Any]:
        """The committed state (an empty store has no parts)."""
        file = self.path / _MANIFEST
        if not file.exists():
            return {"version": _FORMAT_VERSION, "parts": [], "generation": "empty"}
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise StorageError(f"{file} is unreadable ({err}); restore it from a backup or delete the store") from err
        if data.get("version") != _FORMAT_VERSION:
            raise StorageError(
                f"{file} has store format {data.get('version')!r}; this eventmap reads {_FORMAT_VERSION}"
            )
        return data

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest = {
            **manifest,
            "version": _FORMAT_VERSION,
            "generation": uuid.uuid4().hex,
            "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        tmp = self.path / f".{_MANIFEST}.{uuid.uuid4().hex}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / _MANIFEST)
        _fsync_dir(self.path)

    def _clean_orphans(self, manifest: dict[str, Any]) -> None:
        listed = {name for part in manifest["parts"] for name in (part["events"], part["articles"])}
        for file in self.path.glob("*"):
            if file.name == _MANIFEST or file.name in listed:
                continue
            if file.name.endswith(".tmp") or re.fullmatch(r"part-\d+\.(events|articles)\.parquet", file.name):
                with contextlib.suppress(OSError):
                    file.unlink()

    # ------------------------------------------------------------------ reading
    def doc_ids(self) -> set[str]:
        """Ids of every stored article."""
        return set(self.articles(columns=["doc_id"])["doc_id"])

    def articles(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every stored article (one row each)."""
        import pandas as pd

        manifest = self.manifest()
        frames = [self._read_articles(part["articles"], columns) for part in manifest["parts"]]
        if not frames:
            return pd.DataFrame(columns=columns or ARTICLE_COLUMNS)
        return pd.concat(frames, ignore_index=True).reindex(columns=columns or ARTICLE_COLUMNS)

    def _read_articles(self, name: str, columns: list[str] | None) -> pd.DataFrame:
        """One articles part; columns added since it was written (``encoding``) come back empty."""
        if columns is not None:
            import pyarrow.parquet as pq

            try:
                present = set(pq.read_schema(self.path / name).names)
            except (OSError, ValueError) as err:
                raise StorageError(f"{self.path / name} is unreadable ({err}); the store may be damaged") from err
            columns = [c for c in columns if c in present]
        return self._read(name, columns=columns, geo=False)

    def reports(self) -> gpd.GeoDataFrame:
        """Every stored (event, place) row as its article reported it, before merging."""
        import geopandas as gpd
        import pandas as pd

        manifest = self.manifest()
        frames = [self._read(part["events"], geo=True) for part in manifest["parts"]]
        frames = [f for f in frames if len(f)]
        if not frames:
            return empty_events_frame()
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        return _decode_lists(frame)

    def events(self) -> gpd.GeoDataFrame:
        """The merged events table, users' corrections applied (cached until the store or a correction changes)."""
        from geodata.corrections import apply_corrections, corrections_version, load_corrections

        generation = f"{self.manifest()['generation']}+{corrections_version(self.path)}"
        with self._lock:
            if self._cache and self._cache[0] == generation:
                return self._cache[1].copy()
        # Corrections are an overlay on the reports, applied before merging (geodata/corrections.py).
        merged = merge_reports(apply_corrections(self.reports(), load_corrections(self.path)))
        with self._lock:
            self._cache = (generation, merged)
        return merged.copy()

    def _read(self, name: str, *, columns: list[str] | None = None, geo: bool) -> Any:
        import geopandas as gpd
        import pandas as pd

        file = self.path / name
        try:
            if geo:
                return gpd.read_parquet(file)
            return pd.read_parquet(file, columns=columns)
        except (OSError, ValueError) as err:
            raise StorageError(f"{file} is unreadable ({err}); the store may be damaged") from err

    # ------------------------------------------------------------------ writing
    def add(self, articles: list[dict[str, Any]], events: gpd.GeoDataFrame) -> AddResult:
        """Store a batch of articles and their event rows, skipping articles already stored.

        The batch becomes visible all at once, when the manifest is replaced.
        """
        import geopandas as gpd
        import pandas as pd

        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            manifest = self.manifest()
            known = self.doc_ids() if manifest["parts"] else set()
            fresh, skipped, seen = [], [], set()
            for article in articles:
                doc_id = article["doc_id"]
                if doc_id in known or doc_id in seen:
                    skipped.append(doc_id)
                else:
                    fresh.append(article)
                    seen.add(doc_id)
            if not fresh:
                self._clean_orphans(manifest)
                return AddResult([], skipped, 0)
            rows = events[events["doc_id"].isin(seen)] if len(events) else events
            number = 1 + max((int(p["events"].split("-")[1].split(".")[0]) for p in manifest["parts"]), default=0)
            part = {
                "events": f"part-{number:06d}.events.parquet",
                "articles": f"part-{number:06d}.articles.parquet",
                "docs": len(fresh),
                "rows": len(rows),
            }
            try:
                article_frame = pd.DataFrame(fresh).reindex(columns=ARTICLE_COLUMNS)
                event_frame = _encode_lists(
                    gpd.GeoDataFrame(
                        rows.reindex(columns=[*_STORE_COLUMNS, "geometry"]), geometry="geometry", crs="EPSG:4326"
                    )
                )
                _atomic_parquet(article_frame, self.path / part["articles"], geo=False)
                _atomic_parquet(event_frame, self.path / part["events"], geo=True)
                manifest["parts"] = [*manifest["parts"], part]
                self._write_manifest(manifest)
            except OSError as err:
                raise StorageError(f"cannot write to the store {self.path}: {err}") from err
            manifest = self.manifest()
            if len(manifest["parts"]) > _COMPACT_AFTER_PARTS:
                self._compact(manifest)
            else:
                self._clean_orphans(manifest)
            return AddResult([a["doc_id"] for a in fresh], skipped, len(rows))

    def compact(self) -> None:
        """Merge every part into one (readers keep working; a crash leaves the old parts)."""
        with self._lock:
            self._compact(self.manifest())

    def _compact(self, manifest: dict[str, Any]) -> None:
        import geopandas as gpd
        import pandas as pd

        if len(manifest["parts"]) <= 1:
            return
        events = [self._read(p["events"], geo=True) for p in manifest["parts"]]
        articles = [self._read(p["articles"], geo=False) for p in manifest["parts"]]
        number = 1 + max(int(p["events"].split("-")[1].split(".")[0]) for p in manifest["parts"])
        part = {"events": f"part-{number:06d}.events.parquet", "articles": f"part-{number:06d}.articles.parquet"}
        event_frame = gpd.GeoDataFrame(pd.concat(events, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        article_frame = pd.concat(articles, ignore_index=True)
        part.update(docs=len(article_frame), rows=len(event_frame))
        _atomic_parquet(article_frame, self.path / part["articles"], geo=False)
        _atomic_parquet(event_frame, self.path / part["events"], geo=True)
        self._write_manifest({**manifest, "parts": [part]})
        self._clean_orphans(self.manifest())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_parquet(frame: Any, path: Path, *, geo: bool) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    if geo:
        frame.to_parquet(tmp, index=False, compression="zstd", schema_version="1.0.0")
    else:
        frame.to_parquet(tmp, index=False, compression="zstd")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _encode_lists(frame: Any) -> Any:
    frame = frame.copy()
    for col in LIST_COLUMNS:
        if col in frame.columns:
            frame[col] = [json.dumps(v if isinstance(v, list) else [], ensure_ascii=False) for v in frame[col]]
    return frame


def _decode_lists(frame: Any) -> Any:
    for col in LIST_COLUMNS:
        if col in frame.columns:
            frame[col] = [json.loads(v) if isinstance(v, str) and v else [] for v in frame[col]]
    return frame


def empty_events_frame() -> gpd.GeoDataFrame:
    """An events GeoDataFrame with every column and no rows."""
    import geopandas as gpd

    return gpd.GeoDataFrame(
        {c: [] for c in _STORE_COLUMNS}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326"
    )


# ---------------------------------------------------------------------------- merging
_WORD = re.compile(r"[a-z0-9]+")
_MERGE_DAYS = 3
_MIN_SIMILARITY = 0.2


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 3}


def merge_reports(reports: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge reports of the same event by different articles into one event with every source.

    Two events (from different articles) are the same when they share category, subtype and
    event place, their dates are at most three days apart (or equal at month/year precision), and
    their evidence sentences share at least a fifth of their content words. The earliest report
    (by publication date, then ``doc_id``) represents the event; ``n_sources``, ``sources`` and
    ``doc_ids`` list every report.

    >>> merge_reports(empty_events_frame()).empty
    True
    """
    if reports.empty:
        frame = reports.copy()
        for col in ("n_sources",):
            frame[col] = []
        return frame
    frame = reports.copy()
    heads = frame.sort_values(["published", "doc_id", "sentence_start"], kind="stable").drop_duplicates("event_id")
    key_place = (
        frame[frame["place_role"].isin(["event", "focus"])]
        .drop_duplicates("event_id")
        .set_index("event_id")["place_id"]
    )
    heads = heads.assign(key_place=heads["event_id"].map(key_place).fillna(heads["place_id"]))
    parent: dict[str, str] = {eid: eid for eid in heads["event_id"]}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    groups: dict[tuple, list[tuple]] = {}
    for r in heads[
        ["event_id", "doc_id", "date", "published", "category", "subtype", "key_place", "sentence", "source", "title"]
    ].itertuples(index=False):
        day = _day_number(_text(r.date) or _text(r.published))
        groups.setdefault((r.category, r.subtype, r.key_place), []).append((day, r))
    for items in groups.values():
        if len(items) < 2:
            continue
        items.sort(key=lambda item: item[0])
        words: dict[str, set[str]] = {}
        for i, (day_a, a) in enumerate(items):
            for day_b, b in items[i + 1 :]:
                if day_b - day_a > _MERGE_DAYS:
                    break
                if a.doc_id == b.doc_id or not _same_time(
                    _text(a.date) or _text(a.published), _text(b.date) or _text(b.published)
                ):
                    continue
                words_a = words.setdefault(a.event_id, _words(_text(a.sentence)))
                words_b = words.setdefault(b.event_id, _words(_text(b.sentence)))
                union = words_a | words_b
                if union and len(words_a & words_b) / len(union) >= _MIN_SIMILARITY:
                    parent[find(b.event_id)] = find(a.event_id)
    order = {eid: n for n, eid in enumerate(heads["event_id"])}
    info = {r.event_id: r for _, items in groups.items() for _, r in items}
    clusters: dict[str, list[str]] = {}
    for eid in heads["event_id"]:
        clusters.setdefault(find(eid), []).append(eid)
    representative, n_sources, sources, doc_ids = {}, {}, {}, {}
    for members in clusters.values():
        members.sort(key=order.__getitem__)
        rep = members[0]
        docs = list(dict.fromkeys(info[m].doc_id for m in members))
        srcs = list(dict.fromkeys(_text(info[m].source) or _text(info[m].title) for m in members))
        for m in members:
            representative[m] = rep
        n_sources[rep], sources[rep], doc_ids[rep] = len(docs), srcs, docs
    keep = frame[frame["event_id"].map(representative) == frame["event_id"]].copy()
    keep["n_sources"] = keep["event_id"].map(n_sources).astype("int64")
    keep["sources"] = keep["event_id"].map(sources)
    keep["doc_ids"] = keep["event_id"].map(doc_ids)
    return keep.reset_index(drop=True)


def _text(value: Any) -> str:
    """A cell as text: missing values (None, NaN) become ``""``."""
    return value if isinstance(value, str) else ""


def _day_number(value: str | None) -> int:
    """Days since 0001-01-01 of an ISO date or its first day ("2026-03" → 1 March); -1 if none."""
    if not value:
        return -1
    text = value[:10] + "-01-01"[len(value[:10]) - 4 :] if len(value) < 10 else value[:10]
    try:
        return dt.date.fromisoformat(text).toordinal()
    except ValueError:
        return -1


def _same_time(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    if len(a) < 10 or len(b) < 10:  # month or year precision: same prefix
        n = min(len(a), len(b))
        return a[:n] == b[:n]
    try:
        return abs((dt.date.fromisoformat(a[:10]) - dt.date.fromisoformat(b[:10])).days) <= _MERGE_DAYS
    except ValueError:
        return a == b


# ---------------------------------------------------------------------------- filters and export
def filter_events(
    frame: gpd.GeoDataFrame,
    *,
    categories: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    countries: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Rows matching every filter given (dates compare on ISO prefixes: ``since="2026-03"``).

    An event with a date range (a curfew from the 15th to the 30th) matches when the range
    overlaps the window.
    """
    mask = frame.index == frame.index
    if categories:
        unknown = set(categories) - {"military", "political", "economic"}
        if unknown:
            raise InvalidQueryError(f"unknown category {sorted(unknown)}; use military, political or economic")
        mask &= frame["category"].isin(categories)
    for name, value in (("since", since), ("until", until)):
        if value is not None and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise InvalidQueryError(f"--{name} {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    start = frame["date"].fillna(frame["published"]).fillna("")
    end = frame["date_end"].fillna(start).fillna("")
    if since:
        mask &= end.str.slice(0, len(since)) >= since
    if until:
        mask &= start.str.slice(0, len(until)) <= until
    if countries:
        bad = [c for c in countries if not re.fullmatch(r"[A-Za-z]{2}", c)]
        if bad:
            raise InvalidQueryError(f"--country {bad[0]!r} is not a two-letter ISO country code (e.g. EC, CO)")
        mask &= frame["country_code"].isin([c.upper() for c in countries])
    return frame[mask]


def events_frame(store: EventStore | str | Path, **filters: Any) -> gpd.GeoDataFrame:
    """The store's merged events as a GeoDataFrame (EPSG:4326), optionally filtered.

    Parameters
    ----------
    store
        An :class:`EventStore` or its folder.
    **filters
        ``categories``, ``since``, ``until``, ``countries`` (see :func:`filter_events`).

    Examples
    --------
    >>> frame = events_frame("eventmap-store", categories=["military"])  # doctest: +SKIP
    """
    if not isinstance(store, EventStore):
        store = EventStore(store)
    return filter_events(store.events(), **filters)


def write_events(frame: gpd.GeoDataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Export events with exactly the contract's columns (DESIGN.md) in GeoJSON, CSV, GeoParquet or GeoPackage.

    List columns (``triggers``, ``actors``, ``figures``) stay arrays in GeoJSON and Parquet and
    become JSON text in CSV and GeoPackage. CSV adds ``lon``/``lat`` and drops the geometry.
    """
    path = Path(path)
    fmt = fmt or {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".parquet": "parquet", ".gpkg": "gpkg"}.get(
        path.suffix.lower()
    )
    if fmt not in EXPORT_FORMATS:
        raise InvalidQueryError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    out = frame.reindex(columns=[*EVENT_COLUMNS, "geometry"]).copy()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        if fmt == "geojson":
            tmp.write_text(out.to_json(na="null", drop_id=True, ensure_ascii=False), encoding="utf-8")
        elif fmt == "parquet":
            out.to_parquet(tmp, index=False)
        else:
            for col in ("triggers", "actors", "figures"):
                out[col] = [json.dumps(v if isinstance(v, list) else [], ensure_ascii=False) for v in out[col]]
            if fmt == "csv":
                flat = out.drop(columns="geometry").assign(lon=out.geometry.x, lat=out.geometry.y)
                flat.to_csv(tmp, index=False)
            else:
                out.to_file(tmp, driver="GPKG", layer="events")
        os.replace(tmp, path)
    except OSError as err:
        raise StorageError(f"cannot write {path}: {err}") from err
    return path
