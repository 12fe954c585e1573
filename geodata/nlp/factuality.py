"""Factuality: whether the event happened, will happen, was denied, or is only possible or talked about.

The status of an event mention is read off the dependency parse, walking from the trigger up to the
root of its sentence and looking at each word on the way and at its auxiliaries, negations and
subordinators (the cue words are data in ``geodata/lang/<code>/cues.toml``):

- ``denied`` — a negation on the trigger or its clause ("no shots were fired"), or a governing verb
  of denial, rejection or cancellation ("voted to reject the building of bases", "called off");
- ``hypothetical`` — a modal ("could strike"), a condition ("if talks fail"), a question, or a
  governing verb of threat, demand, proposal or fear ("threatened to invade", "urged sanctions");
- ``planned`` — a future auxiliary ("will vote"), "be to"/"be set to", a governing verb of
  planning ("plans to deploy", "agreed to hold talks"), or a date after publication;
- ``commentary`` — a habitual or generic adverb on the clause ("elections are often violent"), or
  an event with no date of its own in an opinion or analysis piece (:func:`is_opinion`: its title
  starts "Analysis:" or "Opinion:", or its address is under /opinion/): such pieces argue about
  patterns, and what they report as news (or announce) they date;
- ``background`` — dated more than five years before publication;
- ``reported`` — none of the above.

>>> from geodata.model import Status
>>> Status.DENIED.value
'denied'
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from geodata.model import Status

if TYPE_CHECKING:
    from spacy.tokens import Token

__all__ = ["BACKGROUND_YEARS", "event_status", "is_opinion", "status_features"]

BACKGROUND_YEARS = 5
# Edges through which a word governs the trigger, so that its cues speak of the event: complements,
# subjects, conjuncts and noun modifiers — not adverbial clauses ("after …", "since …") or relatives.
_GOVERNING_EDGES = {
    "dobj",
    "xcomp",
    "ccomp",
    "nsubjpass",
    "nsubj",
    "attr",
    "oprd",
    "acomp",
    "pobj",
    "conj",
    "compound",
    "amod",
    "appos",
    "nmod",
    "acl",
    "pcomp",
    "agent",
}
_GOVERNING_PREPS = {"for", "of", "on", "to", "against", "about", "over"}
_CUE_POS = {"VERB", "AUX", "ADJ"}


def is_opinion(title: str | None, source: str | None, cues: dict[str, Any]) -> bool:
    """Whether an article is labelled as opinion or analysis by its title or the section of its address.

    >>> cues = {"opinion_title_labels": ["analysis"], "opinion_sections": ["opinion"]}
    >>> is_opinion("Analysis: Why the curfews return", None, cues), is_opinion("Raids in Manta", None, cues)
    (True, False)
    >>> is_opinion(None, "https://example.org/opinion/2025/09/25/loop", cues)
    True
    """
    label = (title or "").strip().lstrip("#").strip().split(":", 1)
    if len(label) == 2 and label[0].strip().lower() in set(cues.get("opinion_title_labels", ())):
        return True
    path = (source or "").split("://", 1)[-1].split("?", 1)[0].lower().split("/")[1:]
    return bool(set(path) & set(cues.get("opinion_sections", ())))


def _years_before(date: str | None, published: str | None) -> float | None:
    if not date or not published:
        return None
    try:
        day = dt.date.fromisoformat((date + "-01-01")[:10] if len(date) < 10 else date[:10])
        pub = dt.date.fromisoformat(published[:10])
    except ValueError:
        return None
    return (pub - day).days / 365.25


def event_status(
    trigger: Token,
    cues: dict[str, Any],
    *,
    date: str | None = None,
    date_end: str | None = None,
    published: str | None = None,
) -> tuple[str, str]:
    """(status, the cue that decided it) of the event named by ``trigger``.

    ``date``/``date_end`` are the event's resolved dates, ``published`` the article's date.
    """
    years = _years_before(date_end or date, published)
    if years is not None and years > BACKGROUND_YEARS:
        return Status.BACKGROUND.value, f"dated {date}, over {BACKGROUND_YEARS} years before publication"
    negations = set(cues["negations"])
    denials = set(cues["denial_verbs"])
    particles = cues.get("denial_particles", {})
    modals = set(cues["hypothetical_modals"])
    hypothetical = set(cues["hypothetical_verbs"])
    conditions = set(cues["conditional_marks"])
    planning = set(cues["planning_verbs"])
    future = set(cues["future_auxiliaries"])
    habitual = set(cues["habitual_adverbs"])
    reporting = set(cues.get("reporting_verbs", ()))

    for child in trigger.children:  # "the bases that voters rejected"
        if child.dep_ in ("relcl", "acl") and child.lemma_.lower() in denials:
            return Status.DENIED.value, f"'{child.text}' in a relative clause"
    node, below = trigger, None
    while True:
        lemma = node.lemma_.lower()
        if node.i != trigger.i and node.pos_ in _CUE_POS:
            if lemma in denials or (lemma in particles and _has_particle(node, particles[lemma])):
                return Status.DENIED.value, f"governed by '{node.text}'"
            if lemma in hypothetical:
                return Status.HYPOTHETICAL.value, f"governed by '{node.text}'"
            if lemma in planning:
                return Status.PLANNED.value, f"governed by '{node.text}'"
        for child in node.children:
            if below is not None and child.i == below.i:
                continue
            word = child.lower_
            if child.dep_ == "neg" or (child.dep_ == "det" and word in negations):
                return Status.DENIED.value, f"negated by '{child.text}'"
            if child.dep_ in ("aux", "auxpass"):
                if word == "would" and _reported_speech(node, reporting):
                    return Status.PLANNED.value, "'would' in reported speech"
                if word in modals:
                    return Status.HYPOTHETICAL.value, f"modal '{child.text}'"
                if word in future or child.lemma_.lower() in future:
                    return Status.PLANNED.value, f"future '{child.text}'"
            if child.dep_ == "mark" and word in conditions:
                return Status.HYPOTHETICAL.value, f"condition '{child.text}'"
            if child.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in conditions for g in child.children):
                return Status.HYPOTHETICAL.value, f"under a condition ('{child.text}')"
            if child.dep_ == "advmod" and word in habitual:
                return Status.COMMENTARY.value, f"habitual '{child.text}'"
            if child.dep_ == "prep" and word == "without" and node.i == trigger.i:
                return Status.DENIED.value, "'without'"
        if node.dep_ == "xcomp" and node.head.lemma_.lower() == "be" and _is_infinitive(node):
            return Status.PLANNED.value, "'is to'"
        if node.dep_ in ("advcl", "acl") and _is_infinitive(node):
            return Status.PLANNED.value, f"purpose '{node.text}'"  # "went to Gaza to deliver aid"
        if node.head.i == node.i or node.dep_ == "ROOT":
            break
        if not (
            node.dep_ in _GOVERNING_EDGES
            or (node.dep_ == "prep" and (node.lower_ in _GOVERNING_PREPS or node.head.pos_ in ("NOUN", "PROPN", "NUM")))
        ):
            break  # what is above only sets the scene ("since …", "after …", "in response to …")
        below, node = node, node.head
    if trigger.sent.text.rstrip().endswith("?"):
        return Status.HYPOTHETICAL.value, "a question"
    if years is not None and years < 0:
        return Status.PLANNED.value, f"dated {date}, after publication"
    return Status.REPORTED.value, ""


def _reported_speech(verb: Token, reporting: set[str]) -> bool:
    """Whether a clause is the complement of a verb of saying in the past ("said it would …")."""
    head = verb.head
    return verb.dep_ in ("ccomp", "xcomp", "conj") and head.lemma_.lower() in reporting and head.tag_ in ("VBD", "VBN")


def _has_particle(token: Token, particle: str) -> bool:
    return any(c.dep_ == "prt" and c.lower_ == particle for c in token.children)


def _is_infinitive(token: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in token.children)


def status_features(
    trigger: Token,
    cues: dict[str, Any],
    *,
    date: str | None = None,
    date_end: str | None = None,
    published: str | None = None,
    rule: tuple[str, str] | None = None,
) -> list[str]:
    """Binary features of an event's factuality for the trained status model (the rules' answer among them).

    ``rule`` is :func:`event_status`'s answer when the caller already has it.
    """
    rule, cue = rule or event_status(trigger, cues, date=date, date_end=date_end, published=published)
    feats = ["bias", f"rule={rule}", f"cue={cue.split(' ')[0] if cue else 'none'}", f"tag={trigger.tag_}"]
    years = _years_before(date_end or date, published)
    if years is None:
        feats.append("date=none" if date is None else "date=unknown")
    else:
        feats.append("date=future" if years < 0 else "date=old" if years > BACKGROUND_YEARS else "date=past")
    node, depth = trigger, 0
    while depth < 4:
        for child in node.children:
            if child.dep_ in ("aux", "auxpass", "neg", "mark", "advmod", "det", "prt"):
                feats.append(f"{child.dep_}{'0' if depth == 0 else ''}={child.lower_}")
        if depth:
            feats += [f"up={node.lemma_.lower()}", f"up_tag={node.tag_}"]
        if node.head.i == node.i:
            break
        feats.append(f"edge{depth}={node.dep_}")
        node, depth = node.head, depth + 1
    sentence = trigger.sent
    if sentence.text.rstrip().endswith("?"):
        feats.append("question")
    if any(t.lower_ in ("we", "our", "i", "us") for t in sentence):
        feats.append("first_person")
    if any(t.text in ('"', "“", "”") for t in sentence):
        feats.append("quote")
    return feats
