"""Fuzz ingest: a few thousand random and mutated articles through the whole `eventmap ingest`.

Files are synthetic articles mutated the ways real input goes wrong (flipped and inserted bytes,
cuts inside a UTF-8 sequence, legacy encodings and byte-order marks, mojibake, NUL and control
characters, markup and scripts, huge numbers and broken dates, empty and binary files, odd file
names) plus purely random bytes and text. Every file must either be stored or be refused with
one clear error line; anything else escaping the reader or the pipeline is a crash (goal: 0).
A crashing batch is split to find the articles that crash; their files are kept under
``bench/results/fuzz-crashes/`` to reproduce.

    python bench/fuzz_ingest.py [--files 3000] [--seed N] [--processes 2]
"""

from __future__ import annotations

import argparse
import codecs
import collections
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.articles import Article, read_articles  # noqa: E402
from geodata.errors import ArticleError  # noqa: E402
from geodata.ingest import Ingestor, ingest_articles  # noqa: E402
from geodata.store import EventStore  # noqa: E402
from geodata.synthetic import synthetic_article_texts  # noqa: E402

CRASHES = ROOT / "bench" / "results" / "fuzz-crashes"
SNIPPETS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "\x00",
    "\x1b[31m",
    "\u202e",  # right-to-left override
    "\u200d\u200b\ufeff",
    "e\u0301\u0301\u0301",
    "🇪🇨💥" * 3,
    "ſunday Auguſt 4 \u212aILLED",
    "9" * 40 + " troops",
    "killed 12,345,678,901 people",
    "$1e400 billion",
    "2026-13-45 to 2025-02-30",
    "from Monday until Sunday and between 31 February and 45 March",
    "Published: 0000-00-00",
    "Source: " + "x" * 5000,
    "\r\n\r\r\n",
    "Nari\u00c3\u00b1o",  # mojibake of Nariño
    "٢٠٢٦-٠٣-٠٤ ١٢ killed",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "a" * 20_000,
    " ".join(["Quito"] * 2000),
    "Nariño/Putumayo/Tumaco/Esmeraldas/Manta/" * 50,
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "cp1251", "mac_roman"]
SUFFIXES = [".txt", ".md", ".html", ".htm", ".markdown"]
MAX_CHARS = 50_000  # long articles (spaCy's 1,000,000-character limit) have tests of their own
NAME_PARTS = ["", " odd name", "\n", " ñ", "'", " -rf"]


def _mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        cut = rng.randint(0, len(text))
        if choice < 0.35:
            text = text[:cut] + rng.choice(SNIPPETS) + text[cut:]
        elif choice < 0.5:
            text = text[: max(cut, len(text) // 2)]
        elif choice < 0.6:
            text = text * rng.randint(2, 10) if len(text) < 10_000 else text
        elif choice < 0.7:
            lines = text.split("\n")
            rng.shuffle(lines)
            text = "\n".join(lines)
        elif choice < 0.8:
            text = f"<html><head><title>{text[:60]}</title></head><body><article><p>{text}</p></article></body></html>"
        elif choice < 0.9:
            text = "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 300))) + text
        else:
            text = text.upper() if rng.random() < 0.5 else text.swapcase()
    return text[:MAX_CHARS]


def _encode(text: str, rng: random.Random) -> bytes:
    encoding = rng.choice(ENCODINGS)
    raw = text.encode(encoding, "replace")
    if encoding == "utf-8" and rng.random() < 0.2:
        raw = text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")  # mojibake
    return raw


def _mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        position = rng.randrange(len(data))
        if rng.random() < 0.5:
            data[position] = rng.randrange(256)
        else:
            data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.3:
        data = data[: rng.randint(0, len(data))]  # cut, perhaps inside a multi-byte sequence
    return bytes(data)


def fuzz_files(folder: Path, count: int, seed: int) -> None:
    """Write ``count`` hostile article files into ``folder``."""
    rng = random.Random(seed)
    bases = [text for _, text in synthetic_article_texts(max(50, count // 10), seed=seed)]
    for i in range(count):
        kind = rng.random()
        if kind < 0.05:
            raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
        elif kind < 0.1:
            raw = "".join(chr(rng.randint(1, 0x10FFFF)) for _ in range(rng.randint(0, 500))).encode(
                "utf-8", "surrogatepass"
            )
        elif kind < 0.12:
            raw = rng.choice([b"", b"   \n\t", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", codecs.BOM_UTF16_LE])
        else:
            raw = _encode(_mutate_text(rng.choice(bases), rng), rng)
            if rng.random() < 0.15:
                raw = _mutate_bytes(raw, rng)
        name = f"{i:05d}{rng.choice(NAME_PARTS)}{rng.choice(SUFFIXES)}"
        (folder / name).write_bytes(raw)


def _crashing(ingestor: Ingestor, articles: list[Article]) -> list[tuple[Article, BaseException]]:
    """The articles that crash the pipeline on their own."""
    found = []
    for article in articles:
        try:
            ingestor.process([article])
        except Exception as err:
            found.append((article, err))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=None, help="Repeat a run (default: a new seed each run).")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    ingestor = Ingestor()
    ingestor.process([])  # loads the model and the gazetteer
    crashes: list[tuple[str, str, str]] = []
    refused: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fuzz"
        folder.mkdir()
        fuzz_files(folder, args.files, seed)
        started = time.perf_counter()
        articles: list[Article] = []
        try:
            for item in read_articles([folder]):
                if isinstance(item, ArticleError):
                    refused[type(item).__name__] += 1
                    assert "\n" not in str(item), f"an error line was split: {item!r}"
                else:
                    articles.append(item)
        except Exception as err:  # the reader itself must never raise
            crashes.append(("reading the folder", type(err).__name__, traceback.format_exc()))
        read_seconds = time.perf_counter() - started
        store = Path(tmp) / "store"
        try:
            ingest_articles(articles, store, ingestor=ingestor, batch_size=args.batch_size, n_process=args.processes)
        except Exception:  # find the batches, then the articles, that crash
            for start in range(0, len(articles), args.batch_size):
                batch = articles[start : start + args.batch_size]
                try:
                    ingest_articles(batch, store, ingestor=ingestor, batch_size=args.batch_size)
                except Exception:
                    for article, err in _crashing(ingestor, batch):
                        crashes.append((article.path or "?", type(err).__name__, str(err)[:200]))
                        CRASHES.mkdir(parents=True, exist_ok=True)
                        shutil.copy(article.path, CRASHES / f"seed{seed}-{Path(article.path).name[:5]}.bin")
        stored = len(EventStore(store).doc_ids())
        rows = len(EventStore(store).reports())
        seconds = time.perf_counter() - started
    print(f"ingest fuzz — {args.files:,} random and mutated files (seed {seed}), {args.processes} processes")
    print(f"  read {len(articles):,} articles and refused {sum(refused.values()):,} files in {read_seconds:.1f} s")
    print("  refused: " + ", ".join(f"{name} {n:,}" for name, n in refused.most_common()))
    print(
        f"  stored {stored:,} articles, {rows:,} event rows; {seconds:.1f} s in all ({args.files / seconds:.0f} files/s)"
    )
    lost = args.files - sum(refused.values()) - len(articles)
    print(f"  files neither read nor refused: {lost} (goal 0); crashes: {len(crashes)} (goal 0)")
    for where, kind, message in crashes[:20]:
        print(f"    {where!r}: {kind}: {message.splitlines()[-1] if message else ''}")
    return 1 if crashes or lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
