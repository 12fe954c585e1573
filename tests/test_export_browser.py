"""The exported map in Debian's headless Chromium, opened from file:// (no server)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import shapely
from browser_helpers import chromium_page
from export_helpers import PAYLOADS, hostile_row

from dashboard import export
from dashboard.export import export_html
from geodata.model import MAPPED_STATUSES
from geodata.store import filter_events
from geodata.synthetic import synthetic_events

pytestmark = pytest.mark.browser

ISOLATED = (-45.0, -130.0)  # the open South Pacific: no gazetteer place within 1,500 km
HOSTILE_CATEGORY = '<img src=x onerror="window.pwnedByCategory=1">'
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture(scope="module")
def events(gazetteer):
    frame = synthetic_events(400, seed=5, gazetteer=gazetteer)
    hostile = hostile_row(frame)
    hostile["geometry"] = [shapely.Point(ISOLATED[1], ISOLATED[0])]
    hostile["place_kind"], hostile["geo_precision"], hostile["date"] = "city", 1, "2025-06-15"
    hostile["event_id"], hostile["status"], hostile["place_id"] = "hostile", "reported", "test:king-edward-point"
    odd_category = frame.iloc[[1]].copy()
    odd_category["category"] = HOSTILE_CATEGORY
    return pd.concat([frame, hostile, odd_category], ignore_index=True)


@pytest.fixture(scope="module")
def offline_map(events, gazetteer, output_dir) -> Path:
    return export_html(
        events, output_dir / "export-offline.html", offline=True, title="Browser test", gazetteer=gazetteer
    )


@pytest.fixture(scope="module")
def online_map(events, gazetteer, output_dir) -> Path:
    return export_html(events, output_dir / "export-online.html", offline=False, gazetteer=gazetteer)


def open_offline(page, path: Path) -> list[str]:
    """Open ``path`` with every non-file request refused; returns the refused URLs."""
    refused: list[str] = []

    def handle(route):
        if urlparse(route.request.url).scheme in ("file", "data"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-eventmap-ready], html[data-eventmap-error]", timeout=20_000)
    return refused


def visible_point_events(page) -> int:
    """Events drawn as clusters or single markers in the DOM (area events excluded)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.em-cluster, .em-point')]
              .map(n => n.classList.contains('em-cluster') ? Number(n.textContent.replace(/,/g, '')) : 1)
              .reduce((a, b) => a + b, 0)"""
    )


def status_count(page) -> int:
    text = page.locator(".em-status").inner_text()
    return int(re.search(r"Showing ([\d,]+)", text).group(1).replace(",", ""))


def test_offline_map_renders_every_category_with_no_network(offline_map):
    with chromium_page() as (page, log, errors):
        refused = open_offline(page, offline_map)
        assert page.get_attribute("html", "data-eventmap-error") is None
        for k in range(3):
            assert page.locator(f".leaflet-marker-pane .em-c{k}").count() > 0, f"category {k} has no marker"
        assert page.locator(".em-cluster").count() > 0
        control = page.locator(".leaflet-control-layers").inner_text()
        for label in ("Countries (offline)", "Military (", "Political (", "Economic (", HOSTILE_CATEGORY.capitalize()):
            assert label in control
        assert page.evaluate("window.__pwned || window.pwnedByCategory") is None
        assert "Browser test" in page.locator(".em-title").inner_text()
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert "GeoNames" in attribution and "Natural Earth" in attribution
        assert page.locator(".em-legend").count() == 1
        assert refused == [] and log.external == []
        assert all(urlparse(u).scheme in ("file", "data") for u in log.urls), log.urls
        assert errors == []


HOSTILE_MARKER = """() => {
  const em = window.eventmapExport;
  for (const key of Object.keys(em.layers)) {
    const layer = em.layers[key];
    const marker = layer.markers.find((m) => em.cardHtml(m.emIndex).includes("Blast"));
    if (marker && marker.getElement() && layer.cluster.getVisibleParent(marker) === marker) {
      marker.getElement().setAttribute("data-test-hostile", "1");
      return true;
    }
  }
  return false;
}"""


def test_popup_shows_the_escaped_evidence_and_nothing_executes(offline_map):
    with chromium_page() as (page, _log, errors):
        refused = open_offline(page, offline_map)
        # The point comes from the data (the hostile event's own place), and the click goes to its marker
        # once the map shows it on its own, not to a guessed pixel that another shape may cover.
        page.evaluate(
            """() => {
              const em = window.eventmapExport;
              const i = [...Array(em.n).keys()].find((k) => em.cardHtml(k).includes("Blast"));
              const p = em.d.p[i];
              em.map.setView([em.d.places.lat[p], em.d.places.lon[p]], 12, {animate: false});
            }"""
        )
        page.wait_for_function(HOSTILE_MARKER, timeout=30_000)
        page.click("[data-test-hostile='1']")
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=30_000)
        text = popup.inner_text()
        assert "Blast <script>window.__pwned=1</script> near" in text
        assert popup.locator("mark").inner_text() == "Manta"
        assert PAYLOADS["title"] in text and PAYLOADS["place_name"] in text
        assert popup.locator("script, img, [onmouseover], a[href^='javascript']").count() == 0
        page.hover(".leaflet-popup-content .em-card-actors")
        assert page.evaluate("window.__pwned") is None
        assert refused == [] and errors == []


def test_date_filter_rebuilds_the_clusters(offline_map, events):
    with chromium_page() as (page, _log, errors):
        open_offline(page, offline_map)
        mapped = events[events["status"].isin(MAPPED_STATUSES)]
        total = status_count(page)
        assert total == mapped["event_id"].nunique()
        before = visible_point_events(page)
        page.fill(".em-from", "2025-01-01")
        page.fill(".em-to", "2025-03-31")
        expected = filter_events(mapped, since="2025-01-01", until="2025-03-31")["event_id"].nunique()
        page.wait_for_function(f"document.querySelector('.em-status').textContent.includes('{expected:,} of')")
        after = visible_point_events(page)
        assert 0 < after < before
        assert status_count(page) == expected < total
        page.click(".em-reset")
        page.wait_for_function(f"document.querySelector('.em-status').textContent.includes('{total:,} of')")
        assert visible_point_events(page) == before
        assert errors == []


def test_status_control_shows_the_other_statuses_on_demand(offline_map, events):
    with chromium_page() as (page, _log, errors):
        open_offline(page, offline_map)
        shown = events[events["status"].isin(MAPPED_STATUSES)]["event_id"].nunique()
        assert status_count(page) == shown
        boxes = page.locator(".em-statuses input")
        assert [boxes.nth(k).get_attribute("value") for k in range(2)] == ["reported", "planned"]
        assert page.locator(".em-statuses input:checked").count() == 2
        page.locator(".em-statuses input[value='denied']").check()
        denied = events[events["status"].isin([*MAPPED_STATUSES, "denied"])]["event_id"].nunique()
        page.wait_for_function(f"document.querySelector('.em-status').textContent.includes('{denied:,} of')")
        assert denied > shown
        assert errors == []


def test_online_map_loads_the_pinned_cdn_assets(online_map):
    local = {a.url: a.path for a in export._assets()}
    with chromium_page() as (page, log, errors):

        def handle(route):
            url = route.request.url
            if url in local:  # the sandbox has no network: serve jsDelivr's files from the vendored copies
                route.fulfill(path=str(local[url]))
            elif "tile.openstreetmap.org" in url:
                route.fulfill(body=BLANK_PNG, content_type="image/png")
            elif urlparse(url).scheme in ("file", "data"):
                route.continue_()
            else:
                route.abort()

        page.route("**/*", handle)
        page.goto(online_map.as_uri())
        page.wait_for_selector("html[data-eventmap-ready]", timeout=20_000)
        for k in range(3):
            assert page.locator(f".leaflet-marker-pane .em-c{k}").count() > 0
        assert set(local) <= set(log.urls)
        assert any("tile.openstreetmap.org" in u for u in log.urls)
        assert errors == []
