"""The pure functions of dashboard/assets/eventmap.js (filtering, masks, URL state), run with node.

No browser: node loads the file as a CommonJS module (it exports its pure part there).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard.data import compact_payload, decode_mask

JS = Path(__file__).resolve().parents[1] / "dashboard" / "assets" / "eventmap.js"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_js(body: str, **values) -> object:
    """Run ``body`` (which must ``return`` a JSON-able value) with ``EM`` = the module and ``values`` bound."""
    bindings = "".join(f"const {k} = {json.dumps(v)};\n" for k, v in values.items())
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
    expected = frame["category"].isin(spec["categories"]) & frame["country_code"].isin(spec["countries"])
    assert out[0] == expected.astype(int).tolist()
    assert out[1] == out[2] == int(expected.sum())


def test_filter_rows_date_window_keeps_overlapping_spans(payload):
    _, data = payload
    window = [data["extent"][0] + 30, data["extent"][0] + 60]
    spec = {"categories": ["military", "political", "economic"], "window": window}
    mask = run_js("return Array.from(EM.filterRows(EM.decode(data), spec, null).mask);", data=data, spec=spec)
    rows = data["rows"]
    expected = [int(d0 <= window[1] and d0 + dd >= window[0]) for d0, dd in zip(rows["d0"], rows["dd"], strict=True)]
    assert mask == expected and 0 < sum(mask) < len(mask)


def test_filter_rows_text_search_folds_accents_and_waits_for_the_text(payload):
    _, data = payload
    text = {"docs": ["Brief"] * 300, "doc": [0] * 300, "text": ["raid in narino"] + ["nothing"] * 299}
    spec = {"categories": ["military", "political", "economic"], "query": "NARIÑO"}
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
