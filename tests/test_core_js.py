"""dashboard/assets/core.js — the JS core shared by the dashboard and the static export — run with node.

No browser: node loads the file as a CommonJS module. The payloads are the real ones of
dashboard/payload.py (the binary one is decoded by core.js itself).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from dashboard.data import decode_mask
from dashboard.payload import compact_payload, encode_binary

JS = Path(__file__).resolve().parents[1] / "dashboard" / "assets" / "core.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def plain(value):
    """A payload with its numpy arrays as lists (JSON)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def run_js(body: str, **values) -> object:
    """Run ``body`` (which must ``return`` a JSON-able value) with ``EM`` = the module and ``values`` bound."""
    bindings = "".join(f"const {k} = {json.dumps(plain(v))};\n" for k, v in values.items())
    script = f"const EM = require({json.dumps(str(JS))});\n{bindings}const out = (() => {{ {body} }})();\nprocess.stdout.write(JSON.stringify(out));"
    result = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def payload(gazetteer):
    from geodata.synthetic import synthetic_events

    frame = synthetic_events(300, seed=5, gazetteer=gazetteer, start="2025-01-01", end="2025-06-30")
    return frame, compact_payload(frame, generation="g1")


def test_filter_rows_matches_pandas(payload):
    frame, data = payload
    spec = {"categories": ["military", "economic"], "countries": ["US", "CN"], "window": None, "query": ""}
    out = run_js(
        "const r = EM.filterRows(EM.decode(data), spec, null); return [Array.from(r.mask), r.shown, r.events];",
        data=data,
        spec=spec,
    )
    expected = (
        frame["category"].isin(spec["categories"])
        & frame["country_code"].isin(spec["countries"])
        & frame["status"].isin(["reported", "planned"])
    )
    assert out[0] == expected.astype(int).tolist()
    assert out[1] == out[2] == int(expected.sum())


def test_filter_rows_date_window_keeps_overlapping_spans(payload):
    _, data = payload
    window = [data["extent"][0] + 30, data["extent"][0] + 60]
    spec = {"categories": ["military", "political", "economic"], "window": window, "statuses": data["statuses"]}
    mask = run_js("return Array.from(EM.filterRows(EM.decode(data), spec, null).mask);", data=data, spec=spec)
    rows = data["rows"]
    expected = [int(d0 <= window[1] and d0 + dd >= window[0]) for d0, dd in zip(rows["d0"], rows["dd"], strict=True)]
    assert mask == expected and 0 < sum(mask) < len(mask)


def test_filter_rows_text_search_folds_accents_and_waits_for_the_text(payload):
    _, data = payload
    text = {
        "docs": ["Brief"],
        "sentences": ["raid in narino", "nothing"],
        "rows": {"t": [0] + [1] * 299, "doc": [0] * 300},
    }
    spec = {"categories": ["military", "political", "economic"], "query": "NARIÑO", "statuses": data["statuses"]}
    out = run_js(
        "const d = EM.decode(data); const r = EM.filterRows(d, spec, EM.decodeText(text));"
        "const w = EM.filterRows(d, spec, null); return [r.shown, r.mask[0], w.shown, w.textPending];",
        data=data,
        spec=spec,
        text=text,
    )
    assert out == [1, 1, 300, True]


def test_filter_rows_no_category_shows_nothing(payload):
    _, data = payload
    out = run_js("return EM.filterRows(EM.decode(data), {categories: []}, null).shown;", data=data)
    assert out == 0
    out = run_js(
        "return EM.filterRows(EM.decode(data), {categories: data.categories, statuses: []}, null).shown;", data=data
    )
    assert out == 0


def test_aggregate_counts_places_per_category(payload):
    frame, data = payload
    out = run_js(
        "const d = EM.decode(data); const m = new Uint8Array(d.n).fill(1); const a = EM.aggregate(d, m);"
        "return [Array.from(a.totals), a.places, EM.pointFeatures(d, a).features.length];",
        data=data,
    )
    totals, places, localities = out
    assert sum(totals) == len(frame) and places == len(data["places"]["name"])
    assert localities == sum(1 for p in data["places"]["prec"] if p == 1)


def test_encode_mask_roundtrips_through_decode_mask():
    mask = [1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0]
    encoded = run_js("return EM.encodeMask(Uint8Array.from(mask));", mask=mask)
    assert decode_mask(encoded, len(mask)).astype(int).tolist() == mask


def test_query_roundtrip_keeps_the_view():
    view = {
        "categories": ["military"],
        "countries": ["EC", "CO"],
        "query": "Nariño",
        "window": [20089, 20119],
        "center": [1.2345, -77.5],
        "zoom": 6,
        "roles": ["event", "focus"],
    }
    defaults = {"categories": ["military", "political", "economic"], "roles": ["event", "focus"]}
    out = run_js("const q = EM.buildQuery(view, defaults); return [q, EM.parseQuery(q)];", view=view, defaults=defaults)
    query, parsed = out
    assert "role=" not in query and "cat=military" in query
    assert parsed["categories"] == ["military"] and parsed["countries"] == ["EC", "CO"]
    assert parsed["query"] == "Nariño" and parsed["window"] == view["window"]
    assert parsed["center"] == [1.2345, -77.5] and parsed["zoom"] == 6


def test_parse_query_ignores_garbage():
    assert run_js("return EM.parseQuery('?from=yesterday&z=abc&c=1');") == {}


def test_bins_pick_a_unit_for_the_span():
    out = run_js(
        "return [EM.bins([0, 30]).unit, EM.bins([0, 400]).unit, EM.bins([0, 2000]).unit,"
        "EM.binIndex(EM.bins([0, 400]).starts, 10)];"
    )
    assert out[:3] == ["day", "week", "month"] and out[3] >= 0


def test_esc_escapes_markup():
    assert run_js("return EM.esc('<img src=x onerror=\"a\">&');") == "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;"


def test_binary_payload_decodes_in_core_js(payload, tmp_path):
    frame, data = payload
    blob = tmp_path / "events.bin"
    blob.write_bytes(encode_binary(data))
    out = run_js(
        f"const raw = require('fs').readFileSync({json.dumps(str(blob))});"
        "const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);"
        "const d = EM.decode(EM.decodeBinary(buf)); return [d.n, Array.from(d.p.slice(0, 5)), d.p.constructor.name];"
    )
    assert out == [len(frame), data["rows"]["p"][:5].tolist(), "Int32Array"]


def test_statuses_default_to_the_mapped_ones_and_fatalities_count_once_per_event(payload):
    frame, data = payload
    out = run_js(
        "const d = EM.decode(data); const r = EM.filterRows(d, {categories: d.categories}, null);"
        "const all = EM.filterRows(d, {categories: d.categories, statuses: d.statuses}, null);"
        "return [r.events, r.fatalities, all.events];",
        data=data,
    )
    mapped = frame[frame["status"].isin(["reported", "planned"])]
    assert out == [mapped["event_id"].nunique(), int(mapped["fatalities"].fillna(0).sum()), frame["event_id"].nunique()]


def test_actor_filter_matches_actors_agents_and_targets(payload):
    frame, data = payload
    out = run_js(
        "const d = EM.decode(data); return Array.from(EM.filterRows(d, {categories: d.categories, statuses: d.statuses,"
        " actors: ['police']}, null).mask);",
        data=data,
    )
    expected = [
        int("police" in list(a) or g == "police" or t == "police")
        for a, g, t in zip(frame["actors"], frame["agent"], frame["target"], strict=True)
    ]
    assert out == expected and 0 < sum(out) < len(out)


def test_areas_at_a_point_list_the_most_precise_first():
    data = {
        "generation": "g",
        "n": 0,
        "n_events": 0,
        "extent": None,
        "categories": ["military"],
        "subtypes": [],
        "countries": [""],
        "outlets": [],
        "roles": [],
        "date_precisions": ["day"],
        "halo_radius_m": {"2": 60000, "3": 250000, "4": 700000},
        "places": {
            "name": ["South America", "Ecuador", "Manabí"],
            "kind": ["region", "country", "admin1"],
            "prec": [4, 3, 2],
            "lon": [-60, -78, -80],
            "lat": [-15, -1.5, -1],
            "k": [0, 0, 0],
        },
        "rows": {k: [] for k in ("p", "c", "s", "d0", "dd", "dp", "k", "o", "r", "ev")},
    }

    def square(x0, y0, x1, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    shapes = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": square(-82, -56, -34, 13), "properties": {"p": 0}},
            {"type": "Feature", "geometry": square(-81, -5, -75, 2), "properties": {"p": 1}},
            {"type": "Feature", "geometry": square(-81, -2, -79, 0.5), "properties": {"p": 2}},
        ],
    }
    out = run_js(
        "const d = EM.decode(data); const t = Int32Array.from([1, 1, 1]);"
        "return [EM.areasAt(d, shapes, t, -1, -80), EM.areasAt(d, shapes, t, -4, -77), EM.areasAt(d, shapes, t, -20, -60),"
        " EM.areasAt(d, shapes, Int32Array.from([1, 0, 1]), -4, -77)];",
        data=data,
        shapes=shapes,
    )
    assert out == [[2, 1, 0], [1, 0], [0], [0]]


def test_series_draws_month_and_year_dates_as_spans(payload):
    frame, _ = payload
    frame = frame.copy()
    frame.loc[frame.index[:4], ["date", "date_precision"]] = ["2024", "year"]
    data = compact_payload(frame)
    out = run_js(
        "const d = EM.decode(data); const m = new Uint8Array(d.n).fill(1); const s = EM.series(d, m, 'month');"
        "return [s.spans, s.counts.flat().reduce((a, b) => a + b, 0), EM.isoDay(d.extent[0])];",
        data=data,
    )
    spans, binned, first = out
    assert sum(n for *_, n in spans) == 4 and binned == len(frame) - 4 and first >= "2025-01-01"
