"""The event store: idempotent, incremental, atomic, safe for concurrent writers; merging; exports."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from geodata.errors import InvalidQueryError, StorageError
from geodata.model import ARTICLE_COLUMNS, EVENT_COLUMNS, STORE_EXTRA_COLUMNS
from geodata.store import (
    EventQuery,
    EventStore,
    ParquetStore,
    Store,
    count_events,
    events_frame,
    filter_events,
    merge_reports,
    open_store,
    write_events,
)
from geodata.store.merge import MergeIndex, apply_merge, fold_clusters, heads_table
from geodata.store.schema import _TYPES, TEXT_COLUMNS, to_events_table
from geodata.synthetic import synthetic_events


@pytest.fixture(scope="module")
def frame(gazetteer):
    return synthetic_events(300, seed=5, gazetteer=gazetteer)


def _articles(frame):
    return [
        {"doc_id": d, "title": f"t{d}", "source": f"https://example.org/{d}", "published": "2025-01-01"}
        for d in frame["doc_id"].unique()
    ]


def _docs(frame, start, stop):
    return frame[frame["doc_id"].isin(frame["doc_id"].unique()[start:stop])]


def _key(events):
    """What a merged view holds, independent of row order."""
    return sorted(
        zip(events["event_id"], events["place_id"], events["n_sources"], map(tuple, events["doc_ids"]), strict=True)
    )


def test_store_add_is_idempotent_and_incremental(tmp_path, frame):
    store = open_store(tmp_path / "store")
    first = _docs(frame, 0, 40)
    result = store.add(_articles(first), first)
    assert result.added_rows == len(first) and not result.skipped_docs
    again = store.add(_articles(first), first)
    assert again.added_rows == 0 and len(again.skipped_docs) == len(result.added_docs)
    store.add(_articles(frame), frame)
    assert len(store.reports()) == len(frame)
    assert store.doc_ids() == set(frame["doc_id"])
    assert len(store.manifest()["parts"]) == 2
    assert store.has(["nope", frame["doc_id"].iloc[0]]) == {frame["doc_id"].iloc[0]}


def test_open_store_gives_the_parquet_backend_behind_the_protocol(tmp_path):
    store = open_store(tmp_path)
    assert isinstance(store, Store) and isinstance(store, ParquetStore) and EventStore is ParquetStore
    assert open_store(store) is store and open_store(f"parquet:{tmp_path}").path == tmp_path
    with pytest.raises(StorageError, match="no store backend 'postgis'"):
        open_store("postgis://db/events")


def test_store_reads_back_types_lists_and_crs(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    back = store.reports()
    assert back.crs.to_epsg() == 4326
    assert list(back.columns) == [*EVENT_COLUMNS, *STORE_EXTRA_COLUMNS, "geometry"]
    assert isinstance(back.loc[0, "triggers"], list) and isinstance(back.loc[0, "place_candidates"], list)
    assert back.loc[0, "place_candidates"] == frame.iloc[0]["place_candidates"]
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0])
    assert back["event_id"].tolist() == frame["event_id"].tolist()


def test_store_columns_each_have_a_declared_type():
    for column in [*EVENT_COLUMNS, *STORE_EXTRA_COLUMNS, *ARTICLE_COLUMNS]:
        assert column in _TYPES or column in TEXT_COLUMNS, f"give {column!r} an Arrow type in geodata/store/schema.py"


def test_store_events_are_plain_geoparquet_for_geopandas_and_dask(tmp_path, frame):
    dask_geopandas = pytest.importorskip("dask_geopandas")
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 50)), _docs(frame, 0, 50))
    store.add(_articles(_docs(frame, 50, 100)), _docs(frame, 50, 100))
    folder = tmp_path / "store" / "events"
    plain = gpd.read_parquet(folder)
    assert len(plain) == len(store.reports()) and plain.crs.to_epsg() == 4326
    assert list(plain["triggers"].iloc[0]) == frame.iloc[0]["triggers"]
    lazy = dask_geopandas.read_parquet(folder)
    assert len(lazy.compute()) == len(plain) and lazy.crs.to_epsg() == 4326
    export = write_events(store.table(), tmp_path / "events.parquet")
    assert len(gpd.read_parquet(export)) == len(store.events()) == len(dask_geopandas.read_parquet(export).compute())


def test_store_damaged_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StorageError, match="manifest.json is unreadable"):
        open_store(tmp_path).reports()


def test_store_missing_listed_file_is_reported_as_damage(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    name = store.manifest()["parts"][0]["name"]
    (tmp_path / "store" / "events" / f"{name}.parquet").unlink()
    with pytest.raises(StorageError, match="is damaged"):
        open_store(tmp_path / "store").events()


def test_store_removes_a_dead_writers_leftovers_and_keeps_a_live_ones(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 30)), _docs(frame, 0, 30))
    events = tmp_path / "store" / "events"
    dead = events / ".pending-w999999xhostx0badcafe.000001.parquet"
    dead.write_bytes(b"half a file")
    orphan = events / "w999999xhostx0badcafe.000002.parquet"  # renamed, but its manifest never written
    orphan.write_bytes(b"never committed")
    live = open_store(tmp_path / "store")
    live.add(_articles(_docs(frame, 30, 40)), _docs(frame, 30, 40))  # holds its lease from now on
    mine = events / f".pending-{live._writer.id}.000099.parquet"
    mine.write_bytes(b"in flight")
    assert len(open_store(tmp_path / "store").reports()) == len(_docs(frame, 0, 40))
    fresh = open_store(tmp_path / "store")
    fresh.add(_articles(_docs(frame, 40, 60)), _docs(frame, 40, 60))  # a new writer cleans up first
    assert not dead.exists() and not orphan.exists()
    assert mine.exists(), "a live writer's files are never deleted"
    assert len(fresh.reports()) == len(_docs(frame, 0, 60))


def _hold_lock_forever(path, ready):
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    ready.set()
    signal.pause()


def test_store_lock_of_a_killed_writer_never_blocks_the_next(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 10)), _docs(frame, 0, 10))
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=_hold_lock_forever, args=(tmp_path / "store" / ".lock", ready))
    holder.start()
    assert ready.wait(30)
    slow = ParquetStore(tmp_path / "store", lock_timeout=0.2)
    with pytest.raises(StorageError, match="is locked by pid"):
        slow.add(_articles(_docs(frame, 10, 20)), _docs(frame, 10, 20))
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    result = ParquetStore(tmp_path / "store", lock_timeout=5).add(_articles(_docs(frame, 10, 20)), _docs(frame, 10, 20))
    assert len(result.added_docs) == 10


def test_store_compaction_is_tiered_and_keeps_every_row(tmp_path, frame):
    store = ParquetStore(tmp_path / "store", compact_factor=4, compact_base_bytes=2_000)
    docs = frame["doc_id"].unique()
    for doc_id in docs[:60]:
        rows = frame[frame["doc_id"] == doc_id]
        store.add(_articles(rows), rows)
    store.wait()  # compaction runs in the background
    parts = store.manifest()["parts"]
    assert len(parts) < 12, "tiers keep the number of parts logarithmic"
    oldest = parts[0]["name"]
    for doc_id in docs[60:64]:
        rows = frame[frame["doc_id"] == doc_id]
        store.add(_articles(rows), rows)
    store.wait()
    assert store.manifest()["parts"][0]["name"] == oldest, "adding small parts never rewrites the big old one"
    assert store.doc_ids() == set(docs[:64])
    assert sorted(store.reports()["event_id"]) == sorted(frame[frame["doc_id"].isin(docs[:64])]["event_id"])
    store.compact()
    assert len(store.manifest()["parts"]) == 1 and len(store.reports()) == len(frame[frame["doc_id"].isin(docs[:64])])


def test_store_reader_of_the_previous_manifest_still_finds_compacted_files(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 50)), _docs(frame, 0, 50))
    store.add(_articles(_docs(frame, 50, 100)), _docs(frame, 50, 100))
    before = store.manifest()
    store.compact()
    reader = open_store(tmp_path / "store")
    reader.manifest = lambda: before  # a reader that read the manifest just before the compaction
    assert len(reader.reports()) == len(_docs(frame, 0, 100))


def test_store_counts_come_from_the_manifest(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    counts = store.counts()
    merged = store.events()
    assert (counts.articles, counts.reports) == (frame["doc_id"].nunique(), len(frame))
    assert (counts.rows, counts.events) == (len(merged), merged["event_id"].nunique())
    assert count_events(merged) == count_events(store.table())
    assert counts.generation == store.generation != "empty"


# ---------------------------------------------------------------------------- concurrent writers
def _write_batches(path, frame, doc_ids, seed):
    rng = random.Random(seed)
    store = open_store(path)
    for start in range(0, len(doc_ids), 7):
        docs = doc_ids[start : start + 7]
        rows = frame[frame["doc_id"].isin(docs)]
        store.add([{"doc_id": d, "title": d} for d in docs], rows)
        if rng.random() < 0.2:
            store.events()


def test_store_concurrent_writers_store_every_article_once_and_readers_never_fail(tmp_path, gazetteer):
    frame = synthetic_events(1200, seed=8, gazetteer=gazetteer)
    docs = list(frame["doc_id"].unique())
    path = tmp_path / "store"
    context = multiprocessing.get_context("fork")
    # Three writers with overlapping articles, a fourth killed mid-run.
    plans = [docs[:250], docs[150:], docs[::-1], docs[100:300]]
    writers = [context.Process(target=_write_batches, args=(path, frame, plan, n)) for n, plan in enumerate(plans)]
    for writer in writers:
        writer.start()
    reader = open_store(path)
    reads = 0
    while any(w.is_alive() for w in writers[:3]):
        if writers[3].is_alive() and reads == 3:
            os.kill(writers[3].pid, signal.SIGKILL)
        reader.events()  # must never raise
        reads += 1
    for writer in writers:
        writer.join()
    assert all(w.exitcode == 0 for w in writers[:3]) and writers[3].exitcode == -signal.SIGKILL
    store = open_store(path)
    articles = store.articles(columns=["doc_id"])
    assert articles["doc_id"].is_unique and set(articles["doc_id"]) == set(docs)
    reports = store.reports()
    assert len(reports) == len(frame) and not reports.duplicated(["event_id", "place_id", "place_role"]).any()
    sequential = open_store(tmp_path / "sequential")
    sequential.add([{"doc_id": d} for d in docs], frame)
    assert _key(store.events()) == _key(sequential.events())
    assert store.counts().events == sequential.counts().events


# ---------------------------------------------------------------------------- format 1 stores
def _format_1_store(folder, frame):
    """A store as eventmap 0.1 wrote it: lists as JSON text, no status/evidence/agent columns, flat parts."""
    folder.mkdir()
    parts = []
    old_columns = [
        c
        for c in [*EVENT_COLUMNS, *STORE_EXTRA_COLUMNS]
        if c not in {"status", "acled_sub_event_type", "cameo_code", "agent", "target", "evidence"}
    ]
    for n, docs in enumerate((frame["doc_id"].unique()[:40], frame["doc_id"].unique()[40:]), start=1):
        rows = frame[frame["doc_id"].isin(docs)][[*old_columns, "geometry"]].copy()
        for col in ("triggers", "actors", "figures", "place_candidates", "sources", "doc_ids"):
            rows[col] = [json.dumps(v) for v in rows[col]]
        rows.to_parquet(folder / f"part-{n:06d}.events.parquet", index=False)
        pd.DataFrame(_articles(rows)).reindex(columns=ARTICLE_COLUMNS).to_parquet(
            folder / f"part-{n:06d}.articles.parquet", index=False
        )
        parts.append(
            {
                "events": f"part-{n:06d}.events.parquet",
                "articles": f"part-{n:06d}.articles.parquet",
                "docs": len(docs),
                "rows": len(rows),
            }
        )
    manifest = {"version": 1, "parts": parts, "generation": "abc", "updated_at": "2026-01-01T00:00:00+00:00"}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_store_reads_a_format_1_store_and_fills_new_columns(tmp_path, frame):
    _format_1_store(tmp_path / "old", frame)
    store = open_store(tmp_path / "old")
    events = store.events()
    assert set(events["status"]) == {"reported"}
    assert all(e == [s] for e, s in zip(events["evidence"], events["sentence"], strict=True))
    assert events["agent"].isna().all()
    assert _key(events) == _key(merge_reports(frame))
    assert store.doc_ids() == set(frame["doc_id"])


def test_store_upgrades_a_format_1_store_on_its_first_write(tmp_path, frame):
    _format_1_store(tmp_path / "old", frame)
    store = open_store(tmp_path / "old")
    before = _key(store.events())
    extra = synthetic_events(12, seed=99)
    store.add(_articles(extra), extra)
    assert store.manifest()["version"] == 2
    assert not list((tmp_path / "old").glob("part-*.parquet"))
    assert len(store.reports()) == len(frame) + len(extra)
    after = open_store(tmp_path / "old").events()
    assert set(before) <= set(_key(after))
    assert store.add(_articles(frame), frame).added_rows == 0


# ---------------------------------------------------------------------------- merging
def _report(event_id, doc_id, sentence, date="2026-03-03", place="geonames:3654410", published="2026-03-04"):
    return {
        "event_id": event_id,
        "doc_id": doc_id,
        "title": doc_id,
        "source": f"https://example.org/{doc_id}",
        "published": published,
        "category": "military",
        "subtype": "deployment",
        "triggers": ["deployed"],
        "confidence": 0.8,
        "sentence": sentence,
        "sentence_start": 0,
        "sentence_end": len(sentence),
        "date": date,
        "date_end": None,
        "date_text": "Tuesday",
        "date_precision": "day",
        "place_text": "Manta",
        "place_start": 0,
        "place_end": 5,
        "place_name": "Manta",
        "place_id": place,
        "place_kind": "city",
        "country_code": "EC",
        "admin1": "Manabí",
        "geo_precision": 1,
        "place_role": "event",
        "actors": [],
        "fatalities": None,
        "figures": [],
        "n_sources": 1,
        "place_score": 5.0,
        "place_candidates": [],
        "place_reason": "",
        "sources": [],
        "doc_ids": [],
        "lat": -0.95,
        "lon": -80.73,
    }


def test_merge_reports_joins_the_same_event_told_by_several_articles():
    from geodata.ingest import events_to_geodataframe

    rows = [
        _report("a", "doc1", "Ecuador deployed 800 marines to Manta on Tuesday, the navy said."),
        _report(
            "b", "doc2", "The navy deployed some 800 marines to the port of Manta on Tuesday.", published="2026-03-05"
        ),
        _report("c", "doc3", "Troops were deployed to Manta to guard the port.", date="2026-01-10"),
    ]
    merged = merge_reports(events_to_geodataframe(rows))
    assert sorted(merged["event_id"]) == ["a", "c"]
    first = merged.set_index("event_id").loc["a"]
    assert first["n_sources"] == 2
    assert first["doc_ids"] == ["doc1", "doc2"]
    assert first["sources"] == ["https://example.org/doc1", "https://example.org/doc2"]
    assert merged.set_index("event_id").loc["c", "n_sources"] == 1


def test_merge_index_makes_the_earliest_report_the_representative_whatever_the_arrival_order():
    rows = [
        _report("b", "doc2", "Marines deployed to Manta port on Tuesday.", published="2026-03-05"),
        _report("c", "doc3", "Navy said marines deployed guard Manta port today.", date="2026-03-06"),
        _report("a", "doc1", "Marines deployed guard Manta port Tuesday, navy said.", published="2026-03-02"),
    ]
    table = to_events_table(rows)
    index = MergeIndex()
    deltas = [index.add(heads_table(table.slice(n, 1)), seq=n + 1) for n in range(3)]
    merged = apply_merge(table, fold_clusters(deltas))
    assert merged.column("event_id").to_pylist() == ["a"]
    assert merged.column("doc_ids").to_pylist() == [["doc1", "doc3", "doc2"]]  # by publication date
    assert (index.events, index.rows) == (1, 1)


def test_merge_index_incremental_equals_merging_everything_at_once(gazetteer):
    base = synthetic_events(400, seed=12, gazetteer=gazetteer)
    rng = random.Random(3)
    rows = []
    for record in base.to_dict("records"):
        rows.append(record)
        for k in range(rng.choice([0, 1, 2])):  # the same event told again, in other words, days apart
            copy = dict(record, doc_id=f"{record['doc_id']}-{k}", event_id=f"{record['event_id']}-{k}")
            words = copy["sentence"].split()
            rng.shuffle(words)
            copy["sentence"] = " ".join(words[: rng.randrange(2, len(words) + 1)])
            copy["date"] = rng.choice([record["date"], record["date"][:7], None])
            rows.append(copy)
    table = to_events_table(rows)
    whole = merge_reports(gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326))
    assert len(whole) < len(rows)
    docs = list(dict.fromkeys(table.column("doc_id").to_pylist()))
    for _ in range(3):
        rng.shuffle(docs)
        index = MergeIndex()
        deltas = []
        for start in range(0, len(docs), 29):
            batch = table.filter(pc.is_in(table.column("doc_id"), value_set=pa.array(docs[start : start + 29])))
            deltas.append(index.add(heads_table(batch), seq=start + 1))
        merged = apply_merge(table, fold_clusters(deltas)).to_pandas()
        assert _key(merged) == _key(whole)
        assert (index.events, index.rows) == (whole["event_id"].nunique(), len(whole))


# ---------------------------------------------------------------------------- queries and exports
def test_filter_events_by_category_dates_and_country(frame):
    military = filter_events(frame, categories=["military"])
    assert set(military["category"]) == {"military"}
    recent = filter_events(frame, since="2026-01")
    assert (recent["date"].str.slice(0, 7) >= "2026-01").all() or (recent["date_end"].notna()).any()
    country = frame["country_code"].dropna().iloc[0]
    assert set(filter_events(frame, countries=[country.lower()])["country_code"]) == {country}
    with pytest.raises(InvalidQueryError, match="unknown category"):
        filter_events(frame, categories=["sports"])
    with pytest.raises(InvalidQueryError, match="not a date"):
        filter_events(frame, since="last year")


def test_store_query_pushdown_matches_filtering_the_frame(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    everything = store.events()
    country = frame["country_code"].dropna().iloc[0]
    for filters in (
        {"categories": ["military", "economic"]},
        {"since": "2025-06", "until": "2025-12-31"},
        {"countries": [country]},
        {"categories": ["political"], "since": "2025"},
    ):
        expected = filter_events(everything, **filters)
        got = store.events(EventQuery(**filters))
        assert got["event_id"].tolist() == expected["event_id"].tolist(), filters
    narrow = store.table(EventQuery(columns=("event_id", "category", "geometry")))
    assert narrow.column_names == ["event_id", "category", "geometry"] and narrow.num_rows == len(everything)


@pytest.mark.parametrize("fmt", ["geojson", "csv", "parquet", "gpkg"])
def test_write_events_round_trips_with_geopandas(tmp_path, frame, fmt):
    path = write_events(frame, tmp_path / f"events.{fmt}", fmt)
    if fmt == "csv":
        back = pd.read_csv(path)
        assert list(back.columns) == [*EVENT_COLUMNS, "lon", "lat"]
        assert back["lon"].round(4).tolist() == frame.geometry.x.round(4).tolist()
        assert json.loads(back.loc[0, "triggers"]) == frame.iloc[0]["triggers"]
        assert json.loads(back.loc[0, "evidence"]) == frame.iloc[0]["evidence"]
    else:
        back = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path)
        assert list(back.columns) == [*EVENT_COLUMNS, "geometry"]
        assert back.crs.to_epsg() == 4326
        assert back.geometry.x.round(5).tolist() == frame.geometry.x.round(5).tolist()
        triggers = back.iloc[0]["triggers"]
        if fmt == "gpkg":
            triggers = json.loads(triggers)
        assert list(triggers) == frame.iloc[0]["triggers"]
    assert len(back) == len(frame)
    assert back["event_id"].tolist() == frame["event_id"].tolist()


def test_write_events_of_a_table_equals_writing_the_frame(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    from_table = gpd.read_parquet(write_events(store.table(), tmp_path / "a.parquet"))
    from_frame = gpd.read_parquet(write_events(store.events(), tmp_path / "b.parquet"))
    pd.testing.assert_frame_equal(from_table.drop(columns="geometry"), from_frame.drop(columns="geometry"))
    assert from_table.geometry.equals(from_frame.geometry)


def test_events_frame_reads_a_store_folder(tmp_path, frame):
    open_store(tmp_path).add(_articles(frame), frame)
    economic = events_frame(tmp_path, categories=["economic"])
    assert len(economic) > 0 and set(economic["category"]) == {"economic"}
    assert len(events_frame(tmp_path)) <= len(frame)  # merged reports never add rows


def test_store_cli_style_subprocess_reader_sees_a_consistent_store(tmp_path, frame):
    store = open_store(tmp_path / "store")
    store.add(_articles(frame), frame)
    code = f"from geodata.store import open_store; print(len(open_store({str(tmp_path / 'store')!r}).events()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(store.events())


def test_store_failure_after_the_commit_never_deletes_the_committed_part(tmp_path, frame, monkeypatch):
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 10)), _docs(frame, 0, 10))

    def interrupted(*_, **__):
        raise KeyboardInterrupt  # e.g. Ctrl-C right after the manifest was replaced

    monkeypatch.setattr(ParquetStore, "_start_compaction", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.add(_articles(_docs(frame, 10, 20)), _docs(frame, 10, 20))
    monkeypatch.undo()
    assert open_store(tmp_path / "store").doc_ids() == set(frame["doc_id"].unique()[:20])
    assert len(open_store(tmp_path / "store").reports()) == len(_docs(frame, 0, 20))


def test_store_failure_before_the_commit_leaves_nothing_behind(tmp_path, frame, monkeypatch):
    store = open_store(tmp_path / "store")
    store.add(_articles(_docs(frame, 0, 10)), _docs(frame, 0, 10))

    def full(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ParquetStore, "_write_manifest", full)
    with pytest.raises(StorageError, match="No space left"):
        store.add(_articles(_docs(frame, 10, 20)), _docs(frame, 10, 20))
    monkeypatch.undo()
    listed = {f"{p['name']}.parquet" for p in store.manifest()["parts"]}
    for kind in ("events", "articles", "heads", "clusters"):
        folder = tmp_path / "store" / kind
        assert not [f.name for f in folder.iterdir() if f.name not in listed] if folder.exists() else True
    assert store.add(_articles(_docs(frame, 10, 20)), _docs(frame, 10, 20)).added_docs  # the index was rebuilt
    assert len(open_store(tmp_path / "store").events()) == len(merge_reports(_docs(frame, 0, 20)))
