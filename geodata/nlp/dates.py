"""Dates in news sentences, resolved against the article's publication date.

Handles what news writing uses: weekdays ("on Tuesday" in an article of Wednesday 4 March 2026 is
3 March), relative weeks and months ("last week", "next month", "earlier this month", "last
November"), the weekend, ranges ("March 15-30", "from June 16 to June 30", "since last
September"), explicit dates ("1 March 2026", "March 1", "2026-03-01") and years ("in 2025").
Absolute forms are normalised with dateparser; the relative arithmetic is done here, where its
rules can be read and tested.

Conventions: a weekday is the most recent such day on or before publication, or the next one when
the sentence speaks of the future ("will", "next"); a month without a year is the most recent one
(or the next one in future sentences); "last week" is the previous Monday–Sunday; "the weekend" is
the Saturday–Sunday on or before publication.

>>> import datetime as dt
>>> [(d.text, d.date, d.date_end, d.precision) for d in find_dates("Quito decreed a March 15-30 curfew.", dt.date(2026, 3, 4))]
[('March 15-30', '2026-03-15', '2026-03-30', 'day')]
>>> find_dates("The raid took place on Tuesday.", dt.date(2026, 3, 4))[0].date
'2026-03-03'
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["DateMention", "find_dates", "nearest_date"]

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH = r"(?P<{name}>January|February|March|April|May|June|July|August|September|October|November|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
# [0-9], not \d: "٢٠٢٦" is a number to int() but not a date to put in an ISO column.
_DAY = r"(?P<{name}>[0-3]?[0-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<{name}>(?:19|20)[0-9][0-9])"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_RANGE_SEP = r"\s*(?:-|–|—|to|through|until|till|and)\s*"


def _m(name: str) -> str:
    return _MONTH.format(name=name)


def _d(name: str) -> str:
    return _DAY.format(name=name)


def _y(name: str) -> str:
    return _YEAR.format(name=name)


# Order matters: longer, more specific forms first; matches never overlap.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "iso_range",
        re.compile(r"\b(?P<a>[0-9]{4}-[0-9]{2}-[0-9]{2})" + _RANGE_SEP + r"(?P<b>[0-9]{4}-[0-9]{2}-[0-9]{2})\b"),
    ),
    ("iso", re.compile(r"\b(?P<a>[0-9]{4}-[0-9]{2}-[0-9]{2})\b")),
    (
        "md_md_range",
        re.compile(
            r"\b(?:from\s+|between\s+)?"
            + _m("m1")
            + r"\s+"
            + _d("d1")
            + _RANGE_SEP
            + _m("m2")
            + r"\s+"
            + _d("d2")
            + r"(?:,?\s+"
            + _y("y")
            + r")?\b",
            re.I,
        ),
    ),
    (
        "dm_dm_range",
        re.compile(
            r"\b(?:from\s+|between\s+)?"
            + _d("d1")
            + r"\s+"
            + _m("m1")
            + _RANGE_SEP
            + _d("d2")
            + r"\s+"
            + _m("m2")
            + r"(?:,?\s+"
            + _y("y")
            + r")?\b",
            re.I,
        ),
    ),
    (
        "md_d_range",
        re.compile(
            r"\b(?:from\s+|between\s+)?"
            + _m("m1")
            + r"\s+"
            + _d("d1")
            + _RANGE_SEP
            + _d("d2")
            + r"(?:,?\s+"
            + _y("y")
            + r")?\b",
            re.I,
        ),
    ),
    (
        "d_dm_range",
        re.compile(
            r"\b(?:from\s+|between\s+)?"
            + _d("d1")
            + _RANGE_SEP
            + _d("d2")
            + r"\s+"
            + _m("m1")
            + r"(?:,?\s+"
            + _y("y")
            + r")?\b",
            re.I,
        ),
    ),
    ("mdy", re.compile(r"\b" + _m("m1") + r"\s+" + _d("d1") + r",?\s+" + _y("y") + r"\b", re.I)),
    ("dmy", re.compile(r"\b" + _d("d1") + r"\s+" + _m("m1") + r",?\s+" + _y("y") + r"\b", re.I)),
    (
        "md",
        re.compile(r"\b" + _m("m1") + r"\s+" + _d("d1") + r"\b(?!\s*(?:percent|%|per|troops|people|,\s*000))", re.I),
    ),
    ("dm", re.compile(r"\b" + _d("d1") + r"\s+" + _m("m1") + r"\b", re.I)),
    ("since_month", re.compile(r"\bsince\s+(?:last\s+)?" + _m("m1") + r"(?:\s+" + _y("y") + r")?\b", re.I)),
    ("month_year", re.compile(r"\b" + _m("m1") + r"\s+" + _y("y") + r"\b", re.I)),
    (
        "rel_month",
        re.compile(
            r"\b(?P<rel>last|next|this|early|late|mid|mid-|in|during|by|until|since|through|throughout|of)\s+"
            + _m("m1")
            + r"\b",
            re.I,
        ),
    ),
    (
        "weekday_range",
        re.compile(
            r"\bfrom\s+(?:[\w.:]+\s+){0,4}?(?:on\s+)?(?P<wd1>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:\s+\w+)?\s+(?:until|to|through|till)\s+(?:[\w.:]+\s+){0,4}?(?:on\s+)?(?P<wd2>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
            re.I,
        ),
    ),
    ("weekend", re.compile(r"\b(?P<rel>last|this|next|the|over the|at the|during the)\s+weekend\b", re.I)),
    (
        "weekday",
        re.compile(
            r"\b(?:(?P<rel>last|next|this|on|late on|early on|late|early|overnight into|by|until|from|since)\s+)?"
            + _WEEKDAY
            + r"(?:\s+(?:night|morning|afternoon|evening))?\b",
            re.I,
        ),
    ),
    (
        "rel_unit",
        re.compile(
            r"\b(?P<rel>last|next|this|earlier this|later this|past|previous|coming)\s+(?P<unit>week|month|year)\b",
            re.I,
        ),
    ),
    (
        "day_word",
        re.compile(r"\b(?P<word>yesterday|today|tonight|this morning|this afternoon|this evening|last night)\b", re.I),
    ),
    ("since_year", re.compile(r"\bsince\s+" + _y("y") + r"\b", re.I)),
    ("year", re.compile(r"\b(?:in|during|by|until|through|for|of|since|early|late|mid-?)\s+" + _y("y") + r"\b", re.I)),
]
_FUTURE = re.compile(
    r"\b(will|would|shall|next|plans? to|planned|scheduled|due to|is to|are to|set to|expected to|upcoming|intends? to)\b",
    re.I,
)


@dataclass(frozen=True)
class DateMention:
    """A date expression in a text and what it resolves to (ISO, possibly partial: ``2026-03``)."""

    start: int
    end: int
    text: str
    date: str
    date_end: str | None
    precision: str  # day | month | year


# The only non-ASCII letters that a case-insensitive pattern matches to ASCII ones: "Auguſt"
# matches the month pattern, so it must also be found in the tables.
_ASCII_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "\u212a": "k"})


def _name_key(text: str) -> str:
    return text.translate(_ASCII_FOLD).lower().rstrip(".")


def _month_number(text: str) -> int:
    return _MONTHS[_name_key(text)]


def _weekday_number(text: str) -> int:
    return _WEEKDAYS[_name_key(text)]


def _year_for(month: int, day: int | None, published: dt.date, future: bool) -> int:
    """The year that puts month/day closest to publication, past unless the text is about the future."""
    year = published.year
    candidate = dt.date(year, month, min(day or 1, calendar.monthrange(year, month)[1]))
    if future:
        if candidate < published.replace(day=1) and (published - candidate).days > 60:
            return year + 1
        return year
    if candidate > published and (candidate - published).days > 60:
        return year - 1
    return year


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso(text: str) -> dt.date | None:
    """``2026-03-04`` as a date; ``None`` for ``2026-13-45``."""
    return _safe(*map(int, text.split("-")))


def _parse_absolute(text: str, published: dt.date) -> dt.date | None:
    """Normalise an explicit date ("1 March 2026", "Sept. 5, 2025") with dateparser."""
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": dt.datetime.combine(published, dt.time()),
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    return parsed.date() if parsed else None


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _resolve(kind: str, m: re.Match[str], published: dt.date, future: bool) -> tuple[str, str | None, str] | None:
    g = m.groupdict()
    if kind == "iso_range":
        start, end = _iso(g["a"]), _iso(g["b"])
        return (g["a"], g["b"], "day") if start and end and start <= end else None
    if kind == "iso":
        return (g["a"], None, "day") if _iso(g["a"]) else None
    if kind in ("md_md_range", "dm_dm_range", "md_d_range", "d_dm_range"):
        m1 = _month_number(g["m1"])
        m2 = _month_number(g["m2"]) if g.get("m2") else m1
        d1, d2 = int(g["d1"]), int(g["d2"])
        year = (
            int(g["y"])
            if g.get("y")
            else _year_for(m1, d1, published, future or dt.date(published.year, m1, 1) >= published.replace(day=1))
        )
        start, end = _safe(year, m1, d1), _safe(year if m2 >= m1 else year + 1, m2, d2)
        if start is None or end is None or end < start:
            return None
        return start.isoformat(), end.isoformat(), "day"
    if kind in ("mdy", "dmy"):
        parsed = _parse_absolute(m.group(0), published)
        return (parsed.isoformat(), None, "day") if parsed else None
    if kind in ("md", "dm"):
        month, day = _month_number(g["m1"]), int(g["d1"])
        if not 1 <= day <= 31:
            return None
        found = _safe(_year_for(month, day, published, future), month, day)
        return (found.isoformat(), None, "day") if found else None
    if kind == "since_month":
        month = _month_number(g["m1"])
        year = int(g["y"]) if g.get("y") else (published.year if month < published.month else published.year - 1)
        return f"{year:04d}-{month:02d}", published.isoformat(), "month"
    if kind == "month_year":
        return f"{int(g['y']):04d}-{_month_number(g['m1']):02d}", None, "month"
    if kind == "rel_month":
        rel, month = g["rel"].lower(), _month_number(g["m1"])
        if g["m1"].lower().rstrip(".") in ("may", "mar") and not g["m1"][0].isupper():
            return None  # "may" the verb, "mar" the verb
        if rel == "last":
            year = published.year if month < published.month else published.year - 1
        elif rel == "next":
            year = published.year if month > published.month else published.year + 1
        elif rel == "this":
            year = published.year
        elif future:
            year = _year_for(month, 1, published, True)
        else:  # a month named in a report is the most recent one that has begun
            year = published.year if month <= published.month else published.year - 1
        if rel == "since":
            return f"{year:04d}-{month:02d}", published.isoformat(), "month"
        return f"{year:04d}-{month:02d}", None, "month"
    if kind == "weekday_range":
        first, second = _weekday_number(g["wd1"]), _weekday_number(g["wd2"])
        if future:
            start = published + dt.timedelta(days=(first - published.weekday()) % 7)
        else:
            start = published - dt.timedelta(days=(published.weekday() - first) % 7)
        end = start + dt.timedelta(days=(second - first) % 7 or 7)
        return start.isoformat(), end.isoformat(), "day"
    if kind == "weekend":
        rel = g["rel"].lower()
        saturday = published - dt.timedelta(days=(published.weekday() - 5) % 7)
        if rel == "next" or (rel in ("this",) and future):
            saturday = published + dt.timedelta(days=(5 - published.weekday()) % 7 or 7)
        elif rel == "last" and published.weekday() >= 5:
            saturday -= dt.timedelta(days=7)
        return saturday.isoformat(), (saturday + dt.timedelta(days=1)).isoformat(), "day"
    if kind == "weekday":
        rel = (g.get("rel") or "").lower()
        target = _weekday_number(g["weekday"])
        if rel == "next" or (future and rel not in ("last", "since", "overnight into")):
            delta = (target - published.weekday()) % 7 or 7
            return (published + dt.timedelta(days=delta)).isoformat(), None, "day"
        delta = (published.weekday() - target) % 7
        if rel == "last" and delta == 0:
            delta = 7
        return (published - dt.timedelta(days=delta)).isoformat(), None, "day"
    if kind == "rel_unit":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel, 0)
        if unit == "week":
            monday = _week_start(published) + dt.timedelta(weeks=step)
            end = monday + dt.timedelta(days=6)
            if step == 0:
                end = published if rel == "earlier this" or not future else end
            return monday.isoformat(), end.isoformat(), "day"
        if unit == "month":
            month_index = published.year * 12 + published.month - 1 + step
            return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}", None, "month"
        return f"{published.year + step:04d}", None, "year"
    if kind == "day_word":
        word = g["word"].lower()
        day = published - dt.timedelta(days=1) if word in ("yesterday", "last night") else published
        return day.isoformat(), None, "day"
    if kind == "since_year":
        return g["y"], published.isoformat(), "year"
    if kind == "year":
        return g["y"], None, "year"
    return None


_PAST_VERB = re.compile(
    r"(?<!be )(?<!been )\b(said|told|announced|reported|agreed|met|held|signed|approved|confirmed|stated|added|\w+ed)\b",
    re.I,
)


def _speaks_of_future(text: str, start: int) -> bool:
    """Whether the words just before a date put it in the future ("will meet on Monday").

    "said on Tuesday it would invest" stays in the past: a past verb after the cue wins.
    """
    window = text[max(0, start - 50) : start]
    cues = list(_FUTURE.finditer(window))
    cue = cues[-1] if cues else None
    if cue is None:
        return bool(re.match(r"\s*next\b", text[start : start + 6], re.I))
    return not _PAST_VERB.search(window[cue.end() :])


def find_dates(text: str, published: dt.date | str | None) -> list[DateMention]:
    """Every date expression of ``text`` that resolves against ``published``, in text order.

    Without a publication date only absolute forms (explicit dates, months with a year, years)
    resolve.
    """
    if isinstance(published, str):
        published = dt.date.fromisoformat(published[:10])
    base = published or dt.date.today()
    taken: list[tuple[int, int]] = []
    out: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        if published is None and kind not in ("iso", "iso_range", "mdy", "dmy", "month_year", "year", "since_year"):
            continue
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < b and a < end for a, b in taken):
                continue
            resolved = _resolve(kind, m, base, _speaks_of_future(text, start) and kind != "since_month")
            if resolved is None:
                continue
            date, date_end, precision = resolved
            if date_end is not None and date_end[: len(date)] < date[: len(date_end)]:
                resolved = (date, None, precision)  # "since 2027" in a 2026 article: no range ends before it starts
            taken.append((start, end))
            out.append(DateMention(start, end, m.group(0), *resolved))
    out.sort(key=lambda d: d.start)
    return out


def nearest_date(dates: list[DateMention], position: int) -> DateMention | None:
    """The date expression closest to a character position (a trigger word), or ``None``."""
    if not dates:
        return None
    return min(dates, key=lambda d: (min(abs(d.start - position), abs(d.end - position)), d.start))
