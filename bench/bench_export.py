"""Static HTML export benchmark: file size, export time and time to render in Chromium.

For 1k, 10k and 100k synthetic events (real gazetteer places, ``geodata.synthetic``), offline and
online, it reports the HTML size, the Python export time and the render time in Debian's headless
Chromium: ``file://`` navigation → the runtime's ready mark with clusters of every category in the
DOM (median of ``--runs`` fresh pages). ``in-page`` is the same moment measured by the page itself
(``performance.now()`` since navigation start).

Online exports reference jsDelivr and OpenStreetMap tiles. The sandbox has no network, so the
benchmark serves jsDelivr's URLs from the vendored copies of the same pinned files and answers tile
requests with a blank PNG, both through Playwright's ``page.route`` (no network latency included).

Baseline, same run: folium's own way (``MarkerCluster`` with one ``CircleMarker`` + ``Popup`` per
event, the same card HTML), size and build time only at 1k and 10k. It cannot be rendered here: its
CDN assets (jQuery, Bootstrap, Font Awesome…) are not vendored.

    python bench/bench_export.py [--sizes 1000 10000 100000] [--runs 3] [--no-baseline] [--json FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import chromium_page  # noqa: E402

from dashboard import export  # noqa: E402
from dashboard.card import event_card_html  # noqa: E402
from geodata.synthetic import synthetic_events  # noqa: E402

GOALS = {10_000: 3e6, 100_000: 15e6}
RENDER_GOAL_S = 3.0
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def render_times(path: Path, n_categories: int, runs: int) -> tuple[float, float]:
    """Median wall time and in-page time (s) from navigation to clusters of every category."""
    local = {a.url: a.path for a in export._assets()}
    walls, inpage = [], []
    for _ in range(runs):
        with chromium_page() as (page, _log, errors):

            def handle(route):
                url = route.request.url
                if url in local:
                    route.fulfill(path=str(local[url]))
                elif url.startswith(("file:", "data:")):
                    route.continue_()
                elif "tile.openstreetmap.org" in url:
                    route.fulfill(body=BLANK_PNG, content_type="image/png")
                else:
                    route.abort()

            page.route("**/*", handle)
            selector = ", ".join(f".leaflet-marker-pane .em-c{k}" for k in range(n_categories))
            t0 = time.perf_counter()
            page.goto(path.as_uri(), timeout=120_000)
            page.wait_for_selector("html[data-eventmap-ready]", timeout=120_000)
            page.wait_for_function(
                f"{n_categories} === new Set([...document.querySelectorAll({json.dumps(selector)})]"
                ".map(n => [...n.classList].find(c => /^em-c\\d+$/.test(c)))).size",
                timeout=120_000,
            )
            walls.append(time.perf_counter() - t0)
            inpage.append(int(page.get_attribute("html", "data-eventmap-ready")) / 1000)
            if errors:
                raise SystemExit(f"page errors in {path.name}: {errors[:3]}")
    return statistics.median(walls), statistics.median(inpage)


def folium_baseline(events, path: Path) -> float:
    """folium's documented way: MarkerCluster + one CircleMarker with a Popup per event."""
    import folium
    from folium.plugins import MarkerCluster

    t0 = time.perf_counter()
    m = folium.Map(tiles="OpenStreetMap", zoom_start=2)
    for category, group in events.groupby("category"):
        layer = folium.FeatureGroup(name=str(category)).add_to(m)
        cluster = MarkerCluster().add_to(layer)
        for row in group.drop(columns="geometry").to_dict("records"):
            folium.CircleMarker(
                [row["lat"], row["lon"]], radius=5, popup=folium.Popup(event_card_html(row), max_width=400)
            ).add_to(cluster)
    folium.LayerControl().add_to(m)
    m.save(str(path))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "export.json")
    args = parser.parse_args(argv)

    results = []
    header = f"{'events':>8} {'mode':<8} {'size MB':>8} {'export s':>9} {'render s':>9} {'in-page s':>10}  goal"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            events = synthetic_events(n, seed=1)
            n_categories = events["category"].nunique()
            for offline in (True, False):
                mode = "offline" if offline else "online"
                path = Path(tmp) / f"export-{n}-{mode}.html"
                t0 = time.perf_counter()
                export.export_html(events, path, offline=offline)
                build = time.perf_counter() - t0
                size = path.stat().st_size
                wall, inpage = render_times(path, n_categories, args.runs)
                goal = []
                if n in GOALS:
                    goal.append(f"size {'ok' if size <= GOALS[n] else 'MISSED'} (≤{GOALS[n] / 1e6:.0f} MB)")
                if n == 100_000:
                    goal.append(f"render {'ok' if wall <= RENDER_GOAL_S else 'MISSED'} (≤{RENDER_GOAL_S:.0f} s)")
                print(
                    f"{n:>8,} {mode:<8} {size / 1e6:>8.2f} {build:>9.2f} {wall:>9.2f} {inpage:>10.2f}  {'; '.join(goal)}"
                )
                results.append(
                    {
                        "events": n,
                        "mode": mode,
                        "bytes": size,
                        "export_s": round(build, 3),
                        "render_s": round(wall, 3),
                        "render_in_page_s": round(inpage, 3),
                    }
                )
            if not args.no_baseline and n <= 10_000:
                path = Path(tmp) / f"folium-{n}.html"
                build = folium_baseline(events, path)
                size = path.stat().st_size
                print(
                    f"{n:>8,} {'folium':<8} {size / 1e6:>8.2f} {build:>9.2f} {'—':>9} {'—':>10}  baseline: one Marker+Popup per event (CDN, not renderable offline)"
                )
                results.append({"events": n, "mode": "folium-baseline", "bytes": size, "export_s": round(build, 3)})
    for n in args.sizes:
        ours = next((r for r in results if r["events"] == n and r["mode"] == "online"), None)
        base = next((r for r in results if r["events"] == n and r["mode"] == "folium-baseline"), None)
        if ours and base:
            print(
                f"{n:,} events: eventmap online export is {base['bytes'] / ours['bytes']:.0f}× smaller and "
                f"{base['export_s'] / ours['export_s']:.1f}× faster to write than folium's MarkerCluster"
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"results: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
