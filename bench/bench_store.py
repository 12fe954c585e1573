"""Store benchmarks (#10): concurrent writers, the store's share of an ingest, reading large stores.

1. **Concurrency stress**: two `eventmap ingest` of different corpora into one store at the same
   time, plus the dashboard's upload function, plus a third ingest killed with SIGKILL once it has
   committed part of its corpus (then run again). Checks: every article stored exactly once, no
   duplicate event row, the same events as one sequential run, and readers (a loop of
   `store.events()`) never fail.
2. **Ingest of N synthetic articles** (default 5,000) with 1 and 2 processes: the store's share of
   the wall time, and the cost of one batch commit in the last tenth of the run against the first.
3. **Reading**: `eventmap events --format parquet` on stores of 100k and 1M event rows, as whole
   processes, against a process running `geopandas.read_parquet` on the same rows: median seconds
   and peak memory (RSS).
4. **Append cost**: commits of 64 articles into an empty store and into the 1M-row store, in turn
   (so that the load of the machine weighs on both alike): the median of each.

    python bench/bench_store.py [--runs 3] [--articles 5000] [--sizes 100000,1000000] [--skip stress,ingest,read,append]

Every figure is a median of ``--runs`` runs; the machine's load average is printed with each
section, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.articles import doc_id_for  # noqa: E402
from geodata.store import open_store  # noqa: E402
from geodata.synthetic import synthetic_article_texts  # noqa: E402

PY = sys.executable


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def _corpus(folder: Path, n: int, seed: int) -> Path:
    folder.mkdir(parents=True)
    for name, text in synthetic_article_texts(n, seed=seed):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# A small launcher forks the command, so its peak RSS is its own (a child forked from this big
# process would inherit this process's peak), and reports wall seconds and peak RSS (KiB).
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def _run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process."""
    out = subprocess.run([PY, "-c", _LAUNCHER, *command], env=env, capture_output=True, text=True, cwd=ROOT)
    seconds, rss, code = out.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {out.stderr[-2000:]}")
    return float(seconds), int(rss) / 1024


# ---------------------------------------------------------------------------- 1. stress
_UPLOADER = """
import sys
from pathlib import Path
from dashboard.data import ingest_uploads
from geodata.config import load_settings
from geodata.store import open_store
store = open_store(sys.argv[1])
for path in sys.argv[2:]:
    ingest_uploads([Path(path)], store, load_settings())
"""


def stress(tmp: Path, runs: int, n: int) -> None:
    print(f"\n1. concurrency stress — {_load()}")
    corpora = [_corpus(tmp / f"stress-{k}", n, seed=60 + k) for k in range(3)]
    uploads = sorted(_corpus(tmp / "stress-uploads", 12, seed=70).iterdir())
    victim_docs = {doc_id_for(p.read_text()) for p in corpora[2].iterdir()}
    sequential_store = tmp / "stress-sequential"
    from geodata.ingest import ingest_paths

    ingest_paths([*corpora, *uploads], sequential_store)
    expected = open_store(sequential_store)
    expected_rows = sorted(map(tuple, expected.reports()[["event_id", "place_id", "place_role"]].to_numpy()))
    merged = expected.events()
    expected_events = sorted(zip(merged["event_id"], merged["place_id"], merged["n_sources"], strict=True))
    print(
        f"{'run':>4} {'seconds':>8} {'reads':>6} {'failed reads':>13} {'articles':>9} {'once':>5} {'dup rows':>9} {'= sequential':>13}"
    )
    times = []
    for run in range(runs):
        store_path = tmp / f"stress-store-{run}"
        env = {**os.environ, "EVENTMAP_STORE": str(store_path)}
        ingest = [PY, "-m", "geodata.cli", "ingest", "--batch-size", "4"]
        start = time.perf_counter()
        writers = [
            subprocess.Popen([*ingest, str(c)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
            for c in corpora
        ]
        uploader = subprocess.Popen([PY, "-c", _UPLOADER, str(store_path), *map(str, uploads)], env=env, cwd=ROOT)
        reader = open_store(store_path)
        reads = failed = 0
        killed = False
        while any(p.poll() is None for p in [*writers, uploader]):
            if not killed and reader.has(victim_docs):
                writers[2].send_signal(signal.SIGKILL)
                killed = True
            try:
                reader.events()
            except Exception:
                failed += 1
            reads += 1
        assert writers[2].returncode == -signal.SIGKILL, "the victim finished before it could be killed"
        assert all(p.returncode == 0 for p in [*writers[:2], uploader])
        subprocess.run([*ingest, str(corpora[2])], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        store = open_store(store_path)
        docs = store.articles(columns=["doc_id"])["doc_id"]
        reports = store.reports()
        rows = sorted(map(tuple, reports[["event_id", "place_id", "place_role"]].to_numpy()))
        merged = store.events()
        events = sorted(zip(merged["event_id"], merged["place_id"], merged["n_sources"], strict=True))
        duplicates = int(reports.duplicated(["event_id", "place_id", "place_role", "place_start"]).sum())
        same = rows == expected_rows and events == expected_events
        print(
            f"{run + 1:>4} {times[-1]:>8.1f} {reads:>6} {failed:>13} {len(docs):>9} {docs.is_unique!s:>5}"
            f" {duplicates:>9} {same!s:>13}"
        )
    print(
        f"median {statistics.median(times):.1f} s for {3 * n + len(uploads)} articles (3 ingests, one killed and re-run, {len(uploads)} uploads)"
    )


# ---------------------------------------------------------------------------- 2. ingest
def ingest(tmp: Path, runs: int, n: int) -> None:
    from geodata.articles import read_articles
    from geodata.ingest import Ingestor, ingest_articles

    print(f"\n2. ingest of {n:,} synthetic articles (commits of 64, pipeline chunks of 16) — {_load()}")
    folder = _corpus(tmp / "ingest", n, seed=11)
    articles = [a for a in read_articles([folder]) if not isinstance(a, Exception)]
    ingestor = Ingestor()
    ingestor.process([])
    print(
        f"{'processes':>9} {'seconds':>8} {'art/s':>7} {'store s':>8} {'share':>6} {'commit 1st/10':>14} {'last/10':>8} {'ratio':>6} {'parts':>6}"
    )
    for processes in (1, 2):
        results = []
        for run in range(runs):
            store = open_store(tmp / f"ingest-{processes}-{run}")
            report = ingest_articles(articles, store, ingestor=ingestor, n_process=processes)
            commits = report.commit_seconds
            tenth = max(1, len(commits) // 10)
            first, last = statistics.median(commits[:tenth]), statistics.median(commits[-tenth:])
            mean_first, mean_last = statistics.fmean(commits[:tenth]), statistics.fmean(commits[-tenth:])
            parts = len(store.manifest()["parts"])
            results.append(
                (
                    report.seconds,
                    report.store_seconds,
                    first,
                    last,
                    mean_first,
                    mean_last,
                    parts,
                    store.compaction_seconds,
                )
            )
        seconds = statistics.median(r[0] for r in results)
        store_s = statistics.median(r[1] for r in results)
        share = statistics.median(r[1] / r[0] for r in results)
        first = statistics.median(r[2] for r in results)
        last = statistics.median(r[3] for r in results)
        ratio = statistics.median(r[3] / r[2] for r in results)
        mean_ratio = statistics.median(r[5] / r[4] for r in results)
        print(
            f"{processes:>9} {seconds:>8.1f} {n / seconds:>7.1f} {store_s:>8.2f} {share:>6.1%} {first * 1000:>11.1f} ms"
            f" {last * 1000:>5.1f} ms {ratio:>6.2f} {results[0][6]:>6}   (mean commit: last/first {mean_ratio:.2f};"
            f" background compaction {statistics.median(r[7] for r in results):.1f} s)"
        )


# ---------------------------------------------------------------------------- 3. read
_BASE: dict[str, object] = {}


def _build_store(path: Path, rows: int) -> None:
    """A store of ``rows`` synthetic event rows, written 100k rows per commit.

    100k rows are generated once; further copies get new ids and dates shifted by weeks, so they
    are new events (not merged with the first copy) with the same mix of places and categories.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from geodata.store.schema import to_events_table
    from geodata.synthetic import synthetic_events

    chunk = min(rows, 100_000)
    if _BASE.get("rows") != chunk:
        _BASE.update(rows=chunk, table=to_events_table(synthetic_events(chunk, seed=1000)))
    base = _BASE["table"]
    store = open_store(path)
    for copy, start in enumerate(range(0, rows, chunk)):
        table = base.slice(0, min(chunk, rows - start))
        if copy:
            for column in ("event_id", "doc_id"):
                table = table.set_column(
                    table.column_names.index(column),
                    column,
                    pc.binary_join_element_wise(table.column(column), f"c{copy}", "-"),
                )
            for column in ("date", "date_end", "published"):
                days = pc.cast(pc.strptime(table.column(column), format="%Y-%m-%d", unit="s"), pa.date32())
                shifted = pc.add(pc.cast(days, pa.int32()), pa.scalar(7 * copy, pa.int32())).cast(pa.date32())
                text = pc.strftime(shifted, format="%Y-%m-%d")
                table = table.set_column(table.column_names.index(column), column, text)
        docs = list(dict.fromkeys(table.column("doc_id").to_pylist()))
        store.add([{"doc_id": d, "title": "synthetic"} for d in docs], table)


def read(tmp: Path, runs: int, sizes: list[int]) -> None:
    print(f"\n3. eventmap events --format parquet against geopandas.read_parquet of the same rows — {_load()}")
    print(
        f"{'rows':>9} {'merged':>9} {'parts':>6} {'events s':>9} {'MiB':>6} {'read_parquet s':>15} {'MiB':>6} {'ratio':>6}"
    )
    for size in sizes:
        path = tmp / f"read-{size}"
        _build_store(path, size)
        out = tmp / f"read-{size}.parquet"
        env = {**os.environ, "EVENTMAP_STORE": str(path)}
        events = [
            _run([PY, "-m", "geodata.cli", "events", "--format", "parquet", "-o", str(out)], env) for _ in range(runs)
        ]
        raw = [_run([PY, "-c", f"import geopandas; geopandas.read_parquet({str(out)!r})"]) for _ in range(runs)]
        ratios = [e[0] / r[0] for e, r in zip(events, raw, strict=True)]
        import pyarrow.parquet as pq

        merged = pq.ParquetFile(out).metadata.num_rows
        parts = len(open_store(path).manifest()["parts"])
        print(
            f"{size:>9,} {merged:>9,} {parts:>6} {statistics.median(e[0] for e in events):>9.2f}"
            f" {statistics.median(e[1] for e in events):>6.0f} {statistics.median(r[0] for r in raw):>15.2f}"
            f" {statistics.median(r[1] for r in raw):>6.0f} {statistics.median(ratios):>6.2f}"
        )


# ---------------------------------------------------------------------------- 4. append cost
def append(tmp: Path, runs: int, size: int) -> None:
    """Commits of 64 articles into an empty store and into a store of ``size`` rows, alternately."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from geodata.store.schema import to_events_table
    from geodata.synthetic import synthetic_events

    print(f"\n4. one commit of 64 articles into a small store and a {size:,}-row store, in turn — {_load()}")
    big_path = tmp / f"read-{size}"
    if not (big_path / "manifest.json").exists():
        _build_store(big_path, size)
    table = to_events_table(synthetic_events(64 * 3 * 2 * max(runs, 10), seed=77))
    docs = list(dict.fromkeys(table.column("doc_id").to_pylist()))
    batches = [docs[i : i + 64] for i in range(0, len(docs), 64)]
    small, big = open_store(tmp / "append-small"), open_store(big_path)
    timings: dict[str, list[float]] = {"small": [], "big": []}
    for n, batch in enumerate(batches):
        rows = table.filter(pc.is_in(table.column("doc_id"), value_set=pa.array(batch)))
        store, label = (small, "small") if n % 2 == 0 else (big, "big")
        start = time.perf_counter()
        store.add([{"doc_id": d, "title": "append", "text": "x" * 2000} for d in batch], rows)
        timings[label].append(time.perf_counter() - start)
        store.wait()
    # the first commit of each store loads its indexes (once per process): left out
    first_small, first_big = timings["small"].pop(0), timings["big"].pop(0)
    s, b = statistics.median(timings["small"]), statistics.median(timings["big"])
    print(f"first commit (loads the indexes): small {first_small * 1000:.0f} ms, {size:,} rows {first_big:.1f} s")
    print(
        f"median commit: small store {s * 1000:.1f} ms, {size:,}-row store {b * 1000:.1f} ms — ratio {b / s:.2f}"
        f" ({len(timings['big'])} commits each)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--stress-articles", type=int, default=120)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    with tempfile.TemporaryDirectory(prefix="eventmap-bench-store-") as folder:
        tmp = Path(folder)
        if "stress" not in skip:
            stress(tmp, args.runs, args.stress_articles)
        if "ingest" not in skip:
            ingest(tmp, args.runs, args.articles)
        if "read" not in skip:
            read(tmp, args.runs, [int(s) for s in args.sizes.split(",")])
        if "append" not in skip:
            append(tmp, args.runs, max(int(s) for s in args.sizes.split(",")))
    print(f"\ndone — {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
