"""Event extraction measured on the hand-labelled eval split (``bench/data/events_v2_eval.jsonl``).

Whole geobench documents go through ``run_extract`` (the ingest pipeline: document context, focus
place, merging), with every status kept; each gold sentence is matched to the extracted events
whose evidence sentence covers it. The eval split comes from documents the classifier was never
trained on (``bench/data/README.md``). Reported, per classifier (``model`` and ``lexicon`` side by
side, plus an optional baseline checkout):

- **category accuracy** — the most confident mapped event (status reported or planned) has a
  category of the sentence's mapped gold events, or both have none; per-class P/R/F1 and macro-F1;
- **subtype accuracy** — gold mapped events whose category was found that get the same subtype;
- **status accuracy** — gold events of any status found with their subtype that get their status;
- **place within 161 km** — gold mapped events with a place whose category was found, with an
  extracted place of that category (role event or focus) within 161 km; also over all of them;
- **no-event sentences with an event** — the share of sentences without a mapped gold event that
  get one on the map.

    python bench/eval_events.py [--geobench ../shared/geobench] [--classifier model lexicon]
                                [--baseline CHECKOUT] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "data"))

import events_v2  # noqa: E402

from geodata.config import load_settings  # noqa: E402
from geodata.evaluation import haversine_km, run_extract  # noqa: E402
from geodata.model import MAPPED_STATUSES  # noqa: E402

CLASSES = ["military", "political", "economic", "none"]
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _covers(event: dict, row: dict, text: str) -> bool:
    """Whether one of an extracted event's evidence sentences is the gold sentence (offsets, else words).

    An event told in several sentences of an article is one event with every sentence as evidence.
    """
    if event.get("sentence_start") is not None:
        a, b = event["sentence_start"], event["sentence_end"]
        if min(b, row["end"]) - max(a, row["start"]) >= 0.5 * (row["end"] - row["start"]):
            return True
    gold = _words(text[row["start"] : row["end"]])
    for sentence in [event.get("sentence") or "", *(event.get("evidence") or [])]:
        got = _words(sentence)
        if gold and got and len(gold & got) / min(len(gold), len(got)) >= 0.8:
            return True
    return False


def evaluate(gold: list[dict], texts: dict[str, str], outputs: dict[str, list[dict]]) -> dict:
    """Scores of extracted events (``outputs``: document key → events) against the gold sentences."""
    confusion: Counter[tuple[str, str]] = Counter()
    top_hits = nulls = null_hits = 0
    sub_hits = sub_total = status_hits = status_total = 0
    located = located_found = located_total = 0
    multilabel = {c: Counter() for c in CLASSES[:3]}
    for row in gold:
        key = f"{row['corpus']}:{row['doc_id']}"
        text = texts[key]
        found = [
            e for e in outputs.get(key, []) if e.get("place_role") in (None, "event", "focus") and _covers(e, row, text)
        ]
        mapped = [e for e in found if (e.get("status") or "reported") in MAPPED_STATUSES]
        gold_mapped = [ev for ev in row["events"] if ev["status"] in MAPPED_STATUSES]
        gold_cats = {ev["category"] for ev in gold_mapped}
        top = max(mapped, key=lambda e: e["confidence"])["category"] if mapped else "none"
        if not gold_cats:
            nulls += 1
            null_hits += bool(mapped)
        hit = top in gold_cats if gold_cats else top == "none"
        top_hits += hit
        expected = top if hit else (gold_mapped[0]["category"] if gold_mapped else "none")
        confusion[(expected, top)] += 1
        got_cats = {e["category"] for e in mapped}
        for c in CLASSES[:3]:
            multilabel[c][(c in gold_cats, c in got_cats)] += 1
        for ev in gold_mapped:
            if ev["category"] not in got_cats:
                if ev.get("place"):
                    located_total += 1
                continue
            sub_total += 1
            sub_hits += any(e["subtype"] == ev["subtype"] and e["category"] == ev["category"] for e in mapped)
            if ev.get("place"):
                located_total += 1
                places = [e for e in mapped if e["category"] == ev["category"] and e.get("lat") is not None]
                near = any(
                    haversine_km(e["lat"], e["lon"], ev["place"]["lat"], ev["place"]["lon"]) < 161 for e in places
                )
                located_found += 1
                located += near
        for ev in row["events"]:
            same = [e for e in found if e["category"] == ev["category"] and e["subtype"] == ev["subtype"]]
            if same:
                status_total += 1
                status_hits += any((e.get("status") or "reported") == ev["status"] for e in same)
    per_class = {}
    for c in CLASSES:
        tp = confusion[(c, c)]
        fp = sum(v for (g, p), v in confusion.items() if p == c and g != c)
        fn = sum(v for (g, p), v in confusion.items() if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {"support": tp + fn, "precision": precision, "recall": recall, "f1": f1}
    per_category = {}
    for c, counts in multilabel.items():
        tp, fp, fn = counts[(True, True)], counts[(False, True)], counts[(True, False)]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per_category[c] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
    return {
        "sentences": len(gold),
        "category_accuracy": top_hits / len(gold) if gold else 0.0,
        "macro_f1": sum(m["f1"] for m in per_class.values()) / len(per_class),
        "per_class": per_class,
        "per_category_multilabel": per_category,
        "subtype_accuracy": sub_hits / sub_total if sub_total else None,
        "status_accuracy": status_hits / status_total if status_total else None,
        "status_events": status_total,
        "place_161km_when_found": located / located_found if located_found else None,
        "place_161km_all": located / located_total if located_total else None,
        "gold_events_with_place": located_total,
        "no_event_sentences": nulls,
        "no_event_sentences_with_event": null_hits / nulls if nulls else None,
        "confusion": {f"{g}->{p}": v for (g, p), v in sorted(confusion.items())},
    }


def _baseline(checkout: Path, documents: list[dict]) -> tuple[dict[str, list[dict]], float]:
    """Run another checkout's ``eventmap extract`` on the same documents (its own classifier)."""
    with tempfile.TemporaryDirectory() as tmp:
        docs, out = Path(tmp) / "docs.jsonl", Path(tmp) / "out.jsonl"
        docs.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [str(checkout / ".venv" / "bin" / "eventmap"), "extract", "--jsonl", str(docs), "-o", str(out)], check=True
        )
        elapsed = time.perf_counter() - started
        return {r["id"]: r["events"] for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}, elapsed


def _print(name: str, result: dict, seconds: float, documents: int) -> None:
    f = result
    print(f"\n[{name}] {f['sentences']} labelled sentences from {documents} documents ({seconds:.1f} s)")
    print(
        f"  category accuracy {f['category_accuracy']:.3f}, macro-F1 {f['macro_f1']:.3f}; subtype accuracy "
        f"{f['subtype_accuracy'] or 0:.3f}; status accuracy {f['status_accuracy'] or 0:.3f} (of {f['status_events']})"
    )
    print(
        f"  place within 161 km {f['place_161km_when_found'] or 0:.3f} when the event is found "
        f"({f['place_161km_all'] or 0:.3f} of all {f['gold_events_with_place']} gold events with a place); "
        f"no-event sentences with an event on the map {f['no_event_sentences_with_event'] or 0:.3f} "
        f"(of {f['no_event_sentences']})"
    )
    print(f"  {'class':>10} {'support':>8} {'precision':>10} {'recall':>8} {'F1':>6}")
    for c, m in f["per_class"].items():
        print(f"  {c:>10} {m['support']:>8} {m['precision']:>10.3f} {m['recall']:>8.3f} {m['f1']:>6.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geobench", type=Path, default=ROOT.parent / "shared" / "geobench")
    parser.add_argument("--classifier", nargs="+", default=["model", "lexicon"])
    parser.add_argument("--baseline", type=Path, help="another checkout (with its .venv) to run side by side")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.geobench.exists():
        print(f"eval_events: {args.geobench} not found; skipped")
        return 0
    built = events_v2.build(args.geobench, write=False)["eval"]
    corpora = events_v2.documents(args.geobench)
    texts = {f"{c}:{d}": doc["text"] for (c, d), doc in corpora.items()}
    keys = list(dict.fromkeys(f"{r['corpus']}:{r['doc_id']}" for r in built))
    documents = [{"id": k, "text": texts[k], "date": None} for k in keys]
    results = {}
    for name in args.classifier:
        started = time.perf_counter()
        extracted, _ = run_extract(documents, settings=load_settings(classifier=name), all_statuses=True)
        seconds = time.perf_counter() - started
        results[name] = evaluate(built, texts, {o["id"]: o["events"] for o in extracted})
        _print(f"classifier = {name}", results[name], seconds, len(documents))
    if args.baseline:
        outputs, seconds = _baseline(args.baseline, documents)
        results["baseline"] = evaluate(built, texts, outputs)
        _print(f"baseline {args.baseline.name}", results["baseline"], seconds, len(documents))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
