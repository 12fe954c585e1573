"""Component ids of the dashboard, in one place (a misspelled id fails at import, not at run time).

The same strings are used by ``assets/eventmap.js`` (clientside callbacks and browser tests), so
renaming one here means renaming it there.

The charts and the table are mounted after the map's first paint (plotly.js and the table code are
heavy to start); their ids are pattern-matching ids (:func:`deferred`) so callbacks can name them
before they exist.
"""

from __future__ import annotations

__all__ = [
    "AREAS",
    "BASEMAP",
    "CARD",
    "CARD_HINT",
    "CARD_PICK",
    "CATEGORIES",
    "CAT_CHART",
    "COUNTER",
    "COUNTRIES",
    "COUNTRY_CHART",
    "DATA_INFO",
    "DATA_SOURCE",
    "DATES_ALL",
    "DATE_FROM",
    "DATE_TO",
    "DATE_WINDOW",
    "DOWNLOAD",
    "EXPORT_CSV",
    "EXPORT_GEOJSON",
    "EXPORT_HTML",
    "EXPORT_REQUEST",
    "EXPORT_STATUS",
    "FILTERED",
    "IN_VIEW",
    "LAYERS",
    "MAP",
    "PANELS_MOUNTED",
    "PANELS_READY",
    "PLAY",
    "PLAY_CLOCK",
    "POINTS",
    "ROLES",
    "SELECTION",
    "SLOT_CHARTS",
    "SLOT_TABLE",
    "SLOT_TIMELINE",
    "SOURCES",
    "SPEED",
    "STORE_POLL",
    "SUBTYPES",
    "TABLE",
    "TEXT",
    "TIMELINE",
    "UPLOAD",
    "UPLOAD_STATUS",
    "URL_SYNC",
    "deferred",
]

# Data plumbing (dcc.Store)
DATA_SOURCE = "em-data-source"  # {"url", "text_url", "shapes_url", "generation"}: what the browser loads
DATA_INFO = "em-data-info"  # set by the loader once the payload is decoded in the browser
FILTERED = "em-filtered"  # small summary of the last filter run; drives the side panels
DATE_WINDOW = "em-date-window"  # [first day, last day] as days since 1970-01-01, or None for all
SELECTION = "em-selection"  # rows the card shows (clicked place or table row)
EXPORT_REQUEST = "em-export-request"  # {"fmt", "mask", "generation"} built in the browser
URL_SYNC = "em-url-sync"  # dummy output of the clientside URL writer
STORE_POLL = "em-store-poll"  # dcc.Interval checking whether the store changed

# Filters
CATEGORIES = "em-categories"
SUBTYPES = "em-subtypes"
COUNTRIES = "em-countries"
SOURCES = "em-sources"
ROLES = "em-roles"
TEXT = "em-text"
DATE_FROM = "em-date-from"
DATE_TO = "em-date-to"
DATES_ALL = "em-dates-all"
PLAY = "em-play"
SPEED = "em-speed"
PLAY_CLOCK = "em-play-clock"
COUNTER = "em-counter"

# Map
MAP = "em-map"
LAYERS = "em-layers"
BASEMAP = "em-basemap"
POINTS = "em-points"
AREAS = "em-areas"

# Panels (TIMELINE, CAT_CHART, COUNTRY_CHART and TABLE are pattern types: see deferred())
PANELS_READY = "em-panels-ready"  # set by the browser after the first map paint
PANELS_MOUNTED = "em-panels-mounted"  # set by the server once the panels are in the page
SLOT_TIMELINE = "em-slot-timeline"
SLOT_CHARTS = "em-slot-charts"
SLOT_TABLE = "em-slot-table"
TIMELINE = "em-timeline"
CARD = "em-card"
CARD_HINT = "em-card-hint"
CARD_PICK = "em-card-pick"
TABLE = "em-table"
IN_VIEW = "em-in-view"
CAT_CHART = "em-cat-chart"
COUNTRY_CHART = "em-country-chart"
UPLOAD = "em-upload"
UPLOAD_STATUS = "em-upload-status"
EXPORT_HTML = "em-export-html"
EXPORT_GEOJSON = "em-export-geojson"
EXPORT_CSV = "em-export-csv"
EXPORT_STATUS = "em-export-status"
DOWNLOAD = "em-download"


def deferred(kind: str, index: int | str = 0) -> dict[str, int | str]:
    """The pattern-matching id of a panel mounted after the first paint (``{"type": kind, "index": 0}``)."""
    return {"type": kind, "index": index}
