"""Event classifiers: what, if anything, a trigger mention is (subtype and confidence).

Every classifier has the same small interface (:class:`EventClassifier`): given a trigger mention
and its parsed sentence, return ``(subtype, confidence)`` or ``None`` for "not an event of our
taxonomy". Two ship with eventmap, chosen by the ``classifier`` setting:

- ``model`` (default) — :class:`~geodata.nlp.classify.model.LinearClassifier`, a multinomial
  logistic regression over features of the parse and the lexicon's evidence, trained on
  hand-labelled sentences (``make train``; weights in ``geodata/lang/<code>/event_model.json``);
- ``lexicon`` — :class:`~geodata.nlp.classify.lexicon.LexiconClassifier`, the trigger lexicon's
  own rules (weights, required context, vetoes): transparent, and the fallback.

>>> from geodata.nlp.classify import CLASSIFIERS
>>> sorted(CLASSIFIERS)
['lexicon', 'model']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from geodata.lang import Language
    from geodata.nlp.triggers import ParsedSentence, TriggerMention

__all__ = ["CLASSIFIERS", "MIN_CONFIDENCE", "EventClassifier", "make_classifier"]

#: Detections below this confidence are not events.
MIN_CONFIDENCE = 0.45


class EventClassifier(Protocol):
    """The interface of event classifiers."""

    name: str

    def classify(self, mention: TriggerMention, sentence: ParsedSentence) -> tuple[str, float] | None:
        """``(subtype, confidence)`` of one trigger mention (``"military.strike"``), or None."""
        ...


def _lexicon(language: Language) -> EventClassifier:
    from geodata.nlp.classify.lexicon import LexiconClassifier

    return LexiconClassifier(language)


def _model(language: Language) -> EventClassifier:
    from geodata.nlp.classify.model import LinearClassifier

    return LinearClassifier.load(language)


#: Classifiers by the name the ``classifier`` setting uses.
CLASSIFIERS = {"lexicon": _lexicon, "model": _model}


def make_classifier(name: str, language: Language) -> EventClassifier:
    """The classifier the settings name.

    Raises
    ------
    ConfigurationError
        For an unknown name, or a model whose weights are missing.
    """
    from geodata.errors import ConfigurationError

    if name not in CLASSIFIERS:
        raise ConfigurationError(f"classifier = {name!r} is unknown; choose one of {', '.join(sorted(CLASSIFIERS))}")
    return CLASSIFIERS[name](language)
