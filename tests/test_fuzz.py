"""Property-based tests (hypothesis): hostile text never raises, and every offset points into the text.

The article reader, the date resolver and the figures parser see text from anywhere; these tests
throw arbitrary Unicode and news-like token soup (numbers in any script, month names with odd
letters that case-insensitive matching accepts, broken dates, stray currency signs) at them.
Examples are derived from a fixed seed so ``make test`` is repeatable (``HYPOTHESIS_PROFILE=explore``
runs 20,000 random ones); ``make bench`` runs a random fuzz of whole articles through ingest.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geodata.articles import article_from_text, read_article
from geodata.errors import ArticleError
from geodata.nlp.dates import find_dates
from geodata.nlp.figures import find_figures

# HYPOTHESIS_PROFILE=explore runs many random examples instead of the repeatable few.
_EXPLORE = os.environ.get("HYPOTHESIS_PROFILE") == "explore"
FUZZ = settings(
    max_examples=20_000 if _EXPLORE else 300,
    deadline=None,  # a busy machine is slow, not wrong
    derandomize=not _EXPLORE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _words(text: str) -> list[str]:
    return text.split()


# Reading a file runs the encoding detector and trafilatura: fewer, costlier examples.
FUZZ_FILES = settings(FUZZ, max_examples=20_000 if _EXPLORE else 100)

NEWS_TOKENS = [
    *_words("January February March April May June July August September October November December"),
    *_words("Jan. Feb Mar. Apr Jun. Jul Aug. Sept. Sep Oct. Nov Dec. MAY may AUGUST"),
    "Auguſt",  # the long s matches "s" when matching ignores case
    "Tueſday",
    "ſunday",
    "ſince",
    "\u212aILLED",  # Kelvin sign: a "K" to re.IGNORECASE
    *_words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday weekend week month year"),
    *_words("last next this earlier later past previous coming since from to until through between and the over"),
    *_words("yesterday today tonight in on of by during early late mid mid- will said"),
    *_words("killed died dead wounded injured troops soldiers people percent per cent % $ US$ € £ ¥ euros"),
    *_words("million billion bn mn thousand dozens hundreds several twelve a dozen death toll rose to at least"),
    *_words("fell rose by bpd barrels tonnes strikes drones raids"),
    *["1", "4", "15", "31", "32", "99", "2025", "2026", "1899", "0", "00", "1,000", "20,000", "2.5", "07.16"],
    *["٣", "٢٠٢٦", "१२", "２０２６", "12,345,678,901", "9" * 30, "1e400", "-", "–", "—", ",", ".", "\n", "\u2028"],
    *["2026-03-04", "2026-13-45", "2026-02-30", "0000-00-00", "2026-03-04 to 2025-01-01", "2026-03-04–2026-03-09"],
]

news_soup = st.lists(st.one_of(st.sampled_from(NEWS_TOKENS), st.text(max_size=3)), max_size=40).flatmap(
    lambda words: st.sampled_from([" ", "", "\n", "\t", " \u00a0"]).map(lambda sep: sep.join(words))
)
any_text = st.one_of(st.text(max_size=300), news_soup)
publication_dates = st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
_PARTIAL_ISO = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


def _valid_partial_date(value: str) -> bool:
    if not _PARTIAL_ISO.fullmatch(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


@FUZZ
@example(text="2026-03-04 to 2025-01-01 and 2026-13-45", published=dt.date(2026, 3, 4))
@example(text="in 20٢٦, on ٣ March", published=dt.date(2026, 3, 4))
@example(text="Auguſt 4, from ſunday to Tueſday", published=dt.date(2026, 3, 4))
@example(text="SINCE 2001, since last September 2027", published=dt.date(2000, 1, 1))
@given(text=any_text, published=publication_dates)
def test_find_dates_never_raises_and_offsets_point_into_the_text(text, published):
    found = find_dates(text, published)
    for mention in found:
        assert 0 <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.text
        assert _valid_partial_date(mention.date), mention
        if mention.date_end is not None:
            assert _valid_partial_date(mention.date_end), mention
            assert mention.date_end[: len(mention.date)] >= mention.date[: len(mention.date_end)], mention
    assert [m.start for m in found] == sorted(m.start for m in found)


@FUZZ
@example(text="KILLED DOZENS ")
@example(text="killed 12,345,678,901 people and $1e400")
@given(text=any_text)
def test_find_figures_never_raises_and_offsets_point_into_the_text(text):
    for figure in find_figures(text):
        assert 0 <= figure.start < figure.end <= len(text)
        assert text[figure.start : figure.end] == figure.text
        assert figure.value == figure.value and abs(figure.value) != float("inf"), figure


@FUZZ
@given(text=any_text)
def test_article_from_text_never_raises(text):
    article = article_from_text(text)
    assert isinstance(article.text, str) and re.fullmatch(r"[0-9a-f]{16}", article.doc_id)


@FUZZ_FILES
@given(
    raw=st.one_of(
        st.binary(max_size=400),
        any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(any_text, st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "cp1252", "latin-1", "cp1251"])).map(
            lambda pair: pair[0].encode(pair[1], "replace")
        ),
        any_text.map(
            lambda t: f"<html><head><meta charset='x'><title>{t[:20]}</title></head><body><p>{t}</p>".encode(
                "utf-8", "surrogatepass"
            )
        ),
    ),
    suffix=st.sampled_from([".txt", ".md", ".html"]),
)
def test_read_article_gives_an_article_or_one_article_error(tmp_path_factory, raw, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"article{suffix}"
    path.write_bytes(raw)
    try:
        article = read_article(path)
    except ArticleError as err:
        assert "\n" not in str(err)
        return
    assert article.text.strip() and article.encoding
    assert re.fullmatch(r"[0-9a-f]{16}", article.doc_id)


@pytest.mark.parametrize("word", ["Auguſt 4", "4 Auguſt 2026", "last Tueſday", "ſunday", "from ſunday to Monday"])
def test_find_dates_reads_month_and_weekday_names_whatever_letters_match_them(word):
    assert find_dates(word, dt.date(2026, 3, 4))
