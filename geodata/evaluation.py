"""Benchmark runner and metrics for geoparsing (and the I/O formats of DESIGN.md).

Scoring follows the protocol of Gritta et al. exactly as ``geobench/score.py`` implements it: a gold
toponym (with coordinates) is found by the first unused prediction (with coordinates) whose
surface string is equal ignoring case and whose span midpoint is less than 10 characters away;
P/R/F1 over those; great-circle error on matched pairs gives mean/median km, acc@161 and AUC.

>>> score_documents([([{"start": 0, "end": 5, "name": "Quito", "lat": -0.22, "lon": -78.51}],
...                   [{"start": 0, "end": 5, "name": "Quito", "lat": -0.23, "lon": -78.52}])])["f1"]
1.0
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geodata.errors import InvalidQueryError

__all__ = [
    "EXTRACT_FIELDS",
    "MAX_ERROR_KM",
    "evaluate_corpus",
    "haversine_km",
    "read_jsonl",
    "run_extract",
    "run_geoparse",
    "score_documents",
    "toponym_records",
]

MAX_ERROR_KM = 20039.0
#: Fields of each event in ``eventmap extract`` output (DESIGN.md).
EXTRACT_FIELDS = [
    "category",
    "subtype",
    "confidence",
    "date",
    "sentence",
    "place_text",
    "place_name",
    "place_id",
    "place_kind",
    "place_role",
    "country_code",
    "admin1",
    "lat",
    "lon",
    "geo_precision",
    "status",
    "acled_sub_event_type",
    "cameo_code",
    "sentence_start",
    "sentence_end",
    "evidence",
]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (R = 6371 km)."""
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.sin(dlon / 2) ** 2 * math.cos(math.radians(lat1)) * math.cos(math.radians(lat2))
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _has_coords(t: dict) -> bool:
    return t.get("lat") is not None and t.get("lon") is not None


def score_documents(pairs: Iterable[tuple[list[dict], list[dict]]], *, exact: bool = False) -> dict[str, Any]:
    """P/R/F1, mean/median km, acc@161 and AUC over ``(gold, predicted)`` toponym lists per document."""
    tp = fp = fn = 0
    errors = []
    for gold, pred in pairs:
        gold = [g for g in gold if _has_coords(g)]
        pred = [p for p in pred if _has_coords(p)]
        for g in gold:
            match = None
            for p in pred:
                if exact:
                    ok = p["start"] == g["start"] and p["end"] == g["end"]
                else:
                    ok = (
                        abs((g["start"] + g["end"]) / 2.0 - (p["start"] + p["end"]) / 2.0) < 10
                        and p["name"].lower() == g["name"].lower()
                    )
                if ok:
                    match = p
                    break
            if match is None:
                fn += 1
                continue
            tp += 1
            pred.remove(match)
            errors.append(haversine_km(match["lat"], match["lon"], g["lat"], g["lon"]))
        fp += len(pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    result: dict[str, Any] = {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "matched": len(errors),
        "precision": precision,
        "recall": recall,
        "f1": (2 * precision * recall / (precision + recall)) if tp else 0.0,
    }
    errors.sort()
    n = len(errors)
    result["mean_km"] = sum(errors) / n if n else None
    result["median_km"] = statistics.median(errors) if n else None
    result["acc161"] = sum(1 for e in errors if e < 161) / n if n else None
    if n > 1:
        v = [math.log(1 + e) / math.log(MAX_ERROR_KM) for e in errors]
        result["auc"] = (0.5 * (v[0] + v[-1]) + sum(v[1:-1])) / (n - 1)
    else:
        result["auc"] = None
    return result


def read_jsonl(path: str | Path) -> list[dict]:
    """Documents of a JSON Lines file; a bad line raises an error naming the file and line."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InvalidQueryError(f"{path}:{number}: not JSON ({err.msg})") from err
            if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("text"), str):
                raise InvalidQueryError(f'{path}:{number}: each line needs an "id" and a "text" string')
            out.append(record)
    return out


def toponym_records(result: Any, *, include_demonyms: bool = True) -> list[dict]:
    """The benchmark output records of one :class:`~geodata.nlp.geoparse.GeoparseResult`."""
    records = []
    for r in result.places:
        if r.place is None or (r.mention.kind == "demonym" and (not include_demonyms or r.mention.plural)):
            continue  # a plural demonym ("Mexicans") names people, not a place
        p = r.place
        records.append(
            {
                "start": r.mention.start,
                "end": r.mention.end,
                "name": r.mention.text,
                "lat": p.lat,
                "lon": p.lon,
                "place_id": p.id,
                "kind": p.kind,
                "country_code": p.country_code or None,
                "score": r.confidence if r.confidence is not None else 1.0,
                "mention_kind": r.mention.kind,
            }
        )
    return records


def run_geoparse(
    documents: list[dict], *, gold_spans: bool = False, n_process: int = 1, settings: Any = None
) -> tuple[list[dict], dict[str, float]]:
    """Geoparse benchmark documents; returns output records and throughput figures."""
    from geodata.nlp.geoparse import Geoparser

    parser = Geoparser(settings)
    spans = [[(t["start"], t["end"]) for t in d.get("toponyms") or []] for d in documents] if gold_spans else None
    started = time.perf_counter()
    outputs = []
    for doc, result in zip(
        documents, parser.pipe([d["text"] for d in documents], spans=spans, n_process=n_process), strict=True
    ):
        outputs.append({"id": doc["id"], "toponyms": toponym_records(result)})
    elapsed = time.perf_counter() - started
    words = sum(len(d["text"].split()) for d in documents)
    return outputs, {"seconds": elapsed, "docs_per_s": len(documents) / elapsed, "words_per_s": words / elapsed}


def evaluate_corpus(
    path: str | Path,
    *,
    gold_spans: bool = False,
    n_process: int = 1,
    settings: Any = None,
    output: str | Path | None = None,
) -> dict[str, Any]:
    """Geoparse a gold corpus and score it (metrics + throughput)."""
    documents = read_jsonl(path)
    outputs, speed = run_geoparse(documents, gold_spans=gold_spans, n_process=n_process, settings=settings)
    if output:
        Path(output).write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outputs), encoding="utf-8")
    predicted = {o["id"]: o["toponyms"] for o in outputs}
    metrics = score_documents((d.get("toponyms") or [], predicted.get(d["id"], [])) for d in documents)
    metrics.update(speed)
    metrics.update({"corpus": str(path), "documents": len(documents), "gold_spans": gold_spans, "n_process": n_process})
    return metrics


def run_extract(
    documents: list[dict], *, settings: Any = None, n_process: int = 1, all_statuses: bool = False
) -> tuple[list[dict], dict[str, float]]:
    """Events of benchmark documents ``{id, text, date?}`` in the DESIGN.md output format.

    One entry per (event, place) where it happened (roles ``event`` and ``focus``; ``unknown`` with no
    coordinates when no place is given), most confident first; only the statuses drawn on maps
    (reported, planned) unless ``all_statuses``.
    """
    from geodata.articles import Article, doc_id_for, parse_date
    from geodata.ingest import Ingestor, _batches, _rows_for
    from geodata.model import MAPPED_STATUSES

    ingestor = Ingestor(settings)
    articles = [
        Article(
            doc_id=f"{i:08d}-{doc_id_for(d['text'])}",
            text=d["text"],
            title=None,
            published=parse_date(d.get("date")),
            source=str(d["id"]),
        )
        for i, d in enumerate(documents)
    ]
    started = time.perf_counter()
    rows_by_doc: dict[str, list[dict]] = {a.doc_id: [] for a in articles}
    for rows in _rows_for(ingestor, list(_batches(articles, 16)), n_process):
        for row in rows:
            if row["place_role"] in ("event", "focus", "unknown") and (
                all_statuses or row["status"] in MAPPED_STATUSES
            ):
                rows_by_doc[row["doc_id"]].append(row)
    elapsed = time.perf_counter() - started
    outputs = []
    for document, article in zip(documents, articles, strict=True):
        rows = sorted(rows_by_doc[article.doc_id], key=lambda r: (-r["confidence"], r["sentence_start"]))
        outputs.append({"id": document["id"], "events": [{k: r.get(k) for k in EXTRACT_FIELDS} for r in rows]})
    return outputs, {"seconds": elapsed, "docs_per_s": len(documents) / elapsed if elapsed else 0.0}
