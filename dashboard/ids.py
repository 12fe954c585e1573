"""Component ids of the dashboard, in one place (a misspelled id fails at import, not at run time).

The same strings are used by ``assets/eventmap.js`` (clientside callbacks and browser tests), so
renaming one here means renaming it there.

The charts and the table are mounted after the map's first paint (plotly.js and the table code are
heavy to start); their ids are pattern-matching ids (:func:`deferred`) so callbacks can name them
before they exist.
"""

from __future__ import annotations

__all__ = [
    "ACTORS",
    "AREAS",
    "ARTICLES",
    "BASEMAP",
    "CARD",
    "CARD_HINT",
    "CARD_PICK",
    "CATEGORIES",
    "CAT_CHART",
    "CORRECT_APPLY",
    "CORRECT_BOX",
    "CORRECT_NOT_PLACE",
    "CORRECT_PLACE",
    "CORRECT_STATUS",
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
    "LOADING",
    "MAP",
    "PANELS_MOUNTED",
    "PANELS_READY",
    "PLAY",
    "PLAY_CLOCK",
    "POINTS",
    "REMOVE_ARTICLE",
    "REMOVE_STATUS",
    "ROLES",
    "SELECTION",
    "SERIES_CHART",
    "SERIES_UNIT",
    "SIZING",
    "SLOT_CHARTS",
    "SLOT_TABLE",
    "SLOT_TIMELINE",
    "SOURCES",
    "SPEED",
    "STATUSES",
    "STORE_POLL",
    "SUBTYPES",
    "TABLE",
    "TEXT",
    "TIMELINE",
    "UPLOAD",
    "UPLOAD_JOB",
    "UPLOAD_POLL",
    "UPLOAD_PROGRESS",
    "UPLOAD_PUBLISHED",
    "UPLOAD_SOURCE",
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
STATUSES = "em-statuses"
SUBTYPES = "em-subtypes"
COUNTRIES = "em-countries"
SOURCES = "em-sources"
ACTORS = "em-actors"
ROLES = "em-roles"
TEXT = "em-text"
SIZING = "em-sizing"  # "size pins by fatalities"
DATE_FROM = "em-date-from"
DATE_TO = "em-date-to"
DATES_ALL = "em-dates-all"
PLAY = "em-play"
SPEED = "em-speed"
PLAY_CLOCK = "em-play-clock"
COUNTER = "em-counter"
LOADING = "em-loading"  # says what is loading, over the map

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
CORRECT_PLACE = "em-correct-place"  # runner-up places of the card's event
CORRECT_APPLY = "em-correct-apply"
CORRECT_NOT_PLACE = "em-correct-not-place"
CORRECT_STATUS = "em-correct-status"
CORRECT_BOX = "em-correct-box"
TABLE = "em-table"
IN_VIEW = "em-in-view"
CAT_CHART = "em-cat-chart"
COUNTRY_CHART = "em-country-chart"
SERIES_CHART = "em-series"
SERIES_UNIT = "em-series-unit"
UPLOAD = "em-upload"
UPLOAD_STATUS = "em-upload-status"
UPLOAD_PUBLISHED = "em-upload-published"
UPLOAD_SOURCE = "em-upload-source"
UPLOAD_JOB = "em-upload-job"  # the id of the running upload job
UPLOAD_POLL = "em-upload-poll"
UPLOAD_PROGRESS = "em-upload-progress"
ARTICLES = "em-articles"  # the stored articles (to remove one)
REMOVE_ARTICLE = "em-remove-article"
REMOVE_STATUS = "em-remove-status"
EXPORT_HTML = "em-export-html"
EXPORT_GEOJSON = "em-export-geojson"
EXPORT_CSV = "em-export-csv"
EXPORT_STATUS = "em-export-status"
DOWNLOAD = "em-download"


def deferred(kind: str, index: int | str = 0) -> dict[str, int | str]:
    """The pattern-matching id of a panel mounted after the first paint (``{"type": kind, "index": 0}``)."""
    return {"type": kind, "index": index}
