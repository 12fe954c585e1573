"""Merging reports of the same event by several articles: incremental at write, a join at read.

Two events from different articles are the same when they share category, subtype and event place,
their dates are at most three days apart (or equal at month/year precision), and their evidence
sentences share at least a fifth of their content words. Events so linked form clusters (connected
components, so the result does not depend on the order in which articles arrive); the earliest
report (by publication date, ``doc_id``, sentence position, ``event_id``) represents its cluster,
and ``n_sources``, ``sources`` and ``doc_ids`` list every report.

The store never re-merges the whole table. A writer keeps a :class:`MergeIndex` of every event's
*head* (the few fields the rule needs, :func:`heads_table`), bucketed by (category, subtype,
place); a new event is compared with the events of its bucket within three days only. Each commit
stores the clusters it changed (:data:`CLUSTER_SCHEMA` rows: member → representative) and a reader
applies the latest row of every member with one vectorised join (:func:`apply_merge`).

>>> from geodata.store.schema import to_events_table
>>> rows = [
...     {"event_id": "a", "doc_id": "d1", "category": "military", "subtype": "raid", "place_id": "p",
...      "place_role": "event", "date": "2026-03-03", "sentence": "Police raided a farm outside Manta."},
...     {"event_id": "b", "doc_id": "d2", "category": "military", "subtype": "raid", "place_id": "p",
...      "place_role": "event", "date": "2026-03-04", "sentence": "A farm outside Manta was raided."},
... ]
>>> merged = merge_table(to_events_table(rows))
>>> merged.column("event_id").to_pylist(), merged.column("n_sources").to_pylist()
(['a'], [2])
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CLUSTER_SCHEMA",
    "HEAD_SCHEMA",
    "MergeIndex",
    "MergePlan",
    "apply_merge",
    "fold_clusters",
    "heads_table",
    "merge_plan",
    "merge_reports",
    "merge_table",
]

MERGE_DAYS = 3
MIN_SIMILARITY = 0.2
_WORD = re.compile(r"[a-z0-9]+")
_SEP = "\x1f"

#: One row per event: what the merge rule compares. ``seq`` is the commit that stored it.
HEAD_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("doc_id", pa.string()),
        ("key", pa.string()),  # category, subtype and event place; null = never merged
        ("when", pa.string()),  # date, else publication date ("" when neither)
        ("words", pa.list_(pa.string())),  # content words of the evidence sentence
        ("published", pa.string()),
        ("sentence_start", pa.int64()),
        ("label", pa.string()),  # the source shown for this report: its URL, else its title
        ("rows", pa.int64()),  # rows (places) of the event
        ("seq", pa.int64()),
    ]
)
#: One row per event whose cluster changed in a commit: the latest row of an event wins.
CLUSTER_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("rep", pa.string()),
        ("doc_id", pa.string()),
        ("label", pa.string()),
        ("published", pa.string()),
        ("sentence_start", pa.int64()),
        ("seq", pa.int64()),
    ]
)


def _arrow(values: np.ndarray) -> pa.Array:
    """A numpy array as an Arrow array without a copy (``pa.array`` would import pandas to check its type)."""
    values = np.ascontiguousarray(values)
    if values.dtype == bool:
        return (
            pa.array(values.tolist(), pa.bool_())
            if len(values) < 64
            else pc.not_equal(_arrow(values.view(np.uint8)), 0)
        )
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def _words(text: str | None) -> list[str]:
    return sorted({w for w in _WORD.findall((text or "").lower()) if len(w) > 3})


def _day_number(value: str) -> int:
    """Days since 0001-01-01 of an ISO date or its first day ("2026-03" → 1 March); -1 if none."""
    if not value:
        return -1
    text = value[:10] + "-01-01"[len(value[:10]) - 4 :] if len(value) < 10 else value[:10]
    try:
        return dt.date.fromisoformat(text).toordinal()
    except ValueError:
        return -1


def _same_time(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if len(a) < 10 or len(b) < 10:  # month or year precision: same prefix
        n = min(len(a), len(b))
        return a[:n] == b[:n]
    try:
        return abs((dt.date.fromisoformat(a[:10]) - dt.date.fromisoformat(b[:10])).days) <= MERGE_DAYS
    except ValueError:
        return a == b


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _nonempty(column: pa.Array) -> pa.Array:
    """``column`` with empty strings as nulls."""
    return pc.if_else(pc.fill_null(pc.not_equal(column, ""), False), column, pa.scalar(None, column.type))


def _word_lists(sentences: pa.Array) -> pa.Array:
    """The sorted distinct content words (letters and digits, longer than three) of each sentence."""
    tokens = pc.split_pattern_regex(pc.utf8_lower(pc.fill_null(sentences, "")), "[^a-z0-9]+")
    parents = pc.list_parent_indices(tokens).to_numpy()
    words = pc.list_flatten(tokens)
    long = pc.greater(pc.utf8_length(words), 3)
    pairs = pa.table({"parent": _arrow(parents), "word": words}).filter(long)
    pairs = pairs.take(pc.sort_indices(pairs, sort_keys=[("parent", "ascending"), ("word", "ascending")]))
    pairs = pairs.filter(_arrow(_first_of_runs([pairs.column("parent"), pairs.column("word")])))
    counts = np.bincount(pairs.column("parent").to_numpy(), minlength=len(sentences))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(_arrow(offsets), pairs.column("word").combine_chunks())


def heads_table(events: pa.Table, seq: int | None = None) -> pa.Table:
    """The head of every event in ``events`` (rows of ``EVENTS_SCHEMA``), in first-row order (vectorised).

    The event place is the first place with role ``event`` or ``focus``, else the first place.
    """
    if not events.num_rows:
        return HEAD_SCHEMA.empty_table()
    codes = events.column("event_id").combine_chunks().dictionary_encode().indices.to_numpy()
    _, firsts = np.unique(codes, return_index=True)  # codes number events in order of first appearance
    n = len(firsts)
    rows = np.bincount(codes, minlength=n)
    roles = events.column("place_role").combine_chunks()
    placed = np.flatnonzero(
        pc.fill_null(pc.is_in(roles, value_set=pa.array(["event", "focus"])), False).to_numpy(zero_copy_only=False)
    )
    place_row = firsts.copy()
    if len(placed):
        event_codes, at = np.unique(codes[placed], return_index=True)
        place_row[event_codes] = placed[at]
    head = events.take(_arrow(firsts))
    column = head.column
    place = _nonempty(events.column("place_id").take(_arrow(place_row)).combine_chunks())
    key = pc.binary_join_element_wise(
        _nonempty(column("category").combine_chunks()), _nonempty(column("subtype").combine_chunks()), place, _SEP
    )
    when = pc.fill_null(
        pc.coalesce(_nonempty(column("date").combine_chunks()), _nonempty(column("published").combine_chunks())), ""
    )
    label = pc.fill_null(
        pc.coalesce(_nonempty(column("source").combine_chunks()), _nonempty(column("title").combine_chunks())), ""
    )
    return pa.Table.from_arrays(
        [
            column("event_id"),
            column("doc_id"),
            key,
            when,
            _word_lists(column("sentence").combine_chunks()),
            column("published"),
            column("sentence_start"),
            label,
            _arrow(rows.astype(np.int64)),
            pa.array([seq] * n, pa.int64()),
        ],
        schema=HEAD_SCHEMA,
    )


class MergeIndex:
    """Every stored event's head, bucketed by merge key and date, with its cluster (union-find).

    :meth:`add` compares new events with their bucket and returns the cluster rows that changed;
    :meth:`load` takes heads and cluster rows another writer committed, without comparing again.
    Heads stay in Arrow columns; per event the index keeps a day, a row count, a union-find link and
    a place in its bucket (about 150 bytes per event with the heads themselves).
    """

    def __init__(self) -> None:
        self._pos: dict[str, int] = {}
        self._chunks: list[dict[str, pa.Array]] = []
        self._starts: list[int] = []
        self._day = array("i")
        self._rows = array("q")
        self._parent = array("i")
        self._buckets: dict[str, tuple[array, array]] = {}
        self._members: dict[int, list[int]] = {}  # root -> members, clusters of two or more only
        self._rep: dict[int, int] = {}  # root -> representative, clusters of two or more only
        self._orders: dict[int, tuple] = {}
        #: Events (clusters) and rows of the merged view.
        self.events = 0
        self.rows = 0

    def __len__(self) -> int:
        return len(self._parent)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._pos

    # ------------------------------------------------------------------ building
    def _value(self, i: int, name: str) -> Any:
        k = bisect_right(self._starts, i) - 1
        column = self._chunks[k][name]
        if isinstance(column, pa.Array):
            if name == "words":  # the largest column stays in Arrow
                return column[i - self._starts[k]].as_py()
            column = self._chunks[k][name] = column.to_pylist()
        return column[i - self._starts[k]]

    def _append(self, heads: pa.Table) -> tuple[int, list[str | None]]:
        """Add heads (all new) as singletons; their first index and their merge keys."""
        start = len(self._parent)
        n = heads.num_rows
        columns = {
            name: heads.column(name).combine_chunks()
            for name in ("event_id", "doc_id", "when", "words", "published", "sentence_start", "label")
        }
        self._chunks.append(columns)
        self._starts.append(start)
        self._pos.update(zip(columns["event_id"].to_pylist(), range(start, start + n), strict=True))
        self._day.extend(_day_numbers(columns["when"]).tolist())
        rows = heads.column("rows").to_numpy(zero_copy_only=False).astype(np.int64)
        self._rows.extend(rows.tolist())
        self._parent.extend(range(start, start + n))
        self.events += n
        self.rows += int(rows.sum())
        return start, heads.column("key").to_pylist()

    def _insert(self, key: str | None, i: int) -> None:
        if key is None:
            return
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = (array("i"), array("i"))
        days, members = bucket
        at = bisect_right(days, self._day[i])
        days.insert(at, self._day[i])
        members.insert(at, i)

    def _order(self, i: int) -> tuple:
        published = self._value(i, "published")
        start = self._value(i, "sentence_start")
        start = -1 if start is None else start
        return (
            published is None,
            published or "",
            self._value(i, "doc_id"),
            start < 0,
            start,
            self._value(i, "event_id"),
        )

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, a: int, b: int, rep: int | None = None) -> int | None:
        """Join the clusters of ``a`` and ``b``; ``rep`` when the representative is already known."""
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return None
        members_a = self._members.pop(ra, [ra])
        members_b = self._members.pop(rb, [rb])
        rep_a, rep_b = self._rep.pop(ra, ra), self._rep.pop(rb, rb)
        if len(members_a) < len(members_b):
            ra, rb, members_a, members_b = rb, ra, members_b, members_a
        self._parent[rb] = ra
        members_a.extend(members_b)
        if rep is None:
            rep = min(rep_a, rep_b, key=self._order)
        self._members[ra] = members_a
        self._rep[ra] = rep
        self.events -= 1
        self.rows -= self._rows[rep_a] + self._rows[rep_b] - self._rows[rep]
        return ra

    def _similar(self, i: int, j: int) -> bool:
        if self._value(i, "doc_id") == self._value(j, "doc_id"):
            return False
        if not _same_time(self._value(i, "when"), self._value(j, "when")):
            return False
        words_i, words_j = set(self._value(i, "words")), set(self._value(j, "words"))
        union = len(words_i | words_j)
        return bool(union) and len(words_i & words_j) / union >= MIN_SIMILARITY

    # ------------------------------------------------------------------ public
    def add(self, heads: pa.Table, seq: int) -> pa.Table:
        """Add new events, link them to similar stored ones; the changed clusters (:data:`CLUSTER_SCHEMA`)."""
        known = [event_id in self._pos for event_id in heads.column("event_id").to_pylist()]
        if any(known):
            heads = heads.filter(pa.array([not k for k in known]))
        if not heads.num_rows:
            return CLUSTER_SCHEMA.empty_table()
        start, keys = self._append(heads)
        changed: set[int] = set()
        for i, key in enumerate(keys, start):
            if key is None:
                continue
            bucket = self._buckets.get(key)
            if bucket is not None:
                days, members = bucket
                day = self._day[i]
                lo, hi = bisect_left(days, day - MERGE_DAYS), bisect_right(days, day + MERGE_DAYS)
                for j in members[lo:hi]:
                    if self._similar(i, j):
                        root = self._union(i, j)
                        if root is not None:
                            changed.add(root)
            self._insert(key, i)
        return self._cluster_rows({self._find(r) for r in changed}, seq)

    def load(self, heads: pa.Table, clusters: pa.Table | None = None) -> None:
        """Take events and cluster rows that are already stored (no comparison: the rows say it)."""
        if heads.num_rows:
            known = [event_id in self._pos for event_id in heads.column("event_id").to_pylist()]
            if any(known):
                heads = heads.filter(pa.array([not k for k in known]))
            if heads.num_rows:
                start, keys = self._append(heads)
                for i, key in enumerate(keys, start):
                    self._insert(key, i)
        if clusters is not None and clusters.num_rows:
            pos = self._pos
            pairs = zip(clusters.column("event_id").to_pylist(), clusters.column("rep").to_pylist(), strict=True)
            for event_id, rep in pairs:  # the rows name the representative: no need to compare reports
                if event_id in pos and rep in pos and event_id != rep:
                    self._union(pos[event_id], pos[rep], rep=pos[rep])

    def _cluster_rows(self, roots: set[int], seq: int) -> pa.Table:
        out: dict[str, list[Any]] = {f.name: [] for f in CLUSTER_SCHEMA}
        for root in sorted(roots, key=lambda r: self._order(self._rep[r])):
            rep = self._value(self._rep[root], "event_id")
            for m in sorted(self._members[root], key=self._order):
                out["event_id"].append(self._value(m, "event_id"))
                out["rep"].append(rep)
                out["doc_id"].append(self._value(m, "doc_id"))
                out["label"].append(self._value(m, "label"))
                out["published"].append(self._value(m, "published"))
                out["sentence_start"].append(self._value(m, "sentence_start"))
                out["seq"].append(seq)
        return pa.Table.from_pydict(out, schema=CLUSTER_SCHEMA)


_ORDINAL_1970 = 719163  # dt.date(1970, 1, 1).toordinal()


def _day_numbers(when: pa.Array) -> np.ndarray:
    """:func:`_day_number` of every value, vectorised (partial dates count from their first day)."""
    length = pc.utf8_length(when)
    padded = pc.if_else(
        pc.equal(length, 4),
        pc.binary_join_element_wise(when, "01-01", "-"),
        pc.if_else(
            pc.equal(length, 7), pc.binary_join_element_wise(when, "01", "-"), pc.utf8_slice_codeunits(when, 0, 10)
        ),
    )
    parsed = pc.strptime(padded, format="%Y-%m-%d", unit="s", error_is_null=True)
    days = pc.cast(pc.cast(parsed, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
    days = np.where(np.isnan(days.astype(float)), -1 - _ORDINAL_1970, days)
    return (days + _ORDINAL_1970).astype(np.int64)


# ---------------------------------------------------------------------------- reading
def _first_of_runs(keys: list[pa.Array]) -> np.ndarray:
    """Positions where a run of equal keys starts (the arrays are sorted by these keys)."""
    n = len(keys[0])
    starts = np.zeros(n, dtype=bool)
    if n:
        starts[0] = True
        for key in keys:
            values = key.to_numpy(zero_copy_only=False)
            starts[1:] |= values[1:] != values[:-1]
    return starts


def fold_clusters(tables: list[pa.Table]) -> pa.Table:
    """The latest cluster row of every event across commits (highest ``seq``, then last written)."""
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return CLUSTER_SCHEMA.empty_table()
    table = pa.concat_tables(tables).combine_chunks()
    order = pc.sort_indices(
        table.append_column("at", _arrow(np.arange(table.num_rows))),
        sort_keys=[("event_id", "ascending"), ("seq", "descending"), ("at", "descending")],
    )
    ids = table.column("event_id").take(order)
    keep = order.to_numpy()[_first_of_runs([ids])]
    return table.take(_arrow(np.sort(keep)))


@dataclass(frozen=True)
class MergePlan:
    """The merge of one generation, ready to apply to any slice of its rows."""

    members: pa.Array  # events folded into another one: their rows are dropped
    reps: pa.Array  # representatives, and for each: distinct articles, their labels and ids
    n_sources: pa.Array
    sources: pa.Array
    doc_ids: pa.Array


def merge_plan(clusters: pa.Table) -> MergePlan:
    """What :func:`apply_merge` needs from the folded cluster rows (vectorised, no Python per row)."""
    clusters = clusters.combine_chunks()
    members = pc.filter(clusters.column("event_id"), pc.not_equal(clusters.column("event_id"), clusters.column("rep")))
    if not clusters.num_rows:
        empty = pa.array([], pa.string())
        return MergePlan(empty, empty, pa.array([], pa.int64()), pa.array([], _LIST), pa.array([], _LIST))
    keys = ["rep", "published", "doc_id", "sentence_start", "event_id"]
    order = pc.sort_indices(clusters, sort_keys=[(k, "ascending") for k in keys])  # nulls sort last
    rows = clusters.take(order)
    rep = rows.column("rep")
    # Rows of one article share its publication date, so they are neighbours: a run start is a new article.
    docs = rows.filter(_arrow(_first_of_runs([rep, rows.column("doc_id")])))
    rep_starts = np.flatnonzero(_first_of_runs([docs.column("rep")]))
    offsets = np.append(rep_starts, docs.num_rows).astype(np.int32)
    reps = docs.column("rep").take(_arrow(rep_starts))
    doc_ids = pa.ListArray.from_arrays(_arrow(offsets), docs.column("doc_id").combine_chunks())
    n_sources = _arrow(np.diff(offsets).astype(np.int64))
    # Labels: the first occurrence of each distinct label of a representative, in report order.
    labels = pc.fill_null(docs.column("label"), "").combine_chunks()
    position = _arrow(np.arange(docs.num_rows))
    by_label = pc.sort_indices(
        pa.table({"rep": docs.column("rep"), "label": labels, "at": position}),
        sort_keys=[("rep", "ascending"), ("label", "ascending"), ("at", "ascending")],
    )
    firsts = by_label.to_numpy()[_first_of_runs([docs.column("rep").take(by_label), labels.take(by_label)])]
    firsts = np.sort(firsts)
    label_reps = docs.column("rep").take(_arrow(firsts)).to_numpy(zero_copy_only=False)
    label_offsets = np.searchsorted(label_reps, reps.to_numpy(zero_copy_only=False), side="left", sorter=None)
    label_offsets = np.append(label_offsets, len(firsts)).astype(np.int32)
    sources = pa.ListArray.from_arrays(_arrow(label_offsets), labels.take(_arrow(firsts)))
    return MergePlan(members, reps, n_sources, sources, doc_ids)


_LIST = pa.list_(pa.string())


def _label_column(table: pa.Table) -> pa.Array:
    def nonempty(name: str) -> pa.Array:
        if name not in table.column_names:
            return pa.nulls(table.num_rows, pa.string())
        column = table.column(name).combine_chunks()
        return pc.if_else(pc.fill_null(pc.not_equal(column, ""), False), column, pa.scalar(None, pa.string()))

    return pc.fill_null(pc.coalesce(nonempty("source"), nonempty("title")), "")


def _singletons(values: pa.Array) -> pa.Array:
    return pa.ListArray.from_arrays(_arrow(np.arange(len(values) + 1, dtype=np.int32)), values)


def apply_merge(table: pa.Table, clusters: pa.Table | MergePlan) -> pa.Table:
    """The merged view of stored rows: members of a cluster dropped, ``n_sources``/``sources``/``doc_ids`` set.

    ``table`` needs ``event_id``, ``doc_id``, ``source`` and ``title`` to fill the three columns
    (set, or added when missing); without them (a narrow projection) only the rows are dropped.
    ``clusters`` are folded cluster rows, or their :func:`merge_plan` when applied to many slices.
    """
    plan = clusters if isinstance(clusters, MergePlan) else merge_plan(clusters)
    if len(plan.members):
        table = table.filter(pc.invert(pc.is_in(table.column("event_id"), value_set=plan.members)))
    if not {"doc_id", "source", "title"} <= set(table.column_names):
        return table
    n = table.num_rows
    n_sources = _arrow(np.ones(n, dtype=np.int64))
    sources = _singletons(_label_column(table))
    doc_ids = _singletons(table.column("doc_id").combine_chunks())
    if len(plan.reps) and n:
        at = pc.index_in(table.column("event_id"), value_set=plan.reps)
        hit = pc.is_valid(at).to_numpy(zero_copy_only=False)
        if hit.any():
            where = np.arange(n, dtype=np.int64)
            where[hit] = n + at.to_numpy(zero_copy_only=False)[hit].astype(np.int64)
            index = _arrow(where)
            n_sources = pa.concat_arrays([n_sources, plan.n_sources]).take(index)
            sources = pa.concat_arrays([sources, plan.sources]).take(index)
            doc_ids = pa.concat_arrays([doc_ids, plan.doc_ids]).take(index)
    for name, values in (("n_sources", n_sources), ("sources", sources), ("doc_ids", doc_ids)):
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, values)
        else:
            table = table.append_column(name, values)
    return table


def merge_table(events: pa.Table) -> pa.Table:
    """Merge every report of ``events`` at once (an Arrow table of the store's schema)."""
    index = MergeIndex()
    clusters = index.add(heads_table(events), seq=0)
    return apply_merge(events, clusters)


def merge_reports(reports: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Merge reports of the same event by different articles into one event with every source (see module doc).

    >>> from geodata.store.schema import empty_events_frame
    >>> merge_reports(empty_events_frame()).empty
    True
    """
    from geodata.store.schema import table_to_frame, to_events_table

    return table_to_frame(merge_table(to_events_table(reports)))
