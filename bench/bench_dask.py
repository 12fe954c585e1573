"""The Dask engine (#10): 1 and 2 Dask workers against the local 1- and 2-process engines.

Ingests N synthetic articles (default 2,000) into fresh stores with each engine and prints
articles per second two ways: *steady*, once the pipeline is loaded everywhere (for Dask, after
`DaskRunner.warm()`; for the local engines, with the model loaded before the clock starts), and
*wall*, including the start of the local Dask cluster and the model loads; and the CPU cores the
run actually got (CPU seconds of every process involved / steady seconds), which tells how much of
a shared machine was free. Engines run in turn, run after run. It also checks that the Dask engine
stored exactly the events of the local engine.

    python bench/bench_dask.py [--runs 3] [--articles 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.articles import read_articles  # noqa: E402
from geodata.ingest import Ingestor, ingest_articles  # noqa: E402
from geodata.runners import DaskRunner, ProcessRunner  # noqa: E402
from geodata.store import open_store  # noqa: E402
from geodata.synthetic import synthetic_article_texts  # noqa: E402


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _cpu_self() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _worker_cpu() -> float:
    return time.process_time()


def _local(articles, store, processes: int, ingestor: Ingestor, load_seconds: float) -> tuple[float, float, float]:
    cpu = _cpu_self()
    start = time.perf_counter()
    ingest_articles(articles, store, runner=ProcessRunner(processes=processes, ingestor=ingestor))
    steady = time.perf_counter() - start
    return steady, steady + load_seconds, _cpu_self() - cpu


def _dask(articles, store, workers: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    runner = DaskRunner(workers=workers)
    try:
        runner.warm()
        before = sum(runner.client.run(_worker_cpu).values()) + _cpu_self()
        ready = time.perf_counter()
        ingest_articles(articles, store, runner=runner)
        end = time.perf_counter()
        cpu = sum(runner.client.run(_worker_cpu).values()) + _cpu_self() - before
    finally:
        runner.close()
    return end - ready, end - start, cpu


def _rows(store: Path) -> str:
    import pandas as pd

    reports = open_store(store).reports()
    frame = pd.DataFrame(reports.drop(columns="geometry")).assign(wkt=reports.geometry.to_wkt().to_numpy())
    return frame.sort_values(["event_id", "place_id", "place_role", "place_start"]).to_json(orient="records")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventmap-bench-dask-") as folder:
        tmp = Path(folder)
        corpus = tmp / "corpus"
        corpus.mkdir()
        for name, text in synthetic_article_texts(args.articles, seed=13):
            (corpus / name).write_text(text, encoding="utf-8")
        articles = [a for a in read_articles([corpus]) if not isinstance(a, Exception)]
        started = time.perf_counter()
        ingestor = Ingestor()
        ingestor.process([])
        load_seconds = time.perf_counter() - started
        print(f"Dask engine — {len(articles):,} synthetic articles, medians of {args.runs} runs — {_load()}")
        print(f"{'engine':>22} {'steady s':>9} {'art/s':>7} {'wall s':>7} {'art/s':>7} {'cores used':>11}")
        configs = [
            ("local, 1 process", lambda s: _local(articles, s, 1, ingestor, load_seconds)),
            ("local, 2 processes", lambda s: _local(articles, s, 2, ingestor, load_seconds)),
            ("dask, 1 worker", lambda s: _dask(articles, s, 1)),
            ("dask, 2 workers", lambda s: _dask(articles, s, 2)),
        ]
        # Round robin, so that the load of the shared machine drifts over every engine alike.
        times: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in configs}
        for n in range(args.runs):
            for label, run in configs:
                times[label].append(run(tmp / f"{label}-{n}".replace(" ", "").replace(",", "")))
        results: dict[str, tuple[float, float]] = {}
        for label, _ in configs:
            steady = statistics.median(t[0] for t in times[label])
            wall = statistics.median(t[1] for t in times[label])
            cores = statistics.median(t[2] / t[0] for t in times[label])
            results[label] = (steady, wall)
            n = len(articles)
            print(f"{label:>22} {steady:>9.1f} {n / steady:>7.1f} {wall:>7.1f} {n / wall:>7.1f} {cores:>11.2f}")
        d1, d2, l2 = results["dask, 1 worker"], results["dask, 2 workers"], results["local, 2 processes"]
        print(
            f"dask 2 workers / 1 worker:        {d1[0] / d2[0]:.2f}x steady, {d1[1] / d2[1]:.2f}x wall (target >= 1.7)"
        )
        print(
            f"dask 2 workers / local 2 procs:   {l2[0] / d2[0]:.2f}x steady, {l2[1] / d2[1]:.2f}x wall (target >= 0.9)"
        )
        same = _rows(tmp / "dask2workers-0") == _rows(tmp / "local2processes-0")
        print(f"dask events identical to the local engine's: {same}")
        print(f"done — {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
