"""Figures in event sentences: fatalities, troops, money, percentages, quantities and counts.

>>> [(f.kind, f.value, f.unit) for f in find_figures("The navy has murdered 151 fishermen in 45 strikes.")]
[('fatalities', 151.0, 'fishermen'), ('count', 45.0, 'strikes')]
>>> fatalities(find_figures("At least 12 people were killed."))
12
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

__all__ = ["Figure", "fatalities", "find_figures", "parse_number"]

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a dozen": 12,
    "dozens": 24,
    "a hundred": 100,
    "hundreds": 200,
    "thousands": 2000,
    "a thousand": 1000,
    "several": 3,
    "scores": 40,
}
_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_NUM = (
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True))
    + r")"
)
_SCALE = r"(?:\s*(?P<scale>thousand|million|billion|trillion|mn|bn|tn)\b)?"
_PEOPLE = r"(?P<unit>people|persons|civilians|soldiers|troops|fishermen|fighters|militants|rebels|insurgents|officers|policemen|police officers|children|women|men|migrants|protesters|demonstrators|workers|passengers|crew members|sailors|marines|residents|villagers|students|journalists|members|guards|combatants|gunmen|others|fishers)"
_KILL = r"(?:killed|murdered|dead|died|slain|executed|massacred|lost their lives|perished)"
_CURRENCY = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORDS = r"(?P<cur>dollars|euros|pounds|pesos|yuan|rupees|naira|reais|soles|bolivars|rubles|roubles|hryvnias|shekels|francs|riyals|dirhams)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "fatalities",
        re.compile(
            r"\b"
            + _KILL
            + r"\s+(?:at\s+least\s+|more\s+than\s+|nearly\s+|some\s+|about\s+|around\s+|over\s+)?"
            + _NUM
            + _SCALE
            + r"\s+(?:other\s+|more\s+)?"
            + _PEOPLE
            + r"?",
            re.I,
        ),
    ),
    (
        "fatalities",
        re.compile(
            r"\b(?:at\s+least\s+|more\s+than\s+|nearly\s+|some\s+|about\s+)?"
            + _NUM
            + _SCALE
            + r"\s+(?:(?:other|more|\w+)\s+)?"
            + _PEOPLE
            + r"?\s*(?:were\s+|have\s+been\s+|had\s+been\s+|are\s+)?(?:reported\s+)?"
            + _KILL,
            re.I,
        ),
    ),
    (
        "fatalities",
        re.compile(
            r"\bdeath\s+toll\s+(?:rose\s+to|rises\s+to|climbed\s+to|reached|of|stood\s+at|stands\s+at|is|was|at)\s+(?:at\s+least\s+)?"
            + _NUM
            + _SCALE,
            re.I,
        ),
    ),
    (
        "fatalities",
        re.compile(
            r"\b(?:killing|murdering|leaving)\s+(?:at\s+least\s+)?"
            + _NUM
            + _SCALE
            + r"(?:\s+"
            + _PEOPLE
            + r")?(?:\s+dead)?",
            re.I,
        ),
    ),
    (
        "wounded",
        re.compile(
            r"\b(?:wounded|injured|wounding|injuring)\s+(?:at\s+least\s+)?" + _NUM + r"\s*" + _PEOPLE + r"?", re.I
        ),
    ),
    ("wounded", re.compile(r"\b" + _NUM + r"\s+(?:\w+\s+)?" + _PEOPLE + r"?\s*(?:were\s+)?(?:wounded|injured)", re.I)),
    (
        "troops",
        re.compile(
            r"\b(?:at\s+least\s+|some\s+|about\s+|nearly\s+|more\s+than\s+)?"
            + _NUM
            + _SCALE
            + r"\s+(?:\w+\s+)?(?P<unit>troops|soldiers|marines|sailors|personnel|police officers|police|officers|reservists|paratroopers|peacekeepers|service members|servicemembers|guardsmen)\b",
            re.I,
        ),
    ),
    ("money", re.compile(r"(?P<sym>US\$|\$|€|£|¥)\s?" + _NUM + _SCALE, re.I)),
    ("money", re.compile(r"\b" + _NUM + _SCALE + r"\s+" + _CURRENCY_WORDS, re.I)),
    (
        "percent",
        re.compile(
            r"\b(?:(?P<verb>fell|rose|dropped|declined|increased|decreased|grew|jumped|climbed|slid|plunged|surged|shrank|contracted|expanded|gained|lost|down|up|by)\s+(?:by\s+)?)?"
            + _NUM
            + r"\s?(?:percent|per\s?cent|%)",
            re.I,
        ),
    ),
    (
        "quantity",
        re.compile(
            r"\b"
            + _NUM
            + _SCALE
            + r"\s+(?P<unit>barrels(?:\s+(?:a|per)\s+day)?|bpd|tonnes|tons|megawatts|MW|cubic metres|cubic meters)\b",
            re.I,
        ),
    ),
    (
        "count",
        re.compile(
            r"\b"
            + _NUM
            + r"\s+(?P<unit>strikes|airstrikes|air strikes|raids|attacks|drones|missiles|rockets|boats|vessels|ships|tankers|warships|frigates|aircraft|helicopters|jets|shells|arrests|protests|provinces|cities|towns|villages)\b",
            re.I,
        ),
    ),
]
_UP = {"rose", "increased", "grew", "jumped", "climbed", "surged", "expanded", "gained", "up"}
_DOWN = {"fell", "dropped", "declined", "decreased", "slid", "plunged", "shrank", "contracted", "lost", "down"}


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence. ``value`` is a number; ``unit`` names what is counted."""

    kind: str  # fatalities | wounded | troops | money | percent | quantity | count
    value: float
    unit: str
    text: str
    start: int
    end: int

    def as_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def parse_number(text: str, scale: str | None = None) -> float | None:
    """``"20,000"`` → 20000.0, ``"1.2", "billion"`` → 1.2e9, ``"dozens"`` → 24.0."""
    word = text.lower().strip()
    if word in _WORD_NUMBERS:
        value = float(_WORD_NUMBERS[word])
    else:
        try:
            value = float(word.replace(",", ""))
        except ValueError:
            return None
    if scale:
        value *= _SCALES.get(scale.lower(), 1.0)
    return value


def find_figures(text: str) -> list[Figure]:
    """The figures of ``text``, in order; an expression counts once, for its most specific kind."""
    out: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            # Optional trailing parts can leave whitespace at either end; the span is the figure's words.
            words = m.group(0)
            start = m.start() + len(words) - len(words.lstrip())
            end = m.end() - (len(words) - len(words.rstrip()))
            if start >= end or any(start < b and a < end for a, b in taken):
                continue
            g = m.groupdict()
            value = parse_number(g["num"], g.get("scale"))
            if value is None:
                continue
            if kind in ("fatalities", "troops") and value > 10_000_000:
                continue
            # "4 March" is a date, "2025 troops" a year: leave both to the date parser.
            if kind not in ("money", "percent") and re.fullmatch(r"(19|20)\d\d", g["num"]) and not g.get("unit"):
                continue
            unit = (g.get("unit") or "").lower()
            if kind == "money":
                unit = _CURRENCY.get(g.get("sym") or "", "") or (g.get("cur") or "").lower()
            if kind == "percent" and g.get("verb"):
                verb = g["verb"].lower()
                unit = "change"
                if verb in _DOWN:
                    value = -value
            taken.append((start, end))
            out.append(Figure(kind, value, unit, text[start:end], start, end))
    out.sort(key=lambda f: f.start)
    return out


def fatalities(figures: list[Figure]) -> int | None:
    """The largest death count among ``figures``, or ``None``.

    One sentence rarely gives two counts for the same event; when it does ("12 soldiers and 30
    rebels were killed") the larger is the event's toll.
    """
    deaths = [f.value for f in figures if f.kind == "fatalities"]
    return int(max(deaths)) if deaths else None
