"""Event arguments from the dependency parse: where, who, how many dead, and when.

*Where.* A place belongs to the event whose trigger governs it, walking up the parse from the
place: the nearest trigger reached before any other clause ("raids in Manta", "the Caracas
bombing", "deploying troops to Nariño", "the sinking of a tanker off Sri Lanka"). A place
attached to something else ("praised the governments in Brazil") is not that event's place. A
locative phrase on a governing verb sets the scene for the events below it ("In Mexico, officials
said they ordered the killing …"). Subjects and possessors that are places are actors, not where:
"Quito decreed", "Washington's strikes", "US strikes".

*Who.* Agent and target from subject and object (verbs) or possessor, modifier and "of/on/against"
(nouns), normalised to an organisation, a state's forces, a person or a group — never a place
(a country or capital acting stands for its government) and never a fragment of another name.

*How many dead* and *when*: the figures and dates of the sentence that hang from the trigger (or
from the clause above it), else the nearest.

>>> from geodata.nlp.arguments import EventPlace
>>> EventPlace.__name__
'EventPlace'
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

    from geodata.gazetteer import PlaceRecord
    from geodata.nlp.dates import DateMention
    from geodata.nlp.figures import Figure
    from geodata.nlp.resolve import Resolution
    from geodata.nlp.triggers import ParsedSentence

__all__ = [
    "SUBJECT_IS_PLACE",
    "EventPlace",
    "PlaceAttachment",
    "attach_places",
    "clause_of",
    "date_for",
    "figures_for",
    "participants",
]

_PASSABLE_VERB_DEPS = {"acl", "xcomp", "relcl"}  # "raids carried out in Manta", "troops sent to Nariño"
_MODIFIER_REASON = "names the event's place"
# Subtypes whose subject is also where the event is (bench/data/GUIDELINES.md: the exporter, the buyer).
SUBJECT_IS_PLACE = {
    "economic.production",
    "economic.labour",
    "economic.prices",
    "economic.trade",
    "economic.budget",
    "military.arms_procurement",
}
_ACTOR_EDGES = {"nsubj", "poss", "agent", "csubj"}
_TARGET_EDGES = {"dobj", "nsubjpass", "attr", "oprd"}
# Subtypes whose country modifier says whose it is ("US strikes", "Colombian bases"), not where.
_WHOSE_SUBTYPES = {
    "military.strike",
    "military.explosion",
    "military.raid",
    "military.deployment",
    "military.base",
    "military.attack",
    "political.diplomacy",
    "political.agreement",
    "economic.sanctions",
    "economic.trade",
    "economic.transaction",
    "economic.investment",
}


@dataclass
class EventPlace:
    """A place of an event with its role: ``event`` (where), ``actor`` (who), ``mentioned``, ``focus``."""

    place: PlaceRecord
    role: str
    reason: str
    resolution: Resolution | None = None
    start: int | None = None  # document offsets of the words, when the sentence names it
    end: int | None = None
    text: str | None = None
    precision: int | None = None  # overrides the place kind's precision (a focus is at least a country)


@dataclass
class PlaceAttachment:
    """Where one place of a sentence hangs in the parse."""

    resolution: Resolution
    span: Span
    owner: int | None  # token index of the governing trigger, if any
    role: str  # event | actor | mentioned
    reason: str
    scene_verb: int | None = None  # token index of the verb it sets the scene for
    subject_of: int | None = None  # token index of the verb whose subject it is (or modifies)


def _is_verb(token: Token) -> bool:
    return token.pos_ in ("VERB", "AUX") and token.dep_ not in ("amod", "compound")


def _edge_role(
    place: PlaceRecord | None, edge: str, prep: str | None, subtype: str, locative: set[str]
) -> tuple[str, str]:
    """Role of a place by the edge that hangs it from its trigger."""
    kind = place.kind if place is not None else ""
    if edge in ("nsubj", "dative") and prep is None and subtype in SUBJECT_IS_PLACE:
        # "Europe added 24 GW", "Saudi Arabia will buy howitzers", "sell Saudi Arabia 180 systems":
        # output, exports and purchases are where the producer, exporter or buyer is.
        return "event", "the producer, exporter or buyer the figures are about"
    if edge in _ACTOR_EDGES or prep == "by":
        return "actor", f"'{edge if prep is None else prep}' of the trigger: who acts"
    if edge in ("compound", "amod", "nmod", "appos") and prep is None:
        if kind == "country" and subtype in _WHOSE_SUBTYPES:
            return "actor", "a country naming whose, not where"
        return "event", _MODIFIER_REASON
    if edge in _TARGET_EDGES and prep is None:
        return "event", "the trigger's object"
    if prep is not None and prep in locative:
        return "event", f"'{prep}' + place on the trigger"
    if prep == "with":
        return "actor", "'with': a partner, not where"
    return "mentioned", f"hangs from the trigger by '{prep or edge}'"


def _path_role(place: PlaceRecord | None, path: list[Token], subtype: str, locative: set[str]) -> tuple[str, str]:
    """Role of a place from its path up to the trigger (``path[-1]`` is the trigger's child).

    Allowed, with no other verb between: a direct edge ("the Caracas bombing", "bombed Caracas",
    "Hawaii's job growth", "Quito decreed"); up to two prepositions, locative or "of", through the
    trigger's own phrases ("raids in Manta", "fighting in a wooded area of Dagestan", "the sinking
    of a tanker off Sri Lanka", "regained most of the towns in Ghouta"); a locative preposition
    on a participle describing the trigger ("troops sent to Nariño"). Anything longer or through
    another clause hangs from something else.
    """
    top = path[-1]
    preps = [t for t in path if t.dep_ == "prep"]
    verbs = [t for t in path if _is_verb(t)]
    listed = 0
    while listed < len(path) and path[listed].dep_ == "conj":
        listed += 1  # "in Nigeria and Somalia": members of a list of places
    if any(t.dep_ == "conj" for t in path[listed:]):
        return "mentioned", "inside another member of a list (another event's phrase)"
    if top.dep_ in _PASSABLE_VERB_DEPS and _is_verb(top):
        if len(preps) == 1 and len(verbs) == 1 and preps[0].head.i == top.i and preps[0].lower_ in locative:
            return "event", f"'{preps[0].lower_}' + place on '{top.text}', which describes the trigger"
        return "mentioned", f"hangs from '{top.text}'"
    if verbs:
        return "mentioned", "hangs from another clause"
    if preps:
        words = [t.lower_ for t in preps]
        inner = [w for w in words if w != "of"]  # "in the outskirts of the city of Douma"
        if len(inner) > 1 or len(words) > 3 or any(w not in locative for w in inner):
            return "mentioned", "hangs from a word under the trigger, not from the trigger"
        if top.dep_ == "prep" and top.lower_ in ("by", "with"):
            return _edge_role(place, "prep", top.lower_, subtype, locative)
        prep = next((w for w in words if w != "of"), "of")  # "off" in "a tanker off Sri Lanka"
        if subtype == "economic.trade" and prep in ("to", "from"):
            # Trade figures are the exporter's ("exports to China", "imports from Peru": the partner).
            imports = "import" in top.head.lemma_.lower()
            if (prep == "to") != imports:
                return "mentioned", f"'{prep}' on trade: the trading partner, not where"
        return _edge_role(place, "prep", prep, subtype, locative)
    edge = path[0].dep_ if path[0].dep_ in ("poss", "compound", "amod", "nmod") else top.dep_
    if edge == "conj":
        edge = next((t.dep_ for t in reversed(path) if t.dep_ != "conj"), edge)
    if edge == "poss" and top.dep_ == "poss":
        edge = "nmod"  # "Hawaii's job growth": the place of the event noun itself
    return _edge_role(place, edge, None, subtype, locative)


def attach_places(
    sentence: ParsedSentence,
    resolutions: list[Resolution],
    triggers: dict[int, str],
    cues: dict[str, Any],
) -> list[PlaceAttachment]:
    """Where each place of the sentence hangs: its governing trigger and role, or a scene verb.

    ``triggers`` maps the token index of each event trigger of the sentence to its subtype.
    """
    locative = set(cues["locative"])
    scene_preps = set(cues["scene"])
    # A trigger that modifies a noun shares that noun's place phrases: "voting precincts in Columbus".
    doc = sentence.tokens if sentence.is_own_doc else sentence.tokens.doc
    aliases = {}
    for i in triggers:
        token = doc[i]
        if (
            token.dep_ in ("amod", "compound", "nmod")
            and token.head.i not in triggers
            and token.head.pos_ in ("NOUN", "PROPN")
        ):
            aliases[token.head.i] = i
    out = []
    for r in resolutions:
        span = sentence.token_at(r.mention.start, r.mention.end)
        if span is None or len(span) == 0:
            continue
        root = span.root
        node, path = root, []  # path of (dep, word) from the place up
        owner = scene = subject = None
        role, reason = "mentioned", "not attached to an event"
        while node.head.i != node.i:
            parent = node.head
            path.append(node)
            if parent.i in triggers or (parent.i in aliases and node.i != aliases[parent.i]):
                owner = parent.i if parent.i in triggers else aliases[parent.i]
                role, reason = _path_role(r.place, path, triggers[owner], locative)
                break
            if _is_verb(parent):
                inner = [t for t in path[:-1] if t.dep_ == "prep"]
                if (
                    node.dep_ == "prep"
                    and node.lower_ in scene_preps
                    # "in Manta", also through "of" phrases: "in the outskirts of the city of Douma"
                    and (len(path) <= 3 or (len(path) <= 7 and all(t.lower_ == "of" for t in inner)))
                ):
                    scene = parent.i
                    reason = f"'{node.lower_} {root.text}' sets the scene of '{parent.text}'"
                elif node.dep_ in ("nsubj", "nsubjpass") and all(
                    t.dep_ in ("compound", "amod", "poss", "nsubj", "nsubjpass") for t in path
                ):
                    subject = parent.i  # "Oklahoma teachers are in a walkout", "Williamson County has the lowest rate"
                if parent.dep_ not in _PASSABLE_VERB_DEPS:
                    break
            node = parent
        out.append(PlaceAttachment(r, span, owner, role, reason, scene, subject))
    _share_list_roles(out, sentence)
    _modifiers_yield_to_phrases(out)
    return out


def _modifiers_yield_to_phrases(attachments: list[PlaceAttachment]) -> None:
    """A country modifying a trigger that also has a place phrase is whose: "Israel's offensive in Gaza"."""
    by_owner: dict[int, list[PlaceAttachment]] = {}
    for a in attachments:
        if a.owner is not None and a.role == "event":
            by_owner.setdefault(a.owner, []).append(a)
    for group in by_owner.values():
        if any(a.reason.startswith("'") for a in group):  # attached by a preposition
            for a in group:
                if (
                    a.reason == _MODIFIER_REASON
                    and a.resolution.place is not None
                    and a.resolution.place.kind == "country"
                ):
                    a.role, a.reason = "actor", "a country naming whose; the place phrase says where"


def _share_list_roles(attachments: list[PlaceAttachment], sentence: ParsedSentence) -> None:
    """A list of places shares the attachment of its first member ("to Nariño/Putumayo", "in Lima and Callao")."""
    text, base = sentence.text, sentence.start_char
    ordered = sorted(attachments, key=lambda a: a.resolution.mention.start)
    for a, b in itertools.pairwise(ordered):
        between = text[a.resolution.mention.end - base : b.resolution.mention.start - base]
        words = " ".join(w for w in between.lower().split() if w not in ("the", "a", "an"))
        if words in {"/", ",", "and", "&", ", and", "or", "-"} and a.owner is not None and b.owner is None:
            b.owner, b.role, b.reason = a.owner, a.role, f"listed with {a.resolution.mention.text}"


def clause_of(trigger: Token) -> list[Token]:
    """The trigger and the words above it up to the root (the clauses that contain it)."""
    chain = [trigger]
    while chain[-1].head.i != chain[-1].i:
        chain.append(chain[-1].head)
    return chain


def _governs(ancestor: Token, token: Token, stop: set[int]) -> bool:
    node = token
    while True:
        if node.i == ancestor.i:
            return True
        if node.head.i == node.i or (node.i != token.i and node.i in stop):
            return False
        node = node.head


def _token_at_char(sentence: ParsedSentence, offset_in_sentence: int) -> Token | None:
    text = sentence.text
    while offset_in_sentence < len(text) - 1 and text[offset_in_sentence].isspace():
        offset_in_sentence += 1  # date and figure matches may start with a space
    span = sentence.token_at(sentence.start_char + offset_in_sentence, sentence.start_char + offset_in_sentence + 1)
    return span.root if span is not None and len(span) else None


def _owning_trigger(token: Token, triggers: set[int]) -> int | None:
    """The nearest trigger above a word (the word itself if it is one), or None."""
    node = token
    while True:
        if node.i in triggers:
            return node.i
        if node.head.i == node.i:
            return None
        node = node.head


def date_for(
    trigger: Token, dates: list[DateMention], sentence: ParsedSentence, triggers: set[int], own: set[int] | None = None
) -> DateMention | None:
    """The date of the trigger: one hanging from it, else from the clauses above it, else the sentence's.

    A date that hangs from another event's trigger is that event's ("since last September" of a
    campaign told in a relative clause is not the date of the sentence's main event), unless that
    event's clause holds this trigger ("agreed on Monday to extend the tariff pause"). ``own`` are
    the other trigger words of the same event.
    """
    if not dates:
        return None
    own = (own or set()) | {trigger.i}
    above = {t.i: depth for depth, t in enumerate(clause_of(trigger))}
    scored = []
    for d in dates:
        token = _token_at_char(sentence, d.start)
        if token is None:
            continue
        owner = _owning_trigger(token, triggers)
        if owner in own:
            rank = 0
        elif owner is not None and owner in above:
            rank = 1  # the date of an event whose clause holds this one ("blocked roads on Friday to protest")
        elif owner is not None:
            continue  # another event's date
        else:
            node, rank = token, 2
            while node.head.i != node.i:
                node = node.head
                if node.i in above:
                    rank = 1
                    break
        distance = abs(d.start - (trigger.idx - sentence.tokens[0].idx))
        scored.append((rank, distance, d))
    return min(scored, key=lambda x: (x[0], x[1]))[2] if scored else None


def figures_for(
    trigger: Token, figures: list[Figure], sentence: ParsedSentence, triggers: set[int], own: set[int] | None = None
) -> list[Figure]:
    """The figures that hang from the trigger's clause (all of them when it is the only event)."""
    own = (own or set()) | {trigger.i}
    if not triggers - own:
        return figures
    stop = triggers - own
    chain = [t for t in clause_of(trigger) if t.i not in stop]
    out = []
    for f in figures:
        token = _token_at_char(sentence, f.start)
        if token is not None and any(_governs(a, token, stop) for a in chain[:3]):
            out.append(f)
    return out


_NOT_ACTORS = {"DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"}


def _phrase(token: Token) -> str | None:
    """The noun phrase a token heads: its modifiers and itself, no determiners, dates, clauses or tails."""
    if token.ent_type_ in _NOT_ACTORS or token.like_num:
        return None
    keep = {"compound", "amod", "nmod", "poss"}
    words: list[Token] = []
    for c in token.lefts:
        if c.dep_ in keep and c.ent_type_ not in _NOT_ACTORS and not c.like_num:
            words.extend(
                t for t in c.subtree if t.dep_ not in ("case", "det", "punct") and t.ent_type_ not in _NOT_ACTORS
            )
    words.append(token)
    words.sort(key=lambda t: t.i)
    first = words[0].i
    ent = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
    if (
        ent is not None
        and ent.label_ in ("ORG", "PERSON", "NORP", "GPE")
        and first <= ent.start
        and ent.end <= token.i + 1
    ):
        words = [t for t in words if t.i < ent.start] + list(ent)
    text = " ".join(t.text for t in words if t.dep_ != "case" and t.lower_ not in ("the", "a", "an"))
    return text.replace(" - ", "-").strip() or None


def participants(
    trigger: Token,
    places: dict[int, Resolution],
    cues: dict[str, Any],
    country_name: Any,
) -> tuple[str | None, str | None, list[str]]:
    """(agent, target, actors) of the event named by ``trigger`` (see the module docstring).

    ``places`` maps token indices of place words to their resolutions; ``country_name(code)``
    gives a country's name.
    """

    def normalise(token: Token, acting: bool = True) -> str | None:
        if token.pos_ == "PRON" or token.lower_ in ("who", "which", "that") or token.i == trigger.i:
            return None
        r = places.get(token.i)
        if r is not None and r.place is not None:
            p = r.place
            if acting and (p.kind == "country" or p.is_capital):
                return f"government of {country_name(p.country_code) or p.name}"  # "Quito decreed"
            return None  # a place is where, not who
        return _phrase(token)

    agent = target = None
    if trigger.pos_ in ("VERB", "AUX"):
        for child in trigger.children:
            if child.dep_ in ("nsubj", "csubj") and agent is None:
                agent = normalise(child)
            elif child.dep_ == "agent":
                obj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    agent = normalise(obj)
            elif child.dep_ in ("dobj", "nsubjpass") and target is None:
                target = normalise(child, acting=False)
    else:
        for child in trigger.children:
            if (child.dep_ == "poss" and agent is None) or (
                child.dep_ in ("compound", "amod")
                and agent is None
                and (child.ent_type_ in ("ORG", "NORP", "PERSON") or child.i in places)
            ):
                agent = normalise(child)
            elif child.dep_ == "prep":
                obj = next((g for g in child.children if g.dep_ == "pobj"), None)
                if obj is None:
                    continue
                if child.lower_ == "by" and agent is None:
                    agent = normalise(obj)
                elif child.lower_ in ("of", "on", "against", "targeting") and target is None:
                    target = normalise(obj, acting=False)
        if agent is None and trigger.dep_ == "dobj" and trigger.head.pos_ == "VERB":
            # "the army launched raids": the subject of the verb whose object the event is acts.
            subj = next((c for c in trigger.head.children if c.dep_ == "nsubj"), None)
            if subj is not None:
                agent = normalise(subj)
    actors = [a for a in (agent, target) if a]
    heads = set(cues["actor_heads"])
    for token in trigger.subtree:
        if token.i == trigger.i or token.i in places:
            continue
        named = token.ent_iob_ == "B" and token.ent_type_ in ("ORG", "PERSON", "NORP")
        if named or (token.lemma_.lower() in heads and token.pos_ == "NOUN" and token.dep_ not in ("compound", "amod")):
            phrase = normalise(token)
            if phrase and all(phrase.lower() not in a.lower() for a in actors):
                actors.append(phrase)
    return agent, target, actors[:8]
