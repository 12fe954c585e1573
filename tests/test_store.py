"""The GeoParquet event store: idempotent, incremental, atomic; merging reports; exports."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from geodata.errors import InvalidQueryError, StorageError
from geodata.model import EVENT_COLUMNS
from geodata.store import EventStore, events_frame, filter_events, merge_reports, write_events
from geodata.synthetic import synthetic_events


@pytest.fixture(scope="module")
def frame(gazetteer):
    return synthetic_events(300, seed=5, gazetteer=gazetteer)


def _articles(frame):
    return [
        {"doc_id": d, "title": f"t{d}", "source": f"https://example.org/{d}", "published": "2025-01-01"}
        for d in frame["doc_id"].unique()
    ]


def test_store_add_is_idempotent_and_incremental(tmp_path, frame):
    store = EventStore(tmp_path / "store")
    first = frame[frame["doc_id"].isin(frame["doc_id"].unique()[:40])]
    result = store.add(_articles(first), first)
    assert result.added_rows == len(first) and not result.skipped_docs
    again = store.add(_articles(first), first)
    assert again.added_rows == 0 and len(again.skipped_docs) == len(result.added_docs)
    store.add(_articles(frame), frame)
    assert len(store.reports()) == len(frame)
    assert store.doc_ids() == set(frame["doc_id"])
    assert len(store.manifest()["parts"]) == 2


def test_store_reads_back_types_lists_and_crs(tmp_path, frame):
    store = EventStore(tmp_path / "store")
    store.add(_articles(frame), frame)
    back = store.reports()
    assert back.crs.to_epsg() == 4326
    assert isinstance(back.loc[0, "triggers"], list) and isinstance(back.loc[0, "place_candidates"], list)
    assert back.geometry.iloc[0].equals(frame.geometry.iloc[0])


def test_store_ignores_half_written_parts_and_cleans_them(tmp_path, frame):
    store = EventStore(tmp_path / "store")
    store.add(_articles(frame[:30]), frame[:30])
    # A crash after writing a part but before the manifest: the part is not listed.
    (store.path / "part-000009.events.parquet").write_bytes(b"half a file")
    (store.path / ".manifest.json.abc.tmp").write_text("{")
    assert len(store.reports()) == 30
    rest = frame[~frame["doc_id"].isin(frame["doc_id"][:30])]
    store.add(_articles(rest), rest)
    assert not (store.path / "part-000009.events.parquet").exists()
    assert not list(store.path.glob("*.tmp"))


def test_store_damaged_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StorageError, match="manifest.json is unreadable"):
        EventStore(tmp_path).reports()


def test_store_compacts_many_parts(tmp_path, frame):
    store = EventStore(tmp_path / "store")
    for doc_id in frame["doc_id"].unique()[:30]:
        rows = frame[frame["doc_id"] == doc_id]
        store.add(_articles(rows), rows)
    assert len(store.manifest()["parts"]) <= 25
    assert store.doc_ids() == set(frame["doc_id"].unique()[:30])


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
    assert merged.set_index("event_id").loc["c", "n_sources"] == 1


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


@pytest.mark.parametrize("fmt", ["geojson", "csv", "parquet", "gpkg"])
def test_write_events_round_trips_with_geopandas(tmp_path, frame, fmt):
    path = write_events(frame, tmp_path / f"events.{fmt}", fmt)
    if fmt == "csv":
        back = pd.read_csv(path)
        assert list(back.columns) == [*EVENT_COLUMNS, "lon", "lat"]
        assert back["lon"].round(4).tolist() == frame.geometry.x.round(4).tolist()
        assert json.loads(back.loc[0, "triggers"]) == frame.iloc[0]["triggers"]
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


def test_events_frame_reads_a_store_folder(tmp_path, frame):
    EventStore(tmp_path).add(_articles(frame), frame)
    economic = events_frame(tmp_path, categories=["economic"])
    assert len(economic) > 0 and set(economic["category"]) == {"economic"}
    assert len(events_frame(tmp_path)) <= len(frame)  # merged reports never add rows
