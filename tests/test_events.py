"""Event detection and classification, places with roles, dates and figures (real model, real gazetteer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geodata.articles import Article, doc_id_for, read_article
from geodata.nlp.events import LexiconClassifier, SentenceView, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_c197d60fc4287f83.txt"

# Our own sentences, one or more per subtype.
SUBTYPES = [
    ("Soldiers and rebels clashed near the border, leaving six dead.", "military", "armed_clash"),
    ("Gunmen ambushed an army convoy on the highway.", "military", "armed_clash"),
    ("A drone strike hit a fuel depot outside the port.", "military", "strike"),
    ("Airstrikes destroyed two bridges overnight.", "military", "strike"),
    ("Special forces raided a guerrilla camp and seized weapons.", "military", "raid"),
    ("Navy commandos boarded and seized the tanker.", "military", "raid"),
    ("The government deployed 2,000 troops to the northern province.", "military", "deployment"),
    ("Engineers began building a naval base on the island.", "military", "base"),
    ("The ministry signed a contract to buy 48 air-defence launchers.", "military", "arms_procurement"),
    ("Warships enforced a naval blockade of the port.", "military", "blockade"),
    ("Voters approved the constitutional referendum on Sunday.", "political", "election"),
    ("The opposition candidate won the presidential election.", "political", "election"),
    ("The president declared a state of emergency in three provinces.", "political", "decree"),
    ("Authorities imposed a night curfew in the port city.", "political", "decree"),
    ("Leaders met at a regional summit to discuss security.", "political", "diplomacy"),
    ("Police arrested three opposition leaders at their homes.", "political", "arrest"),
    ("Thousands of workers marched to protest the pension reform.", "political", "protest"),
    ("Dockworkers began a 48-hour strike over safety rules.", "political", "protest"),
    ("Lawmakers passed a bill on water rights.", "political", "legislation"),
    ("The two countries signed a free trade agreement.", "economic", "trade"),
    ("Washington imposed new tariffs on steel imports.", "economic", "trade"),
    ("The Treasury imposed sanctions on four shipping companies.", "economic", "sanctions"),
    ("Oil output fell 7 percent to 441,000 barrels a day.", "economic", "production"),
    ("Parliament approved a budget of $2 billion for roads.", "economic", "budget"),
    ("A mining company announced a $1.3 billion investment in a lithium plant.", "economic", "investment"),
    ("Consumer prices rose 31 percent in October.", "economic", "prices"),
]


@pytest.fixture(scope="module")
def classifier():
    return LexiconClassifier()


def test_taxonomy_covers_every_subtype_with_triggers():
    taxonomy = load_taxonomy()
    covered = {f"{t.category}.{t.subtype}" for t in taxonomy.triggers}
    assert covered == set(taxonomy.subtypes)
    assert set(taxonomy.categories) == {"military", "political", "economic"}


@pytest.mark.parametrize(("text", "category", "subtype"), SUBTYPES, ids=[f"{c[2]}:{c[0][:25]}" for c in SUBTYPES])
def test_lexicon_classifier_finds_each_subtype(classifier, text, category, subtype):
    detections = classifier.detect(SentenceView.from_text(text))
    assert detections, text
    assert (detections[0].category, detections[0].subtype) == (category, subtype)
    assert detections[0].triggers and 0 < detections[0].confidence <= 1


@pytest.mark.parametrize(
    "text",
    [
        "Analysts say the region could face more violence if talks fail.",
        "The relegation battle will decide the season for the club.",
        "A poll shows most voters trust the army.",
        "Prices in March were stable.",
        "The restaurant has a loyal customer base.",
        "She clashed with reporters over the question.",
        "Elected governments have long promised reform.",
    ],
)
def test_lexicon_classifier_commentary_and_other_senses_yield_nothing(classifier, text):
    assert classifier.detect(SentenceView.from_text(text)) == []


def test_lexicon_classifier_negation_lowers_confidence(classifier):
    plain = classifier.detect(SentenceView.from_text("Troops clashed with rebels near the border."))[0].confidence
    denied = classifier.detect(
        SentenceView.from_text("No clashes with rebels near the border were reported by troops.")
    )
    assert not denied or denied[0].confidence < plain


def test_lexicon_classifier_one_sentence_several_events(classifier):
    text = "The army deployed 3,000 troops to the city and the governor imposed a curfew until Friday."
    found = {(d.category, d.subtype) for d in classifier.detect(SentenceView.from_text(text))}
    assert {("military", "deployment"), ("political", "decree")} <= found


@pytest.fixture(scope="module")
def ingestor(gazetteer_path):
    from geodata.config import load_settings
    from geodata.ingest import Ingestor

    return Ingestor(load_settings(gazetteer_path=gazetteer_path))


def _events(ingestor, text, published="2026-03-04"):
    article = Article(
        doc_id=doc_id_for(text), text=text, title=None, published=published, source="https://example.org/t"
    )
    return ingestor.process([article])


def test_extract_events_places_roles_and_dates(ingestor):
    rows = _events(
        ingestor, "Colombia's army deployed 20,000 troops to Nariño/Putumayo on Tuesday, the defence ministry said."
    )
    events = [r for r in rows if r["place_role"] == "event"]
    assert {r["place_name"] for r in events} == {"Nariño", "Putumayo"}
    assert {r["subtype"] for r in events} == {"deployment"}
    assert all(r["date"] == "2026-03-03" and r["date_precision"] == "day" for r in events)
    assert events[0]["figures"][0]["kind"] == "troops"
    assert events[0]["geo_precision"] == 2
    assert events[0]["place_candidates"] is not None and events[0]["place_reason"]
    text = events[0]["sentence"]
    start = events[0]["place_start"] - events[0]["sentence_start"]
    assert text[start : start + len(events[0]["place_text"])] == events[0]["place_text"]


def test_extract_events_actor_places_and_focus_fallback(ingestor):
    rows = _events(
        ingestor, "Ecuador's navy patrols the coast near Manta. Quito decreed a curfew in four provinces on Monday."
    )
    curfew = [r for r in rows if r["subtype"] == "decree"]
    roles = {(r["place_name"], r["place_role"]) for r in curfew}
    assert ("Quito", "actor") in roles
    focus = [r for r in curfew if r["place_role"] == "focus"]
    assert focus and focus[0]["place_name"] == "Ecuador" and focus[0]["geo_precision"] >= 3


def test_extract_events_fatalities_and_strikes_across_seas(ingestor):
    rows = _events(
        ingestor,
        "Since last September, navy airstrikes on small boats in the Eastern Pacific and the Caribbean have killed 151 fishermen.",
    )
    strikes = [r for r in rows if r["subtype"] == "strike" and r["place_role"] == "event"]
    assert {r["place_name"] for r in strikes} >= {"Eastern Pacific", "Caribbean"}
    assert all(r["fatalities"] == 151 for r in strikes)
    assert strikes[0]["date"] == "2025-09" and strikes[0]["date_end"] == "2026-03-04"


def test_extract_events_commentary_article_yields_nothing(ingestor):
    text = (
        "Security policy in the region has long swung between heavy-handed crackdowns and neglect. "
        "Analysts argue that lasting peace would require jobs, schools and trusted courts more than soldiers."
    )
    assert [r for r in _events(ingestor, text) if r["place_role"] in ("event", "focus")] == []


def _answer_key():
    rows = []
    for line in (ROOT / "examples" / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append(
                {
                    "file": cells[0].strip("`"),
                    "category": cells[3],
                    "subtype": cells[4],
                    "iso": cells[6],
                    "date": cells[8],
                }
            )
    return rows


def test_demo_corpus_answer_key(ingestor):
    key = _answer_key()
    events_by_file = {}
    for name in sorted({r["file"] for r in key}):
        events_by_file[name] = [
            e
            for e in ingestor.process([read_article(ROOT / "examples" / name)])
            if e["place_role"] in ("event", "focus")
        ]
    found = dated = 0
    expected = [r for r in key if r["category"] not in ("—", "-")]
    for row in expected:
        matches = [
            e for e in events_by_file[row["file"]] if (e["category"], e["subtype"]) == (row["category"], row["subtype"])
        ]
        found += bool(matches)
        start, _, end = row["date"].partition("..")
        dated += any(e["date"] == start and (not end or e["date_end"] == end) for e in matches)
    for row in key:
        if row["category"] in ("—", "-"):
            assert events_by_file[row["file"]] == [], f"commentary {row['file']} yielded events"
    assert found >= 60, f"only {found}/{len(expected)} answer-key events found"
    assert dated >= 48, f"only {dated}/{len(expected)} with the exact date"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples is not beside the repo")
def test_sample_article_events(ingestor):
    article = read_article(SAMPLE, published="2026-03-04")
    rows = ingestor.process([article])
    located = [r for r in rows if r["place_role"] in ("event", "focus")]

    def has(subtype, place=None, **fields):
        for r in located:
            if (
                r["subtype"] == subtype
                and (place is None or r["place_name"] == place)
                and all(r[k] == v for k, v in fields.items())
            ):
                return True
        return False

    assert has("deployment", "Ecuador", date="2026-03-03")  # the joint land operations
    assert has("strike", "Eastern Pacific", fatalities=151) and has("strike", "Caribbean", fatalities=151)
    assert has("strike", "Caracas")
    assert has("base", "Manta") and has("base", "Galápagos")
    assert has("deployment", "Nariño") and has("deployment", "Putumayo")
    assert has("decree", date="2026-03-15", date_end="2026-03-30")
    assert has("election")
    assert any(
        r["category"] == "economic" and r["subtype"] == "trade" and re.search("free trade agreement", r["sentence"])
        for r in located
    )
    assert any(
        r["category"] == "economic" and r["subtype"] == "production" and "oil output" in r["sentence"] for r in located
    )
    assert has("diplomacy", "Miami")
    assert all(r["country_code"] != "AT" for r in rows)
    people = {
        "Lenin",
        "Moreno",
        "Prince",
        "Erik Prince",
        "Noboa",
        "Correa",
        "Petro",
        "Milei",
        "Los Lobos",
        "Los Choneros",
        "Vienna",
    }
    assert not {r["place_text"] for r in rows} & people
