"""Ingest throughput of events v2 against a baseline checkout, in the same run (whole processes).

Events v2 parses every sentence that holds a trigger word (the dependency parse gives the
arguments), where v1 only tagged windows around candidate words. This measures what that costs:
``eventmap ingest`` of the same articles into a fresh store, this checkout and the baseline taken
in turns (A B A B …), medians and the median of the pairwise ratios (articles/s of this checkout
over the baseline's). The articles are the GeoWebNews documents of ``../shared/geobench`` when
present (real international news), else the demo corpus repeated.

    python bench/bench_events_throughput.py --baseline ../baseline [--runs 3] [--processes 1]

The baseline is any other checkout with its own ``.venv`` (``git worktree add ../baseline <commit>``
and ``make install`` there).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _corpus(folder: Path, geobench: Path, limit: int) -> int:
    source = geobench / "geowebnews.jsonl"
    if source.exists():
        docs = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()][:limit]
        for i, doc in enumerate(docs):
            (folder / f"{i:04d}.txt").write_text(doc["text"], encoding="utf-8")
        return len(docs)
    examples = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".txt", ".md", ".html"))
    for k in range(3):
        for p in examples:  # a different first line per copy, so each copy is a new article
            text = p.read_text(encoding="utf-8")
            (folder / f"{k}-{p.name}").write_text(f"Copy {k}. " + text, encoding="utf-8")
    return 3 * len(examples)


def _ingest(checkout: Path, folder: Path, processes: int) -> float:
    store = Path(tempfile.mkdtemp(prefix="eventmap-bench-store-"))
    try:
        started = time.perf_counter()
        subprocess.run(
            [
                str(checkout / ".venv" / "bin" / "eventmap"),
                "ingest",
                str(folder),
                "--store",
                str(store),
                "--processes",
                str(processes),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started
    finally:
        shutil.rmtree(store, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--geobench", type=Path, default=ROOT.parent / "shared" / "geobench")
    args = parser.parse_args()
    if not (args.baseline / ".venv" / "bin" / "eventmap").exists():
        print(f"bench_events_throughput: no baseline checkout with a .venv at {args.baseline}; skipped")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = _corpus(folder, args.geobench, args.documents)
        _ingest(ROOT, folder, args.processes), _ingest(args.baseline, folder, args.processes)  # warm-up
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(_ingest(ROOT, folder, args.processes))
            theirs.append(_ingest(args.baseline, folder, args.processes))
    ratios = [b / a for a, b in zip(ours, theirs, strict=True)]
    print(f"ingest of {n} articles, {args.processes} process(es), medians of {args.runs} alternating runs:")
    print(f"  this checkout {n / statistics.median(ours):6.1f} articles/s ({statistics.median(ours):.1f} s)")
    print(f"  baseline      {n / statistics.median(theirs):6.1f} articles/s ({statistics.median(theirs):.1f} s)")
    print(
        f"  throughput ratio (this / baseline): {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
