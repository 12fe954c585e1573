"""Events: what happened where and when — event mentions from the parse, one per trigger.

For every parsed sentence of an article (see :class:`~geodata.nlp.pipeline.WindowedAnnotator`):

1. **Triggers** — the lexicon's words and phrases, matched on lemmas and parts of speech
   (:mod:`geodata.nlp.triggers`); a sentence can hold several events.
2. **Classification** — the classifier of the ``classifier`` setting decides what each trigger
   is (:mod:`geodata.nlp.classify`); triggers of one event linked in the parse ("drone strikes
   killed five", "raids hitting coastal zones") become one mention.
3. **Arguments** — places with their roles, agent and target, figures and the date hanging from
   the trigger (:mod:`geodata.nlp.arguments`).
4. **Factuality** — reported, planned, denied, hypothetical, commentary or background
   (:mod:`geodata.nlp.factuality`).

Mentions of one event across the article — the same subtype at the same place and date, or a
definite back-reference with no place or date of its own ("the raids", "the operations") — become
one :class:`Event` with every evidence sentence. An event with no place of its own is placed at
the most precise level the text supports: the admin unit or country named next to a place the
gazetteer does not know, the country of a government acting ("Quito decreed"), else the article's
focus — with that precision, never a fake pin.

:func:`event_rows` turns a document's events into rows of the events table (one per event and
place, the columns of :mod:`geodata.model`).

>>> import geodata.nlp
>>> nlp = geodata.nlp.build_nlp()  # doctest: +SKIP
>>> [(e.subtype, e.status) for e in nlp("Drones struck a convoy near Kherson on Tuesday.")._.events]  # doctest: +SKIP
[('military.strike', 'reported')]
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.gazetteer import geo_precision, open_gazetteer
from geodata.lang import load_language
from geodata.model import MAPPED_STATUSES, SUBTYPES, Status
from geodata.nlp.arguments import (
    SUBJECT_IS_PLACE,
    EventPlace,
    attach_places,
    clause_of,
    date_for,
    figures_for,
    participants,
)
from geodata.nlp.classify import make_classifier
from geodata.nlp.dates import find_dates
from geodata.nlp.factuality import event_status, is_opinion, status_features
from geodata.nlp.figures import fatalities, find_figures
from geodata.nlp.triggers import ParsedSentence, TriggerFinder, TriggerMention

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from geodata.articles import Article
    from geodata.gazetteer import PlaceRecord
    from geodata.nlp.dates import DateMention
    from geodata.nlp.figures import Figure
    from geodata.nlp.resolve import Resolution

__all__ = ["Event", "EventExtractor", "EventMention", "dateline_place", "event_rows", "focus_place"]

# Links between two triggers of one event in a sentence: "drone strikes killed five" (nsubj),
# "launched raids" (dobj), "raids hitting coastal zones" (acl), "bombing … to abduct" (advcl).
_SAME_EVENT_DEPS = {"nsubj", "nsubjpass", "dobj", "acl", "advcl", "xcomp", "relcl", "compound", "amod", "appos", "attr"}
# Nouns that refer back to an event already told ("the operations", "the attack").
_GENERIC_NOUNS = {"operation", "attack", "offensive", "campaign", "raid", "strike", "incident", "violence", "fighting"}
_DEFINITE = {"the", "this", "these", "that", "those", "such"}
# Kinds of place whose people acting locate the event there ("Oklahoma lawmakers voted").
_LOCAL_KINDS = {"city", "admin1", "admin2", "island"}
# Subtypes that a government does for its whole country: a capital acting places them at the country.
_NATIONAL_SUBTYPES = {
    "political.decree",
    "political.legislation",
    "political.election",
    "political.leadership",
    "political.diplomacy",
    "political.agreement",
    "economic.sanctions",
    "economic.trade",
    "economic.budget",
}


@dataclass
class EventMention:
    """One event as one sentence tells it."""

    sentence: ParsedSentence
    triggers: list[TriggerMention]  # the first is the main trigger
    subtype: str
    confidence: float
    status: str
    status_cue: str
    places: list[EventPlace]  # where (role event), from this sentence
    other_places: list[EventPlace]  # actor and mentioned places of this sentence
    unknown_places: list[tuple[str, int, int]]  # place words the gazetteer does not know, hanging from it
    agent: str | None
    target: str | None
    actors: list[str]
    figures: list[Figure]
    date: DateMention | None
    scene: list[EventPlace] = field(default_factory=list)
    subjects: list[EventPlace] = field(default_factory=list)  # places that are the subject of its clause

    @property
    def trigger(self) -> TriggerMention:
        """The main trigger."""
        return self.triggers[0]

    @property
    def category(self) -> str:
        """``military``, ``political`` or ``economic``."""
        return self.subtype.split(".", 1)[0]

    @property
    def trigger_start(self) -> int:
        """Document offset of the main trigger."""
        return self.sentence.doc_char(self.trigger.head.doc[self.trigger.start])

    @property
    def is_back_reference(self) -> bool:
        """A definite noun with no place of its own: "the raids", "these operations"."""
        head = self.trigger.head
        definite = any(c.dep_ in ("det", "poss") and c.lower_ in _DEFINITE for c in head.children)
        return head.pos_ == "NOUN" and definite and not self.places


@dataclass
class Event:
    """One event of an article, with every sentence that tells it (``mentions``, the first is the main)."""

    event_id: str
    mentions: list[EventMention]
    places: list[EventPlace] = field(default_factory=list)

    @property
    def main(self) -> EventMention:
        """The first, most complete mention."""
        return self.mentions[0]

    @property
    def subtype(self) -> str:
        """``military.strike`` etc."""
        return self.main.subtype

    @property
    def category(self) -> str:
        """``military``, ``political`` or ``economic``."""
        return self.main.category

    @property
    def status(self) -> str:
        """The most factual status among the mentions (a later report makes a plan reported)."""
        order = [s.value for s in Status]
        return min((m.status for m in self.mentions), key=order.index)

    @property
    def confidence(self) -> float:
        """The classifier's highest confidence over the mentions."""
        return max(m.confidence for m in self.mentions)

    @property
    def date(self) -> DateMention | None:
        """The first explicit date among the mentions."""
        return next((m.date for m in self.mentions if m.date is not None), None)

    @property
    def place_names(self) -> list[str]:
        """Names of the places where it happened (roles event and focus)."""
        return [p.place.name for p in self.places]

    @property
    def fatalities(self) -> int | None:
        """The highest death toll any mention gives (military events only)."""
        if self.category != "military":
            return None
        tolls = [fatalities(m.figures) for m in self.mentions]
        return max((t for t in tolls if t is not None), default=None)


class EventExtractor:
    """spaCy component ``eventmap_events``: set ``doc._.events`` (see the module docstring).

    Parameters
    ----------
    nlp
        The pipeline (its vocabulary builds the trigger matcher).
    classifier
        ``model`` (trained) or ``lexicon`` (rules), see :mod:`geodata.nlp.classify`.
    gazetteer_path
        The gazetteer (for countries and the article's focus place).
    language
        The folder of ``geodata/lang`` with the words of the language.
    """

    def __init__(
        self,
        nlp: Language,
        *,
        classifier: str = "lexicon",
        gazetteer_path: str | Path | None = None,
        language: str = "en",
    ) -> None:
        self.language = load_language(language)
        self.finder = TriggerFinder(nlp.vocab, self.language)
        self.classifier = make_classifier(classifier, self.language)
        self.gazetteer = open_gazetteer(gazetteer_path)
        self.cues = {**self.language.places, **self.language.actors}

    def __call__(self, doc: Doc) -> Doc:
        """Find the events of one document."""
        doc._.events = self.extract(doc)
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        """Find the events of many documents."""
        for doc in docs:
            yield self(doc)

    def _sentences(self, doc: Doc) -> list[ParsedSentence]:
        if doc._.parsed_sentences is not None:
            return doc._.parsed_sentences
        if not doc.has_annotation("DEP"):
            raise ValueError("eventmap_events needs parsed sentences: add it after a parser or eventmap_annotator")
        return [
            ParsedSentence(s, 0, s.start_char, s.end_char)
            for s in doc.sents
            if self.finder.may_contain(t.lower_ for t in s)
        ]

    def extract(self, doc: Doc) -> list[Event]:
        """The events of one annotated and geoparsed document."""
        article: Article | None = doc._.article
        published = article.published if article is not None else None
        # Without a publication date, the latest year the article names tells what is background.
        reference = published or _latest_year(doc.text)
        title = (article.title or "").strip() if article is not None else ""
        places = sorted((r for r in (doc._.places or []) if r.mention.kind != "demonym"), key=lambda r: r.mention.start)
        place_ents = [e for e in doc.ents if e.label_ in ("GPE", "LOC", "FAC")]  # for places the gazetteer lacks
        focus = focus_place(doc._.places or [], self.gazetteer)
        dateline = dateline_place(doc, places, self.gazetteer)
        if dateline is not None and (
            focus is None or (focus.kind == "country" and focus.country_code == dateline.country_code)
        ):
            focus = dateline  # local news: the dateline is nearer than the country
        opinion = article is not None and is_opinion(article.title, article.source, self.language.factuality)
        mentions: list[EventMention] = []
        for sentence in self._sentences(doc):
            if title and sentence.text.strip() == title:
                continue  # the headline; the body tells the same events with their dates
            mentions.extend(self._sentence_events(sentence, places, place_ents, published, reference, opinion))
        events = _merge_mentions(mentions)
        doc_id = article.doc_id if article is not None else hashlib.sha1(doc.text.encode()).hexdigest()[:16]
        for event in events:
            event.places = self._where(event, doc, places, focus)
            main = event.main
            event.event_id = hashlib.sha1(
                f"{doc_id}:{main.sentence.start_char}:{main.subtype}:{main.trigger_start}".encode()
            ).hexdigest()[:16]
        return events

    def _sentence_events(
        self,
        sentence: ParsedSentence,
        places: list[Resolution],
        place_ents: list,
        published: str | None,
        reference: str | None = None,
        opinion: bool = False,
    ) -> list[EventMention]:
        labelled = []
        for mention in self.finder.find(sentence.tokens):
            answer = self.classifier.classify(mention, sentence)
            if answer is not None:
                labelled.append((mention, *answer))
        if not labelled:
            return []
        groups = _group_in_sentence(labelled)
        heads = {m.head.i: subtype for members, subtype, _ in groups for m in members}
        in_sentence = _within(places, sentence.start_char, sentence.end_char, lambda r: r.mention.start)
        resolved = [r for r in in_sentence if r.place is not None]
        attachments = attach_places(sentence, resolved, heads, self.cues)
        unknown = _unknown_places(place_ents, sentence, in_sentence)
        unknown_attached = attach_places(sentence, unknown, heads, self.cues) if unknown else []
        places_by_token = {t.i: a.resolution for a in attachments for t in a.span}
        dates = [d for d in find_dates(sentence.text, published) if not _is_target(d.date, published)]
        figures = find_figures(sentence.text)
        out = []
        for members, subtype, confidence in groups:
            own = {m.head.i for m in members}
            main = members[0].head
            chain = _complement_chain(main)
            clause = {t.i for t in clause_of(main)}
            where = [_from_attachment(a, sentence) for a in attachments if a.owner in own and a.role == "event"]
            scene = [
                _from_attachment(a, sentence, role="event")
                for a in attachments
                if a.owner is None and a.scene_verb in chain
            ] or [
                _from_attachment(
                    a, sentence, role="event", reason=f"where '{a.span.text}', the subject of the clause, is"
                )
                for a in attachments
                if a.owner is None
                and a.subject_of in clause
                and a.resolution.place.kind in _LOCAL_KINDS
                and not _metonymic_capital(a)
            ]
            others = [
                _from_attachment(a, sentence)
                for a in attachments
                if a.role != "event" and (a.owner in own or a.owner is None)
            ]
            subjects = [
                _from_attachment(a, sentence, role="event", reason=f"'{a.span.text}', the subject of the clause")
                for a in attachments
                if a.span.root.dep_ in ("nsubj", "nsubjpass") and a.span.root.head.i in clause
            ]
            date = date_for(main, dates, sentence, set(heads), own)
            when = date.date if date is not None else None
            status, cue = self._status(main, when, date.date_end if date else None, published or reference, opinion)
            agent, target, actors = participants(main, places_by_token, self.cues, self._country_name)
            out.append(
                EventMention(
                    sentence,
                    members,
                    subtype,
                    confidence,
                    status,
                    cue,
                    where,
                    others,
                    [
                        (a.resolution.mention.text, a.resolution.mention.start, a.resolution.mention.end)
                        for a in unknown_attached
                        if a.owner in own and a.role == "event"
                    ],
                    agent,
                    target,
                    actors,
                    figures_for(main, figures, sentence, set(heads), own),
                    date,
                    scene,
                    subjects,
                )
            )
        return out

    def _status(
        self, trigger: Any, date: str | None, date_end: str | None, reference: str | None, opinion: bool = False
    ) -> tuple[str, str]:
        """Factuality: the trained status model when the classifier has one, else the parse rules.

        In an opinion or analysis piece, an event with no date of its own that would be mapped is
        commentary: such pieces argue about patterns, and what they report as news they date.
        """
        status, cue = self._decided_status(trigger, date, date_end, reference)
        if opinion and date is None and status in MAPPED_STATUSES:
            return Status.COMMENTARY.value, "no date of its own, in an opinion or analysis piece"
        return status, cue

    def _decided_status(
        self, trigger: Any, date: str | None, date_end: str | None, reference: str | None
    ) -> tuple[str, str]:
        cues = self.language.factuality
        rule = event_status(trigger, cues, date=date, date_end=date_end, published=reference)
        model = getattr(self.classifier, "status", None)
        if model is None:
            return rule
        feats = status_features(trigger, cues, date=date, date_end=date_end, published=reference, rule=rule)
        status, probability = model.most_probable(feats)
        return status, f"status model {probability:.2f}" + (f"; rules: {rule[0]} ({rule[1]})" if rule[1] else "")

    def _country_name(self, code: str) -> str | None:
        country = self.gazetteer.countries.get(code or "")
        return country.name if country is not None else None

    def _where(self, event: Event, doc: Doc, places: list[Resolution], focus: PlaceRecord | None) -> list[EventPlace]:
        """The event's places: its own, else the scene, else the most precise level the text supports."""
        out: list[EventPlace] = []
        seen: set[str] = set()
        for mention in event.mentions:
            for p in mention.places:
                if p.place.id not in seen:
                    seen.add(p.place.id)
                    out.append(p)
        if out:
            return out
        main = event.main
        if main.scene:
            return main.scene[:3]
        producers = [p for p in main.subjects if not p.place.is_capital]  # a capital subject is its government
        if event.subtype in SUBJECT_IS_PLACE and producers:
            # "China continued to increase its output": the producer, exporter or buyer is where.
            return [replace(producers[0], reason=f"{producers[0].reason}, produces, trades or buys")]
        if main.unknown_places:
            text, start, end = main.unknown_places[0]
            container = _container(main, places, focus, self.gazetteer)
            if container is not None:
                return [
                    EventPlace(
                        container,
                        "event",
                        f"'{text}' is not in the gazetteer: placed at {container.name} ({container.kind}) named nearby",
                        None,
                        start,
                        end,
                        text,
                    )
                ]
        if event.subtype in _NATIONAL_SUBTYPES:
            # A government acting ("Quito decreed", "Chile decided to expel …") does so for its country;
            # two governments acting together ("an Ecuador-China trade deal") are no one place.
            acting = [
                p
                for p in [*(p for p in main.other_places if p.role == "actor"), *main.subjects]
                if p.place.kind == "country" or p.place.is_capital
            ]
            countries = {p.place.country_code for p in acting}
            country = self.gazetteer.countries.get(countries.pop()) if len(countries) == 1 else None
            if country is not None:
                p = acting[0]
                return [
                    EventPlace(
                        country,
                        "event",
                        f"'{p.text}' stands for the government of {country.name}, acting for the country",
                        p.resolution,
                        p.start,
                        p.end,
                        p.text,
                        3,
                    )
                ]
        if focus is not None:
            return [
                EventPlace(
                    focus,
                    "focus",
                    "no place in the sentence: the article's focus place",
                    precision=max(2 if focus.kind != "country" else 3, geo_precision(focus.kind)),
                )
            ]
        return []


def _complement_chain(trigger: Any) -> set[int]:
    """The trigger and the verbs whose complement it is ("officials said [soldiers had killed …]").

    A place phrase on one of those verbs sets the scene of the trigger's event; one on a verb the
    trigger only modifies ("After the raids, she praised …") does not.
    """
    chain, node = {trigger.i}, trigger
    # Also the verb the trigger is the subject of: "fighting continued in the outskirts of Aleppo".
    while node.head.i != node.i and node.dep_ in ("ccomp", "xcomp", "dobj", "conj", "acl", "relcl", "pcomp", "nsubj"):
        node = node.head
        chain.add(node.i)
    return chain


def _metonymic_capital(attachment: Any) -> bool:
    """A capital that is itself the subject stands for its government ("Quito confirmed", "Washington is seeking")."""
    return attachment.resolution.place.is_capital and attachment.span.root.dep_ in ("nsubj", "nsubjpass")


def _from_attachment(
    attachment: Any, sentence: ParsedSentence, role: str | None = None, reason: str | None = None
) -> EventPlace:
    r = attachment.resolution
    return EventPlace(
        r.place, role or attachment.role, reason or attachment.reason, r, r.mention.start, r.mention.end, r.mention.text
    )


def _within(items: Any, start: int, end: int, key: Any) -> list:
    """The items (sorted by ``key``) whose key lies in [start, end): a binary search, so long texts stay linear."""
    import bisect

    items = list(items) if not isinstance(items, list) else items
    lo = bisect.bisect_left(items, start, key=key)
    hi = bisect.bisect_left(items, end, key=key)
    return items[lo:hi]


def _unknown_places(place_ents: list, sentence: ParsedSentence, in_sentence: list[Resolution]) -> list[Resolution]:
    """Place names of the sentence the gazetteer does not know (unresolved mentions, or NER places)."""
    from geodata.nlp.resolve import Resolution

    out = [r for r in in_sentence if r.place is None and r.mention.kind == "toponym"]
    covered = [(r.mention.start, r.mention.end) for r in in_sentence]
    for ent in _within(place_ents, sentence.start_char, sentence.end_char, lambda e: e.start_char):
        if any(s < ent.end_char and ent.start_char < e for s, e in covered):
            continue
        from geodata.nlp.recognize import Mention

        out.append(
            Resolution(
                Mention(ent.start_char, ent.end_char, ent.text, ent.label_, "toponym"),
                None,
                None,
                None,
                [],
                "no gazetteer entry",
            )
        )
    return out


def _container(
    mention: EventMention, places: list[Resolution], focus: PlaceRecord | None, gazetteer: Any
) -> PlaceRecord | None:
    """The admin unit or country named in the sentence (or else the focus's country) around an unknown place."""
    sentence = mention.sentence
    nearby = [
        r.place
        for r in places
        if r.place is not None
        and sentence.start_char <= r.mention.start < sentence.end_char
        and r.place.kind in ("admin1", "admin2", "country", "island")
    ]
    if nearby:
        return min(nearby, key=lambda p: geo_precision(p.kind))
    if focus is not None:
        return gazetteer.countries.get(focus.country_code) or focus
    return None


def _group_in_sentence(
    labelled: list[tuple[TriggerMention, str, float]],
) -> list[tuple[list[TriggerMention], str, float]]:
    """Triggers of one event, linked in the parse and of one category, become one group."""
    by_head = {m.head.i: (m, subtype, conf) for m, subtype, conf in labelled}
    parent = {i: i for i in by_head}

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, (m, subtype, _) in by_head.items():
        h = m.head
        if h.dep_ in _SAME_EVENT_DEPS and h.head.i in by_head and h.head.i != i:
            other = by_head[h.head.i]
            if other[1].split(".")[0] == subtype.split(".")[0]:
                parent[find(i)] = find(h.head.i)
    groups: dict[int, list[int]] = {}
    for i in sorted(by_head):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        best = max(members, key=lambda i: (by_head[i][2], -i))
        ordered = [best] + [i for i in members if i != best]
        out.append(([by_head[i][0] for i in ordered], by_head[best][1], by_head[best][2]))
    out.sort(key=lambda g: g[0][0].head.i)
    return out


def _same_event(event: Event, mention: EventMention) -> bool:
    main = event.main
    when = event.date
    compatible = when is None or mention.date is None or when.date == mention.date.date
    if mention.is_back_reference and compatible:
        if mention.trigger.lemma in {t.lemma for m in event.mentions for t in m.triggers}:
            return True  # "raided … The raids": the same word tells the same event
        if main.category == mention.category and (
            main.subtype == mention.subtype or mention.trigger.lemma in _GENERIC_NOUNS
        ):
            return True
    if main.subtype != mention.subtype or not compatible:
        return False
    where = {p.place.id for m in event.mentions for p in m.places}
    if not where or not ({p.place.id for p in mention.places} & where):
        return False
    reported = {Status.REPORTED.value, Status.PLANNED.value}
    return (main.status in reported) == (mention.status in reported)


def _merge_mentions(mentions: list[EventMention]) -> list[Event]:
    """Mentions of one event across the article become one :class:`Event` (see the module docstring)."""
    events: list[Event] = []
    for mention in mentions:
        target = next((e for e in reversed(events) if _same_event(e, mention)), None)
        if target is None:
            events.append(Event("", [mention]))
        else:
            target.mentions.append(mention)
    return events


_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def _latest_year(text: str) -> str | None:
    """The latest plausible year an undated article names ("2009"), as a stand-in for its date."""
    import datetime as dt

    this_year = dt.date.today().year
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= this_year]
    return f"{max(years)}-12-31" if years else None


def _is_target(date: str, published: str | None) -> bool:
    """A year well after publication is a plan's target ("by 2030"), not when something happened."""
    if not published:
        return False
    try:
        return int(date[:4]) > int(published[:4]) + 1
    except ValueError:
        return False


# ---------------------------------------------------------------------------- rows
def event_rows(doc: Doc) -> list[dict[str, Any]]:
    """Rows of the events table (one per event and place) for a processed document.

    Each row has the columns of :data:`geodata.model.EVENT_COLUMNS` plus the store's extra columns
    (:data:`geodata.model.STORE_EXTRA_COLUMNS`).
    """
    article = doc._.article
    rows = []
    for event in doc._.events or []:
        base = _base_row(event, article)
        seen: set[tuple[str, str]] = set()
        extra = [p for p in event.main.other_places if p.place.id not in {q.place.id for q in event.places}]
        for p in event.places + extra:
            key = (p.place.id, p.role)
            if key in seen:
                continue
            seen.add(key)
            rows.append(_with_place(base, p))
        if not event.places:
            rows.append(_unplaced(base))  # kept in the table, with no geometry: never a fake pin
    return rows


def _unplaced(base: dict[str, Any]) -> dict[str, Any]:
    row = dict(base)
    row.update(
        dict.fromkeys(
            (
                "place_text",
                "place_start",
                "place_end",
                "place_name",
                "place_id",
                "place_kind",
                "country_code",
                "admin1",
                "geo_precision",
                "place_score",
                "lat",
                "lon",
            ),
        )
    )
    row.update(
        {
            "place_role": "unknown",
            "place_candidates": [],
            "place_reason": "neither the sentence nor the article names a place",
            "sources": [base["source"]] if base["source"] else [],
            "doc_ids": [base["doc_id"]] if base["doc_id"] else [],
        }
    )
    return row


def _base_row(event: Event, article: Article | None) -> dict[str, Any]:
    main = event.main
    date = event.date
    published = article.published if article is not None else None
    if date is not None:
        when = {"date": date.date, "date_end": date.date_end, "date_text": date.text, "date_precision": date.precision}
    else:
        when = {
            "date": published,
            "date_end": None,
            "date_text": None,
            "date_precision": "publication" if published else None,
        }
    subtype = SUBTYPES[event.subtype]
    acled, cameo = subtype.codes(main.trigger.lemma)
    source = None
    if article is not None:
        source = article.source or (Path(article.path).name if article.path else None)
    evidence = list(dict.fromkeys(m.sentence.text for m in event.mentions))
    return {
        "event_id": event.event_id,
        "doc_id": article.doc_id if article is not None else None,
        "title": article.title if article is not None else None,
        "source": source,
        "published": published,
        "category": event.category,
        "subtype": subtype.short,
        "status": event.status,
        "acled_sub_event_type": acled,
        "cameo_code": cameo,
        "triggers": list(dict.fromkeys(t.text for m in event.mentions for t in m.triggers)),
        "confidence": event.confidence,
        "sentence": main.sentence.text,
        "sentence_start": main.sentence.start_char,
        "sentence_end": main.sentence.end_char,
        **when,
        "actors": list(dict.fromkeys(a for m in event.mentions for a in m.actors))[:8],
        "agent": next((m.agent for m in event.mentions if m.agent), None),
        "target": next((m.target for m in event.mentions if m.target), None),
        "fatalities": event.fatalities,
        "figures": [f.as_dict() for f in main.figures],
        "evidence": evidence,
        "n_sources": 1,
    }


def _with_place(base: dict[str, Any], p: EventPlace) -> dict[str, Any]:
    row = dict(base)
    r = p.resolution
    alternatives = []
    if r is not None:
        alternatives = [
            {"place_id": q.id, "name": q.name, "kind": q.kind, "country_code": q.country_code, "score": round(s, 2)}
            for q, s in r.alternatives[:3]
        ]
    row.update(
        {
            "place_text": p.text,
            "place_start": p.start,
            "place_end": p.end,
            "place_name": p.place.name,
            "place_id": p.place.id,
            "place_kind": p.place.kind,
            "country_code": p.place.country_code or None,
            "admin1": p.place.admin1_name or None,
            "geo_precision": p.precision or geo_precision(p.place.kind),
            "place_role": p.role,
            "place_score": r.score if r is not None else None,
            "place_candidates": alternatives,
            "place_reason": p.reason,
            "sources": [base["source"]] if base["source"] else [],
            "doc_ids": [base["doc_id"]] if base["doc_id"] else [],
            "lat": p.place.lat,
            "lon": p.place.lon,
        }
    )
    return row


# ---------------------------------------------------------------------------- focus
_DATELINE = re.compile(
    r"(?P<name>[A-Z][A-Z.'’\- ]{1,40}?|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})(?:/[A-Z][A-Za-z.'\- ]+)?"
    r"(?:,\s*[A-Z][A-Za-z. ]{1,30}?)?\s*(?:\([A-Za-z ]+\))?\s*(?:--|—|–|-|:)\s"
)


def dateline_place(doc: Doc, places: list[Resolution], gazetteer: Any) -> PlaceRecord | None:
    """The place of a dateline ("SAN FRANCISCO — …", "ISLAMABAD, Pakistan —") at the start of the first sentences.

    A dateline says where the article was filed, which for local news is where its events are.
    """
    for sentence in list(doc.sents)[:3]:
        match = _DATELINE.match(sentence.text)
        if match is None:
            continue
        start = sentence.start_char
        end = start + match.end("name")
        for r in places:
            if r.place is not None and start <= r.mention.start < end and r.place.kind in ("city", "admin1", "admin2"):
                return r.place
        name = match.group("name").strip().title()
        hits = gazetteer.lookup(name, limit=1) if len(name) > 2 else []
        if hits and hits[0].place.kind in ("city", "admin1", "admin2") and hits[0].primary:
            return hits[0].place
    return None


def focus_place(places: list[Resolution], gazetteer: Any = None) -> PlaceRecord | None:
    """The place an article is about: its most mentioned country, or a place in it that dominates.

    Every place mention votes for itself and for its country; demonyms vote for their country.
    A city or admin unit wins when it has at least half the votes of its country and two mentions.
    """
    votes: Counter[str] = Counter()
    records: dict[str, PlaceRecord] = {}
    countries: dict[str, PlaceRecord] = {}
    for r in places:
        if r.place is None:
            continue
        p = r.place
        records[p.id] = p
        weight = 0.5 if r.mention.kind in ("demonym", "embedded") else 1.0
        if r.mention.kind != "demonym" and p.kind != "country":
            votes[p.id] += weight
        if p.kind == "country":
            votes[p.id] += weight
            countries[p.country_code] = p
        elif p.country_code and gazetteer is not None:
            country = gazetteer.countries.get(p.country_code)
            if country is not None:
                countries[p.country_code] = country
                records[country.id] = country
                votes[country.id] += weight
    if not votes:
        return None
    best_id, best = votes.most_common(1)[0]
    place = records[best_id]
    if place.kind == "country":
        local = [
            (v, pid)
            for pid, v in votes.items()
            if records[pid].kind != "country" and records[pid].country_code == place.country_code
        ]
        if local:
            v, pid = max(local)
            if v >= 2 and v >= best / 2 and records[pid].kind in ("city", "admin1", "admin2"):
                return records[pid]
    return place
