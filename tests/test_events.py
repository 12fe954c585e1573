"""Events v2: triggers, classifiers, arguments, factuality, merging (real model, real gazetteer, own sentences)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geodata.articles import Article, doc_id_for, read_article
from geodata.model import SUBTYPES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "000_c197d60fc4287f83.txt"


@pytest.fixture(scope="module")
def model():
    from geodata.nlp.pipeline import load_pipeline

    return load_pipeline(parse=True)


@pytest.fixture(scope="module")
def finder(model):
    from geodata.nlp.pipeline import irregular_forms
    from geodata.nlp.triggers import TriggerFinder

    return TriggerFinder(model.vocab, irregular=irregular_forms(model))


def _parsed(model, text):
    from geodata.nlp.triggers import ParsedSentence

    doc = model(text)
    return ParsedSentence(doc, 0, 0, len(text))


def _token(sentence, word):
    return next(t for t in sentence.tokens if t.text == word)


# ---------------------------------------------------------------------------------------------- vocabulary
def test_taxonomy_every_subtype_has_triggers_and_known_codes():
    from geodata.lang import load_language

    covered = {entry.subtype for entry in load_language("en").triggers}
    assert covered == set(SUBTYPES)
    assert {s.category for s in SUBTYPES.values()} == {"military", "political", "economic"}
    for sub in SUBTYPES.values():
        for code in [sub.cameo, *sub.cameo_by_trigger.values()]:
            assert code is None or re.fullmatch(r"\d{2,4}", code), (sub.name, code)
        for acled in [sub.acled, *sub.acled_by_trigger.values()]:
            assert acled is None or re.match(
                r"(Battles|Explosions/Remote violence|Violence against civilians|Protests|Riots|Strategic developments): ",
                acled,
            ), (sub.name, acled)


def test_subtype_codes_are_refined_by_the_trigger():
    assert SUBTYPES["military.strike"].codes("drone") == ("Explosions/Remote violence: Air/drone strike", "195")
    assert SUBTYPES["military.strike"].codes("artillery")[0].endswith("Shelling/artillery/missile attack")
    assert SUBTYPES["military.explosion"].codes("suicide")[0].endswith("Suicide bomb")


# ---------------------------------------------------------------------------------------------- triggers
def test_triggers_match_lemmas_phrases_and_hyphens(model, finder):
    sentence = _parsed(model, "Drones struck a convoy after air-strikes and a state of emergency.")
    found = {m.head.text: (m.text, {e.subtype for e, _ in m.entries}) for m in finder.find(sentence.tokens)}
    assert "military.strike" in found["struck"][1]  # lemma "strike", and the phrase "drone strike"
    assert found["strikes"][0] == "air-strikes" and "military.strike" in found["strikes"][1]
    assert found["state"] == ("state of emergency", {"political.decree"})
    assert "emergency" not in found  # a word inside a matched phrase belongs to it


def test_triggers_preselect_irregular_forms(finder):
    assert {"shot", "fought", "sank", "struck", "killed", "abducted"} <= finder.forms
    assert finder.may_contain(["troops", "were", "shot"]) and not finder.may_contain(["the", "weather", "was", "mild"])


# ---------------------------------------------------------------------------------------------- factuality
@pytest.mark.parametrize(
    ("text", "trigger", "status"),
    [
        ("Troops attacked the village on Monday.", "attacked", "reported"),
        ("No clashes were reported along the border.", "clashes", "denied"),
        ("Voters rejected the building of foreign military bases.", "bases", "denied"),
        ("Officials called off the strike planned by dockworkers.", "strike", "denied"),
        ("The army could strike the rebel camp.", "strike", "hypothetical"),
        ("If talks fail, the rebels will attack the city.", "attack", "hypothetical"),
        ("The president threatened to impose sanctions on the company.", "sanctions", "hypothetical"),
        ("The government plans to deploy troops to the north.", "deploy", "planned"),
        ("The council will vote on the budget next week.", "vote", "planned"),
        ("Elections in the region are often violent.", "Elections", "commentary"),
        ("Since the coup, the army has shelled the town every night.", "shelled", "reported"),
    ],
)
def test_event_status_from_the_parse(model, text, trigger, status):
    from geodata.lang import load_language
    from geodata.nlp.factuality import event_status

    sentence = _parsed(model, text)
    assert event_status(_token(sentence, trigger), load_language("en").factuality)[0] == status


def test_event_status_background_and_future_dates(model):
    from geodata.lang import load_language
    from geodata.nlp.factuality import event_status

    cues = load_language("en").factuality
    token = _token(_parsed(model, "The army staged a coup."), "coup")
    assert event_status(token, cues, date="1998", published="2026-03-04")[0] == "background"
    assert event_status(token, cues, date="2026-03-20", published="2026-03-04")[0] == "planned"
    assert event_status(token, cues, date="2026-02-20", published="2026-03-04")[0] == "reported"


# ---------------------------------------------------------------------------------------------- the whole pipeline
@pytest.fixture(scope="module")
def ingestor(gazetteer_path):
    from geodata.config import load_settings
    from geodata.ingest import Ingestor

    return Ingestor(load_settings(gazetteer_path=gazetteer_path))


@pytest.fixture(scope="module")
def lexicon_ingestor(gazetteer_path):
    from geodata.config import load_settings
    from geodata.ingest import Ingestor

    return Ingestor(load_settings(gazetteer_path=gazetteer_path, classifier="lexicon"))


def _events(ingestor, text, published="2026-03-04"):
    article = Article(
        doc_id=doc_id_for(text), text=text, title=None, published=published, source="https://example.org/t"
    )
    return ingestor.process([article])


def _where(rows, subtype=None):
    return {
        (r["subtype"], r["place_name"])
        for r in rows
        if r["place_role"] in ("event", "focus") and (subtype is None or r["subtype"] == subtype)
    }


def test_events_places_roles_dates_and_figures(ingestor):
    rows = _events(
        ingestor, "Colombia's army deployed 20,000 troops to Nariño and Putumayo on Tuesday, the defence ministry said."
    )
    events = [r for r in rows if r["place_role"] == "event"]
    assert {r["place_name"] for r in events} == {"Nariño", "Putumayo"}
    assert {r["subtype"] for r in events} == {"deployment"}
    assert all(r["date"] == "2026-03-03" and r["date_precision"] == "day" for r in events)
    assert events[0]["figures"][0]["kind"] == "troops"
    assert events[0]["geo_precision"] == 2 and events[0]["status"] == "reported"
    assert events[0]["acled_sub_event_type"] == "Strategic developments: Change to group/activity"
    text = events[0]["sentence"]
    start = events[0]["place_start"] - events[0]["sentence_start"]
    assert text[start : start + len(events[0]["place_text"])] == events[0]["place_text"]


@pytest.mark.xfail(
    strict=True,
    reason="#14 open: the trained classifier gives 'the torpedoing of a tanker' p(event) under its threshold "
    "(the lexicon finds it); strict, so this fails as soon as it passes",
)
def test_events_one_sentence_three_strikes_at_three_places(ingestor):
    rows = _events(
        ingestor,
        "The raids came weeks after the bombing of Caracas, air strikes in Nigeria and the torpedoing of a "
        "tanker off Sri Lanka.",
    )
    assert {("strike", "Caracas"), ("strike", "Nigeria"), ("strike", "Sri Lanka")} <= _where(rows, "strike")
    assert len({r["event_id"] for r in rows if r["subtype"] == "strike"}) == 3


def test_events_places_attached_to_something_else_are_not_the_events(ingestor):
    rows = _events(
        ingestor,
        "Soldiers raided three homes in Guayaquil, Ecuador, on Tuesday. After the raids, an opposition leader "
        "in Quito praised the governments in Brazil, Peru and Chile for their restraint.",
    )
    assert not {name for _, name in _where(rows)} & {"Brazil", "Peru", "Chile"}


def test_events_capital_acting_is_an_actor_and_the_country_is_the_place(ingestor):
    rows = _events(ingestor, "Quito decreed a two-week curfew in four coastal provinces on Monday.")
    decree = [r for r in rows if r["subtype"] == "decree"]
    assert ("Quito", "actor") in {(r["place_name"], r["place_role"]) for r in decree}
    where = [r for r in decree if r["place_role"] in ("event", "focus")]
    assert where and where[0]["place_name"] == "Ecuador" and where[0]["geo_precision"] == 3
    assert decree[0]["agent"] == "government of Ecuador"


def test_events_capital_as_the_subject_of_another_verb_is_no_scene(ingestor):
    # "Oklahoma teachers are in a walkout" places the walkout; a capital that is itself the subject
    # stands for its government, so the raids it confirms are not pinned on the capital.
    rows = _events(ingestor, "Peru's army is on alert. Lima confirmed that troops raided smuggling camps on Monday.")
    assert _where(rows) and not any(name == "Lima" for _, name in _where(rows))


def test_events_state_as_the_subject_of_the_clause_places_a_national_event(ingestor):
    # The country acts for itself even through another verb ("decided to expel"), not at the focus.
    rows = _events(
        ingestor,
        "Argentina's economy slowed again this year. Argentina's exports fell. Chile decided to expel two "
        "Bolivian diplomats on Friday.",
    )
    assert ("diplomacy", "Chile") in _where(rows, "diplomacy")


def test_events_trade_figures_are_placed_at_the_exporter_not_the_partner(ingestor):
    rows = _events(ingestor, "Peru's copper exports to China rose 12 percent in May.")
    assert _where(rows, "trade") == {("trade", "Peru")}
    rows = _events(ingestor, "Kenya's imports from India rose sharply last year.")
    assert _where(rows, "trade") == {("trade", "Kenya")}


def test_events_two_governments_acting_together_are_no_one_place(ingestor):
    # GUIDELINES: an event between two places that are not one area has no place of its own.
    rows = _events(ingestor, "A Kenya-Uganda trade pact took effect on Monday.")
    trade = [r for r in rows if r["subtype"] == "trade"]
    assert trade and not [r for r in trade if r["place_role"] == "event"]


def test_events_scene_through_of_phrases_places_the_event(ingestor):
    rows = _events(
        ingestor, "Heavy fighting continued in the outskirts of the city of Aleppo on Sunday, officials said."
    )
    clash = [r for r in rows if r["subtype"] == "armed_clash" and r["place_role"] == "event"]
    assert clash and clash[0]["place_name"] == "Aleppo"  # the scene, not the article's focus


def test_events_producer_that_is_the_subject_of_the_clause_places_its_output(ingestor):
    rows = _events(ingestor, "Nigeria is a big market. Brazil continued to increase its soybean output this year.")
    assert ("production", "Brazil") in _where(rows, "production")


def test_events_scene_of_the_clause_places_an_embedded_event(ingestor):
    rows = _events(ingestor, "In Mexico, officials admitted that soldiers had killed a cartel commander.")
    assert any(name == "Mexico" for sub, name in _where(rows) if sub in ("attack", "armed_clash", "raid"))


def test_events_agent_and_target_are_actors_not_places(ingestor):
    rows = _events(ingestor, "Rebels ambushed an army convoy near Goma, killing seven soldiers.")
    clash = [r for r in rows if r["category"] == "military" and r["place_role"] == "event"]
    assert clash and clash[0]["place_name"] == "Goma"
    assert clash[0]["agent"] == "Rebels" and "convoy" in (clash[0]["target"] or "")
    assert clash[0]["fatalities"] == 7
    summit = _events(ingestor, "Leaders flew in for Trump's Miami summit on Friday.")
    assert all("Miami" not in (r["agent"] or "") for r in summit)


def test_events_mentions_of_one_event_merge_with_their_evidence(ingestor):
    rows = _events(
        ingestor,
        "Special forces raided a cartel camp outside Manta on Tuesday. The raids left four gunmen dead, "
        "officials said.",
    )
    raids = {r["event_id"]: r for r in rows if r["subtype"] == "raid"}
    assert len(raids) == 1
    (raid,) = raids.values()
    assert len(raid["evidence"]) == 2 and raid["place_name"] == "Manta"


def test_events_denied_and_hypothetical_are_kept_but_not_mapped(ingestor):
    rows = _events(ingestor, "Residents of the province rejected the building of a foreign naval base on the island.")
    assert rows and all(r["status"] == "denied" for r in rows)  # kept in the table, off the map
    rows = _events(ingestor, "Lawmakers rejected a proposal to open a US naval base on the island.")
    bases = [r for r in rows if r["subtype"] == "base"]
    assert bases and all(r["status"] == "denied" for r in bases)


def test_events_unknown_village_is_placed_at_the_unit_named_nearby(ingestor):
    rows = _events(ingestor, "Gunmen stormed the village of Ngarabuwa in Borno State, killing nine farmers.")
    military = [r for r in rows if r["category"] == "military" and r["place_role"] in ("event", "focus")]
    assert military and military[0]["place_name"] in ("Borno", "Borno State")
    assert military[0]["geo_precision"] == 2


def test_events_commentary_article_maps_nothing(ingestor):
    text = (
        "Security policy in the region has long swung between heavy-handed crackdowns and neglect. "
        "Analysts argue that lasting peace would require jobs, schools and trusted courts more than soldiers."
    )
    from geodata.model import MAPPED_STATUSES

    assert [r for r in _events(ingestor, text) if r["status"] in MAPPED_STATUSES] == []


def test_events_opinion_piece_keeps_only_its_dated_events_on_the_map(ingestor):
    from geodata.model import MAPPED_STATUSES

    text = (
        "Governments in the region keep answering unrest with troop deployments and curfews. "
        "On Monday, soldiers clashed with gunmen in Tumaco, killing four people."
    )
    for title, source in [
        ("Analysis: The curfew habit", "https://example.org/world/2026/03/04/curfews"),
        ("The curfew habit", "https://example.org/opinion/2026/03/04/curfews"),
    ]:
        article = Article(doc_id=doc_id_for(text), text=text, title=title, published="2026-03-04", source=source)
        rows = ingestor.process([article])
        mapped = [r for r in rows if r["status"] in MAPPED_STATUSES and r["place_role"] in ("event", "focus")]
        assert {(r["subtype"], r["place_name"], r["date"]) for r in mapped} == {("armed_clash", "Tumaco", "2026-03-02")}
        generic = [r["status"] for r in rows if r["sentence"].startswith("Governments")]
        assert "commentary" in generic and not set(generic) & set(MAPPED_STATUSES)


def test_events_a_purpose_clause_shares_the_date_of_the_event_that_holds_it(ingestor):
    rows = _events(ingestor, "Truck drivers blocked avenues in Mexico City on Friday to protest against hijackings.")
    assert {r["date"] for r in rows if r["subtype"] == "protest"} == {"2026-02-27"}


def test_lexicon_classifier_stays_selectable(lexicon_ingestor):
    rows = _events(lexicon_ingestor, "Airstrikes destroyed two bridges near Kherson overnight.")
    assert ("strike", "Kherson") in _where(rows)


def test_unknown_classifier_is_one_clear_error(gazetteer_path):
    from geodata.config import load_settings
    from geodata.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="classifier"):
        load_settings(gazetteer_path=gazetteer_path, classifier="magic")


def test_build_nlp_is_what_ingest_runs(gazetteer_path):
    import geodata.nlp
    from geodata.config import load_settings

    nlp = geodata.nlp.build_nlp(load_settings(gazetteer_path=gazetteer_path))
    assert nlp.pipe_names == ["eventmap_annotator", "geoparser", "eventmap_events"]
    doc = nlp("Drones struck a fuel depot near Kherson.")
    assert [(e.subtype, e.place_names) for e in doc._.events] == [("military.strike", ["Kherson"])]


def test_build_nlp_gives_a_repeated_sentence_the_same_text_wherever_it_stands(gazetteer_path):
    # A sentence repeated in a batch is parsed once; its text must not depend on which copy came
    # first (the Dask and local engines batch articles differently).
    import geodata.nlp
    from geodata.config import load_settings

    nlp = geodata.nlp.build_nlp(load_settings(gazetteer_path=gazetteer_path))
    line = "Drones struck a fuel depot near Kherson."
    first, second = nlp.pipe([f"{line} The weather was cold.", f"The day was warm. {line}"])
    texts = [[e.mentions[0].sentence.text for e in doc._.events] for doc in (first, second)]
    assert texts == [[line], [line]]


def test_event_components_work_in_a_users_full_pipeline(gazetteer_path):
    import spacy

    import geodata.nlp

    nlp = spacy.load(geodata.nlp.model_name())
    nlp.add_pipe("geoparser", config={"gazetteer_path": str(gazetteer_path)})
    nlp.add_pipe("eventmap_events", config={"gazetteer_path": str(gazetteer_path)})
    doc = nlp("Drones struck a fuel depot near Kherson.")
    assert [e.subtype for e in doc._.events] == ["military.strike"]


# ---------------------------------------------------------------------------------------------- corpora
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
    from geodata.model import MAPPED_STATUSES

    key = _answer_key()
    events_by_file = {}
    for name in sorted({r["file"] for r in key}):
        events_by_file[name] = [
            e
            for e in ingestor.process([read_article(ROOT / "examples" / name)])
            if e["place_role"] in ("event", "focus") and e["status"] in MAPPED_STATUSES
        ]
    found = dated = 0
    expected = [r for r in key if r["category"] not in ("—", "-")]
    missing = []
    for row in expected:
        matches = [
            e for e in events_by_file[row["file"]] if (e["category"], e["subtype"]) == (row["category"], row["subtype"])
        ]
        found += bool(matches)
        if not matches:
            missing.append((row["file"], row["subtype"]))
        start, _, end = row["date"].partition("..")
        dated += any(e["date"] == start and (not end or e["date_end"] == end) for e in matches)
    for row in key:
        if row["category"] in ("—", "-"):
            assert events_by_file[row["file"]] == [], f"commentary {row['file']} yielded events"
    # The goal (#14) is every event with its exact date; these floors are what the shipped model
    # reaches today (README, "Measured quality"), so that no change makes it worse unnoticed.
    assert found >= 59, f"only {found}/{len(expected)} answer-key events found; missing {missing}"
    assert dated >= 50, f"only {dated}/{len(expected)} with the exact date"


@pytest.mark.skipif(not SAMPLE.exists(), reason="../shared/samples is not beside the repo")
@pytest.mark.xfail(
    strict=True,
    reason="#14 open: the trained classifier misses the base at Manta and the reversed approval of the "
    "Galápagos base (kept as denied); strict, so this fails as soon as it passes",
)
def test_sample_article_events(ingestor):
    from geodata.model import MAPPED_STATUSES

    article = read_article(SAMPLE, published="2026-03-04")
    rows = ingestor.process([article])
    mapped = [r for r in rows if r["place_role"] in ("event", "focus") and r["status"] in MAPPED_STATUSES]

    def has(subtype, place=None, rows=mapped, **fields):
        return any(
            r["subtype"] == subtype
            and (place is None or r["place_name"] == place)
            and all(r[k] == v for k, v in fields.items())
            for r in rows
        )

    # What happened, where, when.
    assert has("deployment", "Ecuador", date="2026-03-03")  # the joint land operations announced Tuesday
    assert has("strike", "Eastern Pacific", fatalities=151) and has("strike", "Caribbean", fatalities=151)
    assert has("strike", "Caracas") and has("strike", "Nigeria") and has("strike", "Sri Lanka")
    assert has("base", "Manta")
    assert has("deployment", "Nariño") and has("deployment", "Putumayo")
    assert has("decree", "Ecuador", date="2026-03-15", date_end="2026-03-30")
    assert has("arrest", date="2026-02-28")  # police raids "last Saturday" on the opposition party's offices
    assert has("diplomacy", "Miami")
    assert any(r["subtype"] == "trade" and "free trade agreement" in r["sentence"] for r in mapped)
    assert any(r["subtype"] == "production" and "oil output" in r["sentence"] for r in mapped)
    assert any(r["category"] in ("military", "political") and r["date"] == "2024-04" for r in mapped)  # embassy assault
    assert any(r["place_name"] == "Mexico" and "killing" in r["sentence"] for r in mapped)
    assert any(r["place_name"] == "Panama" and "expel" in r["sentence"] for r in mapped)
    # Nothing false on the map.
    praised = [r for r in mapped if "praised the governments" in r["sentence"]]
    assert not {r["place_name"] for r in praised} & {"Brazil", "Mexico", "Colombia"}
    heels = [r for r in mapped if "on the heels of" in r["sentence"] and r["place_name"] == "Sri Lanka"]
    assert heels and all(r["subtype"] == "strike" for r in heels)
    assert not has("base", "Galápagos")  # the approval was reversed: denied, in the table only
    assert has("base", "Galápagos", rows=rows, status="denied")
    assert not any(r["subtype"] == "strike" and "security plan" in r["sentence"] for r in mapped)  # a drone purchase
    assert not any(r["subtype"] == "prices" and "Central Bank" in r["sentence"] for r in mapped)
    bills = [r for r in mapped if r["subtype"] == "legislation" and "introduced by Quito" in r["sentence"]]
    assert all(r["place_name"] != "Quito" for r in bills)
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
    }
    assert not {r["place_text"] for r in rows} & people
    assert not any("Miami" in (r["agent"] or "") or "Miami" in (r["target"] or "") for r in rows)


def test_classifier_training_chooses_few_false_events_before_macro_f1():
    from geodata.nlp.classify.train import MAX_NO_EVENT_SHARE, choose_setting

    table = {
        (1.0, None, 0.5): {"no_event_with_event": MAX_NO_EVENT_SHARE + 0.05, "sentence_macro_f1": 0.70},
        (1.0, None, 0.7): {"no_event_with_event": MAX_NO_EVENT_SHARE - 0.02, "sentence_macro_f1": 0.62},
        (3.0, None, 0.7): {"no_event_with_event": MAX_NO_EVENT_SHARE - 0.04, "sentence_macro_f1": 0.60},
    }
    assert choose_setting(table) == (1.0, None, 0.7)
    too_eager = {k: {**v, "no_event_with_event": 0.5 + k[2] / 10} for k, v in table.items()}
    assert choose_setting(too_eager) == (1.0, None, 0.5)  # none allowed: the fewest false events
