r"""Read news articles from ``.txt``, ``.md`` and ``.html`` files (and whole folders).

The text's encoding is detected (charset-normalizer), HTML is reduced to its main text with
trafilatura, and the title, author, publication date and source URL are taken from header lines
(``Published: 2026-03-04``, ``Source: https://…``, ``By …``) or HTML metadata when present. A stable
``doc_id`` is derived from the text, so the same article read twice has the same id.

Bad files raise one :class:`~geodata.errors.ArticleError` each (unreadable, empty, binary, too
large); :func:`read_articles` reports them and goes on with the rest of the folder.

>>> from geodata.articles import article_from_text
>>> article = article_from_text("Curfew in Quito\\nPublished: 2026-03-04\\n\\nThe government ...")
>>> article.title, article.published
('Curfew in Quito', '2026-03-04')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from geodata.errors import (
    ArticleError,
    ArticleTooLargeError,
    BinaryArticleError,
    EmptyArticleError,
    InvalidQueryError,
    UnreadableArticleError,
)

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "article_from_text",
    "doc_id_for",
    "find_article_files",
    "parse_date",
    "read_article",
    "read_articles",
]

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
DEFAULT_MAX_BYTES = 5_000_000
_HEADER = re.compile(
    r"^\s*[*_]*\s*(?P<key>published|date|dateline|source|url|link|by|author|byline|title)\s*[:：]\s*(?P<value>.+?)\s*[*_]*\s*$",
    re.IGNORECASE,
)
_BY_LINE = re.compile(r"^\s*(?i:by)\s+(?P<value>[A-Z][\w.'’ -]{2,80})\s*$")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x7fELF",
    b"BZh",
    b"7z\xbc\xaf",
)


@dataclass(frozen=True)
class Article:
    """One news article, as read from a file or given as text."""

    doc_id: str
    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    author: str | None = None
    path: str | None = None


def doc_id_for(text: str) -> str:
    """A stable id from the article's text (whitespace-insensitive), 16 hex digits.

    >>> doc_id_for("Raid in  Manta.") == doc_id_for("Raid in Manta.")
    True
    """
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def parse_date(value: str | None) -> str | None:
    """An ISO date (``YYYY-MM-DD``) from ISO text, ``4 March 2026`` and similar, else ``None``.

    >>> parse_date("4 March 2026"), parse_date("2026-03-04T09:00:00Z"), parse_date("soon")
    ('2026-03-04', '2026-03-04', None)
    """
    if not value:
        return None
    match = _ISO_DATE.search(value)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            return None
    if not re.search(r"\d{4}", value):
        return None
    import dateparser

    parsed = dateparser.parse(
        value, languages=["en"], settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"}
    )
    return parsed.date().isoformat() if parsed else None


def _validate_published(value: str | None) -> str | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidQueryError(f"publication date {value!r} is not a date; use YYYY-MM-DD")
    return parsed


def _looks_like_byline(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words) and not line.endswith((".", ":", "?", "!"))


def _next_is_date(lines: list[str], i: int) -> bool:
    following = next((ln.strip() for ln in lines[i + 1 :] if ln.strip()), "")
    return len(following) <= 40 and parse_date(following) is not None


def article_from_text(
    text: str,
    *,
    title: str | None = None,
    published: str | None = None,
    source: str | None = None,
    path: str | None = None,
) -> Article:
    """An :class:`Article` from plain or Markdown text, reading header lines for metadata.

    The first non-empty line is the title when it is short and has no final full stop; lines
    such as ``Published: 2026-03-04``, ``Source: https://…`` and ``By Jane Doe`` (in the first ten
    lines) fill the metadata and are removed from the body. Explicit arguments win.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta: dict[str, str] = {}
    body_start = 0
    head_title = None
    seen = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        if seen > 10:
            break
        header = _HEADER.match(stripped.strip("*_ "))
        by_line = _BY_LINE.match(stripped)
        if header:
            key = header["key"].lower()
            key = {
                "date": "published",
                "dateline": "published",
                "url": "source",
                "link": "source",
                "by": "author",
                "byline": "author",
            }.get(key, key)
            value = header["value"]
            # "*Published: 2026-03-04 · Source: https://…*" holds two headers on one line.
            for part in re.split(r"\s+[·|•]\s+", value):
                sub = _HEADER.match(part)
                if sub:
                    meta.setdefault(
                        {"date": "published", "url": "source", "by": "author"}.get(
                            sub["key"].lower(), sub["key"].lower()
                        ),
                        sub["value"],
                    )
                else:
                    meta.setdefault(key, part)
            body_start = i + 1
        elif by_line and seen <= 4:
            meta.setdefault("author", by_line["value"])
            body_start = i + 1
        elif seen in (2, 3) and "author" not in meta and _looks_like_byline(stripped) and _next_is_date(lines, i):
            meta["author"] = stripped  # "Jane Doe" on its own line above the dateline
            body_start = i + 1
        elif head_title is None and seen == 1 and len(stripped) <= 200 and not stripped.endswith((".", ":")):
            head_title = stripped.lstrip("#").strip()
            body_start = i + 1
        elif parse_date(stripped) and len(stripped) <= 40 and "published" not in meta:
            meta["published"] = stripped
            body_start = i + 1
        else:
            break
    body = "\n".join(lines[body_start:]).strip()
    if not body:
        body = "\n".join(lines).strip()
    return Article(
        doc_id=doc_id_for(body),
        text=body,
        title=title or meta.get("title") or head_title,
        published=_validate_published(published) or parse_date(meta.get("published")),
        source=source or meta.get("source"),
        author=meta.get("author"),
        path=path,
    )


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096] or raw.startswith(_BINARY_MAGIC):
        raise BinaryArticleError("is a binary file, not text or HTML; give a .txt, .md or .html article", path=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise BinaryArticleError("has no readable text encoding; save it as UTF-8 text", path=path)
    return str(best)


def _from_html(markup: str, path: Path) -> Article:
    import trafilatura

    extracted = trafilatura.bare_extraction(
        markup, include_comments=False, include_tables=False, favor_recall=True, with_metadata=True, url=None
    )
    if extracted is None:
        raise EmptyArticleError("holds no article text once markup is removed", path=path)
    data = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    text = (data.get("text") or "").strip()
    if len(text.split()) < 4:  # a menu or a cookie banner is not an article
        raise EmptyArticleError("holds no article text once markup is removed", path=path)
    source = data.get("url")
    if not source:
        match = re.search(r'<link[^>]+rel=["\']canonical["\'][^>]*href=["\']([^"\']+)', markup, re.IGNORECASE)
        source = match[1] if match else None
    return Article(
        doc_id=doc_id_for(text),
        text=text,
        title=data.get("title"),
        published=parse_date(data.get("date")),
        source=source,
        author=data.get("author"),
        path=str(path),
    )


def read_article(
    path: str | Path, *, published: str | None = None, source: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Article:
    """Read one article file (``.txt``, ``.md``, ``.html``).

    Parameters
    ----------
    path
        The file.
    published, source
        Override what the file says (``--published``, ``--source`` on the command line).
    max_bytes
        Larger files are refused.

    Raises
    ------
    UnreadableArticleError, EmptyArticleError, BinaryArticleError, ArticleTooLargeError
        One clear error naming the file and the fix.

    Examples
    --------
    >>> read_article("examples/01-brief.txt").title  # doctest: +SKIP
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UnreadableArticleError("is not a regular file", path=path)
        if size > max_bytes:
            raise ArticleTooLargeError(
                f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (setting max_article_bytes)",
                path=path,
            )
        raw = path.read_bytes()
    except ArticleError:
        raise
    except OSError as err:
        raise UnreadableArticleError(f"cannot be read: {err.strerror or err}", path=path) from err
    text = _decode(raw, path)
    if not text.strip():
        raise EmptyArticleError("is empty", path=path)
    looks_html = path.suffix.lower() in (".html", ".htm") or re.match(
        r"\s*(<!doctype html|<html)", text[:500], re.IGNORECASE
    )
    article = _from_html(text, path) if looks_html else article_from_text(text, path=str(path))
    if not article.text.strip():
        raise EmptyArticleError("holds no article text", path=path)
    overrides = {}
    if published:
        overrides["published"] = _validate_published(published)
    if source:
        overrides["source"] = source
    if article.title is None:
        overrides["title"] = path.stem.replace("-", " ").replace("_", " ")
    return replace(article, path=str(path), **overrides) if overrides or article.path != str(path) else article


_DOCUMENTATION = re.compile(r"^(README|LICEN[CS]E|CHANGELOG|CONTRIBUTING)(\.|$)", re.IGNORECASE)


def find_article_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files to read: each file given, and every article file (by suffix) under each folder, sorted.

    In folders, hidden files and documentation (README, LICENSE, CHANGELOG) are left out.
    """
    for entry in paths:
        entry = Path(entry)
        if entry.is_dir():
            yield from sorted(
                p
                for p in entry.rglob("*")
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not p.name.startswith(".")
                and not _DOCUMENTATION.match(p.name)
            )
        else:
            yield entry


def read_articles(
    paths: Iterable[str | Path],
    *,
    published: str | None = None,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Article | ArticleError]:
    """Read files and folders, yielding an :class:`Article` or the :class:`ArticleError` of each file.

    Errors are yielded, not raised, so one bad file never stops a folder.
    """
    for path in find_article_files(paths):
        try:
            yield read_article(path, published=published, source=source, max_bytes=max_bytes)
        except ArticleError as err:
            yield err
