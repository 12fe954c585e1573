"""dashboard.data and dashboard.payload: payloads for the browser, cards, corrections, exports (no browser, no Dash)."""

from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pandas as pd
import pytest

from dashboard import data as dd
from dashboard import payload as pl


@pytest.fixture(scope="module")
def events(gazetteer):
    from geodata.synthetic import synthetic_events

    return synthetic_events(200, seed=3, gazetteer=gazetteer, start="2025-01-01", end="2025-12-31")


@pytest.fixture
def store(events, tmp_path):
    from geodata.store import EventStore

    store = EventStore(tmp_path / "store")
    docs = events.drop_duplicates("doc_id")
    store.add(
        [
            {"doc_id": r.doc_id, "title": r.title, "source": r.source, "published": r.published}
            for r in docs.itertuples()
        ],
        events,
    )
    return store


@pytest.mark.parametrize(
    ("date", "end", "published", "expected"),
    [
        ("2025-11-03", None, None, ("2025-11-03", "2025-11-03")),
        ("2025-11", None, None, ("2025-11-01", "2025-11-30")),
        ("2024-02", None, None, ("2024-02-01", "2024-02-29")),
        ("2025", None, None, ("2025-01-01", "2025-12-31")),
        ("2025-11-03", "2025-11-20", None, ("2025-11-03", "2025-11-20")),
        (None, None, "2025-06-01", ("2025-06-01", "2025-06-01")),
        ("soon", None, None, None),
    ],
)
def test_day_span_covers_partial_dates(date, end, published, expected):
    span = pl.day_span(date, end, published)
    assert (tuple(dd.iso_day(d) for d in span) if span else None) == expected


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("https://www.reuters.com/world/a", "reuters.com"),
        ("http://example.org", "example.org"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("/data/in/report.html", "report.html"),
        ("", "(unknown source)"),
        (float("nan"), "(unknown source)"),
    ],
)
def test_outlet_label_names_the_host_or_file(source, label):
    assert dd.outlet_label(source) == label


def test_compact_payload_encodes_every_row_with_small_integers(events):
    payload = pl.compact_payload(events, generation="g")
    rows = payload["rows"]
    assert payload["n"] == len(events)
    assert all(len(v) == len(events) for k, v in rows.items() if k not in ("ao", "a"))
    assert payload["categories"][:3] == ["military", "political", "economic"]
    assert [payload["categories"][c] for c in rows["c"]] == events["category"].tolist()
    assert [payload["subtypes"][s] for s in rows["s"]] == events["subtype"].tolist()
    assert [payload["statuses"][s] for s in rows["st"]] == events["status"].tolist()
    names = payload["places"]["name"]
    assert [names[p] for p in rows["p"]] == events["place_name"].tolist()
    assert rows["f"].tolist() == events["fatalities"].fillna(0).astype(int).tolist()
    blob = pl.encode_binary(payload)
    assert len(blob) < 120 * len(events)  # ids and text stay on the server


def test_compact_payload_lists_every_actor_agent_and_target(events):
    payload = pl.compact_payload(events)
    rows, actors = payload["rows"], payload["actors"]
    for i in (0, 5, 17):
        mine = {actors[a] for a in rows["a"][rows["ao"][i] : rows["ao"][i + 1]]}
        row = events.iloc[i]
        expected = set(row["actors"]) | {v for v in (row["agent"], row["target"]) if isinstance(v, str)}
        assert mine == expected


def test_binary_payload_round_trips(events):
    payload = pl.compact_payload(events.head(20), generation="g")
    back = pl.decode_binary(pl.encode_binary(payload))
    assert back["generation"] == "g" and back["rows"]["p"].tolist() == payload["rows"]["p"].tolist()
    assert back["places"]["lat"].tolist() == payload["places"]["lat"].tolist()


def test_compact_payload_places_keep_their_precision(events):
    payload = pl.compact_payload(events)
    kinds = dict(zip(payload["places"]["kind"], payload["places"]["prec"].tolist(), strict=True))
    assert kinds.get("city") == 1 and kinds.get("country") == 3 and kinds.get("admin1") == 2


def test_compact_payload_marks_undated_rows(events):
    frame = events.head(3).copy()
    frame.loc[frame.index[0], ["date", "published"]] = None
    payload = pl.compact_payload(frame)
    assert payload["rows"]["d0"][0] < -(2**30) and payload["rows"]["d0"][1] > 0


def test_timeline_extent_ignores_month_and_year_dates(events):
    frame = events.head(30).copy()
    frame.loc[frame.index[:3], ["date", "date_precision"]] = ["2019", "year"]
    payload = pl.compact_payload(frame)
    assert pl.iso_day(payload["extent"][0]) >= "2025-01-01"
    assert pl.iso_day(payload["extent_all"][0]) == "2019-01-01"


def test_text_payload_folds_accents_and_keeps_titles(events):
    frame = events.head(2).copy()
    frame.loc[frame.index[0], "sentence"] = "Clashes in Nariño"
    text = pl.text_payload(frame)
    rows = text["rows"]
    assert "narino" in text["sentences"][rows["t"][0]] and text["docs"][rows["doc"][0]] == frame["title"].iloc[0]


def test_decode_mask_reads_the_browser_bitset():
    bits = np.array([1, 0, 0, 1, 1, 0, 0, 0, 0, 1], dtype=bool)
    encoded = base64.b64encode(np.packbits(bits, bitorder="little").tobytes()).decode()
    assert dd.decode_mask(encoded, 10).tolist() == bits.tolist()
    with pytest.raises(ValueError, match="reload"):
        dd.decode_mask(encoded, 100)
    with pytest.raises(ValueError, match="base64"):
        dd.decode_mask("not base64!", 3)


def test_card_document_is_escaped_and_forbids_scripts():
    row = {
        "category": "military",
        "sentence": "Raid <script>alert(1)</script> in Manta",
        "sentence_start": 0,
        "place_start": 34,
        "place_end": 39,
        "source": "javascript:alert(1)",
        "title": "<img src=x onerror=alert(2)>",
    }
    page = dd.card_document(row)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<mark>Manta</mark>" in page
    assert 'href="javascript' not in page and "<img src=x" not in page
    assert "default-src 'none'" in page


def test_choice_label_is_one_short_line():
    label = dd.choice_label({"date": "2025-01-01", "category": "economic", "subtype": "trade", "title": "x" * 300})
    assert label.startswith("2025-01-01 · Economic · trade — ") and len(label) <= 140


def test_filter_options_lists_subtypes_countries_sources_statuses_and_actors(events):
    options = dd.filter_options(events, {"US": "United States"}, actors=["police", "navy"])
    assert [o["value"] for o in options["statuses"]][:2] == ["reported", "planned"]
    assert [o["value"] for o in options["actors"]] == ["police", "navy"]
    assert {o["value"] for o in options["subtypes"]} == set(events["subtype"])
    assert any(o == {"label": "United States (US)", "value": "US"} for o in options["countries"]) or "US" not in set(
        events["country_code"]
    )
    assert options["sources"][0]["value"] == "example.org"


def test_area_features_draw_vague_places_as_areas_or_halos(events, gazetteer):
    _, places = pl.place_records(events)
    shapes = dd.area_features(places, gazetteer=gazetteer)
    precisions = {places[f["properties"]["p"]]["prec"] for f in shapes["features"]}
    assert precisions and min(precisions) >= 2
    kinds = {f["geometry"]["type"] for f in shapes["features"]}
    assert kinds & {"Polygon", "MultiPolygon"}
    for feature in shapes["features"]:
        if feature["geometry"]["type"] == "Point":
            assert feature["properties"]["halo"] >= 2


def test_slim_shape_drops_islets_and_simplifies():
    import shapely

    main = shapely.Point(0, 0).buffer(10, quad_segs=64)
    islets = [shapely.box(20 + i, 0, 20.01 + i, 0.01) for i in range(20)]
    slim = dd.slim_shape(shapely.MultiPolygon([main, *islets]))
    assert slim.geom_type == "Polygon" and shapely.get_num_coordinates(slim) < shapely.get_num_coordinates(main)


def test_basemap_layers_labels_every_named_country(tmp_path):
    import shapely

    feature = {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.box(0, 0, 10, 10)),
        "properties": {"name": "Testland", "iso_a2": "TL", "label": [5, 5]},
    }
    path = tmp_path / "basemap.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    layers = dd.basemap_layers(path)
    assert layers["labels"]["features"][0]["properties"] == {"name": "Testland", "iso_a2": "TL", "rank": 1}
    assert dd.country_names(layers["countries"]) == {"TL": "Testland"}


def test_snapshot_rows_follow_the_payload_order(store):
    data = dd.EventData(store)
    snap = data.snapshot()
    assert snap is data.snapshot(snap.generation)
    payload = pl.decode_binary(gzip.decompress(snap.payload_gz()))
    assert payload["generation"] == snap.generation and payload["n"] == snap.n
    names = payload["places"]["name"]
    assert snap.row(5)["place_name"] == names[payload["rows"]["p"][5]]
    with pytest.raises(IndexError):
        snap.row(snap.n)


def test_card_view_shows_the_picked_event(store):
    data = dd.EventData(store)
    snap = data.snapshot()
    selection = {"generation": snap.generation, "place": 0, "name": "X", "rows": [3, 4], "total": 7, "events": 6}
    view = dd.card_view(snap, selection, None, picked=False)
    assert view.value == 3 and [o["value"] for o in view.options] == [3, 4]
    assert view.hint == "6 events shown at X (the 2 most recent rows listed)."
    hidden = dd.card_view(snap, {**selection, "rows": [], "hidden": True}, None, picked=False)
    assert "hidden by the filters" in hidden.hint and hidden.value is None
    assert dd.card_view(snap, selection, 4, picked=True).value == 4
    stale = dd.card_view(snap, {**selection, "generation": "old"}, None, picked=False)
    assert "changed" in stale.hint and stale.options == []


def test_export_view_writes_only_the_shown_rows(store):
    data = dd.EventData(store)
    snap = data.snapshot()
    mask = np.zeros(snap.n, dtype=bool)
    mask[[1, 2, 5]] = True
    encoded = base64.b64encode(np.packbits(mask, bitorder="little").tobytes()).decode()
    download, status = dd.export_view(data, {"kind": "geojson", "mask": encoded, "generation": snap.generation})
    features = json.loads(base64.b64decode(download["content"]))["features"]
    assert len(features) == 3 and download["filename"].endswith(".geojson") and "3 events" in status
    download, _ = dd.export_view(data, {"kind": "csv", "mask": encoded, "generation": snap.generation})
    assert len(base64.b64decode(download["content"]).decode().strip().splitlines()) == 4
    assert dd.export_view(data, {"kind": "pdf"}) == (None, "")
    assert dd.export_view(data, {"kind": "csv", "mask": encoded, "generation": "stale"})[0] is None


def test_store_change_reports_a_new_generation_only(store, events):
    data = dd.EventData(store)
    source = dd.data_source(data.snapshot())
    assert dd.store_change(data, source=source) == (None, None)
    extra = events.head(2).copy()
    extra["doc_id"] = extra["event_id"] = ["new-1", "new-2"]
    store.add([{"doc_id": "new-1"}, {"doc_id": "new-2"}], extra)
    new_source, options = dd.store_change(data, source=source)
    assert new_source["generation"] != source["generation"] and options["subtypes"]


def test_data_source_points_at_the_generation():
    snap = dd.Snapshot("abc", pd.DataFrame())
    source = dd.data_source(snap, prefix="/app/", max_upload_bytes=10)
    assert source["url"] == "/app/eventmap-api/events.bin?g=abc" and source["defaults"]["roles"] == ["event", "focus"]
    assert source["defaults"]["statuses"] == ["reported", "planned"] and source["upload"]["max_bytes"] == 10


def test_a_place_correction_moves_the_event_and_later_ones_in_the_same_context(store, events):
    data = dd.EventData(store)
    snap = data.snapshot()
    i = next(k for k in range(snap.n) if dd.correction_options(snap.row(k)))
    row = snap.row(i)
    choice = dd.correction_options(row)[0]["value"]
    status = dd.correct_place(data, snap.generation, i, choice)
    assert status.startswith("Saved")
    after = data.snapshot()
    assert after.generation != snap.generation
    moved = after.frame[after.frame["event_id"] == row["event_id"]]
    assert (moved["place_id"] == choice).any()
    assert moved["place_reason"].str.startswith("Corrected by user").any()


def test_not_a_place_and_removing_an_article_hide_rows(store):
    data = dd.EventData(store)
    snap = data.snapshot()
    row = snap.row(0)
    dd.correct_place(data, snap.generation, 0, dd.NOT_A_PLACE)
    after = data.snapshot()
    assert row["event_id"] not in set(after.frame["event_id"])
    doc = after.frame["doc_id"].iloc[0]
    assert any(o["value"] == doc for o in dd.article_options(data))
    dd.remove_article(data, doc)
    final = data.snapshot()
    assert doc not in set(final.frame["doc_id"]) and not any(o["value"] == doc for o in dd.article_options(data))
