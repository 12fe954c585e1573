"""The event sets v2: hand labels per event mention, split by document into train and eval (stdlib only).

The news texts belong to the geobench corpora (``../shared/geobench``) and are not copied into the
repository: label files reference sentences by corpus, document id and character offsets, and
name triggers and places by the words as written plus their occurrence number in the sentence.

Documents are split once, by document, into ``eval`` (every document of the v1 set
``events_gold.jsonl`` plus a seeded half of the others) and ``train`` (the rest), so that no
figure measured on ``eval`` comes from a document the classifier was trained on. Sentences are
proposed with a fixed seed: per corpus, 40 % drawn at random from all usable sentences (so the
share of sentences without an event is realistic) and 60 % from keyword strata (so rare event
types are seen); the v1 rows come first in ``eval``. Keywords decide only which sentences are
shown, never a label.

    python bench/data/events_v2.py split                         # documents per split
    python bench/data/events_v2.py propose --split eval --batch 3  # print batch 3 to label
    python bench/data/events_v2.py check                         # check every label file
    python bench/data/events_v2.py build                         # check labels, write the sets
    python bench/data/events_v2.py training-set -o build/events_train.jsonl  # for `eventmap train`
    python bench/data/events_v2.py stats                         # counts per split

Labels live in ``labels_v2/<split>-<batch>.jsonl``, one line per proposed sentence, written by
hand following ``GUIDELINES.md``; ``build`` checks them against the text and the taxonomy and
writes ``events_v2_eval.jsonl`` and ``events_v2_train.jsonl``.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_events_gold import (  # noqa: E402  (the v1 splitter, filters and keyword strata)
    CORPORA,
    DEFAULT_GEOBENCH,
    keyword_hits,
    load_corpus,
    looks_garbled,
    split_sentences,
)

TAXONOMY_PATH = HERE.parents[1] / "geodata" / "taxonomy.toml"
V1_GOLD = HERE / "events_gold.jsonl"
LABEL_DIR = HERE / "labels_v2"
OUT = {"eval": HERE / "events_v2_eval.jsonl", "train": HERE / "events_v2_train.jsonl"}
OWN = HERE / "events_own.jsonl"  # sentences written for eventmap (training only)
SEED = 2027
BATCH = 50
# Sentences proposed per split and corpus (the v1 rows are added on top in eval).
PLAN = {"eval": {"lgl": 420, "geowebnews": 420}, "train": {"lgl": 800, "geowebnews": 750}}
RANDOM_SHARE = 0.4
MAX_PER_DOC = 6
# Later rounds of training sentences, each appended after the earlier ones so that batch numbers
# keep their sentences, drawn from the sentences left: (name, sentences per corpus, random share,
# cap per document). The second came after the first results showed the classifier short of
# in-domain examples, the third when its category accuracy still was; the fourth is drawn at
# random only (sentences as they come, most of them without an event).
ROUNDS = {
    "train": (
        ("extra", {"lgl": 700, "geowebnews": 400}, 0.3, 12),
        ("extra2", {"lgl": 500, "geowebnews": 250}, 0.5, 24),
        ("extra3", {"lgl": 350, "geowebnews": 250}, 1.0, 30),
    )
}
STATUSES = ("reported", "planned", "denied", "hypothetical", "commentary", "background")


def subtypes() -> set[str]:
    """``category.subtype`` names of the taxonomy."""
    return set(tomllib.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))["subtypes"])


def v1_rows() -> list[dict]:
    with open(V1_GOLD, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_of(corpus: str, doc_id: str, v1_docs: set[tuple[str, str]]) -> str:
    """``eval`` or ``train`` for a document: v1 documents are eval, the others by a stable hash."""
    if (corpus, doc_id) in v1_docs:
        return "eval"
    digest = int(hashlib.sha256(f"{corpus}:{doc_id}".encode()).hexdigest(), 16)
    return "eval" if digest % 100 < 30 else "train"


def documents(geobench: Path) -> dict[tuple[str, str], dict]:
    return {(c, str(d["id"])): d for c in CORPORA for d in load_corpus(geobench, c)}


def candidates(geobench: Path, split: str) -> list[dict]:
    """The ordered list of sentences proposed for ``split`` (deterministic)."""
    docs = documents(geobench)
    v1 = v1_rows()
    v1_docs = {(r["corpus"], r["doc_id"]) for r in v1}
    rng = random.Random(f"{SEED}:{split}")
    out: list[dict] = []
    seen: set[tuple[str, str, int]] = set()
    per_doc: collections.Counter = collections.Counter()
    if split == "eval":
        for r in v1:
            seen.add((r["corpus"], r["doc_id"], r["start"]))
            per_doc[(r["corpus"], r["doc_id"])] += 1
            out.append(
                {"corpus": r["corpus"], "doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "why": "v1"}
            )
    pools = {}
    for corpus in CORPORA:
        pool = []
        for (c, doc_id), doc in docs.items():
            if c != corpus or split_of(c, doc_id, v1_docs) != split:
                continue
            text = doc["text"]
            for s, e in split_sentences(text):
                sent = text[s:e]
                if not looks_garbled(sent):
                    pool.append({"corpus": c, "doc_id": doc_id, "start": s, "end": e, "hits": keyword_hits(sent)})
        rng.shuffle(pool)
        pools[corpus] = pool
        _draw(pool, PLAN[split][corpus], RANDOM_SHARE, MAX_PER_DOC, seen, per_doc, out)
    for name, plan, random_share, cap in ROUNDS.get(split, ()):
        for corpus in CORPORA:
            pool = list(pools[corpus])
            random.Random(f"{SEED}:{split}:{name}").shuffle(pool)
            _draw(pool, plan[corpus], random_share, cap, seen, per_doc, out, f"{name} ")
    return out


def _draw(
    pool: list[dict],
    want: int,
    random_share: float,
    cap: int,
    seen: set,
    per_doc: collections.Counter,
    out: list[dict],
    tag: str = "",
) -> None:
    """Take ``want`` sentences of a shuffled pool: a random share, then keyword strata in turns."""
    strata: dict[str, list[dict]] = collections.defaultdict(list)
    for row in pool:
        for category, subtype in sorted(row["hits"]):
            strata[f"{category}/{subtype}"].append(row)
    taken = 0

    def take(row: dict, why: str) -> bool:
        key = (row["corpus"], row["doc_id"], row["start"])
        if key in seen or per_doc[(row["corpus"], row["doc_id"])] >= cap:
            return False
        seen.add(key)
        per_doc[(row["corpus"], row["doc_id"])] += 1
        out.append({k: row[k] for k in ("corpus", "doc_id", "start", "end")} | {"why": tag + why})
        return True

    n_random = round(want * random_share)
    for row in pool:
        if taken >= n_random:
            break
        taken += take(row, "random")
    # Keyword strata in turns, one sentence each, so that every subtype's keywords are shown.
    names = sorted(strata)
    cursors = dict.fromkeys(names, 0)
    while taken < want and any(cursors[n] < len(strata[n]) for n in names):
        for name in names:
            rows = strata[name]
            while cursors[name] < len(rows):
                row = rows[cursors[name]]
                cursors[name] += 1
                if take(row, f"kw:{name}"):
                    taken += 1
                    break
            if taken >= want:
                break


def propose(geobench: Path, split: str, batch: int) -> None:
    """Print one batch with context, then the JSONL lines to fill in."""
    docs = documents(geobench)
    cands = candidates(geobench, split)[batch * BATCH : (batch + 1) * BATCH]
    if not cands:
        raise SystemExit(f"no batch {batch} in {split}")
    for i, c in enumerate(cands):
        doc = docs[(c["corpus"], c["doc_id"])]
        text = doc["text"]
        spans = split_sentences(text)
        j = spans.index((c["start"], c["end"]))
        prev = text[spans[j - 1][0] : spans[j - 1][1]] if j else ""
        nxt = text[spans[j + 1][0] : spans[j + 1][1]] if j + 1 < len(spans) else ""
        topos = [
            f"{t['name']}({'no coords' if t.get('lat') is None else 'gold coords'})"
            for t in doc["toponyms"]
            if c["start"] <= t["start"] and t["end"] <= c["end"]
        ]
        print(f"=== #{batch * BATCH + i} {c['corpus']} {c['doc_id']} {c['start']}")
        if doc.get("title"):
            print(f"  TITLE: {doc['title']}")
        print(f"  DOC START: {text[:160]!r}")
        print(f"  prev: {prev[-240:]}")
        print(f"  >>> {text[c['start'] : c['end']]}")
        print(f"  next: {nxt[:240]}")
        print(f"  gold toponyms: {'; '.join(topos) or '-'}")
    print("\n=== template (one line per sentence; fill in events, notes; set skip to a reason to leave one out)")
    for c in cands:
        line = {
            "corpus": c["corpus"],
            "doc_id": c["doc_id"],
            "start": c["start"],
            "events": [],
            "skip": None,
            "notes": "",
        }
        print(json.dumps(line, ensure_ascii=False))


def _nth(text: str, s: int, e: int, word: str, n: int) -> int:
    pos = s - 1
    for _ in range(max(1, n)):
        pos = text.find(word, pos + 1, e)
        if pos < 0:
            raise ValueError(f"{word!r} (occurrence {n}) is not in the sentence")
    return pos


def read_labels(split: str) -> dict[tuple[str, str, int], dict]:
    labels: dict[tuple[str, str, int], dict] = {}
    for path in sorted(LABEL_DIR.glob(f"{split}-*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            key = (row["corpus"], str(row["doc_id"]), int(row["start"]))
            if key in labels:
                raise ValueError(f"{path.name}:{lineno}: a second label for {key}")
            labels[key] = row | {"_where": f"{path.name}:{lineno}"}
    return labels


def build(geobench: Path, *, write: bool = True) -> dict[str, list[dict]]:
    """Check every label against the text and the taxonomy; write the two sets (unless ``write`` is false)."""
    docs = documents(geobench)
    known = subtypes()
    result = {}
    for split in ("eval", "train"):
        cands = candidates(geobench, split)
        order = {(c["corpus"], c["doc_id"], c["start"]): c for c in cands}
        labels = read_labels(split)
        stray = set(labels) - set(order)
        if stray:
            raise ValueError(f"{split}: labels for sentences that were not proposed: {sorted(stray)[:3]}")
        rows = []
        for key, c in order.items():
            lab = labels.get(key)
            if lab is None or lab.get("skip"):
                continue
            where = lab["_where"]
            doc = docs[(c["corpus"], c["doc_id"])]
            text = doc["text"]
            events = []
            for ev in lab["events"]:
                name = f"{ev['category']}.{ev['subtype']}"
                if name not in known:
                    raise ValueError(f"{where}: unknown subtype {name}")
                if ev["status"] not in STATUSES:
                    raise ValueError(f"{where}: unknown status {ev['status']!r}")
                t0 = _nth(text, c["start"], c["end"], ev["trigger"], ev.get("trigger_n", 1))
                out = {
                    "category": ev["category"],
                    "subtype": ev["subtype"],
                    "status": ev["status"],
                    "trigger": {"text": ev["trigger"], "start": t0, "end": t0 + len(ev["trigger"])},
                    "place": None,
                }
                if ev.get("place"):
                    p0 = _nth(text, c["start"], c["end"], ev["place"], ev.get("place_n", 1))
                    p1 = p0 + len(ev["place"])
                    gold = next(
                        (
                            t
                            for t in doc["toponyms"]
                            if t["start"] <= p0 and p1 <= t["end"] and t.get("lat") is not None
                        ),
                        None,
                    )
                    if gold is not None:
                        lat, lon, source = float(gold["lat"]), float(gold["lon"]), "gold toponym"
                    elif ev.get("lat") is not None:
                        lat, lon, source = float(ev["lat"]), float(ev["lon"]), "labeller"
                    else:
                        raise ValueError(
                            f"{where}: {ev['place']!r} is not a gold toponym with coordinates; give lat/lon"
                        )
                    out["place"] = {
                        "name": ev["place"],
                        "start": p0,
                        "end": p1,
                        "lat": lat,
                        "lon": lon,
                        "coords": source,
                    }
                events.append(out)
            rows.append(
                {
                    "corpus": c["corpus"],
                    "doc_id": c["doc_id"],
                    "start": c["start"],
                    "end": c["end"],
                    "why": c["why"],
                    "events": events,
                    "notes": lab.get("notes", ""),
                }
            )
        if write:
            with open(OUT[split], "w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        result[split] = rows
    return result


def own_sentences(path: Path = OWN) -> list[dict]:
    """The sentences written for eventmap, checked like the corpus labels, with offsets resolved."""
    if not path.exists():
        return []
    known = subtypes()
    rows, ids = [], set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        where = f"{path.name}:{lineno}"
        if row["id"] in ids:
            raise ValueError(f"{where}: duplicate id {row['id']!r}")
        ids.add(row["id"])
        text = row["text"]
        events = []
        for ev in row["events"]:
            if f"{ev['category']}.{ev['subtype']}" not in known or ev["status"] not in STATUSES:
                raise ValueError(f"{where}: bad subtype or status in {ev}")
            t0 = _nth(text, 0, len(text), ev["trigger"], ev.get("trigger_n", 1))
            place = None
            if ev.get("place"):
                p0 = _nth(text, 0, len(text), ev["place"], ev.get("place_n", 1))
                if ev.get("lat") is None or ev.get("lon") is None:
                    raise ValueError(f"{where}: place {ev['place']!r} needs lat and lon")
                place = {
                    "name": ev["place"],
                    "start": p0,
                    "end": p0 + len(ev["place"]),
                    "lat": ev["lat"],
                    "lon": ev["lon"],
                }
            events.append(
                {
                    "category": ev["category"],
                    "subtype": ev["subtype"],
                    "status": ev["status"],
                    "trigger": {"text": ev["trigger"], "start": t0, "end": t0 + len(ev["trigger"])},
                    "place": place,
                }
            )
        rows.append({"id": row["id"], "text": text, "events": events})
    return rows


def training_set(geobench: Path, out: Path) -> int:
    """Write the classifier's training sentences (train split + own sentences) with their text.

    The file holds corpus text, so it goes to a build folder, never into the repository.
    """
    docs = documents(geobench)
    build(geobench, write=True)
    rows = []
    for r in (json.loads(line) for line in OUT["train"].read_text(encoding="utf-8").splitlines() if line.strip()):
        text = docs[(r["corpus"], r["doc_id"])]["text"][r["start"] : r["end"]]
        events = [
            {
                "subtype": f"{e['category']}.{e['subtype']}",
                "status": e["status"],
                "trigger_start": e["trigger"]["start"] - r["start"],
                "trigger_end": e["trigger"]["end"] - r["start"],
            }
            for e in r["events"]
        ]
        years = [int(y) for y in re.findall(r"\b(19[5-9]\d|20[0-2]\d)\b", docs[(r["corpus"], r["doc_id"])]["text"])]
        rows.append(
            {
                "id": f"{r['corpus']}:{r['doc_id']}:{r['start']}",
                "group": f"{r['corpus']}:{r['doc_id']}",
                "text": text,
                "events": events,
                "reference": f"{max(years)}-12-31" if years else None,  # the latest year the document names
                "source": "news",
            }
        )

    for r in own_sentences():
        events = [
            {
                "subtype": f"{e['category']}.{e['subtype']}",
                "status": e["status"],
                "trigger_start": e["trigger"]["start"],
                "trigger_end": e["trigger"]["end"],
            }
            for e in r["events"]
        ]
        rows.append({"id": r["id"], "group": r["id"], "text": r["text"], "events": events, "source": "own"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)


def stats() -> None:
    for split, path in OUT.items():
        if not path.exists():
            print(f"{split}: not built")
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        events = [e for r in rows for e in r["events"]]
        cats = collections.Counter(e["category"] for e in events)
        print(
            f"{split}: {len(rows)} sentences from {len({(r['corpus'], r['doc_id']) for r in rows})} documents, "
            f"{sum(not r['events'] for r in rows)} without an event, {len(events)} events {dict(cats)}"
        )
        print("  statuses", dict(collections.Counter(e["status"] for e in events)))
        print(
            "  subtypes", dict(sorted(collections.Counter(f"{e['category']}.{e['subtype']}" for e in events).items()))
        )
        print(f"  with a place: {sum(e['place'] is not None for e in events)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["split", "propose", "check", "build", "training-set", "stats"])
    parser.add_argument("--split", choices=["eval", "train"], default="eval")
    parser.add_argument("--batch", type=int, default=0)
    parser.add_argument("--geobench", type=Path, default=DEFAULT_GEOBENCH)
    parser.add_argument("-o", "--out", type=Path, default=HERE.parents[1] / "build" / "events_train.jsonl")
    args = parser.parse_args(argv)
    if args.command == "split":
        v1_docs = {(r["corpus"], r["doc_id"]) for r in v1_rows()}
        counts = collections.Counter((c, split_of(c, d, v1_docs)) for c, d in documents(args.geobench))
        for split in ("eval", "train"):
            n = len(candidates(args.geobench, split))
            print(
                f"{split}: "
                + ", ".join(f"{c} {counts[(c, split)]} documents" for c in CORPORA)
                + f"; {n} sentences proposed = {-(-n // BATCH)} batches of {BATCH}"
            )
    elif args.command == "propose":
        propose(args.geobench, args.split, args.batch)
    elif args.command in ("check", "build"):
        result = build(args.geobench, write=args.command == "build")
        result["own"] = own_sentences()
        print(", ".join(f"{k}: {len(v)} sentences" for k, v in result.items()))
    elif args.command == "training-set":
        print(f"{training_set(args.geobench, args.out)} training sentences → {args.out}")
    else:
        stats()


if __name__ == "__main__":
    main()
