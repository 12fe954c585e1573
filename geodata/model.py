"""The events table: column names, types and the categories (one place for the contract).

One row per (event, place). The exported columns (``EVENT_COLUMNS``) are the contract of
DESIGN.md; the store keeps a few more (``STORE_EXTRA_COLUMNS``) that the dashboard's "why here?"
card needs: the resolution score, the runner-up candidates and the reason.

>>> from geodata.model import EVENT_COLUMNS, Category
>>> EVENT_COLUMNS[:3]
['event_id', 'doc_id', 'title']
>>> Category.MILITARY.value
'military'
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ARTICLE_COLUMNS",
    "DATE_PRECISIONS",
    "EVENT_COLUMNS",
    "LIST_COLUMNS",
    "MAPPED_STATUSES",
    "PLACE_ROLES",
    "STATUSES",
    "STORE_EXTRA_COLUMNS",
    "Category",
    "Status",
]


class Category(StrEnum):
    """Top-level event categories."""

    MILITARY = "military"
    POLITICAL = "political"
    ECONOMIC = "economic"


class Status(StrEnum):
    """Factuality of an event as the text tells it."""

    REPORTED = "reported"  # happened, as the text tells it
    PLANNED = "planned"  # announced, scheduled or ordered, not yet done
    DENIED = "denied"  # negated, denied, rejected, called off
    HYPOTHETICAL = "hypothetical"  # conditional, possible, threatened, demanded
    COMMENTARY = "commentary"  # generic or habitual statements, opinion, analysis
    BACKGROUND = "background"  # dated more than five years before publication


STATUSES = tuple(s.value for s in Status)
#: Statuses drawn on maps by default; the others stay in the table behind a filter.
MAPPED_STATUSES = (Status.REPORTED.value, Status.PLANNED.value)

PLACE_ROLES = ("event", "actor", "mentioned", "focus")
DATE_PRECISIONS = ("day", "month", "year", "publication")

#: Exported columns, in order (the GeoJSON feature properties; geometry comes last).
EVENT_COLUMNS = [
    "event_id",
    "doc_id",
    "title",
    "source",
    "published",
    "category",
    "subtype",
    "status",
    "acled_sub_event_type",
    "cameo_code",
    "triggers",
    "confidence",
    "sentence",
    "sentence_start",
    "sentence_end",
    "date",
    "date_end",
    "date_text",
    "date_precision",
    "place_text",
    "place_start",
    "place_end",
    "place_name",
    "place_id",
    "place_kind",
    "country_code",
    "admin1",
    "geo_precision",
    "place_role",
    "actors",
    "agent",
    "target",
    "fatalities",
    "figures",
    "evidence",
    "n_sources",
]

#: Kept in the store for the "why here?" card; not part of the export contract.
STORE_EXTRA_COLUMNS = [
    "place_score",
    "place_candidates",
    "place_reason",
    "sources",
    "doc_ids",
    "lat",
    "lon",
]

#: Columns holding lists (JSON arrays in GeoJSON, JSON text in CSV and GeoPackage).
LIST_COLUMNS = ["triggers", "actors", "figures", "evidence", "place_candidates", "sources", "doc_ids"]

#: One row per ingested article.
ARTICLE_COLUMNS = [
    "doc_id",
    "title",
    "source",
    "published",
    "path",
    "author",
    "encoding",
    "n_events",
    "ingested_at",
    "text",
]
