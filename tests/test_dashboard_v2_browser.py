"""Dashboard v2 (issue #12) in Debian's headless Chromium: what the map says is what the data says.

One server per module over a store with synthetic events plus a few placed on purpose: nested
areas (South America ⊃ Ecuador ⊃ Manabí), an event at two places, year-precision events years
before the rest, statuses, actors and fatalities. Every wait is on a condition, never a fixed sleep.
"""

from __future__ import annotations

import json
import re

import pytest
import shapely
from browser_helpers import RequestLog, pick_option, serve_wsgi

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:\\s*The dash_table.DataTable will be removed:DeprecationWarning"),
]

MARKERS = ".em-marker, .em-cluster"
UPLOAD_LIMIT = 200_000
NESTED = {"South America": "em-sa", "Ecuador": "em-ec", "Manabí": "em-manabi"}
MANABI_POINT = (-1.05, -80.3)  # inside Manabí, Ecuador and South America
AMAZON_POINT = (-1.6, -76.9)  # inside Ecuador (Pastaza) and South America, not Manabí


def _at(row, gazetteer, name, event_id):
    found = gazetteer.lookup(name, limit=4)
    place = found[0].place
    row = row.copy()
    row["place_candidates"] = [
        [
            {"place_id": c.place.id, "name": c.place.name, "kind": c.place.kind, "country_code": c.place.country_code}
            for c in found[1:]
        ]
    ]
    row["event_id"] = event_id
    row["place_name"] = row["place_text"] = place.name
    row["place_id"], row["place_kind"], row["country_code"] = place.id, place.kind, place.country_code or None
    row["geo_precision"], row["lat"], row["lon"] = place.geo_precision, place.lat, place.lon
    row["geometry"] = [shapely.Point(place.lon, place.lat)]
    row["status"], row["category"], row["subtype"] = "reported", "political", "protest"
    row["sentence"] = f"Thousands marched in {place.name} {event_id}."
    row["sentence_start"], row["place_start"] = 0, len("Thousands marched in ")
    row["place_end"] = row["place_start"] + len(place.name)
    row["fatalities"] = None
    return row


@pytest.fixture(scope="module")
def events(gazetteer):
    import pandas as pd

    from geodata.synthetic import synthetic_events

    frame = synthetic_events(300, seed=21, gazetteer=gazetteer, start="2025-01-01", end="2025-12-31")
    base = frame.iloc[[0]]
    extra = [_at(base, gazetteer, name, event_id) for name, event_id in NESTED.items()]
    extra.append(_at(base, gazetteer, "Santa Cruz", "em-santa-cruz"))
    # One event reported at two places: one event, two rows.
    twice = [_at(base, gazetteer, "Quito", "em-two"), _at(base, gazetteer, "Guayaquil", "em-two")]
    # Events dated only to a year, long before the others: spans, not the timeline's start.
    old = []
    for k, (date, precision) in enumerate([("2019", "year")] * 3 + [("2025-06", "month"), ("2025", "year")]):
        row = frame.iloc[[10 + k]].copy()
        row["event_id"], row["date"], row["date_end"], row["date_precision"] = f"em-old-{k}", date, None, precision
        row["status"] = "reported"
        old.append(row)
    return pd.concat([frame, *extra, *twice, *old], ignore_index=True)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, events):
    from geodata.store import EventStore

    folder = tmp_path_factory.mktemp("dash-v2-store")
    docs = events.drop_duplicates("doc_id")
    EventStore(folder).add(
        [
            {"doc_id": r.doc_id, "title": r.title, "source": r.source, "published": r.published, "n_events": 1}
            for r in docs.itertuples()
        ],
        events,
    )
    return folder


@pytest.fixture(scope="module")
def dash_url(store_dir, tmp_path_factory, gazetteer, gazetteer_path):
    from dashboard.app import create_app
    from geodata.config import load_settings

    settings = load_settings(
        store_dir=store_dir,
        gazetteer_path=gazetteer_path,
        geocoder_cache_dir=tmp_path_factory.mktemp("dash-v2-cache"),
        max_upload_bytes=UPLOAD_LIMIT,
    )
    app = create_app(store_dir, settings, gazetteer=gazetteer)
    with serve_wsgi(app.server) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from browser_helpers import chromium_page

    with chromium_page() as (page, _log, _errors):
        yield page.context.browser


HOLD_FETCHES = """
(() => {
  // Requests named in window.__hold wait until the test calls window.__release(key): a slow network, on demand.
  const real = window.fetch.bind(window);
  const held = {};
  window.__heldCount = (key) => (Array.isArray(held[key]) ? held[key].length : 0);
  window.__release = (key) => { const waiting = held[key] || []; held[key] = "released"; waiting.forEach((go) => go()); };
  window.fetch = function (url, options) {
    const key = (window.__hold || []).find((k) => String(url).includes(k));
    if (!key || held[key] === "released") return real(url, options);
    return new Promise((resolve) => (held[key] = held[key] || []).push(() => resolve(real(url, options))));
  };
})();
"""


def open_page(browser, url, *, width=1400, height=900, hold=()):
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    page = context.new_page()
    if hold:
        page.add_init_script(f"window.__hold = {json.dumps(list(hold))};" + HOLD_FETCHES)
    log, errors = RequestLog(), []
    page.on("request", log.record)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return context, page, log, errors


def ready(page):
    page.wait_for_selector(MARKERS, timeout=60_000)
    page.wait_for_function("window.eventmap && window.eventmap.text && window.eventmap.shapes", timeout=60_000)
    page.wait_for_function("window.eventmap.map && window.eventmap.areaLayers && window.eventmap.areaLayers.size > 0")


@pytest.fixture
def session(browser, dash_url):
    context, page, log, errors = open_page(browser, dash_url)
    ready(page)
    yield page, log, errors
    context.close()


def counter(page) -> int:
    return int(re.match(r"([\d,]+) of", page.inner_text("#em-counter"))[1].replace(",", ""))


def wait_counter_change(page, before: int) -> int:
    page.wait_for_function(
        f"!document.getElementById('em-counter').textContent.startsWith('{before:,} of')", timeout=30_000
    )
    return counter(page)


def card_hint(page, contains: str) -> str:
    page.wait_for_function(
        "text => document.getElementById('em-card-hint').textContent.includes(text)", arg=contains, timeout=30_000
    )
    return page.inner_text("#em-card-hint")


def click_at(page, lat: float, lon: float, zoom: int = 6) -> None:
    """Click the map at a point taken from the data (after the view has settled there)."""
    page.evaluate(
        "([lat, lon, zoom]) => { window.__moved = false; const m = window.eventmap.map;"
        " m.once('moveend', () => { window.__moved = true; }); m.setView([lat, lon], zoom, {animate: false});"
        " if (m.getCenter().distanceTo([lat, lon]) < 1 && m.getZoom() === zoom) window.__moved = true; }",
        [lat, lon, zoom],
    )
    page.wait_for_function("window.__moved === true")
    box = page.locator("#em-map").bounding_box()
    point = page.evaluate("([lat, lon]) => window.eventmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def mapped(events):
    return events[events["status"].isin(["reported", "planned"]) & events["place_role"].isin(["event", "focus"])]


# ---------------------------------------------------------------------------- what the map says
def test_dash011_the_most_precise_area_under_the_pointer_wins(session, output_dir):
    page, _, errors = session
    click_at(page, *MANABI_POINT)
    hint = card_hint(page, "under the pointer")
    assert hint.index("Manabí") < hint.index("Ecuador") < hint.index("South America"), hint
    options = page.inner_text("#em-card-pick")
    assert options.count("Political · protest") >= 3  # every event drawn there is listed
    page.screenshot(path=str(output_dir / "dashboard-v2-nested-areas.png"))
    click_at(page, *AMAZON_POINT)
    hint = card_hint(page, "shown under the pointer: Ecuador")
    assert "Manabí" not in hint and "South America" in hint
    assert errors == []


def test_dash012_counts_say_events_with_places_as_a_detail(session, events):
    page, _, errors = session
    shown = mapped(events)
    assert counter(page) == shown["event_id"].nunique()
    assert f"of {events['event_id'].nunique():,} events" in page.inner_text("#em-counter")
    page.wait_for_function("document.getElementById('em-in-view').textContent.includes('event')")
    page.fill("#em-text", "em-two")
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.query === 'em-two'")
    assert counter(page) == 1
    page.wait_for_function("document.getElementById('em-in-view').textContent.startsWith('1 event in the map view')")
    assert "at 2 places" in page.inner_text("#em-in-view")
    assert errors == []


def test_dash013_year_dates_are_spans_and_playback_starts_with_the_dated_events(session, events):
    page, _, errors = session
    first_day = min(d for d, p in zip(events["date"], events["date_precision"], strict=True) if p == "day")
    assert page.input_value("#em-date-from") == first_day
    # Spans for the month and year dates inside the range, a note for those before it.
    page.wait_for_selector(".em-slot-timeline .scatterlayer .trace", timeout=30_000)
    page.wait_for_function(
        "document.querySelector('.em-slot-timeline').textContent.includes('3 earlier events dated only to a month or year')",
        timeout=30_000,
    )
    page.click("#em-play")
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.window", timeout=30_000)
    start = page.evaluate("window.eventmap.isoDay(window.eventmap.spec.window[0])")
    assert start >= first_day
    page.click("#em-play")
    page.wait_for_function("document.getElementById('em-play').textContent.endsWith('Play')")
    assert errors == []


def test_dash014_the_card_follows_the_filters(session):
    page, _, errors = session
    click_at(page, *MANABI_POINT)
    card_hint(page, "under the pointer")
    page.wait_for_function("document.getElementById('em-card').srcdoc.includes('em-card-evidence')")
    page.locator("#em-categories input[value='political']").click()
    card_hint(page, "hidden by the filters")
    assert "em-card-evidence" not in page.get_attribute("#em-card", "srcdoc")
    page.locator("#em-categories input[value='political']").click()
    assert errors == []


# ---------------------------------------------------------------------------- what analysts expect
def test_dash015_status_actor_and_fatalities(session, events):
    page, _, errors = session
    shown = mapped(events)
    assert page.locator("#em-statuses input:checked").count() == 2
    fatalities = int(shown.drop_duplicates("event_id")["fatalities"].fillna(0).sum())
    assert f"{fatalities:,} fatalities" in page.inner_text("#em-counter")
    before = counter(page)
    page.locator("#em-statuses input[value='denied']").click()
    with_denied = events[events["status"].isin(["reported", "planned", "denied"])]
    assert (
        wait_counter_change(page, before)
        == with_denied[with_denied["place_role"].isin(["event", "focus"])]["event_id"].nunique()
    )
    page.locator("#em-statuses input[value='denied']").click()
    page.wait_for_function(f"document.getElementById('em-counter').textContent.startsWith('{before:,} of')")
    pick_option(page, "em-actors", "police", search="police", exact=True)  # not "military police"
    page.keyboard.press("Escape")
    police = shown[
        [
            "police" in list(a) or g == "police" or t == "police"
            for a, g, t in zip(shown["actors"], shown["agent"], shown["target"], strict=True)
        ]
    ]
    assert wait_counter_change(page, before) == police["event_id"].nunique()
    page.locator("#em-sizing input").click()
    page.wait_for_function(
        "[...document.querySelectorAll('.em-pin')].some(e => parseFloat(e.style.width) > 24)", timeout=30_000
    )
    page.wait_for_selector(".em-slot-charts .js-plotly-plot", timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.em-slot-charts text')].some(t => t.textContent.includes('killed'))",
        timeout=30_000,
    )
    assert errors == []


def test_dash016_time_series_per_category_brushes_the_dates(session):
    page, _, errors = session
    page.wait_for_selector(".em-slot-charts .js-plotly-plot", timeout=30_000)
    series = page.locator(".em-slot-charts .js-plotly-plot").nth(2)
    series.locator(".scatterlayer .trace").first.wait_for(timeout=30_000)
    assert series.locator(".scatterlayer .trace").count() == 3  # one stacked area per category
    page.locator("#em-series-unit input[value='week']").click()
    before, start = counter(page), page.input_value("#em-date-from")
    box = series.locator(".nsewdrag").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=8)
    page.mouse.up()
    assert 0 < wait_counter_change(page, before) < before
    assert page.input_value("#em-date-from") > start
    assert errors == []


def test_dash017_phone_width_layout_and_a_loading_state_that_says_what(browser, dash_url, output_dir):
    context, page, _, errors = open_page(browser, dash_url, width=390, height=844, hold=["events.bin"])
    page.wait_for_function("window.__heldCount && window.__heldCount('events.bin') > 0")
    assert page.inner_text("#em-loading") == "Loading events…"
    page.evaluate("window.__release('events.bin')")
    page.wait_for_selector(MARKERS, timeout=60_000)
    width = page.locator("#em-map").bounding_box()["width"]
    assert width >= 350, width
    page.wait_for_function("document.getElementById('em-loading').classList.contains('em-hidden')", timeout=60_000)
    page.screenshot(path=str(output_dir / "dashboard-v2-phone.png"), full_page=False)
    context.close()
    assert errors == []


# ---------------------------------------------------------------------------- upload and corrections
def test_dash018_upload_shows_progress_and_a_line_for_every_refused_file(session, output_dir):
    pytest.importorskip("geodata.ingest")
    page, _, errors = session
    page.evaluate(
        "() => { window.__progressSeen = false; const box = document.getElementById('em-upload-progress');"
        " new MutationObserver(() => { if (!box.classList.contains('em-hidden')) window.__progressSeen = true; })"
        ".observe(box, {attributes: true, subtree: true, childList: true}); }"
    )
    before = counter(page)
    page.fill("#em-upload-published", "2025-07-14")
    page.fill("#em-upload-source", "https://news.example.net/upload-test")
    article = (
        "Clashes near Portoviejo\n\n"
        "Army units and an armed group fought heavy clashes near Portoviejo, Ecuador on Monday, officials said.\n"
    )
    page.set_input_files(
        "#em-upload input[type=file]",
        files=[
            {"name": "portoviejo.txt", "mimeType": "text/plain", "buffer": article.encode()},
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 binary"},
            {"name": "huge.txt", "mimeType": "text/plain", "buffer": b"x" * (UPLOAD_LIMIT + 1)},
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
            {"name": "image.txt", "mimeType": "text/plain", "buffer": b"\x89PNG\r\n\x1a\n\x00\x00binary"},
            {"name": "notes.docx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04"},
        ],
    )
    page.wait_for_function(
        "document.getElementById('em-upload-status').textContent.includes('new article')", timeout=180_000
    )
    status = page.inner_text("#em-upload-status")
    assert re.search(r"portoviejo\.txt: added, \d+ events? found", status), status
    for name, reason in [
        ("scan.pdf", "is a PDF"),
        ("huge.txt", "upload limit"),
        ("empty.txt", "empty"),
        ("image.txt", "binary"),
        ("notes.docx", "not articles"),
    ]:
        assert re.search(rf"✗ {re.escape(name)}: .*{reason}", status), (name, status)
    assert page.evaluate("window.__progressSeen")
    after = wait_counter_change(page, before)
    assert after > before
    page.fill("#em-text", "Portoviejo")
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.query === 'Portoviejo'")
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    page.locator(".em-slot-table td[data-dash-column='place']").first.click()
    page.wait_for_function("document.getElementById('em-card').srcdoc.includes('news.example.net')", timeout=30_000)
    assert "Published 2025-07-14" in page.get_attribute("#em-card", "srcdoc")
    page.screenshot(path=str(output_dir / "dashboard-v2-upload.png"))
    # Remove it again: the article and its events leave the store.
    picked = pick_option(
        page, "em-articles", re.compile(r"Clashes near Portoviejo \(\d+ events?\)"), search="Portoviejo"
    )
    assert "Portoviejo" in picked
    page.click("#em-remove-article")
    page.wait_for_function(
        "document.getElementById('em-remove-status').textContent.includes('Removed')", timeout=30_000
    )
    page.wait_for_function(
        "document.getElementById('em-counter').textContent.startsWith('0 of')", timeout=60_000
    )  # the search for Portoviejo now finds nothing
    assert errors == []


def test_dash019_a_correction_persists_and_shows_on_the_card(session, store_dir, output_dir):
    page, _, errors = session
    # An event whose place has runner-up candidates, picked from the data.
    page.fill("#em-text", "em-santa-cruz")
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.query === 'em-santa-cruz'")
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    page.locator(".em-slot-table td[data-dash-column='place']").first.click()
    page.wait_for_function("!document.getElementById('em-correct-box').classList.contains('em-hidden')")
    chosen = pick_option(page, "em-correct-place")  # the first runner-up candidate
    generation = page.evaluate("window.eventmap.loaded")
    page.click("#em-correct-apply")
    page.wait_for_function(
        "document.getElementById('em-correct-status').textContent.startsWith('Saved')", timeout=30_000
    )
    # The page reloads the corrected data; the card says who placed it.
    page.wait_for_function(
        "g => window.eventmap.loaded && window.eventmap.loaded !== g", arg=generation, timeout=60_000
    )
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.query === 'em-santa-cruz'")
    # The event moved to the chosen place, maybe out of the current view: look at the whole world.
    page.evaluate("() => { window.eventmap.map.setView([0, 0], 1, {animate: false}); }")
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    # Another cell of the row (the table keeps its active cell across a reload).
    page.locator(".em-slot-table td[data-dash-column='category']").first.click()
    page.wait_for_function("document.getElementById('em-card').srcdoc.includes('corrected by user')", timeout=60_000)
    page.screenshot(path=str(output_dir / "dashboard-v2-corrected.png"))
    lines = (store_dir / "corrections.jsonl").read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line)["kind"] == "place" for line in lines)
    assert chosen
    assert errors == []


def test_dash020_shared_link_with_a_search_restores_the_view_whatever_the_load(browser, dash_url):
    """The search text arrives late on purpose: the restored view must still filter by the query."""
    url = f"{dash_url}/?cat=political,economic&q=summit&c=10.0000,0.0000&z=3"
    context, page, _, errors = open_page(browser, url, hold=["text.bin"])
    page.wait_for_selector(MARKERS, timeout=60_000)
    page.wait_for_function("document.getElementById('em-counter').textContent.includes('search text still loading')")
    page.evaluate("window.__release('text.bin')")
    page.wait_for_function("window.eventmap.text", timeout=60_000)
    page.wait_for_function(
        "!document.getElementById('em-counter').textContent.includes('still loading')", timeout=60_000
    )
    assert page.input_value("#em-text") == "summit"
    assert not page.locator("#em-categories input[value='military']").is_checked()
    shown = page.evaluate(
        "(() => { const em = window.eventmap; const d = em.data; let n = 0; const seen = new Set();"
        " for (let i = 0; i < d.n; i++) if (em.mask[i] && !seen.has(d.ev[i])) { seen.add(d.ev[i]); n++; } return n; })()"
    )
    assert counter(page) == shown and shown > 0
    assert page.evaluate(
        "[...Array(window.eventmap.data.n).keys()].filter(i => window.eventmap.mask[i])"
        ".every(i => window.eventmap.text.sentences[window.eventmap.text.t[i]].includes('summit'))"
    )
    page.wait_for_function("new URLSearchParams(location.search).get('z') === '3'")
    context.close()
    assert errors == []
