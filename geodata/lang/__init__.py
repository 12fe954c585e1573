"""The words of a language: trigger lexicon, factuality and argument cues, trained weights.

Everything language-specific that the event stages need is data in ``geodata/lang/<code>/``:
``triggers.toml`` (which words can name an event), ``cues.toml`` (negations, modals, locative
prepositions, actor nouns…) and ``event_model.json`` (the trained classifier's weights, rebuilt by
``make train``). A second language is a second folder with the same files (and a spaCy model).

>>> from geodata.lang import load_language
>>> english = load_language("en")
>>> "military.strike" in {entry.subtype for entry in english.triggers}
True
>>> "could" in english.factuality["hypothetical_modals"]
True
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geodata.errors import ConfigurationError

__all__ = ["LANG_DIR", "Language", "TriggerEntry", "load_language"]

LANG_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class TriggerEntry:
    """One ``[[trigger]]`` of ``triggers.toml``: words that can name events of one subtype."""

    index: int
    subtype: str  # "military.strike"
    lemmas: tuple[str, ...]
    pos: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]
    weight: float
    requires: tuple[str, ...]
    vetoes: tuple[tuple[str, ...], ...]

    @property
    def category(self) -> str:
        """The category part of the subtype name."""
        return self.subtype.split(".", 1)[0]


@dataclass(frozen=True)
class Language:
    """The data of one language (see the module docstring)."""

    code: str
    folder: Path
    triggers: tuple[TriggerEntry, ...]
    factuality: dict[str, Any]
    places: dict[str, Any]
    actors: dict[str, Any]

    @property
    def model_path(self) -> Path:
        """Where the trained event classifier's weights are (``make train`` writes them)."""
        return self.folder / "event_model.json"


@functools.cache
def load_language(code: str = "en") -> Language:
    """Read and check the data of language ``code`` (cached).

    Raises
    ------
    ConfigurationError
        When the folder is missing, or a trigger names a subtype the taxonomy does not have.
    """
    from geodata.model import SUBTYPES

    folder = LANG_DIR / code
    if not (folder / "triggers.toml").is_file():
        available = sorted(p.name for p in LANG_DIR.iterdir() if (p / "triggers.toml").is_file())
        raise ConfigurationError(f"no event words for language {code!r}; available: {', '.join(available)}")
    triggers_data = tomllib.loads((folder / "triggers.toml").read_text(encoding="utf-8"))
    cues = tomllib.loads((folder / "cues.toml").read_text(encoding="utf-8"))
    entries = []
    for index, raw in enumerate(triggers_data["trigger"]):
        if raw["subtype"] not in SUBTYPES:
            raise ConfigurationError(f"{folder / 'triggers.toml'}: trigger for unknown subtype {raw['subtype']!r}")
        entries.append(
            TriggerEntry(
                index=index,
                subtype=raw["subtype"],
                lemmas=tuple(raw.get("lemmas", ())),
                pos=tuple(raw.get("pos", ("NOUN", "VERB"))),
                phrases=tuple(tuple(p.split()) for p in raw.get("phrases", ())),
                weight=float(raw.get("weight", 0.5)),
                requires=tuple(raw.get("requires", ())),
                vetoes=tuple(tuple(v.split()) for v in raw.get("vetoes", ())),
            )
        )
    return Language(code, folder, tuple(entries), cues["factuality"], cues["places"], cues["actors"])
