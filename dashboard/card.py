"""The event card: one escaped HTML fragment shared by the dashboard and the static export.

Every piece of article text is escaped here (``html.escape``); links are kept only for
``http``/``https`` URLs, so a ``javascript:`` source or a ``<script>`` in an evidence sentence shows
up as text and never runs.

>>> from dashboard.card import event_card_html
>>> html = event_card_html({"category": "military", "sentence": "Raid <b>in</b> Manta.",
...                         "sentence_start": 0, "place_start": 15, "place_end": 20})
>>> "<mark>Manta</mark>" in html and "&lt;b&gt;" in html
True
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from geodata.corrections import is_corrected

__all__ = ["CATEGORY_STYLE", "PRECISION_LABELS", "event_card_html", "highlight", "is_missing", "safe_url"]

#: Colour and label per category (colour-blind-safe palette), shared by maps, legends and cards.
CATEGORY_STYLE = {
    "military": {"color": "#d62728", "label": "Military", "symbol": "✦"},
    "political": {"color": "#1f77b4", "label": "Political", "symbol": "▲"},
    "economic": {"color": "#2ca02c", "label": "Economic", "symbol": "●"},
}

PRECISION_LABELS = {1: "locality", 2: "admin area", 3: "country", 4: "region or sea"}


def is_missing(value: Any) -> bool:
    """Whether a table cell is empty: ``None``, NaN or blank text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    return "" if is_missing(value) else html.escape(str(value))


def safe_url(value: Any) -> str | None:
    """The URL if it is an absolute http(s) URL, else ``None`` (never a ``javascript:`` link)."""
    if is_missing(value):
        return None
    parsed = urlparse(str(value).strip())
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return str(value).strip()
    return None


def highlight(sentence: str, start: int | None, end: int | None) -> str:
    """Escape ``sentence`` and wrap ``sentence[start:end]`` in ``<mark>``.

    >>> highlight("Troops <to> Nariño", 12, 18)
    'Troops &lt;to&gt; <mark>Nariño</mark>'
    """
    if start is None or end is None or not 0 <= start < end <= len(sentence):
        return html.escape(sentence)
    return (
        html.escape(sentence[:start])
        + "<mark>"
        + html.escape(sentence[start:end])
        + "</mark>"
        + html.escape(sentence[end:])
    )


def _int(value: Any) -> int | None:
    if is_missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _list(value: Any) -> list:
    if value is None or isinstance(value, (str, float)):
        return []
    return list(value)


def event_card_html(event: Mapping[str, Any]) -> str:
    """The card of one event row (a dict or a pandas row of the events table).

    Shows category and subtype, the date and its precision, the evidence sentence with the place
    highlighted, the source (a link only for http/https), figures, actors, confidence, the number
    of sources, and "why here?": the gazetteer entry, its kind and precision, the score and the
    runner-up candidates.
    """
    category = str(event.get("category") or "")
    style = CATEGORY_STYLE.get(category, {"color": "#555", "label": category or "event", "symbol": "•"})
    subtype = str(event.get("subtype") or "").replace("_", " ")
    parts = [f'<div class="em-card" data-category="{_text(category)}">']
    parts.append(
        f'<div class="em-card-head" style="border-left:4px solid {style["color"]};padding-left:6px">'
        f"<strong>{_text(style['label'])}</strong>{' · ' + _text(subtype) if subtype else ''}"
        f"{_status(event.get('status'))}</div>"
    )
    date, date_end, precision = event.get("date"), event.get("date_end"), event.get("date_precision")
    if not is_missing(date):
        when = _text(date) + (f" → {_text(date_end)}" if not is_missing(date_end) else "")
        detail = f" ({_text(precision)})" if not is_missing(precision) else ""
        date_text = f" · “{_text(event.get('date_text'))}”" if not is_missing(event.get("date_text")) else ""
        parts.append(f'<div class="em-card-date">{when}{detail}{date_text}</div>')
    sentence = "" if is_missing(event.get("sentence")) else str(event.get("sentence"))
    offset = _int(event.get("sentence_start")) or 0
    start, end = _int(event.get("place_start")), _int(event.get("place_end"))
    local = (start - offset, end - offset) if start is not None and end is not None else (None, None)
    parts.append(f'<blockquote class="em-card-evidence">{highlight(sentence, *local)}</blockquote>')
    title, source = event.get("title"), event.get("source")
    url = safe_url(source)
    label = _text(title) or _text(source) or "source"
    if url:
        parts.append(
            f'<div class="em-card-source">Source: <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{label}</a></div>'
        )
    else:
        extra = f" ({_text(source)})" if not is_missing(source) and _text(source) != label else ""
        parts.append(f'<div class="em-card-source">Source: {label}{extra}</div>')
    if not is_missing(event.get("published")):
        parts.append(f'<div class="em-card-published">Published {_text(event.get("published"))}</div>')
    facts = []
    fatalities = _int(event.get("fatalities"))
    if fatalities is not None:
        facts.append(f"fatalities: {fatalities}")
    for figure in _list(event.get("figures")):
        if isinstance(figure, Mapping):
            facts.append(f"{_text(figure.get('kind'))}: {_text(figure.get('text') or figure.get('value'))}")
        else:
            facts.append(_text(figure))
    if facts:
        parts.append('<div class="em-card-figures">' + " · ".join(facts) + "</div>")
    actors = [_text(a) for a in _list(event.get("actors"))]
    roles = [f"{label}: {_text(event.get(key))}" for key, label in (("agent", "by"), ("target", "against"))]
    roles = [r for r, key in zip(roles, ("agent", "target"), strict=True) if not is_missing(event.get(key))]
    if actors or roles:
        listed = ("Actors: " + ", ".join(actors)) if actors else "Actors"
        parts.append(
            '<div class="em-card-actors">' + listed + (" (" + "; ".join(roles) + ")" if roles else "") + "</div>"
        )
    triggers = [_text(t) for t in _list(event.get("triggers"))]
    meta = []
    if not is_missing(event.get("confidence")):
        meta.append(f"confidence {float(event.get('confidence')):.2f}")
    if triggers:
        meta.append("triggers: " + ", ".join(triggers))
    n_sources = _int(event.get("n_sources")) or 1
    meta.append(f"{n_sources} source{'s' if n_sources != 1 else ''}")
    parts.append('<div class="em-card-meta">' + " · ".join(meta) + "</div>")
    others = [s for s in _list(event.get("sources")) if not is_missing(s) and s != source]
    if others:
        items = []
        for other in others[:8]:
            link = safe_url(other)
            items.append(
                f'<a href="{html.escape(link, quote=True)}" target="_blank" rel="noopener noreferrer">{_text(other)}</a>'
                if link
                else _text(other)
            )
        parts.append('<div class="em-card-sources">Also reported by: ' + ", ".join(items) + "</div>")
    parts.append(_why_here(event))
    parts.append("</div>")
    return "".join(parts)


def _status(value: Any) -> str:
    """The event's status when it is not a plain report ("planned", "denied" …), for the card's head."""
    if is_missing(value) or str(value) == "reported":
        return ""
    return f' · <span class="em-card-status">{_text(value)}</span>'


def _why_here(event: Mapping[str, Any]) -> str:
    precision = _int(event.get("geo_precision"))
    kind = _text(event.get("place_kind"))
    role = _text(event.get("place_role"))
    lines = [
        f"<b>{_text(event.get('place_name'))}</b>"
        + (
            f", {_text(event.get('admin1'))}"
            if not is_missing(event.get("admin1")) and event.get("admin1") != event.get("place_name")
            else ""
        )
        + (f" ({_text(event.get('country_code'))})" if not is_missing(event.get("country_code")) else "")
    ]
    detail = [d for d in (kind, PRECISION_LABELS.get(precision or 0, ""), f"role: {role}" if role else "") if d]
    if not is_missing(event.get("place_id")):
        detail.append(f"gazetteer {_text(event.get('place_id'))}")
    if not is_missing(event.get("place_score")):
        detail.append(f"score {float(event.get('place_score')):.2f}")
    lines.append(" · ".join(detail))
    if not is_missing(event.get("place_reason")):
        lines.append(_text(event.get("place_reason")))
    runners = [c for c in _list(event.get("place_candidates")) if isinstance(c, Mapping)]
    if runners:
        items = "".join(
            f"<li>{_text(c.get('name'))} ({_text(c.get('kind'))}{', ' + _text(c.get('country_code')) if c.get('country_code') else ''})"
            f"{' — ' + format(float(c['score']), '.2f') if not is_missing(c.get('score')) else ''}</li>"
            for c in runners[:5]
        )
        lines.append(f"Runner-up candidates:<ul>{items}</ul>")
    body = "".join(f"<div>{line}</div>" for line in lines if line)
    badge = ' <span class="em-card-corrected">corrected by user</span>' if is_corrected(event) else ""
    return f'<details class="em-card-why" open><summary>Why here?{badge}</summary>{body}</details>'
