"""Figures: fatalities, troops, money, percentages, quantities and counts."""

from __future__ import annotations

import pytest

from geodata.nlp.figures import fatalities, find_figures, parse_number

CASES = [
    ("The campaign has murdered 151 fishermen in 45 strikes.", [("fatalities", 151.0), ("count", 45.0)]),
    ("The army is deploying 20,000 troops to the border.", [("troops", 20000.0)]),
    ("Crude production dropped 4.5 percent, to 390,000 bpd.", [("percent", -4.5), ("quantity", 390000.0)]),
    ("The council approved $180 million for roads.", [("money", 180e6)]),
    ("Poland signed a deal worth 2.4 billion euros.", [("money", 2.4e9)]),
    ("At least 12 people were killed and 30 were wounded.", [("fatalities", 12.0), ("wounded", 30.0)]),
    ("The death toll rose to 40 on Friday.", [("fatalities", 40.0)]),
    ("Twelve soldiers died in the ambush.", [("fatalities", 12.0)]),
    ("Inflation rose 2.3% in October.", [("percent", 2.3)]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_find_figures_kinds_and_values(text, expected):
    figures = find_figures(text)
    assert [(f.kind, f.value) for f in figures] == expected
    for f in figures:
        assert text[f.start : f.end] == f.text


def test_find_figures_leaves_years_and_dates_alone():
    assert find_figures("In 2025 the plan began on 4 March.") == []


def test_fatalities_takes_the_largest_count():
    assert fatalities(find_figures("Twelve soldiers and 30 rebels were killed.")) == 30
    assert fatalities(find_figures("Prices rose 5 percent.")) is None


def test_parse_number_words_and_scales():
    assert parse_number("20,000") == 20000.0
    assert parse_number("1.2", "billion") == 1.2e9
    assert parse_number("dozens") == 24.0
    assert parse_number("many") is None
