"""geodata.corrections: users' corrections are stored with the store, applied on read and at ingest."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.corrections import (
    CORRECTIONS_FILE,
    apply_corrections,
    article_removal,
    document_contexts,
    load_corrections,
    not_a_place_correction,
    place_correction,
    record_correction,
)
from geodata.counts import count_events
from geodata.store import EventStore

BOLIVIA = {"place_id": "geonames:3904906", "place_name": "Santa Cruz", "country_code": "BO", "kind": "city"}
GALAPAGOS = {
    "place_id": "test:santa-cruz-galapagos",
    "name": "Santa Cruz",
    "kind": "island",
    "lat": -0.62,
    "lon": -90.36,
}


def rows(doc_id: str, event_id: str, context: str) -> gpd.GeoDataFrame:
    """An article about ``context`` naming Santa Cruz, which the gazetteer put in Bolivia."""
    data = [
        {"event_id": event_id, "doc_id": doc_id, "place_text": "Santa Cruz", "place_role": "event", **BOLIVIA},
        {
            "event_id": f"{event_id}-b",
            "doc_id": doc_id,
            "place_text": "X",
            "place_id": "p",
            "place_name": "X",
            "country_code": context,
            "place_role": "event",
        },
        {
            "event_id": f"{event_id}-c",
            "doc_id": doc_id,
            "place_text": "Y",
            "place_id": "q",
            "place_name": "Y",
            "country_code": context,
            "place_role": "event",
        },
    ]
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(-63.18, -17.79)] * 3, crs="EPSG:4326")


def test_document_context_is_the_country_most_places_are_in():
    assert document_contexts(rows("d1", "e1", "EC")) == {"d1": "EC"}


def test_a_place_correction_moves_the_event_and_the_same_name_in_the_same_context_only():
    first = rows("d1", "e1", "EC")
    fix = place_correction(first.iloc[0].to_dict(), GALAPAGOS, context="EC")
    fixed = apply_corrections(first, [fix])
    assert fixed.loc[0, "place_id"] == GALAPAGOS["place_id"] and fixed.geometry.iloc[0].x == pytest.approx(-90.36)
    assert fixed.loc[0, "place_reason"].startswith("Corrected by user: Santa Cruz instead of Santa Cruz, BO")
    assert first.loc[0, "place_id"] == BOLIVIA["place_id"]  # pure: the input is unchanged
    later = apply_corrections(rows("d2", "e2", "EC"), [fix])
    assert later.loc[0, "place_id"] == GALAPAGOS["place_id"]
    elsewhere = apply_corrections(rows("d3", "e3", "BO"), [fix])
    assert elsewhere.loc[0, "place_id"] == BOLIVIA["place_id"]


def test_not_a_place_drops_the_mention_and_the_latest_correction_wins():
    frame = rows("d1", "e1", "EC")
    row = frame.iloc[0].to_dict()
    dropped = apply_corrections(
        frame, [place_correction(row, GALAPAGOS, context="EC"), not_a_place_correction(row, context="EC")]
    )
    assert "Santa Cruz" not in set(dropped["place_text"]) and len(dropped) == 2


def test_removing_and_restoring_an_article():
    frame = pd.concat([rows("d1", "e1", "EC"), rows("d2", "e2", "EC")], ignore_index=True)
    assert set(apply_corrections(frame, [article_removal("d1")])["doc_id"]) == {"d2"}
    assert len(apply_corrections(frame, [article_removal("d1"), article_removal("d1", restore=True)])) == 6


def test_corrections_are_stored_with_the_store_and_applied_on_read(tmp_path):
    store = EventStore(tmp_path / "store")
    frame = rows("d1", "e1", "EC")
    frame["published"], frame["date"], frame["category"], frame["subtype"] = "2026-01-01", None, "military", "raid"
    frame["sentence"], frame["sentence_start"] = "Raid in Santa Cruz.", 0
    store.add([{"doc_id": "d1"}], frame)
    before = store.events()
    record_correction(store.path, place_correction(frame.iloc[0].to_dict(), GALAPAGOS, context="EC"))
    (store.path / CORRECTIONS_FILE).open("a").write("not json\n")
    assert len(load_corrections(store.path)) == 1
    after = store.events()
    assert set(after["place_id"]) - set(before["place_id"]) == {GALAPAGOS["place_id"]}
    assert store.reports()["place_id"].iloc[0] == BOLIVIA["place_id"]  # stored rows are untouched
    with pytest.raises(ValueError, match="unknown correction kind"):
        record_correction(store.path, {"kind": "delete everything"})


def test_ingest_applies_earlier_corrections_to_new_articles(tmp_path, settings):
    from geodata.articles import article_from_text
    from geodata.ingest import ingest_articles

    store = EventStore(settings.store_dir)
    text = "Protest in {town}\nPublished: 2026-02-{day}\n\nThousands protested in Esmeraldas and Portoviejo, Ecuador on Monday against fuel prices.\n"
    first = article_from_text(text.format(town="Esmeraldas", day="10"), path="a.txt")
    report = ingest_articles([first], store, settings=settings)
    assert report.added_events == count_events(store.events()).events > 0
    stored = store.events()
    row = stored[stored["place_text"] == "Portoviejo"].iloc[0].to_dict()
    context = document_contexts(stored[stored["doc_id"] == row["doc_id"]])[row["doc_id"]]
    record_correction(store.path, place_correction(row, GALAPAGOS, context=context))
    second = article_from_text(text.format(town="Ecuador", day="12") + "Officials met again.\n", path="b.txt")
    ingest_articles([second], store, settings=settings)
    raw = store.reports()
    new = raw[(raw["doc_id"] == second.doc_id) & (raw["place_text"] == "Portoviejo")]
    assert len(new) and (new["place_id"] == GALAPAGOS["place_id"]).all()  # corrected before it was stored
    assert new["place_reason"].str.startswith("Corrected by user").all()
