"""Reader for the hand-labelled event evaluation set ``events_gold.jsonl`` (stdlib only).

The gold file stores only corpus, document id and character offsets; the sentence text is read at
run time from the geobench corpora (``lgl.jsonl``, ``geowebnews.jsonl``), which are not part of the
repository.

    from bench.data.events_gold import load_events_gold
    rows = load_events_gold("../shared/geobench")

    python bench/data/events_gold.py [GEOBENCH_DIR]     # check that every row round-trips
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOLD_PATH = Path(__file__).resolve().parent / "events_gold.jsonl"
CORPORA = ("lgl", "geowebnews")
CATEGORIES = {
    "military": {"armed_clash", "strike", "raid", "deployment", "base", "arms_procurement", "blockade"},
    "political": {"election", "decree", "diplomacy", "arrest", "protest", "legislation"},
    "economic": {"trade", "sanctions", "production", "budget", "investment", "prices"},
    "none": set(),
}


class EventsGoldError(ValueError):
    """A gold row does not match the corpus text (wrong offsets, unknown document, bad label)."""


def _load_corpus(geobench_dir: Path, corpus: str) -> dict[str, str]:
    path = geobench_dir / f"{corpus}.jsonl"
    if not path.is_file():
        raise EventsGoldError(f"corpus file not found: {path}")
    texts: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                doc = json.loads(line)
                texts[str(doc["id"])] = doc["text"]
    return texts


_OPENERS = "\"'“‘([-"
_CLOSERS = "\"'”’)]"


def _is_sentence_span(text: str, start: int, end: int) -> bool:
    """True when text[start:end] looks like a whole sentence: bounded by whitespace or the document
    edges, no line break, starting with a capital, digit or opening quote/bracket, and ending with
    . ! or ? (optionally followed by closing quotes/brackets)."""
    sent = text[start:end]
    if not sent or sent != sent.strip() or "\n" in sent:
        return False
    if start > 0 and not text[start - 1].isspace():
        return False
    if end < len(text) and not text[end].isspace():
        return False
    if not (sent[0].isupper() or sent[0].isdigit() or sent[0] in _OPENERS):
        return False
    return sent.rstrip(_CLOSERS)[-1:] in (".", "!", "?")


def load_events_gold(geobench_dir: str | Path, gold_path: str | Path = GOLD_PATH) -> list[dict]:
    """Return the gold rows, each with "sentence", "doc_text" and "published" (None) added.

    Raises EventsGoldError when a document is missing, an offset does not give the sentence or
    the place name, or a label is outside the taxonomy.
    """
    geobench_dir = Path(geobench_dir)
    corpora: dict[str, dict[str, str]] = {}
    rows: list[dict] = []
    with open(gold_path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            where = f"{gold_path}:{lineno} ({row.get('corpus')}/{row.get('doc_id')}@{row.get('start')})"
            corpus = row["corpus"]
            if corpus not in CORPORA:
                raise EventsGoldError(f"{where}: unknown corpus {corpus!r}")
            if corpus not in corpora:
                corpora[corpus] = _load_corpus(geobench_dir, corpus)
            text = corpora[corpus].get(str(row["doc_id"]))
            if text is None:
                raise EventsGoldError(f"{where}: document not found in {corpus}.jsonl")
            start, end = row["start"], row["end"]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                raise EventsGoldError(f"{where}: offsets {start}:{end} outside the document (length {len(text)})")
            sentence = text[start:end]
            if not _is_sentence_span(text, start, end):
                raise EventsGoldError(
                    f"{where}: offsets {start}:{end} do not delimit a sentence "
                    f"(got {sentence[:40]!r} ... {sentence[-20:]!r})"
                )
            cat, sub = row["category"], row["subtype"]
            if (
                cat not in CATEGORIES
                or (sub is None) != (cat == "none")
                or (sub is not None and sub not in CATEGORIES[cat])
            ):
                raise EventsGoldError(f"{where}: bad label {cat}/{sub}")
            place = row.get("place")
            if place is not None:
                ps, pe = place["start"], place["end"]
                if not (start <= ps < pe <= end) or text[ps:pe] != place["name"]:
                    raise EventsGoldError(
                        f"{where}: place {place['name']!r} does not match text[{ps}:{pe}] = {text[ps:pe]!r}"
                    )
                if not (-90 <= place["lat"] <= 90 and -180 <= place["lon"] <= 180):
                    raise EventsGoldError(f"{where}: bad coordinates for {place['name']!r}")
            rows.append({**row, "sentence": sentence, "doc_text": text, "published": None})
    return rows


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[3] / "shared" / "geobench"
    rows = load_events_gold(sys.argv[1] if len(sys.argv) > 1 else default)
    print(f"{len(rows)} rows round-trip; {sum(r['place'] is not None for r in rows)} with a place")
