"""How many events a table holds: one definition for the CLI, the ingest report, the dashboard and exports.

The events table has one row per (event, place), so a row count over-counts every event reported
at several places. Everything that says "N events" counts distinct ``event_id``; places are a
detail ("31 events at 38 places").

>>> import pandas as pd
>>> frame = pd.DataFrame({"event_id": ["a", "a", "b"], "place_id": ["p1", "p2", "p1"]})
>>> count_events(frame)
EventCount(events=2, places=2, rows=3)
>>> count_events(frame).describe()
'2 events at 2 places'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EventCount", "count_events", "plural"]


def plural(n: int, word: str) -> str:
    """``"1 event"``, ``"2 events"`` (with thousands separators).

    >>> plural(1, "event"), plural(12000, "place")
    ('1 event', '12,000 places')
    """
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class EventCount:
    """Distinct events, distinct places and (event, place) rows of a table."""

    events: int
    places: int
    rows: int

    def describe(self) -> str:
        """``"31 events at 38 places"`` (the place part only when it differs from the event count)."""
        text = plural(self.events, "event")
        return text if self.places in (0, self.events) else f"{text} at {plural(self.places, 'place')}"


def count_events(rows: Any) -> EventCount:
    """Count the events of a frame, an Arrow table or an iterable of row dicts (distinct ``event_id``)."""
    if hasattr(rows, "num_rows"):  # an Arrow table: counted without converting it
        import pyarrow.compute as pc

        if not rows.num_rows:
            return EventCount(0, 0, 0)
        names = rows.column_names
        events = pc.count_distinct(rows["event_id"]).as_py() if "event_id" in names else rows.num_rows
        places = pc.count_distinct(rows["place_id"]).as_py() if "place_id" in names else 0
        return EventCount(events, places, rows.num_rows)
    if hasattr(rows, "columns"):
        n = len(rows)
        if not n:
            return EventCount(0, 0, 0)
        events = int(rows["event_id"].nunique()) if "event_id" in rows.columns else n
        places = int(rows["place_id"].fillna(rows.get("place_name")).nunique()) if "place_id" in rows.columns else 0
        return EventCount(events, places, n)
    items: Iterable[Mapping[str, Any]] = list(rows)
    event_ids = {r.get("event_id") for r in items}
    place_ids = {r.get("place_id") or r.get("place_name") for r in items}
    return EventCount(len(event_ids), len(place_ids - {None}), len(items))  # type: ignore[arg-type]
