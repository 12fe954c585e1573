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
   person);
6. datelines in capitals ("BANTAM —", "HAMMOND, Ind. (AP)"), read before the entities;
7. names used clearly once ("in Winona", a dateline) are places wherever else they appear
   ("Winona police", "WINONA").

Names inside newspapers, airlines, clubs, diseases and facilities ("Washington Post", "Air
Canada", "Real Madrid", "West Nile virus", "Stade de France") and towns before local bodies
("Roselle police") are *embedded* (``Mention.inside`` says which kind of name); a country code
before a noun ("US troops") works as a demonym. Words around a name hint at its kind: an office
after it ("New York Gov.", "Quebec Health Minister") a state or province, "the" before it a sea,
region or country, a "City, State" pair or a list with a state ("California or Washington") a
state.

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
CANDIDATE_LIMIT = 25

# Words after a place that make it the home of an office-holder of a state or country ("Former New
# York Gov.", "Quebec Health Minister", "Texas lawmakers"), or of a city ("New York Mayor").
STATE_TITLE_WORDS = {
    "gov",
    "governor",
    "governors",
    "premier",
    "legislature",
    "legislators",
    "legislative",
    "lawmaker",
    "lawmakers",
    "senator",
    "senators",
    "sen",
    "senate",
    "congressman",
    "congresswoman",
    "assembly",
    "assemblyman",
    "assemblywoman",
    "minister",
    "ministry",
    "attorney",
    "treasurer",
    "comptroller",
    "statehouse",
    "state",
    "delegation",
    "primary",
    "electorate",
}
CITY_TITLE_WORDS = {"mayor", "alderman", "aldermen", "selectmen", "councilman", "councilwoman"}
# Words after a town that make the town the home of a local body ("Roselle police", "the Oakdale
# Fire Department", "Oxford City Council"): the town is named, as an *embedded* place.
LOCAL_BODY_WORDS = {
    "police",
    "fire",
    "firefighters",
    "sheriff",
    "sheriff's",
    "council",
    "school",
    "schools",
    "public",
    "library",
    "hospital",
    "officials",
    "department",
    "chamber",
    "board",
    "municipal",
    "community",
    "volunteer",
    "planning",
    "zoning",
    "water",
    "housing",
    "elementary",
    "commission",
    "commissioners",
    "township",
    "borough",
    "village",
    "town",
    "city",
    "historical",
    "rotary",
    "airport",
    "harbour",
    "harbor",
    "station",
}
# Words after a town that make it the home of a person ("A DeKalb man", "Winona residents").
RESIDENT_WORDS = {
    "man",
    "woman",
    "men",
    "women",
    "resident",
    "residents",
    "native",
    "natives",
    "teen",
    "teenager",
    "teens",
    "boy",
    "girl",
    "couple",
    "family",
    "families",
    "homeowner",
    "homeowners",
    "youth",
    "area",
    "businesses",
    "settler",
    "settlers",
    "voters",
}
# Names with a place inside that do not say where something is: newspapers, airlines, clubs,
# diseases. Words after the place …
NEWSPAPER_WORDS = {
    "times",
    "post",
    "herald",
    "tribune",
    "journal",
    "gazette",
    "chronicle",
    "daily",
    "star",
    "sun",
    "standard",
    "observer",
    "courier",
    "examiner",
    "inquirer",
    "register",
    "bulletin",
    "telegraph",
    "mirror",
    "express",
    "dispatch",
    "enquirer",
    "sentinel",
    "ledger",
    "globe",
    "free",
    "news",
    "press",
    "post-gazette",
    "post-dispatch",
    "herald-press",
    "record",
    "patriot",
    "statesman",
    "plain",
    "morning",
    "evening",
}
AIRLINE_WORDS = {"airlines", "airways", "airline", "air"}
CLUB_SUFFIX_WORDS = {
    "fc",
    "afc",
    "united",
    "rovers",
    "wanderers",
    "albion",
    "hotspur",
    "athletic",
    "rangers",
    "celtic",
    "argyle",
    "wednesday",
    "dynamo",
    "sounders",
    "seahawks",
    "bisons",
}
DISEASE_WORDS = {
    "virus",
    "viruses",
    "fever",
    "flu",
    "disease",
    "syndrome",
    "encephalitis",
    "variant",
    "strain",
    "pox",
}
# … and words before it ("Real Madrid", "Air Canada", "Virgin Atlantic", "Agence France-Presse").
CLUB_PREFIX_WORDS = {
    "real",
    "atletico",
    "atlético",
    "inter",
    "sporting",
    "olympique",
    "borussia",
    "bayern",
    "dynamo",
    "dinamo",
    "spartak",
    "lokomotiv",
    "fc",
    "ac",
    "as",
    "sc",
    "cf",
    "rc",
    "cd",
    "ud",
    "sd",
    "racing",
    "athletic",
    "deportivo",
    "union",
    "hertha",
    "eintracht",
    "fortuna",
}
NAME_PREFIX_WORDS = {"air", "virgin", "agence", "radio", "banco", "banque", "deutsche", "royal"}
# Organisations whose acronym is also some small town's name ("NATO", "APC").
ORG_ACRONYMS = {
    "nato",
    "opec",
    "asean",
    "nafta",
    "imf",
    "wto",
    "fifa",
    "uefa",
    "apc",
    "anc",
    "pdp",
    "ioc",
    "nasa",
    "fbi",
}
# Words before a place that make it part of a facility's name ("Stade de France", "Gare du Nord").
FACILITY_HEADS = {
    "stade",
    "stadium",
    "estadio",
    "palais",
    "palace",
    "gare",
    "musée",
    "museo",
    "museum",
    "université",
    "universidad",
    "universidade",
    "university",
    "hotel",
    "hôtel",
    "teatro",
    "théâtre",
    "place",
    "plaza",
    "rue",
    "avenue",
    "banco",
    "banque",
    "bank",
    "college",
    "institute",
    "institut",
    "instituto",
}
# "the town of Hopkinton", "residents of Winona".
OF_PLACE_HEADS = {
    "outside",
    "suburb",
    "suburbs",
    "outskirts",
    "heart",
    "city",
    "town",
    "village",
    "township",
    "borough",
    "hamlet",
    "county",
    "state",
    "province",
    "capital",
    "residents",
    "mayor",
    "streets",
    "center",
    "centre",
    "people",
    "citizens",
}
STREET_WORDS = {
    "street",
    "streets",
    "st",
    "avenue",
    "avenues",
    "ave",
    "road",
    "roads",
    "rd",
    "boulevard",
    "blvd",
    "drive",
    "lane",
    "highway",
    "parkway",
    "pike",
    "turnpike",
    "expressway",
    "freeway",
}
SPEECH_VERBS = {"said", "says", "told", "added", "asked", "wrote", "explained", "noted", "argued", "recalled"}
DATELINE_DASHES = {"—", "–", "-", "--", "―", "(", ":"}
PARTY_LETTERS = {"d", "r", "i", "dfl", "ind", "l", "c"}


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
    inside: str | None = None  # for embedded places: the kind of name around it ("newspaper", "club" …)


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
        self.rejected_spans: list[tuple[int, int, str]] = []
        self.person_tokens: set[int] = set()
        self.surnames: set[str] = set()
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            # "Trump’s Miami": the name ends at the possessive.
            end = next((t.i for t in ent if t.lower_ in {"'s", "’s"}), ent.end)
            # "Litchfield Fire Chief Jim Koser": the name starts after the title.
            start = ent.start
            for t in doc[ent.start : end]:
                if t.lower_.rstrip(".") in TITLES and t.i + 1 < end:
                    start = t.i + 1
            words = [t for t in doc[start:end] if t.is_alpha]
            if len(words) >= 2 and not self._place_not_person(words):
                self.person_tokens.update(range(start, end))
                self.surnames.add(words[-1].lower_)

    def _place_not_person(self, words: list) -> bool:
        """Whether a PERSON entity is a place ("Sioux Falls") or a word before a country ("Rethinking Egypt")."""
        text = " ".join(t.text for t in words)
        found = self.gaz.lookup(text, limit=1)
        if found and found[0].primary and not found[0].abbreviation:
            place = found[0].place
            if place.kind in ("country", "admin1") or (place.kind == "city" and place.population >= 50_000):
                return True
        last = self.gaz.lookup(words[-1].text, limit=1)
        return (
            len(words) == 2
            and words[0].lower_ in common_words()
            and bool(last)
            and last[0].primary
            and last[0].place.kind == "country"
        )

    # ------------------------------------------------------------------ helpers
    def lookup(self, text: str, kinds: tuple[str, ...] | None = None) -> list[Candidate]:
        candidates = self.gaz.lookup(text, limit=CANDIDATE_LIMIT)
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
        inside: str | None = None,
    ) -> None:
        doc = self.doc
        span = doc[start:end]
        sent_start, sent_end = _sentence_bounds(doc, start)
        prep = _prev_word(doc, start)
        text = span.text
        # "Winnipeg." at the end of a sentence: the period is not part of the name ("U.S." keeps it).
        if text.endswith(".") and "." not in text[:-1] and not (candidates and candidates[0].abbreviation):
            text = text[:-1]
        if kind == "toponym" and not kind_hint:
            kind_hint = self._title_hint(end) or self._article_hint(start, end)
        if kind == "toponym" and self._code_as_modifier(end, candidates):
            # "US troops", "US-Ecuadorian raids": the code works like "American", a demonym.
            kind, evidence = "demonym", f"{evidence}; a country's code before a noun"
        self.mentions.append(
            Mention(
                span.start_char,
                span.start_char + len(text),
                text,
                label,
                kind,
                [evidence],
                kind_hint,
                candidates,
                sent_start,
                sent_end,
                prep if prep in LOCATIVE else None,
                plural=plural,
                inside=inside,
            )
        )
        for i in range(start, end):
            self.taken[i] = 1

    def reject(self, start: int, end: int, reason: str) -> None:
        self.rejected.append((self.doc[start:end].text, reason))
        self.rejected_spans.append((start, end, reason))
        for i in range(start, end):
            self.taken[i] = 1

    def add_place(
        self,
        start: int,
        end: int,
        label: str,
        evidence: str,
        candidates: list[Candidate],
        kind_hint: tuple[str, ...] = (),
    ) -> None:
        """Add a place name, as *embedded* when it is part of a newspaper's, club's or disease's name."""
        inside = self._name_class(start, end)
        if inside is None:
            self.add(start, end, label, "toponym", evidence, candidates, kind_hint)
        else:
            self.add(start, end, label, "embedded", f"{evidence}; inside a {inside}'s name", candidates, inside=inside)

    def _code_as_modifier(self, end: int, candidates: list[Candidate]) -> bool:
        doc = self.doc
        if not candidates or not candidates[0].abbreviation or candidates[0].place.kind != "country":
            return False
        nxt = doc[end] if end < len(doc) else None
        if nxt is None:
            return False
        if nxt.text in {"-", "–"} and not nxt.whitespace_ and end + 1 < len(doc) and doc[end + 1].is_title:
            return True
        return nxt.is_lower and nxt.tag_ in ("NN", "NNS", "JJ")

    def _article_hint(self, start: int, end: int) -> tuple[str, ...]:
        """The kinds a name after "the" can be: a sea, region or country, not a town.

        Only a name that heads its phrase counts ("the tropical Atlantic", "the Sahel"), not a
        modifier ("the Washington office").
        """
        doc = self.doc
        if end < len(doc) and (doc[end].tag_ in ("NN", "NNS", "NNP", "NNPS", "CD") or doc[end].text in {"-", "–"}):
            return ()
        k = start - 1
        while k >= 0 and start - k <= 3 and (doc[k].lower_ in DIRECTIONS or doc[k].tag_ == "JJ") and doc[k].is_lower:
            k -= 1
        if k >= 0 and doc[k].lower_ == "the" and not doc[start].is_upper:
            return ("water", "region", "island", "country", "admin1", "landmark")
        return ()

    def _title_hint(self, end: int) -> tuple[str, ...]:
        """The kind an office after the name implies: "New York Gov." a state, "New York Mayor" a city."""
        doc = self.doc
        k = end
        skipped = 0
        while k < len(doc) and skipped <= 2:
            word = doc[k].lower_.rstrip(".")
            if word in STATE_TITLE_WORDS and (doc[k].is_title or doc[k].is_upper or word in {"state", "lawmakers"}):
                if word == "state" and k + 1 < len(doc) and doc[k + 1].lower_ in {"university", "college"}:
                    return ()
                return ("admin1", "country")
            if word in CITY_TITLE_WORDS:
                return ("city",)
            if not (doc[k].is_title and doc[k].is_alpha) or doc[k].is_sent_start:
                return ()
            k += 1
            skipped += 1
        return ()

    def _name_class(self, start: int, end: int) -> str | None:
        """The kind of name a place is part of ("Washington Post" a newspaper, "Real Madrid" a club)."""
        doc = self.doc
        nxt = doc[end] if end < len(doc) else None
        prev = doc[start - 1] if start > 0 else None
        if nxt is not None and (nxt.is_title or nxt.is_upper or nxt.lower_ in DISEASE_WORDS):
            word = nxt.lower_
            if word in DISEASE_WORDS:
                return "disease"
            if word in AIRLINE_WORDS:
                return "airline"
            if word in CLUB_SUFFIX_WORDS:
                return "club"
            if word in NEWSPAPER_WORDS and (
                (prev is not None and prev.lower_ == "the") or word in {"times", "post", "herald", "tribune"}
            ):
                return "newspaper"
        if prev is not None and (prev.is_title or prev.is_upper):
            word = prev.lower_
            if word in CLUB_PREFIX_WORDS and (len(word) > 2 or prev.is_upper):
                return "club"
            if word in NAME_PREFIX_WORDS:
                return "organisation"
        if (
            prev is not None
            and start >= 2
            and prev.lower_ in {"de", "du", "des", "of", "del", "della", "di", "do", "da"}
            and doc[start - 2].lower_ in FACILITY_HEADS
            and doc[start - 2].is_title
        ):
            return "facility"
        return None

    def _is_common(self, start: int, end: int) -> bool:
        """A single ordinary English word ("March", "Park", "Split"), capitalised or not."""
        words = [t for t in self.doc[start:end] if any(ch.isalpha() for ch in t.text)]
        return len(words) == 1 and words[0].lower_.strip(".") in self.common

    def _abbreviation_ok(self, start: int, end: int, candidates: list[Candidate]) -> bool:
        """Codes and abbreviations only where they fit: country codes in capitals, "City, St." pairs."""
        doc = self.doc
        surface = doc[start:end].text
        best = candidates[0].place
        prev = _prev_word(doc, start)
        if best.kind in ("country", "region") and (surface.isupper() or "." in surface):
            if surface != "US":
                return True
            # "US" is a country unless a headline in capitals says "us".
            sentence = doc[start].sent if doc.has_annotation("SENT_START") else doc[:]
            shouting = sum(t.is_upper for t in sentence if t.is_alpha) > 0.6 * max(1, sum(t.is_alpha for t in sentence))
            return not shouting or prev in {"the", "of", "in", "to", "from", "and", ",", "by", "for", "with"}
        if best.kind != "admin1" or "." not in surface:
            return False
        before = doc[start - 1] if start > 0 else None
        if before is not None and before.text == ",":
            return True  # "Charleston, W.Va."
        if before is not None and before.text in {"-", "–"} and start >= 2 and doc[start - 2].lower_ in PARTY_LETTERS:
            return True  # "Sen. Byron Dorgan, D-N.D."
        if before is not None and before.like_num:
            return False  # "500 B.C."
        if prev in LOCATIVE or prev in DIRECTIONS or prev in {"the", "of", "and"}:
            return True  # "in D.C.", "northeastern B.C.", "the S.C. Highway Patrol"
        letters = [ch for ch in surface if ch.isalpha()]
        nxt = doc[end] if end < len(doc) else None
        # Two-letter dotted codes ("S.C.", "N.J.") are codes; "Mass." and "Ind." need a noun after them.
        return (len(letters) == 2 and surface.count(".") == 2) or (
            nxt is not None and (nxt.lower_ in STATE_TITLE_WORDS | LOCAL_BODY_WORDS | RESIDENT_WORDS)
        )

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
        if (
            len(words) == 1
            and words[0].lower_ in self.surnames
            and (label not in _GEO_LABELS or prep not in LOCATIVE)
            and not (
                label in _GEO_LABELS and (known := self.lookup(doc[start:end].text)[:1]) and self._well_known(known)
            )
        ):
            return "surname of a person named in the text"
        if len(words) == 1 and words[0].is_upper and len(words[0]) >= 3 and words[0].lower_.strip(".") in ORG_ACRONYMS:
            return "an organisation's acronym"
        if nxt is not None and nxt.lower_.rstrip(".") in STREET_WORDS and (nxt.is_title or nxt.lower_.endswith("s")):
            return "part of a street's name"
        if len(words) == 1 and (
            (nxt is not None and nxt.lower_ in SPEECH_VERBS) or (prev is not None and prev.lower_ in SPEECH_VERBS)
        ):
            best = self.lookup(doc[start:end].text)[:1]
            if best and not self._well_known(best):
                return "a person who speaks"
        if (
            nxt is not None
            and nxt.text in {"-", "&"}
            and end + 1 < len(doc)
            and doc[end + 1].is_title
            and not nxt.whitespace_
            and not self.gaz.has_name(doc[end + 1].text)
            and label not in _GEO_LABELS
        ):
            return "part of a compound name"
        if (
            len(words) == 1
            and words[0].lower_ in FACILITY_HEADS
            and nxt is not None
            and nxt.lower_ in {"de", "du", "des", "of", "del", "della", "di", "do", "da"}
        ):
            return "the head of a facility's name"
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
            # "the US government" is the country's; "the Trump administration" a person's.
            if best and not self._well_known(best) and best[0].place.kind != "country":
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
        if place.kind == "landmark":  # "Heathrow Airport", "Fort Hood", "Stade de France"
            return best.primary and " " in place.name and not strict
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

    def _wider_name(self, s: int, e: int) -> tuple[int, int] | None:
        """A longer gazetteer name around an entity: "Stade de France" around "France"."""
        doc = self.doc
        best = None
        for left in range(max(0, s - 3), s + 1):
            if any(self.taken[k] for k in range(left, s)):
                continue
            for right in range(min(len(doc), e + 3), e - 1, -1):
                if (left, right) == (s, e) or any(self.taken[k] for k in range(e, right)):
                    continue
                words = doc[left:right]
                if not (words[0].is_title and words[-1].is_title) or any(
                    not (t.is_title or t.is_upper or t.lower_ in CONNECTORS) for t in words
                ):
                    continue
                found = self.gaz.lookup(words.text, limit=1)
                wide_kinds = ("landmark", "island", "water", "region")
                if (
                    found
                    and found[0].primary
                    and found[0].place.kind in wide_kinds
                    and (best is None or right - left > best[1] - best[0])
                ):
                    best = (left, right)
        return best

    def _geo_entity(self, ent: Span) -> None:
        doc = self.doc
        for s, e in self._parts(ent):
            s, e, hint = self._trim(s, e)
            if s >= e:
                continue
            wider = self._wider_name(s, e)
            if wider is not None:
                s, e = wider
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
            self.add_place(s, e, ent.label_, f"ner:{ent.label_}", candidates, hint)

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
                    self.add_place(s, e, ent.label_, f"ner:{ent.label_} known place", candidates, hint)
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
                if self._is_common(i, j) and not (j - i == 1 and doc[i].is_upper and len(doc[i]) > 1):
                    continue  # "us" is a word, "US Southern Command" a country's command
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
                self.add(i, j, label, kind, f"inside {label}", candidates, inside=self._name_class(i, j))
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
            if j - i >= 2 and doc[i].lower_ == "the" and not candidates[0].place.name.lower().startswith("the "):
                i += 1  # "The EU": the article is not part of the name
            list_kind = self._list_kind(i, j)
            if list_kind and any(c.place.kind in list_kind for c in candidates) and not self.gate(i, j, ""):
                ranked = self.lookup(doc[i:j].text, list_kind)
                self.add(i, j, "", "toponym", "gazetteer, in a list of units", ranked, list_kind)
                i = j
                continue
            verdict = self._accept_gazetteer_match(i, j, candidates)
            if verdict is None:
                self.add_place(i, j, "", "gazetteer", candidates)
            elif verdict.startswith("embedded:"):
                self.add(i, j, "", "embedded", "gazetteer, " + verdict[9:], candidates, inside=self._name_class(i, j))
            else:
                self.rejected.append((doc[i:j].text, verdict))
                self.rejected_spans.append((i, j, verdict))
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
        use = self._local_use(i, j)
        if use == "resident" or use == "affiliation":
            return None
        if use == "body" and best.place.kind in ("city", "admin2"):
            return "embedded:the home of a local body"
        tokens = doc[i:j]
        propn = all(_is_propn(t) or t.lower_ in CONNECTORS or not t.is_alpha for t in tokens)
        if not propn:
            return "not a proper noun here"
        prev = _prev_word(doc, i)
        locative = prev in LOCATIVE or self._of_place(i)
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

    def _local_use(self, i: int, j: int) -> str | None:
        """How a town is used: home of people, of a local body or of a legislator.

        "A DeKalb man" → resident, "Roselle police" → body, "Sen. Tony Strickland, R-Moorpark" → affiliation.
        """
        doc = self.doc
        k = j
        if k < len(doc) and doc[k].lower_ in {"'s", "’s"}:
            k += 1
        nxt = doc[k] if k < len(doc) else None
        if i >= 2 and doc[i - 1].text in {"-", "–"} and doc[i - 2].lower_ in PARTY_LETTERS and doc[i - 2].is_upper:
            return "affiliation"
        if nxt is None:
            return None
        word = nxt.lower_
        if word in RESIDENT_WORDS and not nxt.is_title:
            return "resident"
        if word in LOCAL_BODY_WORDS and (k == j or word != "city"):
            return "body"
        return None

    def _of_place(self, i: int) -> bool:
        """Whether "of" before the name introduces a place ("northeast of Gilroy", "the town of Hopkinton")."""
        doc = self.doc
        if i < 2 or doc[i - 1].lower_ != "of":
            return False
        head = doc[i - 2].lower_
        return head in DIRECTIONS or head in OF_PLACE_HEADS

    def _list_kind(self, i: int, j: int) -> tuple[str, ...]:
        """The kind word that ends a list of names ("Clarke, Madison and Oconee counties")."""
        doc = self.doc
        k = j
        for _ in range(24):
            if k >= len(doc):
                return ()
            token = doc[k]
            if token.lower_ in {"counties", "parishes"}:
                return ("admin2",)
            if token.lower_ in {"states", "provinces"}:
                return ("admin1",)
            if not (token.text in {",", "and", "&"} or token.is_title):
                return ()
            k += 1
        return ()

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

    def from_datelines(self) -> None:
        """Datelines in capitals: "BANTAM — A mason …", "HAMMOND, Ind. (AP) —", "NEW DELHI: …"."""
        doc = self.doc
        n = len(doc)
        for i in range(n):
            token = doc[i]
            if self.taken[i] or not (token.is_upper and token.is_alpha and len(token) >= 2):
                continue
            prev = doc[i - 1] if i > 0 else None
            if prev is not None and not (
                prev.is_space or "\n" in prev.whitespace_ or prev.text in {".", "!", "?", ")"} or token.is_sent_start
            ):
                continue
            j = i + 1
            while j < n and j - i < 4 and (doc[j].is_upper and (doc[j].is_alpha or doc[j].text.endswith("."))):
                j += 1
            nxt = doc[j] if j < n else None
            if nxt is None:
                continue
            after = doc[j + 1] if j + 1 < n else None
            dateline = nxt.text in DATELINE_DASHES or (
                nxt.text == ","
                and after is not None
                and bool(self.gaz.lookup(after.text, kinds=("admin1", "country"), limit=1))
                and (after.is_title or after.is_upper)
            )
            if not dateline:
                continue
            candidates = self.lookup(doc[i:j].text)
            if not candidates or self.gate(i, j, ""):
                continue
            if self._is_common(i, j) and not self._well_known(candidates) and nxt.text != ",":
                continue
            self.add(i, j, "", "toponym", "dateline", candidates)

    def from_repeats(self) -> None:
        """Names accepted once are places everywhere in the text ("in Winona" … "Winona police")."""
        doc = self.doc
        known: dict[str, Mention] = {}
        for m in self.mentions:
            # Only a name that was clearly a place once ("in Winona", a dateline) vouches for the rest.
            strong = (m.preposition and m.label in ("GPE", "LOC", "")) or m.evidence[0] == "dateline"
            if m.kind == "toponym" and strong and m.candidates and not m.candidates[0].abbreviation:
                known.setdefault(normalize_name(m.text), m)
        if not known:
            return
        weak = {
            "no locative evidence for a small place",
            "a capitalised word at the start of a sentence",
            "not a proper noun here",
            "part of a longer proper name",
            "only an alternate name of a small place",
            "a bare county name without locative evidence",
        }
        free = bytearray(b"\x01" * len(doc))
        for i, flag in enumerate(self.taken):
            if flag:
                free[i] = 0
        for start, end, reason in self.rejected_spans:
            if reason in weak:
                for k in range(start, end):
                    free[k] = 1
        longest = max(len(key.split()) for key in known)
        first_words = {key.split()[0] for key in known}
        i = 0
        while i < len(doc):
            token = doc[i]
            if (
                not free[i]
                or not (token.is_title or token.is_upper)
                or token.ent_type_ in ("PERSON", "NORP", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW")
                or normalize_name(token.text) not in first_words
            ):
                i += 1
                continue
            match = None
            for j in range(min(len(doc), i + longest + 1), i, -1):
                if doc[j - 1].is_alpha and all(free[k] for k in range(i, j)) and normalize_name(doc[i:j].text) in known:
                    match = j
                    break
            if match is None:
                i += 1
                continue
            j = match
            first = known[normalize_name(doc[i:j].text)]
            if not self.gate(i, j, first.label):
                use = self._local_use(i, j)
                if use == "body" or (first.kind == "embedded" and self._name_class(i, j)):
                    inside = self._name_class(i, j)
                    self.add(i, j, "", "embedded", "named elsewhere in the text", first.candidates, inside=inside)
                else:
                    self.add_place(i, j, first.label, "named elsewhere in the text", first.candidates)
                for k in range(i, j):
                    free[k] = 0
            i = j

    def attach_containers(self) -> None:
        """Link "Charleston, W.Va." pairs: the second place contains the first.

        Names listed with a state ("California or Washington") are read as states too.
        """
        by_start = sorted(self.mentions, key=lambda m: m.start)
        text = self.doc.text
        for a, b in itertools.pairwise(by_start):
            if a.kind != "toponym" or b.kind != "toponym" or not a.candidates or not b.candidates:
                continue
            if text[a.end : b.start].strip() not in {"or", "and", ", or", ", and", "&"}:
                continue
            for one, other in ((a, b), (b, a)):
                sure = other.candidates[0]
                if (
                    not one.kind_hint
                    and sure.primary
                    and sure.place.kind == "admin1"
                    and any(c.place.kind == "admin1" for c in one.candidates)
                ):
                    one.kind_hint = ("admin1",)
        for i, (a, b) in enumerate(itertools.pairwise(by_start)):
            # "Washington, New York and Boston" is a list, not a city and its state.
            before = text[max(0, a.start - 2) : a.start].strip()
            after = text[b.end : b.end + 5].lstrip()
            in_list = before == "," or after.startswith(("and ", ", and", "or "))
            if i + 2 < len(by_start) and text[b.end : by_start[i + 2].start].strip() in {",", "and", ", and"}:
                in_list = True
            if in_list:
                continue
            if text[a.end : b.start].strip() == "," and b.kind == "toponym" and b.candidates:
                a.container = b.text
                # "Buffalo, New York": the second name is the state (or the country), not a city.
                if not b.kind_hint and any(c.place.kind in ("admin1", "country") for c in b.candidates):
                    b.kind_hint = ("admin1", "country")


def find_mentions(doc: Doc, gazetteer: GazetteerIndex) -> tuple[list[Mention], list[tuple[str, str]]]:
    """Recognise place mentions in a parsed ``Doc`` (tagger, sentences and NER needed).

    Returns the mentions in text order and the rejected candidates with their reasons.
    """
    rec = _Recogniser(doc, gazetteer)
    rec.from_datelines()
    rec.from_entities()
    rec.from_gazetteer()
    rec.from_repeats()
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
        candidates = gazetteer.lookup(surface, limit=CANDIDATE_LIMIT)
        kind = "toponym"
        if key in gazetteer.demonym_keys and (
            not candidates
            or not (candidates[0].primary and candidates[0].place.kind in ("country", "admin1", "region", "water"))
        ):
            kind, candidates = "demonym", []
        if not candidates and kind == "toponym":
            trimmed = re.sub(r"^(the|northern|southern|eastern|western|central)\s+", "", surface, flags=re.IGNORECASE)
            candidates = gazetteer.lookup(trimmed, limit=CANDIDATE_LIMIT) if trimmed != surface else []
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
