"""Corrections that persist: a user's "not this place, that one", "not a place" and "remove this article".

Corrections are kept with the store, in ``corrections.jsonl`` (one JSON record per line, appended
atomically under a lock), and applied by one pure function, :func:`apply_corrections`, in two
places: on the store's read path (every reader sees them, exports included) and to new rows at
ingest (so a later article naming the same place in the same context is placed right from the
start).

A place correction applies to the event it was made on, and to every row that names the same
place (``place_text``, folded: case and accents ignored) which the gazetteer resolved to the
same wrong place, in an article with the same *context*: the country most of the article's
places are in (:func:`document_contexts`). "Santa Cruz" resolved to Bolivia in an article about
Ecuador becomes Santa Cruz, Galápagos — in that article and in the next one about Ecuador, not in
one about Bolivia.

Corrected rows say so: their ``place_reason`` starts with ``Corrected by user`` (shown on the
card) and keeps what the gazetteer had chosen.

>>> import pandas as pd
>>> rows = pd.DataFrame({"event_id": ["e1"], "doc_id": ["d1"], "place_text": ["Santa Cruz"],
...                      "place_id": ["geonames:3904906"], "country_code": ["BO"]})
>>> fix = not_a_place_correction(rows.iloc[0].to_dict(), context="EC")
>>> len(apply_corrections(rows, [fix]))
1
>>> len(apply_corrections(rows, [{**fix, "context": "BO"}]))
0
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import StorageError
from geodata.gazetteer.normalize import fold

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CORRECTED_PREFIX",
    "CORRECTIONS_FILE",
    "KINDS",
    "apply_corrections",
    "article_removal",
    "corrections_version",
    "document_contexts",
    "is_corrected",
    "load_corrections",
    "not_a_place_correction",
    "place_correction",
    "record_correction",
    "removed_articles",
]

CORRECTIONS_FILE = "corrections.jsonl"
CORRECTED_PREFIX = "Corrected by user"
#: place: use another place; not_a_place: drop the mention; remove_article / restore_article: hide an
#: article and its events from every reader (until restored).
KINDS = ("place", "not_a_place", "remove_article", "restore_article")
_PLACE_FIELDS = ("place_id", "place_name", "place_kind", "country_code", "admin1", "geo_precision", "lat", "lon")
_log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- records
def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def place_correction(row: Mapping[str, Any], place: Mapping[str, Any], *, context: str) -> dict[str, Any]:
    """A record moving ``row``'s place mention to ``place`` (a gazetteer record: place_id, name, kind, lat, lon …).

    >>> fix = place_correction({"event_id": "e1", "place_text": "Santa Cruz", "place_id": "a"},
    ...                        {"place_id": "b", "name": "Santa Cruz", "kind": "city", "lat": -0.7, "lon": -90.3},
    ...                        context="EC")
    >>> fix["kind"], fix["to"]["place_id"], fix["name_key"]
    ('place', 'b', 'santa cruz')
    """
    to = {
        "place_id": place.get("place_id"),
        "place_name": place.get("place_name") or place.get("name"),
        "place_kind": place.get("place_kind") or place.get("kind"),
        "country_code": place.get("country_code") or None,
        "admin1": place.get("admin1") or None,
        "geo_precision": place.get("geo_precision"),
        "lat": place.get("lat"),
        "lon": place.get("lon"),
    }
    if to["place_id"] is None or to["lat"] is None or to["lon"] is None:
        raise ValueError("a place correction needs the new place's place_id, lat and lon")
    return {**_mention(row, context), "kind": "place", "to": to, "at": _now()}


def not_a_place_correction(row: Mapping[str, Any], *, context: str) -> dict[str, Any]:
    """A record saying ``row``'s place mention is not a place at all (its rows are dropped)."""
    return {**_mention(row, context), "kind": "not_a_place", "at": _now()}


def article_removal(doc_id: str, *, restore: bool = False) -> dict[str, Any]:
    """A record removing the article ``doc_id`` and its events from every reader (or restoring it)."""
    return {"kind": "restore_article" if restore else "remove_article", "doc_id": str(doc_id), "at": _now()}


def _mention(row: Mapping[str, Any], context: str) -> dict[str, Any]:
    text = _text(row.get("place_text")) or _text(row.get("place_name"))
    if not text:
        raise ValueError("this row names no place to correct")
    return {
        "event_id": _text(row.get("event_id")),
        "doc_id": _text(row.get("doc_id")),
        "place_text": text,
        "name_key": fold(text).strip(),
        "from_place_id": _text(row.get("place_id")),
        "from_place_name": _text(row.get("place_name")),
        "from_country_code": _text(row.get("country_code")),
        "context": context or "",
    }


# ---------------------------------------------------------------------------- the file
def _file(store_path: str | Path) -> Path:
    return Path(store_path) / CORRECTIONS_FILE


def record_correction(store_path: str | Path, correction: Mapping[str, Any]) -> None:
    """Append one correction to the store's ``corrections.jsonl`` (one write, flushed to disk, under a lock).

    Raises
    ------
    ValueError
        For a record of an unknown kind.
    StorageError
        When the file cannot be written.
    """
    if correction.get("kind") not in KINDS:
        raise ValueError(f"unknown correction kind {correction.get('kind')!r}; known: {', '.join(KINDS)}")
    path = _file(store_path)
    line = json.dumps(dict(correction), ensure_ascii=False, separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            with contextlib.suppress(ImportError, OSError):
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        raise StorageError(f"cannot record the correction in {path}: {err}") from err


def load_corrections(store_path: str | Path) -> list[dict[str, Any]]:
    """Every correction recorded for the store, oldest first (a damaged line is skipped with a warning)."""
    path = _file(store_path)
    if not path.is_file():
        return []
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise StorageError(f"cannot read {path}: {err}") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            _log.warning("%s:%d is not JSON; that correction is ignored", path, number)
            continue
        if isinstance(record, dict) and record.get("kind") in KINDS:
            out.append(record)
    return out


def corrections_version(store_path: str | Path) -> str:
    """Changes whenever a correction is recorded ("" when there is none): part of a reader's cache key."""
    try:
        stat = _file(store_path).stat()
    except OSError:
        return ""
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def removed_articles(corrections: Iterable[Mapping[str, Any]]) -> set[str]:
    """The doc_ids removed (and not restored since)."""
    removed: set[str] = set()
    for c in corrections:
        if c.get("kind") == "remove_article":
            removed.add(str(c.get("doc_id")))
        elif c.get("kind") == "restore_article":
            removed.discard(str(c.get("doc_id")))
    return removed


def is_corrected(row: Mapping[str, Any]) -> bool:
    """Whether a row's place was set by a user's correction."""
    return _text(row.get("place_reason")).startswith(CORRECTED_PREFIX)


# ---------------------------------------------------------------------------- applying
def document_contexts(frame: pd.DataFrame) -> dict[str, str]:
    """The context of each article: the country most of its rows are placed in ("" when none).

    >>> import pandas as pd
    >>> document_contexts(pd.DataFrame({"doc_id": ["a", "a", "a"], "country_code": ["EC", "EC", "BO"]}))
    {'a': 'EC'}
    """
    if not len(frame) or "doc_id" not in frame.columns:
        return {}
    codes = frame["country_code"] if "country_code" in frame.columns else None
    out: dict[str, str] = {}
    if codes is None:
        return {str(d): "" for d in frame["doc_id"].unique()}
    counts: dict[str, Counter[str]] = {}
    for doc, code in zip(frame["doc_id"].tolist(), codes.tolist(), strict=True):
        counter = counts.setdefault(str(doc), Counter())
        if isinstance(code, str) and code:
            counter[code] += 1
    for doc, counter in counts.items():
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        out[doc] = ranked[0][0] if ranked else ""
    return out


def apply_corrections(frame: pd.DataFrame, corrections: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows with every correction applied (pure: ``frame`` is not changed; no correction = the same frame).

    Rows of removed articles are dropped; mentions marked "not a place" are dropped; corrected
    mentions get the chosen place (name, id, kind, country, admin1, precision, point) and a
    ``place_reason`` starting with ``Corrected by user``. The latest correction of a mention wins.
    """
    if not corrections or not len(frame):
        return frame
    import numpy as np

    removed = removed_articles(corrections)
    keep = np.ones(len(frame), dtype=bool)
    if removed and "doc_id" in frame.columns:
        keep &= ~frame["doc_id"].astype(str).isin(removed).to_numpy()
    # The latest record per mention wins, whether it was made on this event or on another one.
    by_event: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    by_rule: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for c in corrections:
        if c.get("kind") not in ("place", "not_a_place"):
            continue
        mention = (str(c.get("name_key") or ""), str(c.get("from_place_id") or ""))
        by_event[(str(c.get("event_id") or ""), *mention)] = c
        by_rule[(*mention, str(c.get("context") or ""))] = c
    if not by_rule:
        return frame[keep].reset_index(drop=True) if not keep.all() else frame
    texts = frame["place_text"] if "place_text" in frame.columns else frame["place_name"]
    names = texts.where(texts.notna(), frame.get("place_name")).astype(object)
    uniques = {v: fold(v).strip() for v in names.dropna().unique() if isinstance(v, str)}
    keys = [uniques.get(v, "") if isinstance(v, str) else "" for v in names.tolist()]
    wanted = {k[0] for k in by_rule}
    candidates = [i for i, key in enumerate(keys) if key in wanted]
    if not candidates:
        return frame[keep].reset_index(drop=True) if not keep.all() else frame
    contexts = document_contexts(frame)
    place_ids = frame["place_id"].tolist() if "place_id" in frame.columns else [""] * len(frame)
    event_ids = frame["event_id"].tolist() if "event_id" in frame.columns else [""] * len(frame)
    doc_ids = frame["doc_id"].tolist() if "doc_id" in frame.columns else [""] * len(frame)
    changes: dict[int, Mapping[str, Any]] = {}
    for i in candidates:
        pid = place_ids[i] if isinstance(place_ids[i], str) else ""
        found = by_event.get((_text(event_ids[i]), keys[i], pid)) or by_rule.get(
            (keys[i], pid, contexts.get(str(doc_ids[i]), ""))
        )
        if found is None:
            continue
        if found["kind"] == "not_a_place":
            keep[i] = False
        else:
            changes[i] = found
    out = frame.copy() if changes else frame
    if changes:
        _move(out, changes)
    return out[keep].reset_index(drop=True) if not keep.all() else out


def _move(frame: pd.DataFrame, changes: Mapping[int, Mapping[str, Any]]) -> None:
    """Set the corrected places of rows ``changes`` (positions) in place."""
    import shapely

    rows = list(changes)
    for column in (*_PLACE_FIELDS, "place_reason", "place_score"):
        if column not in frame.columns:
            frame[column] = None
        if frame[column].dtype != object:  # an all-missing column reads back as float
            frame[column] = frame[column].astype(object)
    positions = {column: frame.columns.get_loc(column) for column in (*_PLACE_FIELDS, "place_reason")}
    for i in rows:
        c = changes[i]
        to = c["to"]
        for column in _PLACE_FIELDS:
            frame.iat[i, positions[column]] = to.get(column)
        was = c.get("from_place_name") or c.get("from_place_id") or "?"
        country = f", {c['from_country_code']}" if c.get("from_country_code") else ""
        reason = f"{CORRECTED_PREFIX}: {to.get('place_name')} instead of {was}{country} (the gazetteer's choice)"
        frame.iat[i, positions["place_reason"]] = reason
    if hasattr(frame, "geometry") and "geometry" in frame.columns:
        geometry = frame.geometry.copy()
        for i in rows:
            geometry.iloc[i] = shapely.Point(float(changes[i]["to"]["lon"]), float(changes[i]["to"]["lat"]))
        frame["geometry"] = geometry
