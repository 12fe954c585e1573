"""The dashboard in Debian's headless Chromium, against a live server on 127.0.0.1.

One server and one browser per module; every test gets a fresh browser context (no shared cache
or storage). Screenshots go to test-output/. Test names carry a searchable code (``-k dash004``).
"""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import RequestLog, chromium_page, serve_wsgi

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:\\s*The dash_table.DataTable will be removed:DeprecationWarning"),
]

TOKEN = "zxqvtoken"
HOSTILE_SENTENCE = (
    f"Militants {TOKEN} <script>window.__pwned='script'</script> attacked "
    "<img src=x onerror=\"window.__pwned='img'\"> a post near Manta [see](javascript:window.__pwned='md')."
)
HOSTILE = {
    "title": "<img src=x onerror=\"window.__pwned='title'\"> Evil headline",
    "source": "javascript:window.__pwned='source'",
    "actors": ["<b onmouseover=\"window.__pwned='actor'\">militia</b>"],
}
MARKERS = ".em-marker, .em-cluster"


def _hostile(events):
    row = events[events["place_kind"] == "city"].iloc[[0]].copy()
    row["event_id"], row["doc_id"] = "hostile-event", "hostile-doc"
    row["sentence"], row["sentence_start"] = HOSTILE_SENTENCE, 0
    row["place_start"] = HOSTILE_SENTENCE.index("Manta")
    row["place_end"] = row["place_start"] + len("Manta")
    row["title"], row["source"] = HOSTILE["title"], HOSTILE["source"]
    row["actors"] = [HOSTILE["actors"]]
    row["category"], row["subtype"] = "military", "armed_clash"
    return row


@pytest.fixture(scope="module")
def dash_url(tmp_path_factory, gazetteer, gazetteer_path):
    import pandas as pd

    from dashboard.app import create_app
    from geodata.config import load_settings
    from geodata.store import EventStore
    from geodata.synthetic import synthetic_events

    events = synthetic_events(400, seed=11, gazetteer=gazetteer, start="2025-01-01", end="2025-12-31")
    events = pd.concat([events, _hostile(events)], ignore_index=True)
    folder = tmp_path_factory.mktemp("dash-store")
    docs = events.drop_duplicates("doc_id")
    EventStore(folder).add(
        [
            {"doc_id": r.doc_id, "title": r.title, "source": r.source, "published": r.published}
            for r in docs.itertuples()
        ],
        events,
    )
    cache = tmp_path_factory.mktemp("dash-cache")
    settings = load_settings(store_dir=folder, gazetteer_path=gazetteer_path, geocoder_cache_dir=cache)
    app = create_app(folder, settings, gazetteer=gazetteer)
    with serve_wsgi(app.server) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_page() as (page, _log, _errors):
        yield page.context.browser


@pytest.fixture
def session(browser, dash_url):
    """A fresh context on the dashboard: (page, request log, console errors, dialogs)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log, errors, dialogs = RequestLog(), [], []
    page.on("request", log.record)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(dash_url)
    page.wait_for_selector(MARKERS, timeout=30_000)
    page.wait_for_function("window.eventmap && window.eventmap.text && window.eventmap.shapes", timeout=30_000)
    yield page, log, errors, dialogs
    context.close()


def counter(page) -> int:
    text = page.inner_text("#em-counter")
    return int(re.match(r"([\d,]+) of", text)[1].replace(",", ""))


def marker_signature(page) -> list[str]:
    return page.eval_on_selector_all(MARKERS, "els => els.map(e => e.className + ':' + e.textContent).sort()")


def wait_counter_change(page, before: int) -> int:
    page.wait_for_function(
        f"!document.getElementById('em-counter').textContent.startsWith('{before:,} of')", timeout=30_000
    )
    return counter(page)


def set_categories(page, wanted: set[str]) -> None:
    for name in ("military", "political", "economic"):
        box = page.locator(f"#em-categories input[value='{name}']")
        if box.is_checked() != (name in wanted):
            box.click()


def search(page, text: str) -> None:
    page.fill("#em-text", text)
    page.wait_for_function(f"window.eventmap.spec && window.eventmap.spec.query === {json.dumps(text)}", timeout=30_000)


def card_text(page) -> str:
    page.wait_for_function("document.getElementById('em-card').srcdoc.length > 200", timeout=30_000)
    return page.frame_locator("#em-card").locator("body").inner_text(timeout=30_000)


def test_dash001_map_renders_every_category_offline(session, output_dir):
    page, log, errors, _ = session
    page.screenshot(path=str(output_dir / "dashboard-overview.png"))
    for name in ("military", "political", "economic"):
        set_categories(page, {name})
        page.wait_for_function(f"window.eventmap.spec.categories.join() === '{name}'")
        page.wait_for_selector(f".em-marker.em-cat-{name}, .em-cluster.em-cat-{name}", timeout=30_000)
        classes = page.eval_on_selector_all(MARKERS, "els => els.map(e => e.className)")
        assert classes and all(f"em-cat-{name}" in c for c in classes), classes
        page.screenshot(path=str(output_dir / f"dashboard-{name}.png"))
    assert page.locator(".em-legend").inner_text().count("Military") == 1
    # Zooming and opening the layer control load nothing from elsewhere either.
    page.mouse.move(620, 400)
    zoom = page.evaluate("window.eventmap.map.getZoom()")
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"Number(new URLSearchParams(location.search).get('z')) > {zoom}", timeout=30_000)
    page.locator(".leaflet-control-layers").hover()
    assert log.external == [], log.external
    assert errors == [], errors


def test_dash002_category_toggle_changes_counter_and_markers(session):
    page, _, errors, _ = session
    before, markers = counter(page), marker_signature(page)
    page.locator("#em-categories input[value='military']").click()
    after = wait_counter_change(page, before)
    assert 0 < after < before
    page.wait_for_function(
        "m => JSON.stringify([...document.querySelectorAll('.em-marker, .em-cluster')]"
        ".map(e => e.className + ':' + e.textContent).sort()) !== JSON.stringify(m)",
        arg=markers,
    )
    assert not page.locator(".em-cat-military").count() or counter(page) == after
    assert errors == []


def test_dash003_date_range_changes_counter_and_markers(session, output_dir):
    page, _, errors, _ = session
    before, markers = counter(page), marker_signature(page)
    page.fill("#em-date-from", "2025-06-01")
    page.fill("#em-date-to", "2025-06-30")
    page.press("#em-date-to", "Enter")
    page.wait_for_function("location.search.includes('from=2025-06-01') && location.search.includes('to=2025-06-30')")
    after = counter(page)
    assert 0 < after < before / 4
    assert marker_signature(page) != markers
    # Brushing the timeline picks dates too.
    page.click("#em-dates-all")
    page.wait_for_function(f"document.getElementById('em-counter').textContent.startsWith('{before:,} of')")
    box = page.locator(".em-slot-timeline .nsewdrag").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.35, y, steps=8)
    page.mouse.up()
    brushed = wait_counter_change(page, before)
    assert 0 < brushed < before
    assert page.input_value("#em-date-from") > "2025-01-15"
    page.screenshot(path=str(output_dir / "dashboard-brushed.png"))
    assert errors == []


def test_dash004_click_on_a_marker_opens_the_card_with_evidence(session, output_dir):
    page, _, errors, _ = session
    search(page, TOKEN)
    assert counter(page) == 1
    page.locator(".em-marker").first.click()
    text = card_text(page)
    assert "Militants" in text and "Manta" in text and "Why here?" in text
    assert page.frame_locator("#em-card").locator("mark").inner_text() == "Manta"
    page.screenshot(path=str(output_dir / "dashboard-card.png"))
    assert errors == []


def test_dash005_article_text_never_executes(session, output_dir):
    page, _, errors, dialogs = session
    search(page, TOKEN)
    page.locator(".em-marker").first.hover()
    page.locator(".em-marker").first.click()
    text = card_text(page)
    frame = page.frame_locator("#em-card")
    # The markup is shown as text …
    assert "<script>window.__pwned='script'</script>" in text
    assert "<img src=x onerror" in text and "javascript:window.__pwned" in text
    # … and no element or link came out of it.
    assert frame.locator("script, img, [onerror], [onmouseover]").count() == 0
    assert frame.locator("a[href^='javascript']").count() == 0
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    assert "Evil headline" in page.inner_text(".em-slot-table")
    page.locator("#em-sources").click()
    page.wait_for_selector(
        "#em-sources .dash-dropdown-options, #em-sources [role=listbox], [role=option]", timeout=30_000
    )
    page.keyboard.press("Escape")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert errors == []
    page.screenshot(path=str(output_dir / "dashboard-hostile-card.png"))


def test_dash006_table_row_flies_to_the_event_and_opens_its_card(session):
    page, _, errors, _ = session
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    cell = page.locator(".em-slot-table td[data-dash-column='place']").first
    place = cell.inner_text()
    cell.click()
    assert place in card_text(page)
    page.wait_for_function("Number(new URLSearchParams(location.search).get('z')) >= 3", timeout=30_000)
    assert errors == []


def test_dash007_export_downloads_the_view(session, tmp_path):
    page, _, errors, _ = session
    set_categories(page, {"economic"})
    page.wait_for_function("window.eventmap.spec.categories.join() === 'economic'")
    shown_rows = page.evaluate("window.eventmap.mask.reduce((a, b) => a + b, 0)")
    with page.expect_download(timeout=30_000) as info:
        page.click("#em-export-geojson")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert len(features) == shown_rows
    assert {f["properties"]["category"] for f in features} == {"economic"}
    with page.expect_download(timeout=30_000) as info:
        page.click("#em-export-csv")
    csv_path = tmp_path / info.value.suggested_filename
    info.value.save_as(csv_path)
    assert len(csv_path.read_text(encoding="utf-8").strip().splitlines()) >= shown_rows + 1
    pytest.importorskip("dashboard.export")
    with page.expect_download(timeout=60_000) as info:
        page.click("#em-export-html")
    html_path = tmp_path / info.value.suggested_filename
    info.value.save_as(html_path)
    assert html_path.suffix == ".html" and html_path.stat().st_size > 10_000
    assert errors == []


def test_dash008_url_restores_the_view(session, browser):
    page, _, errors, _ = session
    set_categories(page, {"political", "economic"})
    search(page, "summit")
    page.mouse.move(620, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_function(
        "Number(new URLSearchParams(location.search).get('z')) >= 3 && location.search.includes('q=summit')"
    )
    shown, url = counter(page), page.url
    zoom = page.evaluate("new URLSearchParams(location.search).get('z')")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    other = context.new_page()
    other.goto(url)
    # The restored view is final once the search text has arrived and the filter ran with the query,
    # however long the text takes to load (the counter says "still loading" until then).
    other.wait_for_function("window.eventmap && window.eventmap.spec && window.eventmap.text", timeout=120_000)
    try:
        other.wait_for_function(
            f"(t => t.startsWith('{shown:,} of') && !t.includes('still loading'))"
            "(document.getElementById('em-counter').textContent)",
            timeout=120_000,
        )
    except Exception as err:  # say what the restored page shows instead
        raise AssertionError(
            f"expected {shown:,} shown; the restored page says {other.inner_text('#em-counter')!r}, "
            f"view {other.evaluate('JSON.stringify(window.eventmap.spec)')}, url {other.url}, "
            f"debug {other.evaluate('JSON.stringify([!!window.eventmap.text, window.eventmap.lastKey, window.eventmap.pendingQuery, window.eventmap.loaded, window.eventmap.seq, window.eventmap.panelsRequested])')}"
        ) from err
    assert other.input_value("#em-text") == "summit"
    assert not other.locator("#em-categories input[value='military']").is_checked()
    other.wait_for_function(f"new URLSearchParams(location.search).get('z') === {json.dumps(zoom)}", timeout=30_000)
    context.close()
    assert errors == []


def test_dash009_playback_moves_the_date_window(session):
    page, _, errors, _ = session
    page.click("#em-play")
    page.wait_for_function("window.eventmap.spec && window.eventmap.spec.window", timeout=30_000)
    first = page.evaluate("window.eventmap.spec.window[0]")
    page.wait_for_function(f"window.eventmap.spec.window && window.eventmap.spec.window[0] > {first}", timeout=30_000)
    page.click("#em-play")
    page.wait_for_function("document.getElementById('em-play').textContent.endsWith('Play')", timeout=30_000)
    paused_at = page.evaluate("window.eventmap.spec.window[0]")
    # Paused means the clock is off: no tick can move the window any more.
    page.wait_for_function(
        "document.getElementById('em-play').textContent.endsWith('Play') && !window.eventmap.playing"
    )
    assert page.evaluate("window.eventmap.spec.window[0]") == paused_at
    assert errors == []


def test_dash010_upload_adds_the_article_as_text(session, output_dir):
    pytest.importorskip("geodata.ingest")
    page, _, errors, dialogs = session
    before = counter(page)
    article = (
        "Clashes near Manta <img src=x onerror=\"window.__pwned='upload'\">\n"
        "Published: 2026-03-03\n\n"
        "Army units and an armed group fought heavy clashes near Manta, Ecuador on Tuesday, officials said "
        "<script>window.__pwned='upload-script'</script>. Details: [report](javascript:window.__pwned='upload-link').\n"
    )
    page.set_input_files(
        "#em-upload input[type=file]",
        files=[
            {"name": "hostile-manta.txt", "mimeType": "text/plain", "buffer": article.encode()},
        ],
    )
    page.wait_for_function(
        "document.getElementById('em-upload-status').textContent.includes('new article')", timeout=180_000
    )
    status = page.inner_text("#em-upload-status")
    assert "hostile-manta.txt: added" in status, status
    after = wait_counter_change(page, before)
    assert after > before
    search(page, "upload-script")
    assert counter(page) >= 1
    page.wait_for_selector(".em-slot-table td", timeout=30_000)
    page.locator(".em-slot-table td[data-dash-column='place']").first.click()
    assert "<script>" in card_text(page)
    assert page.evaluate("window.__pwned") is None and dialogs == []
    page.screenshot(path=str(output_dir / "dashboard-upload.png"))
    assert errors == []
