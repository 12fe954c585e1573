"""Geoparsing with the real spaCy model and the real gazetteer: recognition, gates, resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.nlp.geoparse import Geoparser, geoparse

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(scope="module")
def parser(gazetteer_path):
    from geodata.config import load_settings

    return Geoparser(load_settings(gazetteer_path=gazetteer_path))


def _places(parser, text):
    return {(r.mention.text, r.place.name, r.place.kind, r.place.country_code) for r in parser.parse(text).toponyms}


def _texts(parser, text):
    return {r.mention.text for r in parser.parse(text).toponyms}


def test_geoparse_splits_slash_lists_and_resolves_admin_units(parser):
    places = _places(parser, "Colombia will send 20,000 troops to Nariño/Putumayo next week.")
    assert ("Nariño", "Nariño", "admin1", "CO") in places
    assert ("Putumayo", "Putumayo", "admin1", "CO") in places


def test_geoparse_person_names_are_not_places(parser):
    text = "Lenin Moreno met Erik Prince in Quito. Later, Moreno flew home and Prince stayed."
    found = _texts(parser, text)
    assert "Quito" in found
    assert not found & {"Moreno", "Prince", "Lenin Moreno", "Erik Prince"}


def test_geoparse_treaties_programmes_and_gangs_are_not_places(parser):
    text = (
        "The raid breached the Vienna Convention, officials said. The Pentagon funded Plan Colombia. "
        "The army targeted Los Lobos and Los Choneros, two gangs based in Guayaquil."
    )
    found = _texts(parser, text)
    assert "Guayaquil" in found
    assert not found & {"Vienna", "Colombia", "Los Lobos", "Los Choneros"}


def test_geoparse_surname_after_a_full_name_is_a_person(parser):
    text = "President Gustavo Petro spoke in Bogotá. Petro said the talks would go on."
    assert _texts(parser, text) == {"Bogotá"}


def test_geoparse_demonyms_are_context_not_pins(parser):
    result = parser.parse("Ecuadorian soldiers patrolled the port of Manta.")
    assert [r.mention.text for r in result.toponyms] == ["Manta"]
    demonyms = [r for r in result.places if r.mention.kind == "demonym"]
    assert demonyms and demonyms[0].place.country_code == "EC"


def test_geoparse_country_context_picks_the_right_namesake(parser):
    result = parser.parse("Police in Manta, on Ecuador's coast, arrested four men.")
    manta = next(r for r in result.toponyms if r.mention.text == "Manta")
    assert manta.place.country_code == "EC"
    assert manta.alternatives and manta.alternatives[0][0].country_code != "EC"
    assert "EC" in manta.reason or "context" in manta.reason or manta.confidence > 0.5


def test_geoparse_city_state_pairs_resolve_inside_the_state(parser):
    result = parser.parse("The storm hit Charleston, W.Va., on Monday and Paris, Texas, on Tuesday.")
    by_text = {r.mention.text: r.place for r in result.toponyms}
    assert by_text["Charleston"].admin1_name == "West Virginia"
    assert by_text["Paris"].country_code == "US" and by_text["Paris"].admin1_name == "Texas"


def test_geoparse_water_bodies_and_regions(parser):
    places = _places(
        parser,
        "Strikes on boats across the Eastern Pacific and the Caribbean continued, and tankers avoided the Strait of Hormuz.",
    )
    kinds = {text: kind for text, _, kind, _ in places}
    assert kinds["Eastern Pacific"] == "water"
    assert kinds["Strait of Hormuz"] == "water"
    assert kinds["Caribbean"] in ("region", "water")


def test_geoparse_common_words_and_months_are_not_places(parser):
    found = _texts(parser, "In March, Park officials said the Reading Room would Split its budget. May was quiet.")
    assert not found


def test_geoparse_dataframe_has_points_in_epsg4326(gazetteer_path):
    from geodata.config import load_settings

    frame = geoparse("Troops were sent to Tumaco, in Nariño.", settings=load_settings(gazetteer_path=gazetteer_path))
    assert frame.crs.to_epsg() == 4326
    assert list(frame["text"]) == ["Tumaco", "Nariño"]
    assert frame.geometry.iloc[0].x == pytest.approx(-78.76, abs=0.1)


def test_geoparser_component_works_in_a_users_spacy_pipeline(gazetteer_path):
    import spacy

    import geodata.nlp

    nlp = spacy.load(geodata.nlp.model_name())
    nlp.add_pipe("geoparser", config={"gazetteer_path": str(gazetteer_path)})
    doc = nlp("Troops reached Putumayo.")
    assert [(r.mention.text, r.place.kind) for r in doc._.places] == [("Putumayo", "admin1")]


SAMPLE = SAMPLES / "000_c197d60fc4287f83.txt"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples is not beside the repo")
def test_geoparse_sample_article_places_and_non_places(parser):
    result = parser.parse(SAMPLE.read_text(encoding="utf-8"))
    resolved = {r.mention.text: r.place for r in result.toponyms}
    expected = {
        "Manta": ("city", "EC"),
        "Galápagos": ("admin1", "EC"),
        "Nariño": ("admin1", "CO"),
        "Putumayo": ("admin1", "CO"),
        "Caracas": ("city", "VE"),
        "Quito": ("city", "EC"),
        "Sri Lanka": ("country", "LK"),
        "Eastern Pacific": ("water", ""),
        "Miami": ("city", "US"),
    }
    for name, (kind, country) in expected.items():
        assert name in resolved, name
        assert resolved[name].kind == kind, (name, resolved[name])
        assert resolved[name].country_code == country, (name, resolved[name])
    assert resolved["Caribbean"].kind in ("region", "water")
    forbidden = {
        "Lenin Moreno",
        "Moreno",
        "Erik Prince",
        "Prince",
        "Vienna",
        "Vienna Convention",
        "Los Lobos",
        "Los Choneros",
        "Noboa",
        "Correa",
        "Petro",
        "Milei",
        "Lenin",
    }
    assert not forbidden & set(resolved), forbidden & set(resolved)
    assert all(p.country_code != "AT" for p in resolved.values())


def _mentions(parser, text):
    return {r.mention.text: r for r in parser.parse(text).places if r.place is not None}


def test_geoparse_places_inside_newspapers_clubs_airlines_and_diseases_are_embedded(parser):
    found = _mentions(
        parser,
        "The Washington Post said Real Madrid fans flew Air Canada to the final. "
        "West Nile virus was found in mosquitoes near the lake.",
    )
    for name in ("Washington", "Madrid", "Canada"):
        assert found[name].mention.kind == "embedded", found[name]
        assert found[name].mention.inside is not None
    nile = [r for text, r in found.items() if "Nile" in text]
    assert all(r.mention.kind == "embedded" for r in nile), nile


def test_geoparse_span_edges_keep_whole_names_and_drop_trailing_periods(parser):
    found = _mentions(
        parser,
        "Floods hit West Virginia and the Democratic Republic of the Congo. France played at the Stade de France. "
        "The plane landed in Winnipeg.",
    )
    assert found["West Virginia"].place.kind == "admin1"
    assert found["Democratic Republic of the Congo"].place.country_code == "CD"
    assert "Virginia" not in found and "Congo" not in found
    assert found["Stade de France"].place.kind == "landmark"
    assert "Winnipeg" in found and "Winnipeg." not in found


def test_geoparse_capital_datelines_abbreviations_and_country_codes(parser):
    found = _mentions(
        parser,
        "BANTAM — A Danbury mason was arraigned on Monday. Smoke from fires in northeastern B.C. drifted south. "
        "He said the US government would act.",
    )
    assert found["BANTAM"].place.admin1_name == "Connecticut"
    assert found["B.C."].place.name == "British Columbia"
    assert found["US"].place.kind == "country"


def test_geoparse_office_titles_and_city_state_pairs_pick_the_state(parser):
    found = _mentions(
        parser,
        "Former New York Gov. Mario Cuomo spoke on Tuesday. Quebec Health Minister Gaetan Barrette said more "
        "beds were coming. She lives in Buffalo, New York.",
    )
    assert found["New York"].place.kind == "admin1"
    assert found["Quebec"].place.kind == "admin1"
    assert found["Buffalo"].place.admin1_name == "New York"


def test_geoparse_towns_named_before_local_bodies_and_residents(parser):
    found = _mentions(parser, "Roselle police ticketed hundreds of drivers. A Woodbridge man was charged in Manassas.")
    assert found["Roselle"].place.country_code == "US"
    assert found["Roselle"].mention.kind == "embedded"
    assert found["Woodbridge"].mention.kind == "toponym"


def test_geoparse_airports_bases_and_islands_from_the_gazetteer(parser):
    found = _mentions(
        parser,
        "Flights from Heathrow Airport were cancelled. Soldiers at Fort Hood were deployed to Sumatra.",
    )
    assert found["Heathrow Airport"].place.country_code == "GB"
    assert found["Fort Hood"].place.admin1_name == "Texas"
    assert found["Sumatra"].place.kind == "island"
