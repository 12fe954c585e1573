"""The trained event classifier (``classifier = "model"``): a linear model over parse and lexicon features.

A multinomial logistic regression scores every label (``none`` and each subtype) from the
binary features of :func:`~geodata.nlp.classify.features.mention_features` — the trigger's lemma
and part of speech, its dependents and governor in the parse, the words and entities of its
sentence, and the lexicon's verdicts. Prediction is a sparse dot product in plain Python (no
machine-learning library at run time); the weights are JSON in
``geodata/lang/<code>/event_model.json``, written by ``make train``
(:mod:`geodata.nlp.classify.train`) from the hand-labelled sentences of ``bench/data``.

>>> from geodata.lang import load_language
>>> LinearClassifier.load(load_language("en")).name  # doctest: +SKIP
'model'
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import ConfigurationError
from geodata.nlp.classify.features import MentionContext, mention_features
from geodata.nlp.classify.lexicon import lexicon_verdicts

if TYPE_CHECKING:
    from geodata.lang import Language
    from geodata.nlp.triggers import ParsedSentence, TriggerMention

__all__ = ["NONE_LABEL", "LinearClassifier"]

NONE_LABEL = "none"
FORMAT = 1


class LinearClassifier:
    """Sparse multinomial logistic regression over mention features."""

    name = "model"

    def __init__(self, labels: list[str], weights: dict[str, list[list[float]]], meta: dict[str, Any]) -> None:
        self.labels = labels
        self.weights = {f: [(int(i), float(w)) for i, w in pairs] for f, pairs in weights.items()}
        self.meta = meta
        self.threshold = float(meta.get("threshold", 0.5))

    @classmethod
    def load(cls, language: Language, path: str | Path | None = None) -> LinearClassifier:
        """Read trained weights (``language.model_path`` by default).

        Raises
        ------
        ConfigurationError
            When the file is missing or not eventmap's weights (the fix: ``make train``).
        """
        path = Path(path or language.model_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(
                f"no trained event classifier at {path}; run `make train`, or set classifier = 'lexicon'"
            ) from None
        except (OSError, ValueError) as err:
            raise ConfigurationError(f"cannot read the event classifier {path}: {err}") from None
        if data.get("format") != FORMAT or NONE_LABEL not in data.get("labels", ()):
            raise ConfigurationError(f"{path} is not an eventmap event classifier (format {FORMAT}); run `make train`")
        return cls(data["labels"], data["weights"], data.get("meta", {}))

    def to_json(self) -> dict[str, Any]:
        """The weights as the JSON document :meth:`load` reads."""
        return {
            "format": FORMAT,
            "labels": self.labels,
            "meta": self.meta,
            "weights": {f: [[i, round(w, 5)] for i, w in pairs] for f, pairs in sorted(self.weights.items())},
        }

    def probabilities(self, features: list[str]) -> list[float]:
        """Probability of each label (``self.labels``) for a feature list."""
        scores = [0.0] * len(self.labels)
        for feature in features:
            for i, w in self.weights.get(feature, ()):
                scores[i] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def decide(self, probs: list[float]) -> tuple[str, float] | None:
        """The most probable subtype when its probability reaches the threshold (chosen in training), else None."""
        best = max((i for i, label in enumerate(self.labels) if label != NONE_LABEL), key=probs.__getitem__)
        return (self.labels[best], round(probs[best], 2)) if probs[best] >= self.threshold else None

    def classify(self, mention: TriggerMention, sentence: ParsedSentence) -> tuple[str, float] | None:
        """``(subtype, probability)`` of a trigger mention, or None (see :meth:`decide`)."""
        ctx = MentionContext.of(mention, sentence)
        return self.decide(self.probabilities(mention_features(ctx, lexicon_verdicts(ctx))))
