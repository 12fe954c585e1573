"""Recognition: find the place names in a spaCy ``Doc`` and gate out what only looks like one.

Sources of candidate spans, in order of trust:

1. spaCy NER entities labelled GPE, LOC or FAC (split at slashes: "Nariño/Putumayo"; leading
   "the", directions and kind words trimmed when the full span is unknown: "northern Nariño");
2. NER NORP entities and other words that are demonyms ("Ecuadorian") — kept as *demonym*
   mentions that feed context and the benchmark, never map pins;
3. toponyms embedded in organisation names ("University of California", "Bank of Spain"),
   kept as *embedded* mentions (an actor's home, not where something happened);
4. proper-noun sequences (tagger NNP/NNPS) that the gazetteer knows but NER missed ("Putumayo",
   "Eastern Pacific", "Strait of Hormuz"), accepted when the evidence is good: a locative
   preposition before them, a list with other places, a "City, State" pair, or a place that is
   hard to mistake (a country, a sea, a region, a large city);
5. single-word PERSON/ORG entities that are well-known places (the small model calls Kyiv a
   person).

Gates (a candidate is dropped, with the reason kept for debugging):

* part of a multi-word PERSON name ("Lenin Moreno", "Erik Prince"), or the surname of a person
  named earlier in the document ("Moreno", "Noboa"), or after a title ("President Petro");
* followed by a treaty word ("Vienna Convention", "Minsk Accords");
* a group, gang or cartel name ("Los Lobos", "Los Choneros", "the Sinaloa cartel");
* a language, not a people ("in Spanish", "English-speaking");
* a sentence-initial common word that only the gazetteer matched ("Prince", "Split").

>>> from geodata.nlp.recognize import Mention
>>> Mention(0, 5, "Manta", "GPE", "toponym").text
'Manta'
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geodata.gazetteer import Candidate, GazetteerIndex, normalize_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

__all__ = ["Mention", "MentionKind", "find_mentions", "mentions_from_spans"]

MentionKind = str  # "toponym" | "demonym" | "embedded"

LOCATIVE = {
    "in",
    "at",
    "near",
    "from",
    "to",
    "into",
    "across",
    "outside",
    "inside",
    "around",
    "off",
    "toward",
    "towards",
    "throughout",
    "within",
    "via",
    "through",
    "between",
    "onto",
    "along",
    "over",
    "beyond",
    "opposite",
    "past",
    "under",
    "against",
    "visited",
    "visit",
    "visiting",
    "entered",
    "reached",
}
DIRECTIONS = {
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "northeastern",
    "northwestern",
    "southeastern",
    "southwestern",
    "north-east",
    "north-west",
    "south-east",
    "south-west",
    "north-eastern",
    "north-western",
    "south-eastern",
    "south-western",
    "upper",
    "lower",
    "greater",
    "downtown",
    "rural",
    "coastal",
    "mid",
    "far",
    "suburban",
    "metropolitan",
    "metro",
    "inner",
}
KIND_WORDS = {
    "province": ("admin1",),
    "provinces": ("admin1",),
    "department": ("admin1",),
    "departments": ("admin1",),
    "state": ("admin1",),
    "region": ("admin1", "region"),
    "governorate": ("admin1",),
    "oblast": ("admin1",),
    "prefecture": ("admin1",),
    "territory": ("admin1",),
    "county": ("admin2",),
    "parish": ("admin2",),
    "borough": ("admin2", "city"),
    "district": ("admin2", "city"),
    "city": ("city",),
    "town": ("city",),
    "village": ("city",),
    "municipality": ("city", "admin2"),
    "port": ("city",),
    "capital": ("city",),
    "island": ("island", "city"),
    "islands": ("island",),
    "sea": ("water",),
    "ocean": ("water",),
    "gulf": ("water",),
    "strait": ("water",),
    "river": ("water",),
    "valley": ("region",),
    "area": (),
}
TREATY_WORDS = {
    "convention",
    "conventions",
    "treaty",
    "treaties",
    "accord",
    "accords",
    "protocol",
    "protocols",
    "consensus",
    "doctrine",
    "pact",
    "declaration",
    "agreement",
    "agreements",
    "charter",
    "statute",
    "format",
    "communique",
    "memorandum",
    "principles",
    "talks",
    "process",
    "conference",
}
GROUP_WORDS = {
    "group",
    "groups",
    "gang",
    "gangs",
    "cartel",
    "cartels",
    "faction",
    "factions",
    "militia",
    "militias",
    "mafia",
    "clan",
    "clans",
    "syndicate",
    "band",
    "gangsters",
    "crew",
    "brigade",
}
TITLES = {
    "president",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "gen",
    "general",
    "sen",
    "senator",
    "rep",
    "representative",
    "gov",
    "governor",
    "minister",
    "mayor",
    "judge",
    "justice",
    "sheriff",
    "officer",
    "lt",
    "col",
    "colonel",
    "capt",
    "captain",
    "sgt",
    "sergeant",
    "adm",
    "admiral",
    "prof",
    "professor",
    "rev",
    "reverend",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "chancellor",
    "secretary",
    "ambassador",
    "commissioner",
    "coach",
    "chief",
    "deputy",
    "detective",
    "trooper",
    "attorney",
    "councilman",
    "councilwoman",
    "councillor",
    "commander",
    "lawmaker",
    "spokesman",
    "spokeswoman",
    "sir",
    "lord",
    "lady",
    "father",
    "sister",
    "brother",
    "st",
    "saint",
    "pastor",
    "bishop",
    "cardinal",
    "premier",
    "leader",
    "envoy",
    "candidate",
    "superintendent",
    "principal",
    "speaker",
    "chairman",
    "chairwoman",
    "ceo",
    "founder",
    "director",
    "manager",
    "owner",
    "player",
    "striker",
    "midfielder",
}
PROGRAMME_WORDS = {"plan", "operation", "project", "programme", "program", "initiative", "mission", "exercise"}
POLITICAL_FOLLOWERS = {
    "administration",
    "government",
    "regime",
    "camp",
    "supporters",
    "loyalists",
    "presidency",
    "era",
    "cabinet",
    "aides",
    "allies",
    "campaign",
    "doctrine",
    "faction",
    "family",
}
SPANISH_ARTICLES = {"los", "las", "el", "la"}
LANGUAGE_CUES = {
    "speaking",
    "speaker",
    "speakers",
    "language",
    "languages",
    "translation",
    "translated",
    "subtitles",
    "dubbed",
    "words",
    "word",
    "phrase",
    "lessons",
    "class",
    "classes",
    "literature",
    "teacher",
    "fluent",
    "speak",
    "speaks",
    "spoke",
    "spoken",
}
ORG_WORDS = {
    "university",
    "college",
    "school",
    "institute",
    "bank",
    "police",
    "department",
    "ministry",
    "council",
    "committee",
    "commission",
    "court",
    "party",
    "association",
    "company",
    "corporation",
    "club",
    "fc",
    "team",
    "times",
    "post",
    "herald",
    "journal",
    "news",
    "tribune",
    "hospital",
    "museum",
    "church",
    "foundation",
    "agency",
    "authority",
    "office",
    "board",
    "union",
    "federation",
    "airlines",
    "airways",
    "railway",
    "railways",
    "command",
    "army",
    "navy",
    "guard",
    "forces",
    "force",
    "government",
    "administration",
    "embassy",
    "consulate",
    "senate",
    "assembly",
    "congress",
    "parliament",
    "center",
    "centre",
    "service",
    "services",
    "group",
    "center's",
    "high",
    "academy",
}
MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_COMMON_WORDS: frozenset[str] | None = None


def common_words() -> frozenset[str]:
    """English words more frequent in lower case than capitalised (``common_words.txt``)."""
    global _COMMON_WORDS
    if _COMMON_WORDS is None:
        from geodata.gazetteer.build import DATA_DIR

        path = DATA_DIR / "common_words.txt"
        words = path.read_text(encoding="utf-8").split() if path.exists() else []
        _COMMON_WORDS = frozenset(words) | MONTHS | WEEKDAYS
    return _COMMON_WORDS


CONNECTORS = {
    "of",
    "de",
    "del",
    "la",
    "las",
    "los",
    "el",
    "do",
    "da",
    "dos",
    "das",
    "du",
    "des",
    "and",
    "upon",
    "on",
    "al",
    "the",
    "-",
    "y",
    "di",
    "van",
    "von",
    "der",
    "den",
    "le",
    "les",
    "sur",
    "am",
    "an",
    "im",
    "bin",
    "ibn",
}
_GEO_LABELS = {"GPE", "LOC", "FAC"}
_MAX_NGRAM = 6


@dataclass
class Mention:
    """A span of text recognised as a place reference (not yet resolved)."""

    start: int
    end: int
    text: str
    label: str
    kind: MentionKind
    evidence: list[str] = field(default_factory=list)
    kind_hint: tuple[str, ...] = ()
    candidates: list[Candidate] = field(default_factory=list)
    sentence_start: int = 0
    sentence_end: int = 0
    preposition: str | None = None
    container: str | None = None  # the place named right after it ("Charleston, W.Va.")
    plural: bool = False  # a plural demonym ("Ecuadorians") names people, not a place


def _sentence_bounds(doc: Doc, token_index: int) -> tuple[int, int]:
    token = doc[token_index]
    try:
        sent = token.sent
        return sent.start_char, sent.end_char
    except ValueError:  # no sentence boundaries set
        return 0, len(doc.text)


def _prev_word(doc: Doc, i: int) -> str:
    j = i - 1
    while j >= 0 and doc[j].is_punct and doc[j].text not in {",", ";"}:
        j -= 1
    return doc[j].lower_ if j >= 0 else ""


def _is_sentence_start(doc: Doc, i: int) -> bool:
    if i == 0:
        return True
    token = doc[i]
    if token.is_sent_start:
        return True
    prev = doc[i - 1]
    return prev.text in {'"', "“", "‘", "'", "(", "-", "—", ":"} and (
        i - 1 == 0 or doc[i - 1].is_sent_start or doc[i - 2].text in {".", "!", "?"}
    )


def _is_propn(token) -> bool:
    return token.tag_ in ("NNP", "NNPS") or (
        token.is_title and token.tag_ in ("JJ", "NN", "NNS") and not token.is_sent_start
    )


class _Recogniser:
    def __init__(self, doc: Doc, gazetteer: GazetteerIndex) -> None:
        self.doc = doc
        self.gaz = gazetteer
        self.common = common_words()
        self.mentions: list[Mention] = []
        self.taken = bytearray(len(doc))  # tokens already inside a mention or a rejected span
        self.rejected: list[tuple[str, str]] = []
        self.person_tokens: set[int] = set()
        self.surnames: set[str] = set()
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            # "Trump’s Miami": the name ends at the possessive.
            end = next((t.i for t in ent if t.lower_ in {"'s", "’s"}), ent.end)
            words = [t for t in doc[ent.start : end] if t.is_alpha]
            if len(words) >= 2:
                self.person_tokens.update(range(ent.start, end))
                self.surnames.add(words[-1].lower_)

    # ------------------------------------------------------------------ helpers
    def lookup(self, text: str, kinds: tuple[str, ...] | None = None) -> list[Candidate]:
        candidates = self.gaz.lookup(text, limit=25)
        if kinds:
            preferred = [c for c in candidates if c.place.kind in kinds]
            if preferred:
                return preferred + [c for c in candidates if c.place.kind not in kinds]
        return candidates

    def add(
        self,
        start: int,
        end: int,
        label: str,
        kind: MentionKind,
        evidence: str,
        candidates: list[Candidate],
        kind_hint: tuple[str, ...] = (),
        plural: bool = False,
    ) -> None:
        doc = self.doc
        span = doc[start:end]
        sent_start, sent_end = _sentence_bounds(doc, start)
        prep = _prev_word(doc, start)
        self.mentions.append(
            Mention(
                span.start_char,
                span.end_char,
                span.text,
                label,
                kind,
                [evidence],
                kind_hint,
                candidates,
                sent_start,
                sent_end,
                prep if prep in LOCATIVE else None,
                plural=plural,
            )
        )
        for i in range(start, end):
            self.taken[i] = 1

    def reject(self, start: int, end: int, reason: str) -> None:
        self.rejected.append((self.doc[start:end].text, reason))
        for i in range(start, end):
            self.taken[i] = 1

    def _is_common(self, start: int, end: int) -> bool:
        """A single ordinary English word ("March", "Park", "Split"), capitalised or not."""
        words = [t for t in self.doc[start:end] if any(ch.isalpha() for ch in t.text)]
        return len(words) == 1 and words[0].lower_.strip(".") in self.common

    def _abbreviation_ok(self, start: int, end: int, candidates: list[Candidate]) -> bool:
        """Codes and abbreviations only where they fit: country codes in capitals, "City, St." pairs."""
        surface = self.doc[start:end].text
        best = candidates[0].place
        if best.kind in ("country", "region") and (surface.isupper() or "." in surface):
            return (
                surface not in {"US"}
                or _prev_word(self.doc, start) in {"the", "of", "in", "to", "from", "and", ",", "by", "for", "with"}
                or self.doc[start].is_sent_start
            )
        return best.kind == "admin1" and "." in surface and start > 0 and self.doc[start - 1].text == ","

    def gate(self, start: int, end: int, label: str) -> str | None:
        """The reason to reject ``doc[start:end]`` as a place whatever the gazetteer says, or ``None``."""
        doc = self.doc
        words = [t for t in doc[start:end] if any(ch.isalpha() for ch in t.text)]
        if not words:
            return "no letters"
        if any(i in self.person_tokens for i in range(start, end)):
            return "part of a person's name"
        if len(words) == 1 and words[0].lower_.strip(".") in MONTHS | WEEKDAYS:
            return "a month or weekday"
        nxt = doc[end] if end < len(doc) else None
        if nxt is not None and nxt.lower_ in TREATY_WORDS and (nxt.is_title or nxt.is_upper):
            return f"names a {nxt.lower_}"
        prev = doc[start - 1] if start > 0 else None
        if prev is not None and prev.lower_.rstrip(".") in TITLES and prev.is_title and label != "GPE":
            return f"follows the title {prev.text!r}"
        prep = _prev_word(doc, start)
        if len(words) == 1 and words[0].lower_ in self.surnames and (label not in _GEO_LABELS or prep not in LOCATIVE):
            return "surname of a person named in the text"
        if prev is not None and prev.lower_ in PROGRAMME_WORDS and prev.is_title:
            return f"names a {prev.lower_} ({prev.text} …)"
        first = doc[start].lower_
        if (first in SPANISH_ARTICLES and label not in ("", *_GEO_LABELS)) or (
            first in SPANISH_ARTICLES and prep not in LOCATIVE
        ):
            sentence = self._sentence_words(start)
            best = self.lookup(doc[start:end].text)[:1]
            small = not best or (best[0].place.kind == "city" and best[0].place.population < 20_000)
            if sentence & GROUP_WORDS or (small and label not in _GEO_LABELS) or (small and prep not in LOCATIVE):
                return "a group's name"
        if nxt is not None and nxt.lower_ in GROUP_WORDS and label != "GPE":
            best = self.lookup(doc[start:end].text)[:1]
            if not best or best[0].place.kind not in ("country", "admin1"):
                return "a group's name"
        if len(words) == 1 and nxt is not None and nxt.lower_ in POLITICAL_FOLLOWERS:
            best = self.lookup(doc[start:end].text)[:1]
            if best and not self._well_known(best):
                return f"a person's name ({doc[start].text} {nxt.text})"
        return None

    def _sentence_words(self, i: int) -> set[str]:
        token = self.doc[i]
        try:
            sent = token.sent
        except ValueError:
            sent = self.doc[max(0, i - 20) : i + 20]
        return {t.lower_ for t in sent}

    def _named_unit(self, i: int, j: int, candidates: list[Candidate]) -> bool:
        """A name that says what it is: "Laurel County", "Manabí Province", "Gulf of Aden"."""
        return j - i >= 2 and candidates[0].primary and self.doc[j - 1].lower_ in KIND_WORDS

    def _well_known(self, candidates: list[Candidate], strict: bool = False) -> bool:
        """Hard to mistake: a country, sea, region or first-level unit by its name, or a big city."""
        best = candidates[0]
        place = best.place
        if best.abbreviation:
            return False
        if place.kind in ("country", "water", "region", "island"):
            return True
        if place.kind == "admin1":
            return best.primary and (not strict or place.population > 1_000_000)
        if place.kind == "city":
            return best.primary and place.population >= (500_000 if strict else 100_000)
        return False

    # ------------------------------------------------------------------ sources
    def from_entities(self) -> None:
        for ent in self.doc.ents:
            label = ent.label_
            if label in _GEO_LABELS:
                self._geo_entity(ent)
            elif label == "NORP":
                self._demonym_entity(ent)
            elif label in ("ORG", "WORK_OF_ART", "EVENT", "LAW", "PRODUCT"):
                self._org_entity(ent)
            elif label == "PERSON":
                self._person_entity(ent)

    def _parts(self, ent: Span) -> list[tuple[int, int]]:
        """Split an entity at slashes: "Nariño/Putumayo"."""
        parts, start = [], ent.start
        for token in ent:
            if token.text in {"/", "|"}:
                parts.append((start, token.i))
                start = token.i + 1
        parts.append((start, ent.end))
        return [(s, e) for s, e in parts if e > s]

    def _trim(self, start: int, end: int) -> tuple[int, int, tuple[str, ...]]:
        """Drop determiners, possessives, directions and kind words around a span, if needed."""
        doc = self.doc
        hint: tuple[str, ...] = ()
        while start < end and (
            doc[start].lower_ in {"the", "a", "an"} or (doc[start].is_punct and doc[start].text not in {"."})
        ):
            start += 1
        while end > start and (
            doc[end - 1].lower_ in {"'s", "’s", "'", "’"} or (doc[end - 1].is_punct and doc[end - 1].text != ".")
        ):
            end -= 1
        if start >= end or self.gaz.has_name(doc[start:end].text):
            return start, end, hint
        s, e = start, end
        while s < e and doc[s].lower_ in DIRECTIONS:
            s += 1
        while e > s and doc[e - 1].lower_ in KIND_WORDS:
            hint = KIND_WORDS[doc[e - 1].lower_] or hint
            e -= 1
        if s < e and self.gaz.has_name(doc[s:e].text):
            return s, e, hint
        return start, end, ()

    def _geo_entity(self, ent: Span) -> None:
        doc = self.doc
        for s, e in self._parts(ent):
            s, e, hint = self._trim(s, e)
            if s >= e:
                continue
            reason = self.gate(s, e, ent.label_)
            if reason:
                self.reject(s, e, reason)
                continue
            candidates = self.lookup(doc[s:e].text, hint or None)
            if not candidates:
                self._embedded_in(s, e, ent.label_)
                continue
            abbreviation = candidates[0].abbreviation
            if abbreviation and not self._abbreviation_ok(s, e, candidates):
                self.reject(s, e, "an abbreviation out of place")
                continue
            if (
                not abbreviation
                and self._is_common(s, e)
                and _prev_word(doc, s) not in LOCATIVE
                and not self._well_known(candidates)
            ):
                self.reject(s, e, "an ordinary word")
                continue
            self.add(s, e, ent.label_, "toponym", f"ner:{ent.label_}", candidates, hint)

    def _demonym_entity(self, ent: Span) -> None:
        doc = self.doc
        s, e = ent.start, ent.end
        while s < e and doc[s].lower_ in {"the", "a", "an"}:
            s += 1
        if s >= e:
            return
        if normalize_name(doc[s:e].text) in self.gaz.demonym_keys:
            self._add_demonym(s, e, "NORP")
            return
        # "Ecuadorian armed forces" style NORP spans: a demonym word inside.
        for i in range(s, e):
            if normalize_name(doc[i].text) in self.gaz.demonym_keys and not self.taken[i]:
                self._add_demonym(i, i + 1, "NORP")

    def _add_demonym(self, s: int, e: int, label: str) -> None:
        if self._is_language(s, e):
            self.reject(s, e, "a language")
            return
        forms = {form for _, form in self.gaz.demonym_forms(self.doc[s:e].text)}
        self.add(s, e, label, "demonym", "demonym", [], plural=forms == {"plural"})

    def _is_language(self, s: int, e: int) -> bool:
        doc = self.doc
        prev = doc[s - 1].lower_ if s > 0 else ""
        nxt = doc[e].lower_ if e < len(doc) else ""
        nxt2 = doc[e + 1].lower_ if e + 1 < len(doc) else ""
        if nxt in LANGUAGE_CUES or (nxt == "-" and nxt2 in LANGUAGE_CUES) or prev in LANGUAGE_CUES:
            return True
        return prev == "in" and (nxt in {".", ",", "and", "or", ";", ")"} or e == len(doc))

    def _org_entity(self, ent: Span) -> None:
        doc = self.doc
        for s, e in self._parts(ent):
            s, e, hint = self._trim(s, e)
            if s >= e:
                continue
            # The model sometimes calls a place ORG ("Nariño/Putumayo").
            candidates = self.lookup(doc[s:e].text, hint or None)
            if (
                candidates
                and self._well_known(candidates)
                and not any(t.lower_ in ORG_WORDS for t in doc[s:e])
                and not self._is_common(s, e)
            ):
                reason = self.gate(s, e, "ORG")
                if reason:
                    self.reject(s, e, reason)
                else:
                    self.add(s, e, ent.label_, "toponym", f"ner:{ent.label_} known place", candidates, hint)
                continue
            self._embedded_in(s, e, ent.label_)

    def _embedded_in(self, start: int, end: int, label: str) -> None:
        """Toponyms inside an organisation name: "University of California", "US Southern Command"."""
        doc = self.doc
        i = start
        while i < end:
            if self.taken[i] or not (doc[i].is_title or doc[i].is_upper) or doc[i].lower_ in CONNECTORS:
                i += 1
                continue
            found = None
            for j in range(min(end, i + _MAX_NGRAM), i, -1):
                if doc[j - 1].lower_ in CONNECTORS:
                    continue
                text = doc[i:j].text
                if j - i == 1 and normalize_name(text) in self.gaz.demonym_keys:
                    found = (j, "demonym", [])
                    break
                if self._is_common(i, j):
                    continue
                candidates = self.lookup(text)
                if candidates and (
                    self._well_known(candidates)
                    or self._named_unit(i, j, candidates)
                    or (candidates[0].abbreviation and self._abbreviation_ok(i, j, candidates))
                ):
                    found = (j, "embedded", candidates)
                    break
            if found is None:
                i += 1
                continue
            j, kind, candidates = found
            reason = self.gate(i, j, label)
            if reason:
                self.reject(i, j, reason)
            elif kind == "demonym":
                self._add_demonym(i, j, label)
            else:
                self.add(i, j, label, kind, f"inside {label}", candidates)
            i = j

    def _person_entity(self, ent: Span) -> None:
        doc = self.doc
        if len([t for t in ent if t.is_alpha]) != 1:
            return
        s, e, _ = self._trim(ent.start, ent.end)
        if s >= e or self._is_common(s, e):
            return
        candidates = self.lookup(doc[s:e].text)
        if not candidates or not self._well_known(candidates, strict=True) or self.gate(s, e, "PERSON"):
            return
        if _prev_word(doc, s) in LOCATIVE or candidates[0].place.kind in ("country", "admin1", "water", "region"):
            self.add(s, e, "PERSON", "toponym", "ner:PERSON but a known place", candidates)

    def from_gazetteer(self) -> None:
        """Proper-noun sequences NER missed that the gazetteer knows."""
        doc = self.doc
        n = len(doc)
        i = 0
        while i < n:
            token = doc[i]
            if self.taken[i] or not (token.is_title or token.is_upper) or not any(ch.isalpha() for ch in token.text):
                i += 1
                continue
            match = None
            for j in range(min(n, i + _MAX_NGRAM), i, -1):
                if any(self.taken[k] for k in range(i, j)) or doc[j - 1].lower_ in CONNECTORS:
                    continue
                if any(
                    not (
                        t.is_title or t.is_upper or t.lower_ in CONNECTORS or t.text in {"-", "'", "’"} or "." in t.text
                    )
                    for t in doc[i:j]
                ):
                    continue
                text = doc[i:j].text
                if normalize_name(text) in self.gaz.demonym_keys and not self.gaz.has_name(text):
                    match = (j, "demonym", [])
                    break
                candidates = self.lookup(text)
                if candidates:
                    match = (j, "toponym", candidates)
                    break
            if match is None:
                i += 1
                continue
            j, kind, candidates = match
            if kind == "demonym":
                self._add_demonym(i, j, "")
                i = j
                continue
            verdict = self._accept_gazetteer_match(i, j, candidates)
            if verdict is None:
                self.add(i, j, "", "toponym", "gazetteer", candidates)
            else:
                self.rejected.append((doc[i:j].text, verdict))
            i = j

    def _accept_gazetteer_match(self, i: int, j: int, candidates: list[Candidate]) -> str | None:
        """``None`` to accept a gazetteer-only match, else why it was refused."""
        doc = self.doc
        reason = self.gate(i, j, "")
        if reason:
            return reason
        best = candidates[0]
        if candidates[0].abbreviation:
            return None if self._abbreviation_ok(i, j, candidates) else "an abbreviation out of place"
        if self._is_common(i, j):
            return "an ordinary word"
        tokens = doc[i:j]
        propn = all(_is_propn(t) or t.lower_ in CONNECTORS or not t.is_alpha for t in tokens)
        if not propn:
            return "not a proper noun here"
        prev = _prev_word(doc, i)
        locative = prev in LOCATIVE
        longer = self._inside_longer_name(i, j) if j - i == 1 else None
        if longer == "before" and best.place.kind not in ("country", "admin1", "water", "region"):
            return "part of a longer proper name"
        if longer == "after" and not self._well_known(candidates):
            return "part of a longer proper name"
        if _is_sentence_start(doc, i) and j - i == 1 and not locative and not self._well_known(candidates):
            return "a capitalised word at the start of a sentence"
        if best.place.kind == "admin2" and not best.primary and not locative:
            return "a bare county name without locative evidence"
        if not best.primary and best.place.kind == "city" and best.place.population < 100_000 and not locative:
            return "only an alternate name of a small place"
        if self._well_known(candidates) or best.place.kind in ("admin1", "admin2", "island"):
            return None
        if locative or self._container_after(j) or self._in_place_list(i, j):
            return None
        if j - i >= 2 and best.primary:
            return None
        return "no locative evidence for a small place"

    def _inside_longer_name(self, i: int, j: int) -> str | None:
        """Whether a neighbouring capitalised word makes this a person's or firm's name ("Delcy Rodríguez")."""
        doc = self.doc

        def name_like(k: int) -> bool:
            t = doc[k]
            return (
                t.is_title
                and t.is_alpha
                and t.lower_ not in CONNECTORS
                and t.lower_ not in KIND_WORDS
                and t.lower_ not in DIRECTIONS
                and t.lower_.rstrip(".") not in TITLES
                and not t.is_sent_start
            )

        if i > 0 and name_like(i - 1) and not self.taken[i - 1]:
            return "before"
        if j < len(doc) and name_like(j) and not self.taken[j]:
            return "after"
        return None

    def _container_after(self, j: int) -> bool:
        doc = self.doc
        if j + 1 < len(doc) and doc[j].text == ",":
            k = j + 1
            for m in range(min(len(doc), k + 3), k, -1):
                cands = self.gaz.lookup(doc[k:m].text, kinds=("admin1", "country"), limit=1)
                if cands and (doc[k].is_title or doc[k].is_upper):
                    return True
        return False

    def _in_place_list(self, i: int, j: int) -> bool:
        starts = {m.end for m in self.mentions} | {m.start for m in self.mentions}
        doc = self.doc
        before = doc[i - 1].text if i > 0 else ""
        after = doc[j].text if j < len(doc) else ""
        if before in {"/", ",", "and", "&"} and i >= 2 and doc[i - 2].idx + len(doc[i - 2].text) in starts:
            return True
        return after in {"/", ",", "and"} and j + 1 < len(doc) and doc[j + 1].idx in starts

    def attach_containers(self) -> None:
        """Link "Charleston, W.Va." pairs: the second place contains the first."""
        by_start = sorted(self.mentions, key=lambda m: m.start)
        text = self.doc.text
        for a, b in itertools.pairwise(by_start):
            if text[a.end : b.start].strip() == "," and b.kind == "toponym" and b.candidates:
                a.container = b.text


def find_mentions(doc: Doc, gazetteer: GazetteerIndex) -> tuple[list[Mention], list[tuple[str, str]]]:
    """Recognise place mentions in a parsed ``Doc`` (tagger, sentences and NER needed).

    Returns the mentions in text order and the rejected candidates with their reasons.
    """
    rec = _Recogniser(doc, gazetteer)
    rec.from_entities()
    rec.from_gazetteer()
    rec.attach_containers()
    mentions = sorted(rec.mentions, key=lambda m: (m.start, -m.end))
    out: list[Mention] = []
    for m in mentions:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out, rec.rejected


def mentions_from_spans(doc: Doc, spans: list[tuple[int, int]], gazetteer: GazetteerIndex) -> list[Mention]:
    """Mentions for given character spans (the ``--gold-spans`` mode): resolve, do not recognise."""
    out = []
    text = doc.text
    for start, end in spans:
        surface = text[start:end]
        key = normalize_name(surface)
        candidates = gazetteer.lookup(surface, limit=25)
        kind = "toponym"
        if key in gazetteer.demonym_keys and (
            not candidates
            or not (candidates[0].primary and candidates[0].place.kind in ("country", "admin1", "region", "water"))
        ):
            kind, candidates = "demonym", []
        if not candidates and kind == "toponym":
            trimmed = re.sub(r"^(the|northern|southern|eastern|western|central)\s+", "", surface, flags=re.IGNORECASE)
            candidates = gazetteer.lookup(trimmed, limit=25) if trimmed != surface else []
            if not candidates and key in gazetteer.demonym_keys:
                kind = "demonym"
        span = doc.char_span(start, end, alignment_mode="expand")
        label = ""
        if span is not None:
            for ent in doc.ents:
                if ent.start_char <= start < ent.end_char:
                    label = ent.label_
                    break
        sent_start, sent_end = (
            (span.sent.start_char, span.sent.end_char)
            if span is not None and doc.has_annotation("SENT_START")
            else (0, len(text))
        )
        prev = _prev_word(doc, span.start) if span is not None else ""
        out.append(
            Mention(
                start,
                end,
                surface,
                label,
                kind,
                ["given span"],
                (),
                candidates,
                sent_start,
                sent_end,
                prev if prev in LOCATIVE else None,
            )
        )
    return out
