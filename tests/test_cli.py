"""The eventmap command line, driven through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from geodata.cli import main

DONE_WHEN = [
    "Manta",
    "Galápagos",
    "Galapagos",
    "Nariño",
    "Narino",
    "Putumayo",
    "Caracas",
    "Quito",
    "Miami",
    "Eastern Pacific",
]


def test_geocode_geojson_puts_the_seed_names_in_the_right_places(gazetteer_path):
    result = CliRunner().invoke(
        main, ["geocode", *DONE_WHEN, "--format", "geojson"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    )
    assert result.exit_code == 0, result.output
    features = json.loads(result.output)["features"]
    assert [f["properties"]["query"] for f in features] == DONE_WHEN
    props = {f["properties"]["query"]: f["properties"] for f in features}
    assert props["Manta"]["country_code"] == "EC"
    assert props["Nariño"]["kind"] == "admin1" and props["Nariño"]["country_code"] == "CO"
    assert props["Narino"]["place_id"] == props["Nariño"]["place_id"]
    assert props["Eastern Pacific"]["kind"] == "water"
    assert props["Miami"]["country_code"] == "US"
    lon, lat = features[0]["geometry"]["coordinates"]
    assert abs(lat + 0.95) < 0.1 and abs(lon + 80.73) < 0.1


def test_geocode_country_bias_and_csv(gazetteer_path):
    result = CliRunner().invoke(
        main,
        ["geocode", "Georgia", "--country", "US", "--format", "csv"],
        env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
    )
    assert result.exit_code == 0, result.output
    header, row = result.output.strip().splitlines()
    assert header.startswith("query,name,kind,country_code")
    assert ",admin1,US," in row


def test_geocode_table_shows_the_reason_for_unresolved_names(gazetteer_path):
    result = CliRunner().invoke(
        main, ["geocode", "Quito", "Atlantis Prime"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    )
    assert result.exit_code == 0, result.output
    assert "geonames:3652462" in result.output
    assert "no place called 'Atlantis Prime'" in result.output


def test_geocode_unknown_country_exits_with_one_clear_line(gazetteer_path):
    result = CliRunner().invoke(
        main, ["geocode", "Paris", "--country", "XX"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "eventmap: error: unknown country code 'XX'; use ISO 3166-1 alpha-2 codes such as 'EC' or 'US'"
    ]


def test_gazetteer_info_prints_counts_sources_and_build_date(gazetteer_path):
    result = CliRunner().invoke(main, ["gazetteer", "info"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)})
    assert result.exit_code == 0, result.output
    assert "built" in result.output and "GeoNames" in result.output and "city" in result.output
    as_json = CliRunner().invoke(
        main, ["gazetteer", "info", "--json"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    )
    assert json.loads(as_json.output)["counts"]["country"] > 200


def test_gazetteer_info_builds_a_missing_artefact_or_says_why_it_cannot(tmp_path):
    # Like every command, `info` builds a missing gazetteer first (the package test sees it build);
    # where it cannot be written, one line names the place and the setting, with no traceback.
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = CliRunner().invoke(
        main, ["gazetteer", "info"], env={"EVENTMAP_GAZETTEER_PATH": str(blocked / "gazetteer.sqlite")}
    )
    assert result.exit_code == 1
    assert f"cannot build the gazetteer at {blocked / 'gazetteer.sqlite'}" in result.output
    assert "EVENTMAP_GAZETTEER_PATH" in result.output and "Traceback" not in result.output


def test_geocode_accepts_city_state_queries(gazetteer_path):
    result = CliRunner().invoke(
        main,
        ["geocode", "Paris, Texas", "Charleston, W.Va.", "--format", "csv"],
        env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
    )
    assert result.exit_code == 0, result.output
    rows = result.output.strip().splitlines()[1:]
    assert ",Texas," in rows[0] and ",West Virginia," in rows[1], rows


def test_geocode_table_names_the_runner_ups_of_ambiguous_names(gazetteer_path):
    result = CliRunner().invoke(
        main, ["geocode", "Punjab", "Congo", "Quito"], env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)}
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "ambiguous" in line]
    assert any(line.startswith("Punjab: ambiguous") and "India" in line for line in notes), result.output
    assert any(line.startswith("Congo: ambiguous") and "Congo" in line for line in notes), result.output
    assert not any(line.startswith("Quito") for line in notes)
