"""The static HTML export: the data that reaches the HTML, the assets it references, the command."""

from __future__ import annotations

import json
import re

import pytest
import shapely
from click.testing import CliRunner
from export_helpers import EXTERNAL_ASSET, hostile_row

from dashboard import export
from dashboard.card import event_card_html
from dashboard.export import export_html, export_payload, read_export_data, render_export
from geodata.errors import ConfigurationError
from geodata.synthetic import synthetic_events


@pytest.fixture(scope="module")
def events(gazetteer):
    return synthetic_events(300, seed=11, gazetteer=gazetteer)


@pytest.fixture(scope="module")
def payload(events, gazetteer):
    return export_payload(events, gazetteer=gazetteer)


def cards_of(data: dict) -> list[str]:
    """The cards the page builds: fragments joined in slot order (what export.js does)."""
    columns = [data["cards"][f"s{k}"] for k in range(len(data["slots"]))]
    return ["".join(data["frag"][column[i]] for column in columns) for i in range(data["n"])]


def test_payload_is_the_dashboards_payload_with_cards(events, payload):
    from dashboard.payload import compact_payload

    shared = compact_payload(events)
    assert payload["n"] == len(events)
    for name, column in shared["rows"].items():
        assert payload["rows"][name].tolist() == column.tolist(), name
    assert payload["halo_radius_m"] == shared["halo_radius_m"]
    assert [c["key"] for c in payload["styles"]] == ["military", "political", "economic"]
    expected = events.groupby("category")["event_id"].nunique().to_dict()
    assert {c["key"]: c["count"] for c in payload["styles"]} == expected
    assert payload["n_events"] == events["event_id"].nunique()


def test_payload_cards_are_exactly_the_dashboard_cards(events, payload):
    rows = events.drop(columns="geometry").to_dict("records")
    assert cards_of(payload) == [event_card_html(r) for r in rows]
    # De-duplicated: shared parts (category heads, dates, sources, "why here?") are stored once.
    used = sum(1 for column in payload["cards"].values() for i in column if i)
    assert len(payload["frag"]) < 0.7 * used


def test_area_events_are_areas_and_town_events_are_points(events, payload):
    places = payload["places"]
    for kind, precision, p in zip(events["place_kind"], events["geo_precision"], payload["rows"]["p"], strict=True):
        if kind == "city":
            assert places["prec"][p] == 1 and places["shape"][p] == -1
        else:
            assert places["prec"][p] == precision >= 2
    with_shape = [p for p in range(len(places["name"])) if places["shape"][p] >= 0]
    assert with_shape, "countries and provinces come with their shape"
    assert all(places["prec"][p] >= 2 for p in with_shape)


def test_shapes_decode_to_the_place_they_encode():
    square = shapely.Polygon([(-80, -2), (-78, -2), (-78, 0), (-80, 0)])
    (polygon,) = export._encode_geometry(square, tolerance=0)
    x = y = 0
    points = []
    for k in range(0, len(polygon[0]), 2):
        x, y = x + polygon[0][k], y + polygon[0][k + 1]
        points.append((x / export._SHAPE_SCALE, y / export._SHAPE_SCALE))
    assert shapely.Polygon(points).equals(square)


@pytest.mark.parametrize(
    ("date", "date_end", "published", "first", "last"),
    [
        ("2025-03-04", None, "2025-03-05", "2025-03-04", "2025-03-04"),
        ("2025-02", None, None, "2025-02-01", "2025-02-28"),
        ("2025-03-15", "2025-03-30", None, "2025-03-15", "2025-03-30"),
        (None, None, "2024-12-31", "2024-12-31", "2024-12-31"),
        (None, None, None, None, None),
    ],
)
def test_dates_become_day_ranges(events, date, date_end, published, first, last):
    from dashboard.payload import NO_DAY, day_span

    row = events.iloc[[0]].copy()
    row["date"], row["date_end"], row["published"] = date, date_end, published
    data = export_payload(row)
    d0, dd = int(data["rows"]["d0"][0]), int(data["rows"]["dd"][0])
    if first is None:
        assert d0 == NO_DAY
    else:
        assert (d0, d0 + dd) == (day_span(first)[0], day_span(last)[1])


def test_offline_html_inlines_every_asset_and_embeds_the_basemap(events, gazetteer, output_dir):
    page = render_export(events, offline=True, title="Offline test", gazetteer=gazetteer)
    (output_dir / "export-offline-unit.html").write_text(page, encoding="utf-8")
    assert not EXTERNAL_ASSET.search(page)
    for asset in export._assets():
        if asset.kind == "js":  # Leaflet and the cluster plugin, inlined verbatim
            assert asset.path.read_text(encoding="utf-8") in page
    assert 'id="eventmap-basemap"' in page
    assert "url(images/" not in page  # stylesheet images became data: URIs
    assert "tile.openstreetmap.org" not in page
    assert "GeoNames" in page and "Natural Earth" in page
    assert read_export_data(page)["n"] == len(events)


def test_online_html_uses_the_pinned_cdn_assets_and_tiles(events, gazetteer):
    page = render_export(events, offline=False, gazetteer=gazetteer)
    lock = {p["name"]: p["version"] for p in json.loads(export._LOCK.read_text())["packages"]}
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert f"https://cdn.jsdelivr.net/npm/leaflet@{lock['leaflet']}/dist/leaflet.js" in scripts
    assert (
        f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{lock['leaflet.markercluster']}/dist/leaflet.markercluster.js"
        in scripts
    )
    assert not any("jquery" in s or "bootstrap" in s for s in scripts)  # folium's extras are not needed
    assert "tile.openstreetmap.org" in page
    assert 'id="eventmap-basemap"' not in page


def test_article_payloads_are_escaped_in_the_cards(events, gazetteer):
    data = export_payload(hostile_row(events), gazetteer=gazetteer)
    (card,) = cards_of(data)
    assert "<script" not in card and "<img" not in card and "<b " not in card
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in card
    assert 'href="javascript' not in card


def test_title_is_escaped(events, gazetteer):
    page = render_export(events.iloc[:5], title="</title><script>window.__pwned=7</script>", gazetteer=gazetteer)
    assert "<script>window.__pwned=7" not in page
    assert "&lt;/title&gt;&lt;script&gt;" in page


def test_empty_export_still_renders_a_map(events, gazetteer, tmp_path):
    path = export_html(events.iloc[:0], tmp_path / "empty.html", gazetteer=gazetteer)
    data = read_export_data(path)
    assert data["n"] == 0 and data["span"] == {"first": None, "last": None}


def test_offline_export_without_vendored_assets_says_make_vendor(events, monkeypatch, tmp_path):
    missing = tuple(export._Asset(a.url, tmp_path / "nope" / a.path.name, a.kind) for a in export._assets())
    monkeypatch.setattr(export, "_assets", lambda: missing)
    with pytest.raises(ConfigurationError, match="make vendor"):
        render_export(events.iloc[:3], offline=True)


# ---------------------------------------------------------------------------- command
@pytest.fixture(scope="module")
def store_dir(events, tmp_path_factory):
    from geodata.store import EventStore

    path = tmp_path_factory.mktemp("store")
    EventStore(path).add([{"doc_id": d, "title": "t"} for d in events["doc_id"].unique()], events)
    return path


def test_export_html_command_writes_a_filtered_offline_map(store_dir, gazetteer_path, tmp_path):
    from geodata.cli import main

    out = tmp_path / "military.html"
    result = CliRunner().invoke(
        main,
        [
            "export-html",
            "--store",
            str(store_dir),
            "-o",
            str(out),
            "--offline",
            "--category",
            "military",
            "--title",
            "Mil",
        ],
        env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    data = read_export_data(out)
    assert [c["key"] for c in data["styles"] if c["count"]] == ["military"] and data["n"]
    assert not EXTERNAL_ASSET.search(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "is not a date"),
        (["--country", "Ecuador"], "two-letter"),
        (["--store", "/nonexistent/store"], "no event store"),
    ],
)
def test_export_html_command_reports_bad_input_in_one_line(store_dir, gazetteer_path, tmp_path, args, message):
    from geodata.cli import main

    argv = ["export-html", "--store", str(store_dir), "-o", str(tmp_path / "m.html"), *args]
    result = CliRunner().invoke(main, argv, env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)})
    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("eventmap: error")]
    assert len(errors) == 1 and message in errors[0], result.output
