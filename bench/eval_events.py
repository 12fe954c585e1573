"""Event extraction measured on the hand-labelled sentences of bench/data/events_gold.jsonl.

Whole documents go through ``eventmap extract`` (so the focus fallback and the document context
work as in production); each gold sentence is then matched to the extracted events whose evidence
sentence overlaps it. Reported: category accuracy, per-class precision/recall/F1 (``none`` = no
event), subtype accuracy on correctly categorised events, and location accuracy = share of gold
events with a place whose extracted place (role event or focus, same category) lies within
161 km of it.

    python bench/eval_events.py [--geobench ../shared/geobench] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "data"))

from events_gold import load_events_gold  # noqa: E402

from geodata.evaluation import haversine_km, run_extract  # noqa: E402

CLASSES = ["military", "political", "economic", "none"]
_WORD = re.compile(r"\w+")


def _overlap(a: str, b: str) -> float:
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def evaluate(gold: list[dict], outputs: dict[str, list[dict]]) -> dict:
    """Scores of extracted events (``outputs``: document key → events) against gold rows."""
    confusion: Counter[tuple[str, str]] = Counter()
    subtype_hits = subtype_total = 0
    located = located_total = 0
    for row in gold:
        key = f"{row['corpus']}:{row['doc_id']}"
        matched = [e for e in outputs.get(key, []) if _overlap(e["sentence"] or "", row["sentence"]) >= 0.8]
        predicted = max(matched, key=lambda e: e["confidence"])["category"] if matched else "none"
        confusion[(row["category"], predicted)] += 1
        if row["category"] == "none" or predicted != row["category"]:
            continue
        same = [e for e in matched if e["category"] == row["category"]]
        subtype_total += 1
        subtype_hits += any(e["subtype"] == row["subtype"] for e in same)
        if row.get("place"):
            located_total += 1
            places = [e for e in same if e["place_role"] in ("event", "focus") and e["lat"] is not None]
            if places:
                best = max(places, key=lambda e: (e["place_role"] == "event", e["confidence"]))
                located += haversine_km(best["lat"], best["lon"], row["place"]["lat"], row["place"]["lon"]) < 161
    per_class = {}
    for c in CLASSES:
        tp = confusion[(c, c)]
        fp = sum(v for (g, p), v in confusion.items() if p == c and g != c)
        fn = sum(v for (g, p), v in confusion.items() if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_class[c] = {
            "support": tp + fn,
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        }
    total = sum(confusion.values())
    return {
        "rows": total,
        "category_accuracy": sum(confusion[(c, c)] for c in CLASSES) / total if total else 0.0,
        "per_class": per_class,
        "subtype_accuracy": subtype_hits / subtype_total if subtype_total else None,
        "location_accuracy_161km": located / located_total if located_total else None,
        "located_rows": located_total,
        "confusion": {f"{g}->{p}": v for (g, p), v in sorted(confusion.items())},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geobench", type=Path, default=ROOT.parent / "shared" / "geobench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.geobench.exists():
        print(f"eval_events: {args.geobench} not found; skipped")
        return 0
    gold = load_events_gold(args.geobench)
    documents, seen = [], set()
    for row in gold:
        key = f"{row['corpus']}:{row['doc_id']}"
        if key not in seen:
            seen.add(key)
            documents.append({"id": key, "text": row["doc_text"], "date": None})
    started = time.perf_counter()
    extracted, _ = run_extract(documents)
    elapsed = time.perf_counter() - started
    outputs = {o["id"]: o["events"] for o in extracted}
    result = evaluate(gold, outputs)
    print(
        f"event extraction — {result['rows']} labelled sentences from {len(documents)} geobench documents ({elapsed:.1f} s)"
    )
    print(
        f"category accuracy {result['category_accuracy']:.3f}; subtype accuracy (when the category is right) "
        f"{result['subtype_accuracy']:.3f}; location within 161 km {result['location_accuracy_161km']:.3f} "
        f"(of {result['located_rows']} events with a gold place and the right category)"
    )
    print(f"{'class':>10} {'support':>8} {'precision':>10} {'recall':>8} {'F1':>6}")
    for c, m in result["per_class"].items():
        print(f"{c:>10} {m['support']:>8} {m['precision']:>10.3f} {m['recall']:>8.3f} {m['f1']:>6.3f}")
    counts = defaultdict(int)
    for k, v in result["confusion"].items():
        counts[k] = v
    print("confusion (gold -> predicted):", ", ".join(f"{k} {v}" for k, v in result["confusion"].items() if v))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
