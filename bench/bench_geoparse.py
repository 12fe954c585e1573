"""Geoparsing throughput on GeoWebNews with 1 and 2 processes, against a spaCy-NER-only baseline.

The baseline runs the same spaCy model over the whole text (``nlp.pipe``, NER and tagger, no
gazetteer, no resolution): it shows what the model alone costs. eventmap runs the model only in
windows around candidate words, then recognises, gates and resolves in Python. Medians of
``--runs`` runs, measured in the same process so the ratios hold on a noisy machine.

    python bench/bench_geoparse.py [--corpus ../shared/geobench/geowebnews.jsonl] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.evaluation import score_documents, toponym_records  # noqa: E402
from geodata.nlp.geoparse import Geoparser  # noqa: E402
from geodata.nlp.pipeline import load_pipeline  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "geobench" / "geowebnews.jsonl"


def _median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"bench_geoparse: {args.corpus} not found (../shared/geobench beside the repo); skipped")
        return 0
    docs = [json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [d["text"] for d in docs]
    words = sum(len(t.split()) for t in texts)
    geoparser = Geoparser()
    nlp = load_pipeline()
    rows = []
    for n in (1, 2):
        baseline = _median_time(lambda n=n: list(nlp.pipe(texts, batch_size=64, n_process=n)), args.runs)
        ours = _median_time(lambda n=n: list(geoparser.pipe(texts, n_process=n)), args.runs)
        rows.append((n, baseline, ours))
    annotate = _median_time(lambda: geoparser.annotate(texts), args.runs)
    annotated = geoparser.annotate(texts)
    resolve = _median_time(lambda: [geoparser.from_doc(d) for d in annotated], args.runs)
    results = [geoparser.from_doc(d) for d in annotated]
    metrics = score_documents((d["toponyms"], toponym_records(r)) for d, r in zip(docs, results, strict=True))

    print(
        f"geoparse benchmark — {args.corpus.name}: {len(docs)} documents, {words:,} words; medians of {args.runs} runs"
    )
    print(
        f"{'processes':>10} {'spaCy NER only (docs/s)':>26} {'eventmap geoparse (docs/s)':>28} {'words/s':>10} {'ratio':>7}"
    )
    for n, baseline, ours in rows:
        print(
            f"{n:>10} {len(docs) / baseline:>26.1f} {len(docs) / ours:>28.1f} {words / ours:>10,.0f} {baseline / ours:>6.2f}x"
        )
    print(
        f"where the time goes (1 process): windowed model {annotate:.2f} s, recognition + resolution {resolve:.2f} s "
        f"(the whole-text model alone takes {rows[0][1]:.2f} s)"
    )
    print(
        f"quality in the same run: F1 {metrics['f1']:.3f}, acc@161 {metrics['acc161']:.3f}; goal ≥ 60 docs/s with 2 processes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
