"""Export a map of an event store and photograph it with Chromium (the README's screenshot).

    python scripts/screenshot_export.py [--store DIR] [-o docs/export-screenshot.png] [--html FILE]

The store defaults to ``$EVENTMAP_STORE`` or ``./eventmap-store`` (``make run`` ingests the demo
corpus there). If it holds no events, 3,000 synthetic events (``geodata.synthetic``) stand in and
the title says so. The export is offline, so the photo needs no network; one event card is opened
to show what a click gives.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browser_helpers import chromium_page  # noqa: E402

from dashboard.export import export_html  # noqa: E402

OPEN_A_CARD = """() => {
  const em = window.eventmapExport;
  for (const layer of Object.values(em.layers)) {
    const marker = layer.cluster.getLayers()[0];
    if (marker) { em.openCard(marker.getLatLng(), marker.emIndex); return true; }
  }
  return false;
}"""


def load_events(store: Path):
    from geodata.store import EventStore
    from geodata.synthetic import synthetic_events

    events = EventStore(store).events() if store.is_dir() else None
    if events is not None and len(events):
        return events, f"eventmap — events of {store.name}"
    print(f"screenshot: no events in {store}; using 3,000 synthetic events", file=sys.stderr)
    return synthetic_events(3_000, seed=7), "eventmap — synthetic events (demo)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path(os.environ.get("EVENTMAP_STORE", "eventmap-store")))
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "export-screenshot.png")
    parser.add_argument("--html", type=Path, help="Keep the exported HTML here.")
    parser.add_argument("--title", help="Map title (default: from the store).")
    parser.add_argument("--no-card", action="store_true", help="Do not open an event card.")
    args = parser.parse_args(argv)

    events, title = load_events(args.store)
    with tempfile.TemporaryDirectory() as tmp:
        html = export_html(events, args.html or Path(tmp) / "map.html", offline=True, title=args.title or title)
        with chromium_page(viewport={"width": 1400, "height": 860}) as (page, _log, errors):
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            page.goto(html.as_uri())
            page.wait_for_selector("html[data-eventmap-ready], html[data-eventmap-error]", timeout=60_000)
            if page.get_attribute("html", "data-eventmap-error"):
                raise SystemExit(f"screenshot: the map did not render: {errors}")
            if not args.no_card:
                page.evaluate(OPEN_A_CARD)
            page.wait_for_timeout(800)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
    print(f"wrote {args.output} ({len(events):,} map features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
