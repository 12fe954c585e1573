"""Place names → GeoDataFrames (EPSG:4326), and place areas."""

from __future__ import annotations

import pytest

from geodata.errors import InvalidQueryError
from geodata.geocoding.frames import GEOCODE_COLUMNS, geocode_places, place_shapes, points_from_latlon


def test_points_from_latlon_swaps_axes_once():
    point, empty = points_from_latlon([-0.95, None], [-80.73, None])
    assert (point.x, point.y) == (-80.73, -0.95)
    assert empty.is_empty


def test_geocode_places_one_row_per_query_in_order(geocoder):
    frame = geocode_places(["Manta", "Nariño", "Eastern Pacific", "Manta"], geocoder=geocoder)
    assert list(frame.columns) == GEOCODE_COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert list(frame["query"]) == ["Manta", "Nariño", "Eastern Pacific", "Manta"]
    assert list(frame["kind"]) == ["city", "admin1", "water", "city"]
    assert frame.geometry.iloc[0].y == pytest.approx(-0.95, abs=0.01)


def test_geocode_places_keeps_unresolved_names_with_a_reason(geocoder):
    frame = geocode_places(["Atlantis Prime", "", 12, "Quito"], geocoder=geocoder)
    assert list(frame.geometry.is_empty) == [True, True, True, False]
    assert "no place called" in frame.loc[0, "reason"]
    assert "empty query" in frame.loc[1, "reason"]
    assert "must be a string" in frame.loc[2, "reason"]
    assert frame["reason"].isna().tolist() == [False, False, False, True]


def test_geocode_places_country_bias(geocoder):
    frame = geocode_places(["Paris", "Vienna"], geocoder=geocoder, country_codes=["US"])
    assert list(frame["country_code"]) == ["US", "US"]


def test_geocode_places_unknown_country_code_raises_once(geocoder):
    with pytest.raises(InvalidQueryError, match="ZZ"):
        geocode_places(["Paris"], geocoder=geocoder, country_codes="ZZ")


def test_place_shapes_gives_areas_for_admin_units_and_points_for_cities(gazetteer):
    frame = place_shapes(
        ["geonames:3674021", "geonames:3654410", "water:eastern-pacific", "nope:1"], gazetteer=gazetteer
    )
    by_id = frame.set_index("place_id")
    assert by_id.loc["geonames:3674021", "area"]
    assert by_id.loc["geonames:3674021"].geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert not by_id.loc["geonames:3654410", "area"]
    assert by_id.loc["geonames:3654410"].geometry.geom_type == "Point"
    assert "nope:1" not in by_id.index
    assert frame.crs.to_epsg() == 4326
