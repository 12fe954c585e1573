"""The trained event classifier (``classifier = "model"``): a linear model over parse and lexicon features.

A multinomial logistic regression scores every label (``none`` and each subtype) from the
binary features of :func:`~geodata.nlp.classify.features.mention_features` — the trigger's lemma
and part of speech, its dependents and governor in the parse, the words and entities of its
sentence, and the lexicon's verdicts. Prediction is a sparse dot product in plain Python (no
machine-learning library at run time); the weights are JSON in
``geodata/lang/<code>/event_model.json``, written by ``make train``
(:mod:`geodata.nlp.classify.train`) from the hand-labelled sentences of ``bench/data``. The same
file carries a second model of the same kind for factuality (``status``), over
:func:`~geodata.nlp.factuality.status_features` — the parse rules' own answer among them.

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
FORMAT = 2


class LinearClassifier:
    """Sparse multinomial logistic regression over mention features."""

    name = "model"

    def __init__(
        self,
        labels: list[str],
        weights: dict[str, list[list[float]]],
        meta: dict[str, Any],
        status: LinearClassifier | None = None,
    ) -> None:
        self.labels = labels
        self.weights = {f: [(int(i), float(w)) for i, w in pairs] for f, pairs in weights.items()}
        self.meta = meta
        self.threshold = float(meta.get("threshold", 0.5))
        self.status = status  # the factuality model trained with it, if any

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
        status = data.get("status")
        status_model = cls(status["labels"], status["weights"], status.get("meta", {})) if status else None
        return cls(data["labels"], data["weights"], data.get("meta", {}), status_model)

    def to_json(self) -> dict[str, Any]:
        """The weights as the JSON document :meth:`load` reads."""
        out = {
            "format": FORMAT,
            "labels": self.labels,
            "meta": self.meta,
            "weights": {f: [[i, round(w, 5)] for i, w in pairs] for f, pairs in sorted(self.weights.items())},
        }
        if self.status is not None:
            out["status"] = {k: v for k, v in self.status.to_json().items() if k != "format"}
        return out

    def most_probable(self, features: list[str]) -> tuple[str, float]:
        """The most probable label and its probability (for models without a ``none`` label)."""
        probs = self.probabilities(features)
        best = max(range(len(probs)), key=probs.__getitem__)
        return self.labels[best], probs[best]

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
        """The most probable subtype, when the probability of an event at all reaches the threshold.

        The confidence is that probability (1 − p(none)): "a bombing" split between strike and
        explosion is still surely an event. The threshold is chosen in training.
        """
        none = self.labels.index(NONE_LABEL)
        event = 1.0 - probs[none]
        if event < self.threshold:
            return None
        best = max((i for i in range(len(self.labels)) if i != none), key=probs.__getitem__)
        return self.labels[best], round(event, 2)

    def classify(self, mention: TriggerMention, sentence: ParsedSentence) -> tuple[str, float] | None:
        """``(subtype, probability)`` of a trigger mention, or None (see :meth:`decide`)."""
        ctx = MentionContext.of(mention, sentence)
        return self.decide(self.probabilities(mention_features(ctx, lexicon_verdicts(ctx))))
