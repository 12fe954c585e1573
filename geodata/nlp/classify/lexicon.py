"""The lexicon's own rules: the first, transparent classifier (``classifier = "lexicon"``).

A trigger mention is an event of the subtype of its best lexicon entry whose vetoes do not fire
and whose required context is present; the entry's weight is the confidence. Phrases beat single
words of the same weight. Every decision can be read off ``geodata/lang/<code>/triggers.toml``.

>>> from geodata.lang import load_language
>>> LexiconClassifier(load_language("en")).name
'lexicon'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geodata.nlp.classify import MIN_CONFIDENCE
from geodata.nlp.classify.features import MentionContext, entry_verdict

if TYPE_CHECKING:
    from geodata.lang import Language, TriggerEntry
    from geodata.nlp.triggers import ParsedSentence, TriggerMention

__all__ = ["LexiconClassifier", "lexicon_verdicts"]


def lexicon_verdicts(ctx: MentionContext) -> list[tuple[TriggerEntry, bool, str]]:
    """(entry, matched as a phrase, verdict) for every lexicon entry that matched the mention."""
    return [(entry, phrase, entry_verdict(entry, ctx)) for entry, phrase in ctx.mention.entries]


def lexicon_decision(verdicts: list[tuple[TriggerEntry, bool, str]]) -> tuple[str, float] | None:
    """The lexicon rules' answer from the verdicts: best admissible entry and its weight."""
    admissible = [
        (entry.weight + (0.05 if phrase else 0.0), entry.subtype) for entry, phrase, v in verdicts if v == "ok"
    ]
    if not admissible:
        return None
    weight, subtype = max(admissible)
    return (subtype, round(min(weight, 0.99), 2)) if weight >= MIN_CONFIDENCE else None


class LexiconClassifier:
    """Classify trigger mentions with the lexicon's weights, required context and vetoes."""

    name = "lexicon"

    def __init__(self, language: Language) -> None:
        self.language = language

    def classify(self, mention: TriggerMention, sentence: ParsedSentence) -> tuple[str, float] | None:
        """``(subtype, confidence)`` or None (see the module docstring)."""
        return lexicon_decision(lexicon_verdicts(MentionContext.of(mention, sentence)))
