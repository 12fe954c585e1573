"""Dates resolved against the publication date (Wednesday 4 March 2026 unless said otherwise)."""

from __future__ import annotations

import datetime as dt

import pytest

from geodata.nlp.dates import find_dates, nearest_date

PUB = dt.date(2026, 3, 4)  # a Wednesday

CASES = [
    ("The army announced Tuesday the start of operations.", "Tuesday", "2026-03-03", None, "day"),
    ("Quito decreed a March 15-30 curfew.", "March 15-30", "2026-03-15", "2026-03-30", "day"),
    ("A curfew runs from June 16 to June 30.", "from June 16 to June 30", "2026-06-16", "2026-06-30", "day"),
    ("The campaign has run since last September.", "since last September", "2025-09", "2026-03-04", "month"),
    ("Voters rejected bases in a referendum last November.", "last November", "2025-11", None, "month"),
    ("Leaders will meet in Miami next week.", "next week", "2026-03-09", "2026-03-15", "day"),
    ("Prices rose 3 percent last week.", "last week", "2026-02-23", "2026-03-01", "day"),
    ("In 2025, grain exports shrank.", "In 2025", "2025", None, "year"),
    ("On March 1, the government deployed troops.", "March 1", "2026-03-01", None, "day"),
    ("Police raided homes over the weekend.", "over the weekend", "2026-02-28", "2026-03-01", "day"),
    ("The vote is scheduled for 21 March 2026.", "21 March 2026", "2026-03-21", None, "day"),
    ("Output fell in June, the ministry said.", "in June", "2025-06", None, "month"),
    ("The talks will resume next month.", "next month", "2026-04", None, "month"),
    ("Officials said yesterday that the port reopened.", "yesterday", "2026-03-03", None, "day"),
    ("Ministers will meet on Monday.", "on Monday", "2026-03-09", None, "day"),
    ("A company said on Tuesday it would invest.", "on Tuesday", "2026-03-03", None, "day"),
    ("The strike hit late on Monday night.", "late on Monday night", "2026-03-02", None, "day"),
    ("Results were published on 2026-02-11.", "2026-02-11", "2026-02-11", None, "day"),
]


@pytest.mark.parametrize(("text", "expression", "date", "date_end", "precision"), CASES, ids=[c[1] for c in CASES])
def test_find_dates_resolves_relative_to_publication(text, expression, date, date_end, precision):
    found = find_dates(text, PUB)
    assert [(d.text, d.date, d.date_end, d.precision) for d in found] == [(expression, date, date_end, precision)]
    assert text[found[0].start : found[0].end] == expression


def test_find_dates_weekday_ranges_and_weekday_on_publication_day():
    saturday_pub = dt.date(2026, 3, 24)
    found = find_dates("A curfew from 8 p.m. on Saturday until 6 a.m. on Monday.", saturday_pub)
    assert [(d.date, d.date_end) for d in found] == [("2026-03-21", "2026-03-23")]
    assert find_dates("Voters went to the polls on Tuesday.", saturday_pub)[0].date == "2026-03-24"


def test_find_dates_without_publication_date_only_absolute_forms():
    assert [d.date for d in find_dates("On Tuesday, in March 2025, officials met.", None)] == ["2025-03"]


def test_find_dates_ignores_may_the_verb_and_numbers_that_are_not_days():
    assert find_dates("Officials may resign, they said.", PUB) == []
    assert find_dates("The army sent 4,000 troops.", PUB) == []


def test_nearest_date_picks_the_expression_closest_to_the_trigger():
    text = "On Monday the army said troops were deployed on Tuesday."
    dates = find_dates(text, PUB)
    assert nearest_date(dates, text.index("deployed")).text == "on Tuesday"
    assert nearest_date([], 3) is None
