"""Ingest throughput (articles/s): the demo corpus and 1,000 synthetic articles, into fresh stores.

Each run reads the files, geoparses, extracts events and writes the GeoParquet store in atomic
batches — the whole `eventmap ingest`. Medians of ``--runs`` runs, with 1 and 2 processes; the
model load is timed apart (it happens once per process).

    python bench/bench_ingest.py [--runs 3] [--synthetic 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.articles import read_articles  # noqa: E402
from geodata.ingest import Ingestor, ingest_articles  # noqa: E402
from geodata.synthetic import synthetic_article_texts  # noqa: E402


def _run(ingestor: Ingestor, folder: Path, processes: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as store:
        start = time.perf_counter()
        articles = [a for a in read_articles([folder]) if not isinstance(a, Exception)]
        report = ingest_articles(articles, store, ingestor=ingestor, n_process=processes)
        return time.perf_counter() - start, len(report.added_docs), report.added_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--synthetic", type=int, default=1000)
    args = parser.parse_args()
    started = time.perf_counter()
    ingestor = Ingestor()
    ingestor.process([])  # loads the model and the gazetteer
    load = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = Path(tmp) / "synthetic"
        synthetic.mkdir()
        for name, text in synthetic_article_texts(args.synthetic, seed=11):
            (synthetic / name).write_text(text, encoding="utf-8")
        print(f"ingest benchmark — medians of {args.runs} runs (model and gazetteer load once: {load:.1f} s)")
        print(f"{'corpus':>22} {'articles':>9} {'event rows':>11} {'processes':>10} {'seconds':>9} {'articles/s':>11}")
        for label, folder in (
            ("demo corpus (examples)", ROOT / "examples"),
            (f"{args.synthetic:,} synthetic", synthetic),
        ):
            for processes in (1, 2):
                runs = [_run(ingestor, folder, processes) for _ in range(args.runs)]
                seconds = statistics.median(r[0] for r in runs)
                print(
                    f"{label:>22} {runs[0][1]:>9} {runs[0][2]:>11} {processes:>10} {seconds:>9.2f} {runs[0][1] / seconds:>11.1f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
