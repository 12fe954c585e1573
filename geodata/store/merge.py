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
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CLUSTER_SCHEMA",
    "HEAD_SCHEMA",
    "MergeIndex",
    "apply_merge",
    "fold_clusters",
    "heads_table",
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


def heads_table(events: pa.Table, seq: int | None = None) -> pa.Table:
    """The head of every event in ``events`` (rows of ``EVENTS_SCHEMA``), in first-row order.

    The event place is the first place with role ``event`` or ``focus``, else the first place.
    """
    columns = ["event_id", "doc_id", "category", "subtype", "place_id", "place_role", "date", "published"]
    columns += ["sentence", "sentence_start", "source", "title"]
    data = events.select(columns).to_pydict()
    slot: dict[str, int] = {}
    firsts: list[int] = []
    counts: list[int] = []
    event_place: list[str | None] = []
    for i, (event_id, role) in enumerate(zip(data["event_id"], data["place_role"], strict=True)):
        n = slot.get(event_id)
        if n is None:
            n = slot[event_id] = len(firsts)
            firsts.append(i)
            counts.append(0)
            event_place.append(None)
        counts[n] += 1
        if event_place[n] is None and role in ("event", "focus"):
            event_place[n] = data["place_id"][i]
    out: dict[str, list[Any]] = {f.name: [] for f in HEAD_SCHEMA}
    for n, i in enumerate(firsts):
        place = event_place[n] or data["place_id"][i]
        category, subtype = data["category"][i], data["subtype"][i]
        out["event_id"].append(data["event_id"][i])
        out["doc_id"].append(data["doc_id"][i])
        out["key"].append(_SEP.join((category, subtype, place)) if place and category and subtype else None)
        out["when"].append(_text(data["date"][i]) or _text(data["published"][i]))
        out["words"].append(_words(data["sentence"][i]))
        out["published"].append(data["published"][i])
        out["sentence_start"].append(data["sentence_start"][i])
        out["label"].append(_text(data["source"][i]) or _text(data["title"][i]))
        out["rows"].append(counts[n])
        out["seq"].append(seq)
    return pa.Table.from_pydict(out, schema=HEAD_SCHEMA)


class MergeIndex:
    """Every stored event's head, bucketed by merge key and date, with its cluster (union-find).

    :meth:`add` compares new events with their bucket and returns the cluster rows that changed;
    :meth:`load` takes heads and cluster rows another writer committed, without comparing again.
    Memory is about 150 bytes per event (a million events: ~150 MB).
    """

    def __init__(self) -> None:
        self._pos: dict[str, int] = {}
        self._ids: list[str] = []
        self._doc: list[str] = []
        self._when: list[str] = []
        self._day = array("i")
        self._published: list[str | None] = []
        self._start = array("q")
        self._label: list[str] = []
        self._rows = array("i")
        self._words = array("I")
        self._word_at = array("q", [0])
        self._vocab: dict[str, int] = {}
        self._intern: dict[str, str] = {}
        self._buckets: dict[str, tuple[array, array]] = {}
        self._parent = array("i")
        self._members: dict[int, list[int]] = {}  # root -> members, clusters of two or more only
        self._rep: dict[int, int] = {}  # root -> representative, clusters of two or more only
        #: Events (clusters) and rows of the merged view.
        self.events = 0
        self.rows = 0

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._pos

    # ------------------------------------------------------------------ building
    def _s(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return self._intern.setdefault(value, value)

    def _append(self, head: dict[str, Any]) -> int:
        i = len(self._ids)
        self._pos[head["event_id"]] = i
        self._ids.append(head["event_id"])
        self._doc.append(self._s(head["doc_id"]))
        when = self._s(head["when"] or "")
        self._when.append(when)
        self._day.append(_day_number(when))
        self._published.append(self._s(head["published"]))
        start = head["sentence_start"]
        self._start.append(-1 if start is None else int(start))
        self._label.append(self._s(head["label"] or ""))
        self._rows.append(int(head["rows"] or 0))
        vocab = self._vocab
        self._words.extend(vocab.setdefault(w, len(vocab)) for w in head["words"] or ())
        self._word_at.append(len(self._words))
        self._parent.append(i)
        self.events += 1
        self.rows += self._rows[i]
        return i

    def _bucket(self, key: str | None) -> tuple[array, array] | None:
        if key is None:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = (array("i"), array("i"))
        return bucket

    def _insert(self, bucket: tuple[array, array] | None, i: int) -> None:
        if bucket is None:
            return
        days, members = bucket
        at = bisect_right(days, self._day[i])
        days.insert(at, self._day[i])
        members.insert(at, i)

    def _order(self, i: int) -> tuple:
        published = self._published[i]
        start = self._start[i]
        return (published is None, published or "", self._doc[i], start < 0, start, self._ids[i])

    def _find(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _union(self, a: int, b: int) -> int | None:
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
        rep = min(rep_a, rep_b, key=self._order)
        self._members[ra] = members_a
        self._rep[ra] = rep
        self.events -= 1
        self.rows -= self._rows[rep_a] + self._rows[rep_b] - self._rows[rep]
        return ra

    def _similar(self, i: int, j: int) -> bool:
        if self._doc[i] == self._doc[j] or not _same_time(self._when[i], self._when[j]):
            return False
        words_i = set(self._words[self._word_at[i] : self._word_at[i + 1]])
        words_j = set(self._words[self._word_at[j] : self._word_at[j + 1]])
        union = len(words_i | words_j)
        return bool(union) and len(words_i & words_j) / union >= MIN_SIMILARITY

    # ------------------------------------------------------------------ public
    def add(self, heads: pa.Table, seq: int) -> pa.Table:
        """Add new events, link them to similar stored ones; the changed clusters (:data:`CLUSTER_SCHEMA`)."""
        changed: set[int] = set()
        for head in heads.to_pylist():
            if head["event_id"] in self._pos:
                continue
            i = self._append(head)
            bucket = self._bucket(head["key"])
            if bucket is not None:
                days, members = bucket
                day = self._day[i]
                lo, hi = bisect_left(days, day - MERGE_DAYS), bisect_right(days, day + MERGE_DAYS)
                for j in members[lo:hi]:
                    if self._similar(i, j):
                        root = self._union(i, j)
                        if root is not None:
                            changed.add(root)
            self._insert(bucket, i)
        return self._cluster_rows({self._find(r) for r in changed}, seq)

    def load(self, heads: pa.Table, clusters: pa.Table | None = None) -> None:
        """Take events and cluster rows that are already stored (no comparison: the rows say it)."""
        for head in heads.to_pylist():
            if head["event_id"] not in self._pos:
                self._insert(self._bucket(head["key"]), self._append(head))
        if clusters is not None and clusters.num_rows:
            pos = self._pos
            for event_id, rep in zip(
                clusters.column("event_id").to_pylist(), clusters.column("rep").to_pylist(), strict=True
            ):
                if event_id in pos and rep in pos:
                    self._union(pos[event_id], pos[rep])

    def _cluster_rows(self, roots: set[int], seq: int) -> pa.Table:
        out: dict[str, list[Any]] = {f.name: [] for f in CLUSTER_SCHEMA}
        for root in sorted(roots, key=lambda r: self._order(self._rep[r])):
            rep = self._ids[self._rep[root]]
            for m in sorted(self._members[root], key=self._order):
                out["event_id"].append(self._ids[m])
                out["rep"].append(rep)
                out["doc_id"].append(self._doc[m])
                out["label"].append(self._label[m])
                out["published"].append(self._published[m])
                out["sentence_start"].append(None if self._start[m] < 0 else self._start[m])
                out["seq"].append(seq)
        return pa.Table.from_pydict(out, schema=CLUSTER_SCHEMA)


# ---------------------------------------------------------------------------- reading
def fold_clusters(tables: list[pa.Table]) -> pa.Table:
    """The latest cluster row of every event across commits (highest ``seq``, then last written)."""
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return CLUSTER_SCHEMA.empty_table()
    table = pa.concat_tables(tables)
    if len(tables) == 1 and pc.count_distinct(table.column("event_id")).as_py() == table.num_rows:
        return table
    import numpy as np

    frame = table.select(["event_id", "seq"]).to_pandas()
    frame["at"] = np.arange(len(frame))
    keep = frame.sort_values(["seq", "at"], kind="stable").drop_duplicates("event_id", keep="last")["at"]
    return table.take(pa.array(np.sort(keep.to_numpy())))


def _label_column(table: pa.Table) -> pa.Array:
    def nonempty(name: str) -> pa.Array:
        column = (
            table.column(name).combine_chunks() if name in table.column_names else pa.nulls(table.num_rows, pa.string())
        )
        return pc.if_else(pc.fill_null(pc.not_equal(column, ""), False), column, pa.scalar(None, pa.string()))

    return pc.fill_null(pc.coalesce(nonempty("source"), nonempty("title")), "")


def _singletons(values: pa.Array) -> pa.Array:
    import numpy as np

    return pa.ListArray.from_arrays(pa.array(np.arange(len(values) + 1, dtype=np.int32)), values)


def apply_merge(table: pa.Table, clusters: pa.Table) -> pa.Table:
    """The merged view of stored rows: members of a cluster dropped, ``n_sources``/``sources``/``doc_ids`` set.

    ``table`` needs ``event_id``, ``doc_id``, ``source`` and ``title`` to fill the three columns
    (set, or added when missing); without them (a narrow projection) only the rows are dropped.
    """
    import numpy as np

    clusters = clusters.combine_chunks()
    event_ids = table.column("event_id")
    if clusters.num_rows:
        members = pc.filter(
            clusters.column("event_id"), pc.not_equal(clusters.column("event_id"), clusters.column("rep"))
        )
        if len(members):
            table = table.filter(pc.invert(pc.is_in(event_ids, value_set=members)))
            event_ids = table.column("event_id")
    if not {"doc_id", "source", "title"} <= set(table.column_names):
        return table
    n = table.num_rows
    n_sources = pa.array(np.ones(n, dtype=np.int64))
    sources = _singletons(_label_column(table))
    doc_ids = _singletons(table.column("doc_id").combine_chunks())
    if clusters.num_rows and n:
        reps, rep_n, rep_sources, rep_docs = _cluster_lists(clusters)
        at = pc.index_in(event_ids, value_set=reps)
        hit = pc.is_valid(at).to_numpy(zero_copy_only=False)
        if hit.any():
            where = np.arange(n, dtype=np.int64)
            where[hit] = n + at.to_numpy(zero_copy_only=False)[hit].astype(np.int64)
            index = pa.array(where)
            n_sources = pa.concat_arrays([n_sources, rep_n]).take(index)
            sources = pa.concat_arrays([sources, rep_sources]).take(index)
            doc_ids = pa.concat_arrays([doc_ids, rep_docs]).take(index)
    for name, values in (("n_sources", n_sources), ("sources", sources), ("doc_ids", doc_ids)):
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, values)
        else:
            table = table.append_column(name, values)
    return table


def _cluster_lists(clusters: pa.Table) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """Per representative: its id, the number of distinct articles, their labels and ids (report order)."""
    frame = clusters.to_pandas()
    frame["unpublished"] = frame["published"].isna()
    frame["nostart"] = frame["sentence_start"].isna()
    frame = frame.sort_values(
        ["rep", "unpublished", "published", "doc_id", "nostart", "sentence_start", "event_id"], kind="stable"
    )
    reps, counts, labels, docs = [], [], [], []
    for rep, group in frame.groupby("rep", sort=False):
        doc_list = list(dict.fromkeys(group["doc_id"]))
        reps.append(rep)
        counts.append(len(doc_list))
        labels.append(list(dict.fromkeys(group["label"].fillna(""))))
        docs.append(doc_list)
    return (
        pa.array(reps, pa.string()),
        pa.array(counts, pa.int64()),
        pa.array(labels, pa.list_(pa.string())),
        pa.array(docs, pa.list_(pa.string())),
    )


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
