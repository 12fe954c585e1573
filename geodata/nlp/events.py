"""Events: what happened where and when, sentence by sentence.

For every sentence of an article a classifier proposes events (category, subtype, triggers,
confidence); the default :class:`LexiconClassifier` reads its trigger lexicon from
``taxonomy.toml``. Any object with the same ``detect(sentence)`` method can replace it (see
:class:`EventClassifier` and :data:`CLASSIFIERS`). Each event then gets:

* places, each with a role: ``event`` where it happened ("in Manta", "to Nariño/Putumayo",
  "the bombing of Caracas", "the Miami summit"), ``actor`` ("US forces", "Quito decreed",
  "US Southern Command") or ``mentioned``; an event with no place of its own falls back to the
  article's focus place with ``place_role = "focus"``;
* a date resolved against the publication date (:mod:`geodata.nlp.dates`), else the publication date
  with ``date_precision = "publication"``;
* figures (:mod:`geodata.nlp.figures`) and actors (organisations, people and national forces).

The result is one row per (event, place) with the columns of :mod:`geodata.model`.

>>> from geodata.nlp.events import LexiconClassifier, SentenceView
>>> detections = LexiconClassifier().detect(SentenceView.from_text("Quito decreed a curfew in four provinces."))
>>> [(d.category, d.subtype) for d in detections]
[('political', 'decree')]
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from geodata.gazetteer import geo_precision
from geodata.nlp.dates import find_dates, nearest_date
from geodata.nlp.figures import fatalities, find_figures

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from geodata.articles import Article
    from geodata.gazetteer import PlaceRecord
    from geodata.nlp.resolve import Resolution

__all__ = [
    "CLASSIFIERS",
    "Detection",
    "EventClassifier",
    "LexiconClassifier",
    "SentenceView",
    "Taxonomy",
    "extract_events",
    "focus_place",
    "load_taxonomy",
    "trigger_anchor_words",
]

TAXONOMY_PATH = Path(__file__).parents[1] / "lang" / "en" / "taxonomy.toml"
MIN_CONFIDENCE = 0.45
_TOKEN = re.compile(r"[\w$€£%]+(?:['’.][\w]+)*|[^\w\s-]")
ACTOR_NOUNS = {
    "forces",
    "force",
    "army",
    "armies",
    "troops",
    "military",
    "navy",
    "marines",
    "government",
    "governments",
    "authorities",
    "officials",
    "police",
    "ministry",
    "president",
    "administration",
    "coast",
    "guard",
    "parliament",
    "congress",
    "court",
    "embassy",
    "regime",
    "leaders",
    "leader",
    "soldiers",
    "commandos",
    "officers",
    "diplomats",
    "negotiators",
    "prosecutors",
    "central",
    "bank",
    "treasury",
    "command",
    "air",
    "special",
    "security",
    "defence",
    "defense",
    "foreign",
    "interior",
    "state",
    "national",
    "armed",
}
EVENT_PREPOSITIONS = {
    "in",
    "at",
    "near",
    "across",
    "to",
    "into",
    "off",
    "outside",
    "inside",
    "around",
    "throughout",
    "within",
    "over",
    "along",
    "between",
    "onto",
    "toward",
    "towards",
    "through",
    "beyond",
    "from",
}
TARGET_PREPOSITIONS = {"of", "on", "against", "upon"}


# ---------------------------------------------------------------------------- taxonomy
@dataclass(frozen=True)
class Trigger:
    """One lexicon entry of ``taxonomy.toml``."""

    category: str
    subtype: str
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    weight: float
    requires: tuple[str, ...]
    vetoes: tuple[str, ...]
    boosts: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """Categories, subtypes with labels, triggers and commentary cues."""

    categories: dict[str, str]
    subtypes: dict[str, str]  # "military.strike" -> label
    triggers: tuple[Trigger, ...]
    hedges: frozenset[str]
    negations: frozenset[str]
    future: frozenset[str]


def load_taxonomy(path: str | Path = TAXONOMY_PATH) -> Taxonomy:
    """Read and check ``taxonomy.toml`` (an unknown subtype in a trigger is an error)."""
    from geodata.errors import ConfigurationError

    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    subtypes = data["subtypes"]
    triggers = []
    for entry in data["trigger"]:
        if entry["subtype"] not in subtypes:
            raise ConfigurationError(f"{path}: trigger for unknown subtype {entry['subtype']!r}")
        category, subtype = entry["subtype"].split(".")
        triggers.append(
            Trigger(
                category,
                subtype,
                tuple(entry.get("words", ())),
                tuple(tuple(_tokens(p)) for p in entry.get("phrases", ())),
                float(entry.get("weight", 0.5)),
                tuple(entry.get("requires", ())),
                tuple(entry.get("vetoes", ())),
                tuple(entry.get("boosts", ())),
            )
        )
    commentary = data.get("commentary", {})
    return Taxonomy(
        {k: v["label"] for k, v in data["categories"].items()},
        dict(subtypes),
        tuple(triggers),
        frozenset(commentary.get("hedges", ())),
        frozenset(commentary.get("negations", ())),
        frozenset(commentary.get("future", ())),
    )


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _contains(pattern: str, words: list[str], joined: str) -> bool:
    """Whether ``words`` contain ``pattern`` (a word or a phrase, * = any ending), on word boundaries."""
    parts = _tokens(pattern.replace("*", "STAR")) if " " in pattern or "-" in pattern else None
    if parts is None:
        return any(_word_matches(pattern, w) for w in words)
    parts = [p.replace("star", "*") for p in parts]
    n = len(parts)
    return any(all(_word_matches(parts[k], words[i + k]) for k in range(n)) for i in range(len(words) - n + 1))


def trigger_anchor_words(taxonomy: Taxonomy | None = None) -> frozenset[str]:
    """Exact trigger words (no stems) around which the model should annotate entities."""
    taxonomy = taxonomy or load_taxonomy()
    return frozenset(w for t in taxonomy.triggers for w in t.words if not w.endswith("*") and " " not in w)


# ---------------------------------------------------------------------------- classifier interface
@dataclass(frozen=True)
class SentenceView:
    """What a classifier sees: the sentence text and its tokens with character offsets."""

    text: str
    words: tuple[str, ...]  # lower case
    offsets: tuple[int, ...]  # character offset of each word in ``text``
    surface: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> SentenceView:
        """Tokenise with a simple regular expression (no spaCy needed); hyphens separate words."""
        matches = list(_TOKEN.finditer(text))
        return cls(
            text,
            tuple(m.group(0).lower() for m in matches),
            tuple(m.start() for m in matches),
            tuple(m.group(0) for m in matches),
        )

    def without_hyphens(self) -> SentenceView:
        """The same view without hyphen tokens, so "air-defence" matches "air defence"."""
        keep = [i for i, w in enumerate(self.words) if w not in ("-", "–", "—")]
        return SentenceView(
            self.text,
            tuple(self.words[i] for i in keep),
            tuple(self.offsets[i] for i in keep),
            tuple(self.surface[i] for i in keep),
        )


@dataclass(frozen=True)
class Detection:
    """An event a classifier found in a sentence."""

    category: str
    subtype: str
    confidence: float
    triggers: tuple[str, ...]
    start: int  # character offsets of the main trigger in the sentence
    end: int
    spans: tuple[tuple[int, int], ...] = ()  # every trigger of this subtype in the sentence


class EventClassifier(Protocol):
    """The interface of event classifiers: any object with ``name`` and ``detect``."""

    name: str

    def detect(self, sentence: SentenceView) -> list[Detection]:
        """Events of one sentence (empty for commentary or sentences without an event)."""
        ...


class LexiconClassifier:
    """Trigger lexicon + context rules from ``taxonomy.toml``: transparent and fast.

    Confidence = trigger weight, + 0.1 per boost word (at most 0.2), + 0.05 when the sentence has a
    number, − 0.2 for a hedge right before the trigger ("could attack", "would deploy"), − 0.35 for
    a negation near it ("no clashes were reported"); detections under ``MIN_CONFIDENCE`` are dropped.
    One detection per subtype per sentence (``spans`` lists every trigger of it); two subtypes of
    one category are both kept only when their triggers are at least four words apart.
    """

    name = "lexicon"

    def __init__(self, taxonomy: Taxonomy | None = None, *, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.min_confidence = min_confidence
        # word -> triggers, stem -> triggers, first phrase word -> (phrase, trigger)
        self._exact: dict[str, list[int]] = {}
        self._stems: dict[str, list[int]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for index, trigger in enumerate(self.taxonomy.triggers):
            for word in trigger.words:
                if word.endswith("*"):
                    self._stems.setdefault(word[:-1], []).append(index)
                elif " " in word:
                    self._phrases.setdefault(word.split(" ")[0], []).append((tuple(word.split(" ")), index))
                else:
                    self._exact.setdefault(word, []).append(index)
            for phrase in trigger.phrases:
                self._phrases.setdefault(phrase[0], []).append((phrase, index))
        self._stem_lengths = sorted({len(stem) for stem in self._stems})

    def _candidates(self, words: list[str], surface: tuple[str, ...]) -> list[tuple[int, int, int]]:
        """(trigger index, start word, end word) of every lexicon match."""
        out = []
        for i, word in enumerate(words):
            # Capitalised "March"/"May" mid-sentence are months, not marches.
            if word in ("march", "may") and i > 0 and surface[i][:1].isupper():
                continue
            hits = set(self._exact.get(word, ()))
            for length in self._stem_lengths:
                if length > len(word):
                    break
                hits.update(self._stems.get(word[:length], ()))
            out.extend((t, i, i + 1) for t in hits)
            for phrase, t in self._phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.append((t, i, i + len(phrase)))
        return out

    def detect(self, sentence: SentenceView) -> list[Detection]:
        """Events of one sentence, most confident first."""
        sentence = sentence.without_hyphens()
        words = list(sentence.words)
        if not words:
            return []
        matches = self._candidates(words, sentence.surface)
        if not matches:
            return []
        joined = " ".join(words)
        has_number = any(ch.isdigit() for ch in sentence.text)
        found: dict[str, tuple[float, int, int, Trigger]] = {}
        spans: dict[str, list[tuple[int, int]]] = {}
        for t, i, j in matches:
            trigger = self.taxonomy.triggers[t]
            window = words[max(0, i - 6) : j + 6]
            window_text = " ".join(window)
            if any(_contains(v, window, window_text) for v in trigger.vetoes):
                continue
            outside = words[:i] + words[j:]
            if trigger.requires and not any(_contains(r, outside, " ".join(outside)) for r in trigger.requires):
                continue
            confidence = trigger.weight + min(0.2, 0.1 * sum(1 for b in trigger.boosts if _contains(b, words, joined)))
            if has_number:
                confidence += 0.05
            if any(w in self.taxonomy.hedges for w in words[max(0, i - 3) : i]):
                confidence -= 0.2
            near = words[max(0, i - 4) : j + 2]
            if any(n in self.taxonomy.negations for n in near):
                confidence -= 0.35
            key = f"{trigger.category}.{trigger.subtype}"
            if confidence >= self.min_confidence:
                spans.setdefault(key, []).append(
                    (sentence.offsets[i], sentence.offsets[j - 1] + len(sentence.surface[j - 1]))
                )
            if key not in found or confidence > found[key][0]:
                found[key] = (confidence, i, j, trigger)
        detections: list[Detection] = []
        for key, (confidence, i, j, trigger) in sorted(found.items(), key=lambda kv: -kv[1][0]):
            if confidence < self.min_confidence:
                continue
            if any(d.category == trigger.category and abs(_word_index(sentence, d.start) - i) < 4 for d in detections):
                continue
            start = sentence.offsets[i]
            end = sentence.offsets[j - 1] + len(sentence.surface[j - 1])
            detections.append(
                Detection(
                    trigger.category,
                    trigger.subtype,
                    round(min(0.99, confidence), 2),
                    tuple(dict.fromkeys(words[i:j])),
                    start,
                    end,
                    tuple(sorted(set(spans.get(key, [(start, end)])))),
                )
            )
        return detections


def _word_index(sentence: SentenceView, char: int) -> int:
    for i, offset in enumerate(sentence.offsets):
        if offset >= char:
            return i
    return len(sentence.offsets)


#: Classifiers by settings name; a better one plugs in here with the same interface.
CLASSIFIERS: dict[str, type] = {"lexicon": LexiconClassifier}


# ---------------------------------------------------------------------------- places and roles
@dataclass
class _PlaceInSentence:
    resolution: Resolution
    role: str
    start: int  # document offsets
    end: int


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


def _role(
    doc_text: str,
    sentence_start: int,
    r: Resolution,
    triggers: list[tuple[int, int]],
    tokens: list[tuple[str, int, int, str]],
) -> str:
    """Decide the role of one place in a sentence (see the module docstring)."""
    m = r.mention
    if m.kind == "embedded":
        return "actor"
    # Skip determiners, adjectives and numbers: "across the Eastern Pacific", "in the biodiversity-rich Galápagos".
    before = [
        t
        for t in tokens
        if t[2] <= m.start
        and not (
            t[3] in ("DT", "JJ", "JJS", "JJR", "PRP$", "CD", "HYPH", "RB")
            or t[0] in ("the", "a", "an", "currently", "mainly", "mostly")
        )
    ]
    after = [t for t in tokens if t[1] >= m.end]
    prev = before[-1][0] if before else ""
    prev2 = before[-2][0] if len(before) > 1 else ""
    nxt = [t[0] for t in after[:3]]
    nxt_tags = [t[3] for t in after[:2]]
    if nxt and (nxt[0] in ACTOR_NOUNS or (nxt[0] in ("'s", "’s") and len(nxt) > 1 and nxt[1] in ACTOR_NOUNS)):
        return "actor"
    if prev in EVENT_PREPOSITIONS or (prev in ("/", ",", "and") and prev2 in EVENT_PREPOSITIONS):
        return "event"
    if prev in TARGET_PREPOSITIONS and any(0 <= m.start - e <= 25 for _, e in triggers):
        return "event"
    if (
        r.place is not None
        and r.place.kind in ("country", "city")
        and nxt_tags
        and nxt_tags[0].startswith(("VBD", "VBZ", "VBP", "MD"))
        and prev not in EVENT_PREPOSITIONS
    ):
        return "actor"  # "Quito decreed", "Washington imposed"
    if (
        r.place is not None
        and r.place.kind == "country"
        and nxt_tags
        and nxt_tags[0] in ("NN", "NNS")
        and prev not in EVENT_PREPOSITIONS
    ):
        return "actor"  # "the US announcement", "Chinese-made" — whose, not where
    if (
        r.place is not None
        and r.place.kind in ("water", "region")
        and nxt_tags
        and nxt_tags[0] in ("NN", "NNS")
        and nxt
        and nxt[0].islower()
    ):
        return "mentioned"  # "the Pacific port city of Manta": an adjective, the noun is elsewhere
    if any(0 <= s - m.end <= 12 for s, _ in triggers) and (not nxt_tags or not nxt_tags[0].startswith("VB")):
        # "the Miami summit", "Odesa port strike" place the event; "US bases", "Israeli strikes"
        # name whose they are.
        return "actor" if r.place is not None and r.place.kind == "country" else "event"
    return "mentioned"


def _list_roles(places: list[_PlaceInSentence], doc_text: str) -> None:
    """A list of places shares the role of its first member ("to Nariño/Putumayo", "in Lima and Callao")."""
    ordered = sorted(places, key=lambda p: p.start)
    for a, b in itertools.pairwise(ordered):
        between = " ".join(w for w in doc_text[a.end : b.start].lower().split() if w not in ("the", "a", "an"))
        if between in {"/", ",", "and", "&", ", and", "or"} and a.role == "event" and b.role == "mentioned":
            b.role = "event"


# ---------------------------------------------------------------------------- extraction
@dataclass
class _Sentence:
    start: int
    end: int
    text: str
    tokens: list[tuple[str, int, int, str]] = field(default_factory=list)  # lower, start, end, tag (doc offsets)
    entities: list[tuple[str, str, int, int]] = field(default_factory=list)  # text, label, start, end


def _sentences(doc: Doc) -> list[_Sentence]:
    out = []
    for sent in doc.sents:
        s = _Sentence(sent.start_char, sent.end_char, sent.text)
        s.tokens = [(t.lower_, t.idx, t.idx + len(t.text), t.tag_) for t in sent]
        out.append(s)
    for ent in doc.ents:
        for s in out:
            if s.start <= ent.start_char < s.end:
                s.entities.append((ent.text, ent.label_, ent.start_char, ent.end_char))
                break
    return out


def _actors(sentence: _Sentence, places: list[_PlaceInSentence], demonyms: list[Resolution]) -> list[str]:
    actors = []
    for text, label, _, _ in sentence.entities:
        if label in ("ORG", "PERSON", "NORP") and len(text) > 1:
            actors.append(text.strip(" ’'s").strip())
    text_lower = sentence.text
    for r in demonyms + [p.resolution for p in places if p.role == "actor"]:
        m = r.mention
        rel = m.end - sentence.start
        follow = re.match(
            r"(?:['’]s)?\s+((?:[A-Za-z]+\s+){0,2}(?:forces|army|navy|troops|military|government|authorities|police|marines|coast guard|administration|officials))\b",
            text_lower[rel : rel + 40],
        )
        if follow:
            actors.append(f"{m.text} {follow.group(1)}".strip())
        elif r.mention.kind == "embedded" or r in demonyms:
            continue
        else:
            actors.append(m.text)
    seen, out = set(), []
    for a in actors:
        key = a.lower()
        if key not in seen and not any(key != b.lower() and key in b.lower() for b in actors):
            seen.add(key)
            out.append(a)
    return out[:8]


def _event_id(doc_id: str, sentence_start: int, detection: Detection) -> str:
    return hashlib.sha1(
        f"{doc_id}:{sentence_start}:{detection.category}.{detection.subtype}:{detection.start}".encode()
    ).hexdigest()[:16]


def extract_events(
    article: Article,
    doc: Doc,
    places: list[Resolution],
    *,
    classifier: EventClassifier | None = None,
    gazetteer: Any = None,
) -> list[dict[str, Any]]:
    """Event rows (one per event and place) of one article.

    Parameters
    ----------
    article
        The article (its ``doc_id``, title, source and publication date go into every row).
    doc
        The annotated ``Doc`` of ``article.text`` (sentences, tags, entities).
    places
        The geoparser's resolutions for the same text.
    classifier
        An :class:`EventClassifier`; the lexicon classifier by default.
    gazetteer
        Used to find the article's focus country.

    Returns
    -------
    list of dict
        Rows with the columns of :data:`geodata.model.EVENT_COLUMNS` plus the store's extra
        columns, and ``lat``/``lon`` of the place.
    """
    classifier = classifier or _default_classifier()
    focus = focus_place(places, gazetteer)
    published = article.published
    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    text = doc.text  # Doc.text is rebuilt on every access
    title = (article.title or "").strip()
    for sentence in _sentences(doc):
        if title and sentence.text.strip() == title:
            continue  # the headline; the body tells the same events with their dates
        view = SentenceView(
            sentence.text,
            tuple(t[0] for t in sentence.tokens),
            tuple(t[1] - sentence.start for t in sentence.tokens),
            tuple(text[t[1] : t[2]] for t in sentence.tokens),
        )
        detections = classifier.detect(view)
        if not detections:
            continue
        in_sentence = [r for r in places if r.place is not None and sentence.start <= r.mention.start < sentence.end]
        demonyms = [r for r in in_sentence if r.mention.kind == "demonym"]
        triggers_doc = [
            (sentence.start + a, sentence.start + b) for d in detections for a, b in (d.spans or ((d.start, d.end),))
        ]
        located = [
            _PlaceInSentence(
                r, _role(text, sentence.start, r, triggers_doc, sentence.tokens), r.mention.start, r.mention.end
            )
            for r in in_sentence
            if r.mention.kind != "demonym"
        ]
        _list_roles(located, text)
        event_places = [p for p in located if p.role == "event"]
        if not event_places:
            # Without a locative cue the places the sentence names are still the best guess, and a
            # local authority acting ("the Indiana Department of …") acts at home.
            mentioned = [p for p in located if p.role == "mentioned"]
            event_places = (
                [p for p in mentioned if p.resolution.place.kind != "country"]
                or mentioned
                or [
                    p
                    for p in located
                    if p.role == "actor"
                    and p.resolution.place.kind in ("city", "admin1", "admin2")
                    and not p.resolution.place.is_capital
                ]
            )  # a capital acting is its national government ("Quito decreed"), not a place
            for p in event_places:
                p.role = "event"
        dates = find_dates(sentence.text, published)
        figures = find_figures(sentence.text)
        actors = _actors(sentence, located, demonyms)
        for detection in detections:
            mine = _assign(detection, event_places, detections, sentence.start)
            date = nearest_date(
                [d for d in dates if not (published and _is_target(d.date, published))], detection.start
            )
            if date is not None and published and _is_background(date.date_end or date.date, published):
                continue  # history told as background ("the dictatorship that ended in 1979")
            base = _base_row(article, sentence, detection, date, figures, actors)
            targets = [(p.resolution, p.role, p.start, p.end) for p in mine]
            if not targets and focus is not None:
                targets = [(None, "focus", None, None)]
            targets += [(p.resolution, p.role, p.start, p.end) for p in located if p.role in ("actor", "mentioned")]
            for resolution, role, start, end in targets:
                place = focus if resolution is None else resolution.place
                key = (base["category"], base["subtype"], place.id, base["date"], role)
                if role in ("event", "focus") and key in seen:
                    continue  # the same event retold later in the article
                seen.add(key)
                rows.append(_with_place(base, place, role, resolution, start, end, focus))
    return rows


BACKGROUND_YEARS = 5


def _is_target(date: str, published: str) -> bool:
    """A year well after publication is a plan's target ("by 2030"), not when something happened."""
    try:
        return int(date[:4]) > int(published[:4]) + 1
    except ValueError:
        return False


def _is_background(date: str, published: str) -> bool:
    try:
        return int(date[:4]) < int(published[:4]) - BACKGROUND_YEARS
    except ValueError:
        return False


def _assign(
    detection: Detection, event_places: list[_PlaceInSentence], detections: list[Detection], offset: int
) -> list[_PlaceInSentence]:
    """With several events in a sentence, each place goes to the nearest trigger."""
    if len(detections) == 1:
        return event_places

    def distance(d: Detection, p: _PlaceInSentence) -> int:
        return min(min(abs(offset + s - p.end), abs(p.start - offset - e)) for s, e in d.spans or ((d.start, d.end),))

    return [p for p in event_places if min(detections, key=lambda d: distance(d, p)) is detection]


def _base_row(
    article: Article, sentence: _Sentence, detection: Detection, date: Any, figures: list, actors: list[str]
) -> dict[str, Any]:
    if date is not None:
        when = {"date": date.date, "date_end": date.date_end, "date_text": date.text, "date_precision": date.precision}
    else:
        when = {
            "date": article.published,
            "date_end": None,
            "date_text": None,
            "date_precision": "publication" if article.published else None,
        }
    return {
        "event_id": _event_id(article.doc_id, sentence.start, detection),
        "doc_id": article.doc_id,
        "title": article.title,
        "source": article.source or (Path(article.path).name if article.path else None),
        "published": article.published,
        "category": detection.category,
        "subtype": detection.subtype,
        "status": "reported",
        "acled_sub_event_type": None,
        "cameo_code": None,
        "triggers": list(detection.triggers),
        "confidence": detection.confidence,
        "sentence": sentence.text,
        "sentence_start": sentence.start,
        "sentence_end": sentence.end,
        **when,
        "actors": actors,
        "agent": None,
        "target": None,
        "fatalities": fatalities(figures) if detection.category == "military" else None,
        "figures": [f.as_dict() for f in figures],
        "evidence": [sentence.text],
        "n_sources": 1,
    }


def _with_place(
    base: dict[str, Any],
    place: PlaceRecord,
    role: str,
    resolution: Resolution | None,
    start: int | None,
    end: int | None,
    focus: PlaceRecord | None,
) -> dict[str, Any]:
    row = dict(base)
    if resolution is not None:
        alternatives = [
            {"place_id": p.id, "name": p.name, "kind": p.kind, "country_code": p.country_code, "score": round(s, 2)}
            for p, s in resolution.alternatives[:3]
        ]
        reason = resolution.reason
        score = resolution.score
        text = resolution.mention.text
    else:
        alternatives, score, text = [], None, None
        reason = "no place in the sentence: the article's focus place"
    precision = geo_precision(place.kind)
    if role == "focus":
        precision = max(precision, 3)  # only the article, not the sentence, says where
    row.update(
        {
            "place_text": text,
            "place_start": start,
            "place_end": end,
            "place_name": place.name,
            "place_id": place.id,
            "place_kind": place.kind,
            "country_code": place.country_code or None,
            "admin1": place.admin1_name or None,
            "geo_precision": precision,
            "place_role": role,
            "place_score": score,
            "place_candidates": alternatives,
            "place_reason": reason,
            "sources": [base["source"]] if base["source"] else [],
            "doc_ids": [base["doc_id"]],
            "lat": place.lat,
            "lon": place.lon,
        }
    )
    return row


_CLASSIFIER: LexiconClassifier | None = None


def _default_classifier() -> LexiconClassifier:
    global _CLASSIFIER
    if _CLASSIFIER is None:
        _CLASSIFIER = LexiconClassifier()
    return _CLASSIFIER
