"""The embedded, offline gazetteer: build it once, then look names up in microseconds.

>>> from geodata.gazetteer import open_gazetteer
>>> gaz = open_gazetteer()  # doctest: +SKIP
>>> best = gaz.lookup("Nariño")[0]  # doctest: +SKIP
>>> best.place.kind, best.place.country_code  # doctest: +SKIP
('admin1', 'CO')
"""

from __future__ import annotations

import threading
from pathlib import Path

from geodata.gazetteer.index import (
    KIND_PRIOR,
    KINDS,
    Candidate,
    GazetteerIndex,
    PlaceRecord,
    geo_precision,
)
from geodata.gazetteer.normalize import fold, normalize_name

__all__ = [
    "KINDS",
    "KIND_PRIOR",
    "Candidate",
    "GazetteerIndex",
    "PlaceRecord",
    "basemap_path",
    "fold",
    "geo_precision",
    "normalize_name",
    "open_gazetteer",
]

_OPEN: dict[Path, GazetteerIndex] = {}
_OPEN_LOCK = threading.Lock()


def _default_path() -> Path:
    # geodata.config.default_gazetteer_path(), without importing the settings (pydantic) on the
    # cold path of a first lookup; a test checks that both agree.
    return Path(__file__).resolve().parent / "data" / "gazetteer.sqlite"


def open_gazetteer(path: str | Path | None = None) -> GazetteerIndex:
    """Open (once per process) the gazetteer at ``path`` or at the default location.

    Raises :class:`~geodata.errors.GazetteerNotBuiltError` with the command that builds it when the
    artefact is missing.
    """
    resolved = Path(path).resolve() if path else _default_path()
    with _OPEN_LOCK:
        index = _OPEN.get(resolved)
        if index is None:
            index = _OPEN[resolved] = GazetteerIndex(resolved)
        return index


def basemap_path(gazetteer_path: str | Path | None = None) -> Path:
    """The offline basemap (country shapes, GeoJSON) written beside the gazetteer by its build."""
    return Path(gazetteer_path or _default_path()).with_name("basemap.geojson")
