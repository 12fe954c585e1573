r"""Read news articles from ``.txt``, ``.md`` and ``.html`` files (and whole folders).

The text's encoding is found from a byte-order mark (UTF-8, UTF-16, UTF-32), strict UTF-8, or the
charset-normalizer detector, and mojibake ("NariÃ±o") is repaired with ftfy when ftfy is sure;
the article's ``encoding`` says what was used. HTML is reduced to its main text with trafilatura,
and the title, author, publication date and source URL are taken from header lines
(``Published: 2026-03-04``, ``Source: https://…``, ``By …``) or HTML metadata when present. A stable
``doc_id`` is derived from the text, so the same article read twice has the same id.

Bad files raise one :class:`~geodata.errors.ArticleError` each (unreadable, empty, binary, too
large); :func:`read_articles` reports them, and every folder, broken symlink or symlink loop it
cannot follow, as one error each and goes on with the rest.

>>> from geodata.articles import article_from_text
>>> article = article_from_text("Curfew in Quito\\nPublished: 2026-03-04\\n\\nThe government ...")
>>> article.title, article.published
('Curfew in Quito', '2026-03-04')
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import os
import re
import stat
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
# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


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
    encoding: str | None = None  # how the file was decoded: "utf-8", "cp1252", "utf-16", "utf-8, mojibake fixed"


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


def _decode(raw: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """The text of a file and the name of the encoding used to read it.

    A byte-order mark decides; then strict UTF-8; then the charset an HTML page declares
    (``declared``) when the bytes fit it; then charset-normalizer. Mojibake (UTF-8 read as
    Windows-1252 somewhere upstream: "NariÃ±o") is repaired by ftfy, which changes nothing unless
    it is sure.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return _repair(raw.decode(name), codecs.lookup(name).name.replace("-sig", ""))
            except UnicodeDecodeError:
                raise BinaryArticleError(
                    f"starts with a {name.upper()} byte-order mark but is not {name.upper()} text; save it as UTF-8",
                    path=path,
                ) from None
    if raw.startswith(_BINARY_MAGIC):
        raise BinaryArticleError("is a binary file, not text or HTML; give a .txt, .md or .html article", path=path)
    if b"\x00" not in raw[:4096]:
        try:
            return _repair(raw.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
        if declared:
            try:
                return _repair(raw.decode(declared), declared)
            except UnicodeDecodeError:
                pass
    detected = _detect(raw)
    if detected is None and b"\x00" in raw[:4096]:
        raise BinaryArticleError("is a binary file, not text or HTML; give a .txt, .md or .html article", path=path)
    if detected is None:
        raise BinaryArticleError("has no readable text encoding; save it as UTF-8 text", path=path)
    return _repair(*detected)


def _detect(raw: bytes) -> tuple[str, str] | None:
    """Text and encoding of bytes that are not UTF-8, or ``None`` when they are not text.

    charset-normalizer ranks candidates by how messy the decoded text looks, and on short Latin
    text every Western code page looks equally clean ("Nariño" is also valid Windows-1250, Mac
    Roman or even UTF-16). Legacy-encoded English news is nearly always Windows-1252, so it wins
    whenever it decodes the bytes at least as cleanly as the detector's choice; Cyrillic, Greek and
    other scripts decode to a mess in Windows-1252 and keep the detector's answer.
    """
    if b"\x00" in raw[:4096]:
        return _utf16_without_bom(raw)
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    best = from_bytes(raw).best()
    if best is None:
        return None
    text, name = str(best), codecs.lookup(best.encoding).name
    if name != "cp1252":
        try:
            western = raw.decode("cp1252")
        except UnicodeDecodeError:
            return text, name
        if mess_ratio(western[:65536], 1.0) <= mess_ratio(text[:65536], 1.0):
            return western, "cp1252"
    return text, name


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark: every other byte is zero (Latin script)."""
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    if not odd:
        return None
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        name = "utf-16-le"
    elif even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        name = "utf-16-be"
    else:
        return None
    try:
        return raw.decode(name), name
    except UnicodeDecodeError:
        return None


def _repair(text: str, encoding: str) -> tuple[str, str]:
    """Repair mojibake with ftfy's encoding fixes only (never quotes, widths or HTML entities)."""
    if text.isascii():
        return text, encoding
    import ftfy

    fixed, steps = ftfy.fix_encoding_and_explain(text)
    if steps and fixed != text:
        return fixed, f"{encoding}, mojibake fixed"
    return text, encoding


def _declared_charset(raw: bytes) -> str | None:
    """The ``<meta charset>`` of an HTML file, when Python knows it."""
    match = _HTML_CHARSET.search(raw[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match[1].decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name == "utf-7":
        return None  # browsers refuse it too: it can smuggle markup past filters
    # As browsers do (WHATWG Encoding): pages labelled Latin-1 or ASCII are read as Windows-1252.
    return "cp1252" if name in ("iso8859-1", "ascii") else name


def _from_html(markup: str, path: Path, encoding: str | None = None) -> Article:
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
        encoding=encoding,
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
    declared = _declared_charset(raw) if path.suffix.lower() in (".html", ".htm") else None
    text, encoding = _decode(raw, path, declared)
    if not text.strip():
        raise EmptyArticleError("is empty", path=path)
    # An .html file without a single tag is text saved under the wrong name: read it as text.
    looks_html = (path.suffix.lower() in (".html", ".htm") and _HTML_TAG.search(text[:20_000])) or re.match(
        r"\s*(<!doctype html|<html)", text[:500], re.IGNORECASE
    )
    if looks_html:
        article = _from_html(text, path, encoding)
    else:
        article = replace(article_from_text(text, path=str(path)), encoding=encoding)
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

    In folders, hidden files and documentation (README, LICENSE, CHANGELOG) are left out; symlinked
    folders are followed once. Paths that cannot be read are left out here;
    :func:`read_articles` reports them.
    """
    for item in _walk(paths):
        if isinstance(item, Path):
            yield item


def _walk(paths: Iterable[str | Path]) -> Iterator[Path | ArticleError]:
    """Each file named, then the article files under each folder, with one error per path that fails."""
    for entry in paths:
        entry = Path(entry)
        try:
            info = entry.stat()
        except OSError as err:
            yield _path_error(entry, err)
            continue
        if stat.S_ISDIR(info.st_mode):
            found: list[Path | ArticleError] = []
            _walk_folder(entry, frozenset({(info.st_dev, info.st_ino)}), set(), found)
            yield from sorted(found, key=lambda item: item if isinstance(item, Path) else Path(item.path or ""))
        else:
            yield entry  # read_article refuses what is not a regular file, with one line


def _walk_folder(
    folder: Path, ancestors: frozenset[tuple[int, int]], seen: set[tuple[int, int]], found: list[Path | ArticleError]
) -> None:
    """Collect article files under ``folder``; ``ancestors`` are the folders above it (loop guard)."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError as err:
        found.append(UnreadableArticleError(f"is a folder that cannot be read: {_reason(err)}", path=folder))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(".") or _DOCUMENTATION.match(entry.name):
            continue
        wanted = path.suffix.lower() in ARTICLE_SUFFIXES or not path.suffix
        try:
            info = entry.stat()  # follows symlinks
        except OSError as err:
            if wanted:  # a broken link named like an article (or like a folder) is worth a line
                found.append(_path_error(path, err))
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                found.append(
                    UnreadableArticleError("is a symlink loop (it leads back to a folder above it)", path=path)
                )
            elif key not in seen:  # a folder reached twice through symlinks is read once
                seen.add(key)
                _walk_folder(path, ancestors | {key}, seen, found)
        elif path.suffix.lower() in ARTICLE_SUFFIXES:
            found.append(path)


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def _path_error(path: Path, err: OSError) -> ArticleError:
    """One clear error for a path that cannot even be looked at."""
    if err.errno == errno.ELOOP:
        return UnreadableArticleError("is a symlink loop", path=path)
    if err.errno == errno.ENOENT:
        try:
            target = os.readlink(path)
        except OSError:
            target = None
        if target is not None:
            return UnreadableArticleError(f"is a broken symlink (to {target!r})", path=path)
        return UnreadableArticleError("no such file or folder", path=path)
    return UnreadableArticleError(f"cannot be read: {_reason(err)}", path=path)


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
    for path in _walk(paths):
        if isinstance(path, ArticleError):
            yield path
            continue
        try:
            yield read_article(path, published=published, source=source, max_bytes=max_bytes)
        except ArticleError as err:
            yield err
