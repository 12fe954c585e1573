"""eventmap's one vocabulary: categories, subtypes, statuses, place roles and the events table.

One row per (event, place). The exported columns (``EVENT_COLUMNS``) are the contract of
DESIGN.md; the store keeps a few more (``STORE_EXTRA_COLUMNS``) that the dashboard's "why here?"
card needs: the resolution score, the runner-up candidates and the reason. Subtypes, with the
ACLED sub-event type and CAMEO code each one maps to, are data in ``geodata/taxonomy.toml``
(``SUBTYPES``); ``python -m geodata.model`` prints them as the README's table.

>>> from geodata.model import EVENT_COLUMNS, SUBTYPES, Category
>>> EVENT_COLUMNS[:3]
['event_id', 'doc_id', 'title']
>>> Category.MILITARY.value
'military'
>>> SUBTYPES["military.strike"].acled
'Explosions/Remote violence: Air/drone strike'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = [
    "ARTICLE_COLUMNS",
    "DATE_PRECISIONS",
    "EVENT_COLUMNS",
    "LIST_COLUMNS",
    "MAPPED_ROLES",
    "MAPPED_STATUSES",
    "PLACE_ROLES",
    "STATUSES",
    "STORE_EXTRA_COLUMNS",
    "SUBTYPES",
    "Category",
    "Status",
    "Subtype",
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


@dataclass(frozen=True)
class Subtype:
    """One subtype of ``taxonomy.toml`` with its codes in ACLED and CAMEO."""

    name: str  # "military.strike"
    label: str
    description: str
    acled: str | None
    cameo: str | None
    acled_by_trigger: dict[str, str] = field(default_factory=dict)
    cameo_by_trigger: dict[str, str] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """``military``, ``political`` or ``economic``."""
        return self.name.split(".", 1)[0]

    @property
    def short(self) -> str:
        """The name without its category (``strike``), as the events table stores it."""
        return self.name.split(".", 1)[1]

    def codes(self, trigger_lemma: str | None = None) -> tuple[str | None, str | None]:
        """(ACLED sub-event type, CAMEO code), refined by the trigger's lemma where the data says so.

        >>> SUBTYPES["military.strike"].codes("missile")
        ('Explosions/Remote violence: Shelling/artillery/missile attack', '194')
        """
        acled = self.acled_by_trigger.get(trigger_lemma or "", self.acled)
        cameo = self.cameo_by_trigger.get(trigger_lemma or "", self.cameo)
        return acled, cameo


TAXONOMY_PATH = Path(__file__).with_name("taxonomy.toml")


def _load_subtypes(path: Path = TAXONOMY_PATH) -> dict[str, Subtype]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {}
    for name, raw in data["subtypes"].items():
        if name.split(".", 1)[0] not in Category.__members__.values():
            raise ValueError(f"{path}: subtype {name!r} has an unknown category")
        out[name] = Subtype(
            name,
            raw["label"],
            raw["description"],
            raw.get("acled") or None,
            raw.get("cameo") or None,
            dict(raw.get("acled_by_trigger", {})),
            dict(raw.get("cameo_by_trigger", {})),
        )
    return out


#: Every subtype by its full name ("military.strike"), in the taxonomy's order.
SUBTYPES: dict[str, Subtype] = _load_subtypes()
CATEGORY_LABELS = {
    name: raw["label"] for name, raw in tomllib.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))["categories"].items()
}

#: Roles of a row's place: where it happened (``event``, or the article's ``focus`` when the text
#: gives nothing nearer), who acted (``actor``), only ``mentioned``, or ``unknown`` — an event whose
#: place neither the sentence nor the article gives: kept in the table with no geometry, never dropped.
PLACE_ROLES = ("event", "actor", "mentioned", "focus", "unknown")
#: Roles drawn on maps: where events happened.
MAPPED_ROLES = ("event", "focus")
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


def taxonomy_table() -> str:
    """The taxonomy as a Markdown table (the README's)."""
    lines = ["| category | subtype | what | ACLED sub-event type | CAMEO |", "|---|---|---|---|---|"]
    for sub in SUBTYPES.values():
        extra = sorted(set(sub.acled_by_trigger.values()) - {sub.acled})
        acled = "; ".join([sub.acled or "—", *extra])
        cameo = ", ".join([sub.cameo or "—", *sorted(set(sub.cameo_by_trigger.values()) - {sub.cameo})])
        lines.append(f"| {sub.category} | `{sub.short}` | {sub.label} | {acled} | {cameo} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(taxonomy_table())
