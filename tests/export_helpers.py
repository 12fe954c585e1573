"""Shared by the export tests: hostile article text and the external-asset pattern."""

from __future__ import annotations

import re

import geopandas as gpd

#: A <script src> or stylesheet <link href> pointing at another host.
EXTERNAL_ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)

PAYLOADS = {
    "sentence": 'Blast <script>window.__pwned=1</script> near <img src=x onerror="window.__pwned=2"> Manta.',
    "title": "<script>window.__pwned=3</script> headline",
    "source": "javascript:window.__pwned=4",
    "place_name": '<img src=x onerror="window.__pwned=5">',
    "actors": ['<b onmouseover="window.__pwned=6">militia</b>'],
}


def hostile_row(events) -> gpd.GeoDataFrame:
    """One event whose article text is an HTML/JS payload."""
    row = events.iloc[[0]].copy()
    sentence = PAYLOADS["sentence"]
    row["sentence"] = sentence
    row["sentence_start"] = 0
    row["place_start"] = sentence.index("Manta")
    row["place_end"] = row["place_start"] + len("Manta")
    for column in ("title", "source", "place_name"):
        row[column] = PAYLOADS[column]
    row["actors"] = [PAYLOADS["actors"]]
    return row
