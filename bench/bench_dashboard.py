"""Dashboard benchmark in Chromium: server start, memory, first map paint and filter latency from 1k to 1M events.

For each size, a store of synthetic events is written to a temporary folder, the dashboard is served
on 127.0.0.1 (warmed: the store's merge and the payloads are built before timing, as ``eventmap
serve`` does in the background at start), and Debian's headless Chromium is driven with Playwright.

* **first paint**: from navigation start to the first event marker or cluster painted on the map
  (a fresh browser context per run, so nothing comes from the HTTP cache).
* **filter latency**: from the input event (a click on a category checkbox, Enter in a date field,
  a keystroke in the search box) to (a) the counter showing the new number and (b) the new
  markers painted (Element Timing render time). Measured inside the page, median and p95. The side
  panels (timeline, charts, table) update after the map, in later frames; they are not counted.

* **server start and memory**: ``eventmap serve`` in its own process, from its start to the
  events payload answered (the store read, merged and encoded), and the process's peak RSS then.

    python bench/bench_dashboard.py [--sizes 1000 10000 100000 1000000] [--runs 3] [--reps 20] [--json out.json]
                                    [--stores DIR]

``--stores DIR`` keeps the synthetic stores in ``DIR`` (``store-<size>``) and reuses them on the
next run, so a before/after comparison reads the same stores and skips the set-up.

Goals (issue #12): at 1,000,000 events server start ≤ 10 s, RSS ≤ 2 GiB, first paint ≤ 4 s and
filter → map redrawn p95 ≤ 300 ms; at 100,000 first paint ≤ 2.0 s and counter p95 ≤ 150 ms.
Stores above 100,000 events tile a 100,000-event synthetic store (new ids, dates shifted by a
year per copy), which keeps the benchmark's own set-up time reasonable.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, serve_wsgi  # noqa: E402

FIRST_PAINT_PROBE = """
(() => {
  const seen = () => document.querySelector('.em-marker, .em-cluster');
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => { window.__emPainted = performance.now(); }));
  const observer = new MutationObserver(() => {
    if (!window.__emMarker && seen()) { window.__emMarker = performance.now(); observer.disconnect(); done(); }
  });
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, {childList: true, subtree: true}));
})();
"""

# Runs one filter change in the page; returns [ms to the counter's new text, ms to the new markers painted
# (Element Timing: the render time of the first marker created after the change), ms the filter computation took].
MEASURE = """
async ([target, value]) => {
  const counter = document.getElementById('em-counter');
  const before = counter.textContent;
  let t0 = 0, tCounter = null, tPaint = null;
  const counterChanged = new Promise((resolve) => {
    const o = new MutationObserver(() => {
      if (counter.textContent !== before) { tCounter = performance.now(); o.disconnect(); resolve(); }
    });
    o.observe(counter, {childList: true, subtree: true, characterData: true});
    setTimeout(() => { o.disconnect(); resolve(); }, 5000);
  });
  const painted = new Promise((resolve) => {
    const o = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.identifier === 'em-marker' && e.renderTime > t0) { tPaint = e.renderTime; o.disconnect(); resolve(); return; }
      }
    });
    o.observe({type: 'element', buffered: false});
    setTimeout(() => { o.disconnect(); resolve(); }, 5000);
  });
  if (target === 'category') {
    const box = document.querySelector(`#em-categories input[value="${value}"]`);
    t0 = performance.now();
    box.click();
  } else {
    const input = document.getElementById(target);
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    setter.call(input, value);
    t0 = performance.now();
    input.dispatchEvent(new Event('input', {bubbles: true}));
    for (const type of ['keydown', 'keypress', 'keyup']) {
      input.dispatchEvent(new KeyboardEvent(type, {key: 'Enter', code: 'Enter', keyCode: 13, which: 13, charCode: 13, bubbles: true}));
    }
  }
  await counterChanged;
  await painted;
  return [tCounter === null ? null : tCounter - t0, tPaint === null ? null : tPaint - t0, window.eventmap.lastFilterMs];
}
"""


BASE = 100_000


def synthetic_frame(n: int):
    import datetime as dt

    import pandas as pd

    from geodata.synthetic import synthetic_events

    if n <= BASE:
        return synthetic_events(n, seed=7)
    base = synthetic_events(BASE, seed=7)
    copies = []
    for k in range((n + BASE - 1) // BASE):
        copy = base.copy() if k else base
        if k:
            shift = dt.timedelta(days=365 * k)
            copy["event_id"] = copy["event_id"] + f"-{k}"
            copy["doc_id"] = copy["doc_id"] + f"-{k}"
            copy["doc_ids"] = [[d] for d in copy["doc_id"]]
            for column in ("date", "published"):
                copy[column] = [(dt.date.fromisoformat(v) - shift).isoformat() for v in copy[column]]
        copies.append(copy)
    return pd.concat(copies, ignore_index=True).iloc[:n]


def make_store(n: int, folder: Path) -> Path:
    from geodata.store import EventStore

    frame = synthetic_frame(n)
    docs = frame.drop_duplicates("doc_id")
    articles = [
        {"doc_id": r.doc_id, "title": r.title, "source": r.source, "published": r.published} for r in docs.itertuples()
    ]
    EventStore(folder).add(articles, frame)
    return folder


def server_start(store: Path, timeout: float = 600.0) -> tuple[float, float, str]:
    """``eventmap serve`` in its own process: seconds from start to the events payload answered, peak RSS (MiB)."""
    import os
    import subprocess
    import urllib.request

    from browser_helpers import free_port

    port = free_port()
    env = {**os.environ, "EVENTMAP_STORE": str(store), "EVENTMAP_PORT": str(port)}
    t0 = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "geodata.cli", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                with urllib.request.urlopen(f"{url}/eventmap-api/events.bin", timeout=timeout) as response:
                    response.read()
                break
            except OSError:
                time.sleep(0.05)  # the server is not listening yet
        started = time.perf_counter() - t0
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    finally:
        process.terminate()
        process.wait(timeout=30)
    return started, peak, url


def warm(app) -> float:
    t0 = time.perf_counter()
    client = app.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200, layout.status_code
    source = json.dumps(layout.get_json())
    generation = source.split("?g=")[1].split('"')[0]
    for name in ("events.bin", "text.bin", "shapes.json"):
        assert client.get(f"/eventmap-api/{name}?g={generation}").status_code == 200
    return time.perf_counter() - t0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(url: str, runs: int, reps: int, browser) -> dict:
    paints, sizes = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.add_init_script(FIRST_PAINT_PROBE)
        page.goto(url)
        page.wait_for_function("window.__emPainted", timeout=60_000)
        paints.append(page.evaluate("window.__emPainted") / 1000)
        context.close()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(".em-marker, .em-cluster", timeout=60_000)
    page.wait_for_function("window.eventmap && window.eventmap.text && window.eventmap.shapes", timeout=60_000)
    payload = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('eventmap-api/events.bin'))"
        ".map(e => [e.transferSize, e.decodedBodySize])[0]"
    )
    sizes.append(payload)
    results: dict[str, list] = {"category": [], "date": [], "text": []}
    extent = page.evaluate("window.eventmap.data.extent")
    first = page.evaluate(f"window.eventmap.isoDay({extent[0]})")
    mid = page.evaluate(f"window.eventmap.isoDay({(extent[0] + extent[1]) // 2})")
    # Each change is undone by the next one, so every measurement changes the counter and the map.
    changes = [
        ("category", "category", "economic"),
        ("category", "category", "economic"),
        ("date", "em-date-from", mid),
        ("date", "em-date-from", first),
        ("text", "em-text", "airstrikes"),
        ("text", "em-text", ""),
    ]
    for _ in range(reps):
        for kind, target, value in changes:
            results[kind].append(page.evaluate(MEASURE, [target, value]))
            page.wait_for_timeout(250)
    filter_ms = {
        kind: {
            "counter": [r[0] for r in rows if r[0] is not None],
            "map": [r[1] for r in rows if r[1] is not None],
            "compute": [r[2] for r in rows],
            "missed": sum(r[0] is None or r[1] is None for r in rows),
        }
        for kind, rows in results.items()
    }
    context.close()
    return {"first_paint_s": paints, "payload_bytes": sizes[0], "filter_ms": filter_ms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="page loads per size (first paint)")
    parser.add_argument(
        "--reps", type=int, default=10, help="rounds of filter changes per size (2 changes per kind each)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--stores", type=Path, help="keep the synthetic stores here and reuse them (store-<size>)")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from dashboard.app import create_app
    from geodata.config import load_settings

    settings = load_settings()
    report = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="eventmap-bench-") as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for n in args.sizes:
            t0 = time.perf_counter()
            store = (args.stores or Path(tmp)) / f"store-{n}"
            if not (store / "manifest.json").is_file():
                make_store(n, store)
            built = time.perf_counter() - t0
            started, rss, _ = server_start(store)
            app = create_app(store, settings, warm=False)
            warmed = warm(app)
            with serve_wsgi(app.server) as url:
                figures = measure(url, args.runs, args.reps, browser)
            figures.update(store_build_s=built, server_warm_s=warmed, server_start_s=started, server_rss_mib=rss)
            report[n] = figures
            print(f"measured {n:,} events", file=sys.stderr)
        browser.close()

    print()
    print(
        "Filter latency in ms, from the input event to the counter updated / to the map redrawn and painted "
        "(median, p95). Search is timed from the last keystroke, so it includes the input's 0.12 s typing debounce; "
        "'filter' is the time the filter itself took in the page (median)."
    )
    print()
    print(
        "| events | payload (gzip / binary) | server start (process → payload) | peak RSS | first map paint: median (runs) | "
        "category toggle | date change | search (incl. 0.12 s debounce) |"
    )
    print("|---:|---:|---:|---:|---:|---|---|---|")
    for n, f in report.items():
        cells = []
        for kind in ("category", "date", "text"):
            c, m, k = f["filter_ms"][kind]["counter"], f["filter_ms"][kind]["map"], f["filter_ms"][kind]["compute"]
            missed = f["filter_ms"][kind]["missed"]
            cells.append(
                f"{statistics.median(c):.0f} / {statistics.median(m):.0f}, p95 {pct(c, 0.95):.0f} / {pct(m, 0.95):.0f}; "
                f"filter {statistics.median(k):.0f}" + (f" ({missed} missed)" if missed else "")
            )
        size = f["payload_bytes"] or [0, 0]
        print(
            f"| {n:,} | {size[0] / 1e6:.2f} / {size[1] / 1e6:.2f} MB | {f['server_start_s']:.1f} s | "
            f"{f['server_rss_mib']:,.0f} MiB | "
            f"{statistics.median(f['first_paint_s']):.2f} s ({', '.join(f'{x:.2f}' for x in f['first_paint_s'])}) | "
            + " | ".join(cells)
            + " |"
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
