"""The embedded gazetteer: names, ranking, demonyms, shapes and point-in-area lookups."""

from __future__ import annotations

import math

import pytest
import shapely

from geodata.gazetteer import geo_precision, normalize_name


def _km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def test_normalize_name_folds_accents_case_and_abbreviations():
    assert normalize_name("Nariño") == normalize_name("NARINO") == "narino"
    assert normalize_name("the U.S.") == "u s"
    assert normalize_name("St. Louis") == normalize_name("Saint-Louis")
    assert normalize_name("Bosnia & Herzegovina") == normalize_name("Bosnia and Herzegovina")


# name, expected country, kind, (lat, lon) the answer must be within 100 km of
SEED = [
    ("Manta", "EC", "city", (-0.95, -80.73)),
    ("Galápagos", "EC", "admin1", (-0.7, -90.3)),
    ("Galapagos", "EC", "admin1", (-0.7, -90.3)),
    ("Nariño", "CO", "admin1", (1.5, -77.8)),
    ("Narino", "CO", "admin1", (1.5, -77.8)),
    ("Putumayo", "CO", "admin1", (0.5, -75.8)),
    ("Caracas", "VE", "city", (10.49, -66.88)),
    ("Quito", "EC", "city", (-0.23, -78.52)),
    ("Miami", "US", "city", (25.77, -80.19)),
    ("Eastern Pacific", None, "water", (5.0, -95.0)),
]

WORLD = [
    # Americas
    ("Bogotá", "CO", "city", (4.61, -74.08)),
    ("Lima", "PE", "city", (-12.05, -77.04)),
    ("Buenos Aires", "AR", "city", (-34.61, -58.38)),
    ("São Paulo", "BR", "city", (-23.55, -46.63)),
    ("Santiago", "CL", "city", (-33.45, -70.66)),
    ("Guayaquil", "EC", "city", (-2.19, -79.89)),
    ("Tumaco", "CO", "city", (1.8, -78.76)),
    ("Puerto Ayora", "EC", "city", (-0.74, -90.31)),
    ("La Guaira", "VE", "city", (10.6, -66.93)),
    ("Havana", "CU", "city", (23.13, -82.38)),
    ("Port-au-Prince", "HT", "city", (18.54, -72.34)),
    ("Toronto", "CA", "city", (43.7, -79.42)),
    ("Chicago", "US", "city", (41.85, -87.65)),
    ("Texas", "US", "admin1", (31.2, -99.3)),
    ("Mexico City", "MX", "city", (19.43, -99.13)),
    ("Panama Canal", "PA", "water", (9.1, -79.7)),
    ("Caribbean Sea", None, "water", (15.0, -75.0)),
    ("Latin America", None, "region", None),
    ("Gulf of Mexico", None, "water", (25.0, -90.0)),
    # Europe
    ("Kyiv", "UA", "city", (50.45, 30.52)),
    ("Kiev", "UA", "city", (50.45, 30.52)),
    ("Kharkiv", "UA", "city", (49.98, 36.25)),
    ("London", "GB", "city", (51.51, -0.13)),
    ("Berlin", "DE", "city", (52.52, 13.41)),
    ("Brussels", "BE", "city", (50.85, 4.35)),
    ("Crimea", "UA", "admin1", (45.3, 34.4)),
    ("Black Sea", None, "water", (43.3, 34.0)),
    ("Balkans", None, "region", None),
    ("Scotland", "GB", "admin1", (56.8, -4.2)),
    # Africa and the Middle East
    ("Lagos", "NG", "city", (6.45, 3.39)),
    ("Goma", "CD", "city", (-1.68, 29.22)),
    ("Khartoum", "SD", "city", (15.55, 32.53)),
    ("Tigray", "ET", "admin1", (14.0, 39.0)),
    ("Sahel", None, "region", (15.0, 10.0)),
    ("Tehran", "IR", "city", (35.69, 51.42)),
    ("Sanaa", "YE", "city", (15.35, 44.21)),
    ("Gaza", "PS", "city", (31.5, 34.47)),
    ("Strait of Hormuz", None, "water", (26.5, 56.4)),
    ("Persian Gulf", None, "water", (27.0, 51.5)),
    ("Red Sea", None, "water", (20.0, 38.0)),
    ("Middle East", None, "region", None),
    # Asia and Oceania
    ("Sri Lanka", "LK", "country", (7.6, 80.7)),
    ("Beijing", "CN", "city", (39.91, 116.4)),
    ("Taipei", "TW", "city", (25.05, 121.53)),
    ("Mumbai", "IN", "city", (19.07, 72.88)),
    ("Tbilisi", "GE", "city", (41.69, 44.83)),
    ("South China Sea", None, "water", (12.0, 114.0)),
    ("Sydney", "AU", "city", (-33.87, 151.21)),
    ("Tamil Nadu", "IN", "admin1", (11.0, 78.5)),
    # aliases
    ("UAE", "AE", "country", None),
    ("DRC", "CD", "country", None),
    ("U.K.", "GB", "country", None),
    ("U.S.", "US", "country", None),
]


@pytest.mark.parametrize(("name", "country", "kind", "near"), SEED + WORLD, ids=[r[0] for r in SEED + WORLD])
def test_lookup_ranks_the_expected_place_first(gazetteer, name, country, kind, near):
    best = gazetteer.lookup(name)[0].place
    assert best.kind == kind, best
    if country:
        assert best.country_code == country, best
    if near:
        assert _km(best.lat, best.lon, *near) < 160, best


# name, default (country, kind), with country bias: bias, (country, kind, admin1 or None)
AMBIGUOUS = [
    ("Vienna", ("AT", "city"), "US", ("US", "city", "Virginia")),
    ("Paris", ("FR", "city"), "US", ("US", "city", "Texas")),
    ("Córdoba", ("AR", "city"), "ES", ("ES", "city", "Andalusia")),
    ("San José", ("CR", "city"), "US", ("US", "city", "California")),
    ("Georgia", ("GE", "country"), "US", ("US", "admin1", None)),
    ("Santa Cruz", ("BO", "city"), "US", ("US", "city", "California")),
    ("Manta", ("EC", "city"), "IT", ("IT", "city", "Piedmont")),
    ("Alexandria", ("EG", "city"), "US", ("US", "city", "Virginia")),
    ("Birmingham", ("GB", "city"), "US", ("US", "city", "Alabama")),
    ("Athens", ("GR", "city"), "US", ("US", "city", "Georgia")),
]


@pytest.mark.parametrize(("name", "default", "bias", "biased"), AMBIGUOUS, ids=[r[0] for r in AMBIGUOUS])
def test_lookup_ambiguous_names_default_and_country_bias(gazetteer, name, default, bias, biased):
    best = gazetteer.lookup(name)[0].place
    assert (best.country_code, best.kind) == default, best
    under_bias = gazetteer.lookup(name, country_codes=(bias,))[0].place
    assert (under_bias.country_code, under_bias.kind) == biased[:2], under_bias
    if biased[2]:
        assert under_bias.admin1_name == biased[2], under_bias


def test_lookup_keeps_runner_up_candidates_with_scores(gazetteer):
    candidates = gazetteer.lookup("Manta")
    assert len(candidates) >= 3
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert {c.place.country_code for c in candidates[1:]} >= {"IT"}


def test_lookup_kinds_filter(gazetteer):
    assert {c.place.kind for c in gazetteer.lookup("Nariño", kinds=("city",))} == {"city"}


def test_demonym_points_to_country_not_a_place_name(gazetteer):
    assert [p.country_code for p in gazetteer.demonym("Ecuadorian")] == ["EC"]
    assert [p.country_code for p in gazetteer.demonym("Colombians")] == ["CO"]
    assert [p.name for p in gazetteer.demonym("Latin American")] == ["Latin America"]
    assert gazetteer.lookup("Ecuadorian") == []


def test_containing_point_gives_admin1_then_country(gazetteer):
    pasto = (1.21, -77.28)
    kinds = [(p.kind, p.name) for p in gazetteer.containing(*pasto)[:2]]
    assert kinds == [("admin1", "Nariño"), ("country", "Colombia")]


def test_water_shape_of_eastern_pacific_excludes_the_caribbean(gazetteer):
    shapely = pytest.importorskip("shapely")
    shape = gazetteer.shapes(["water:eastern-pacific"])["water:eastern-pacific"]
    assert shape.contains(shapely.Point(-95, 5))
    assert not shape.contains(shapely.Point(-75, 15))  # Caribbean Sea
    assert not shape.contains(shapely.Point(-78.5, -0.2))  # Quito, on land


def test_geo_precision_by_kind():
    assert [geo_precision(k) for k in ("city", "admin1", "country", "region", "water")] == [1, 2, 3, 4, 4]


def test_info_reports_counts_sources_and_attribution(gazetteer):
    info = gazetteer.info()
    assert info["counts"]["country"] >= 240
    assert info["counts"]["admin1"] >= 3900
    assert info["counts"]["city"] >= 200_000
    assert "GeoNames" in info["attribution"] and "Natural Earth" in info["attribution"]
    assert info["built_at"]


def test_admin1_current_names_are_kept(gazetteer):
    assert gazetteer.admin1("VE.26").name == "La Guaira"
    assert gazetteer.lookup("Vargas", country_codes=("VE",), kinds=("admin1",))[0].place.name == "La Guaira"


NEWS_PLACES = [
    ("Heathrow", "GB", "landmark"),
    ("Pearson International Airport", "CA", "landmark"),
    ("Schiphol", "NL", "landmark"),
    ("Fort Hood", "US", "landmark"),
    ("Ramstein Air Base", "DE", "landmark"),
    ("Port of Rotterdam", "NL", "landmark"),
    ("White House", "US", "landmark"),
    ("Sumatra", "ID", "island"),
    ("Rügen", "DE", "island"),
    ("NSW", "AU", "admin1"),
    ("South Ossetia", "GE", "region"),
]


@pytest.mark.parametrize(("name", "country", "kind"), NEWS_PLACES, ids=[r[0] for r in NEWS_PLACES])
def test_lookup_finds_airports_bases_landmarks_islands_and_abbreviations(gazetteer, name, country, kind):
    best = gazetteer.lookup(name)[0].place
    assert (best.country_code, best.kind) == (country, kind), best


def test_lookup_alternate_names_of_towns_yield_to_places_that_bear_the_name(gazetteer):
    assert gazetteer.lookup("Philadelphia")[0].place.country_code == "US"
    assert gazetteer.lookup("White House")[0].place.kind == "landmark"


def test_admin_units_are_drawn_at_their_areas_centroid(gazetteer):
    for code in ("CA.01", "US.HI", "AU.04", "CO.20"):
        unit = gazetteer.admin1(code)
        shape = gazetteer.shapes([unit.id])[unit.id]
        assert shape.buffer(0.5).contains(shapely.Point(unit.lon, unit.lat)), unit
        assert abs(shape.centroid.y - unit.lat) < 0.05 and abs(shape.centroid.x - unit.lon) < 0.05, unit


@pytest.mark.parametrize(
    ("query", "admin1"),
    [("Paris, Texas", "Texas"), ("Charleston, W.Va.", "West Virginia"), ("Springfield, Ill.", "Illinois")],
)
def test_lookup_qualified_city_state_queries(gazetteer, query, admin1):
    best = gazetteer.lookup_qualified(query)[0].place
    assert (best.kind, best.admin1_name) == ("city", admin1), best


def test_lookup_qualified_falls_back_to_the_whole_name(gazetteer):
    assert gazetteer.lookup_qualified("Washington, D.C.")[0].place.country_code == "US"
    assert gazetteer.lookup_qualified("Quito")[0].place.country_code == "EC"
