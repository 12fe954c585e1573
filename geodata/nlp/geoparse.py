"""Geoparsing: text → resolved place mentions (the recognition and resolution stages together).

>>> from geodata.nlp.geoparse import Geoparser
>>> parser = Geoparser()  # doctest: +SKIP
>>> [(r.mention.text, r.place.name) for r in parser.parse("Troops reached Tumaco, in Nariño.").places]  # doctest: +SKIP
[('Tumaco', 'Tumaco'), ('Nariño', 'Nariño')]

:func:`geoparse` returns the same as a GeoDataFrame, one row per mention.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geodata.config import Settings, load_settings
from geodata.gazetteer import open_gazetteer
from geodata.nlp.pipeline import load_pipeline
from geodata.nlp.recognize import find_mentions, mentions_from_spans
from geodata.nlp.resolve import Resolution, resolve_mentions

if TYPE_CHECKING:
    import geopandas as gpd
    from spacy.tokens import Doc

__all__ = ["MENTION_COLUMNS", "GeoparseResult", "Geoparser", "geoparse"]

MENTION_COLUMNS = [
    "start",
    "end",
    "text",
    "mention_kind",
    "label",
    "place_id",
    "name",
    "kind",
    "country_code",
    "admin1",
    "score",
    "confidence",
    "reason",
    "geometry",
]


@dataclass
class GeoparseResult:
    """The places of one text: resolved mentions (demonyms included) and what was gated out."""

    text: str
    places: list[Resolution]
    rejected: list[tuple[str, str]] = field(default_factory=list)
    doc: Any = None

    @property
    def toponyms(self) -> list[Resolution]:
        """Resolved place names that can be map pins (no demonyms, no unresolved names)."""
        return [r for r in self.places if r.place is not None and r.mention.kind != "demonym"]


class Geoparser:
    """Recognise and resolve places in texts with the spaCy model and the embedded gazetteer.

    Parameters
    ----------
    settings
        Which model and gazetteer to use (defaults: :func:`~geodata.config.load_settings`).
    anchor_words
        Extra words (lower case) around which the model annotates the text, for later stages that
        need entities near them (event triggers).
    """

    def __init__(self, settings: Settings | None = None, *, anchor_words: frozenset[str] = frozenset()) -> None:
        from geodata.nlp.pipeline import WindowedAnnotator

        self.settings = settings or load_settings()
        self.gazetteer = open_gazetteer(self.settings.gazetteer_path)
        self.nlp = load_pipeline(self.settings)
        self.annotator = WindowedAnnotator(self.nlp, self.gazetteer, anchor_words=anchor_words, radius=4)

    def from_doc(self, doc: Doc, spans: list[tuple[int, int]] | None = None) -> GeoparseResult:
        """Geoparse an already processed ``Doc``; with ``spans``, resolve those spans only."""
        if spans is not None:
            mentions = mentions_from_spans(doc, spans, self.gazetteer)
            context, _ = find_mentions(doc, self.gazetteer)
            extra = [m for m in context if not any(m.start < e and s < m.end for s, e in spans)]
            resolved = resolve_mentions(mentions + extra, self.gazetteer)
            keep = {(m.start, m.end) for m in mentions}
            return GeoparseResult(doc.text, [r for r in resolved if (r.mention.start, r.mention.end) in keep], [], doc)
        mentions, rejected = find_mentions(doc, self.gazetteer)
        return GeoparseResult(doc.text, resolve_mentions(mentions, self.gazetteer), rejected, doc)

    def annotate(self, texts: list[str], spans: list[list[tuple[int, int]] | None] | None = None) -> list[Doc]:
        """Tokenise, split and run the model around the candidate words (see ``WindowedAnnotator``)."""
        return list(self.annotator.pipe(texts, char_spans=spans))

    def parse(self, text: str) -> GeoparseResult:
        """Geoparse one text."""
        return self.from_doc(self.annotate([text])[0])

    def pipe(
        self,
        texts: Iterable[str],
        *,
        spans: Iterable[list[tuple[int, int]] | None] | None = None,
        n_process: int = 1,
        batch_size: int = 32,
    ) -> Iterator[GeoparseResult]:
        """Geoparse many texts, in order.

        With ``n_process`` > 1 the texts are shared out to forked worker processes, each with its
        own copy of the model; results then come back without their ``doc``.
        """
        texts = list(texts)
        span_list = list(spans) if spans is not None else [None] * len(texts)
        batches = [(texts[i : i + batch_size], span_list[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        if n_process <= 1 or len(batches) <= 1:
            for batch_texts, batch_spans in batches:
                for doc, doc_spans in zip(self.annotate(batch_texts, batch_spans), batch_spans, strict=True):
                    yield self.from_doc(doc, doc_spans)
            return
        yield from _parallel(self, batches, n_process)


_WORKER: Geoparser | None = None


def _work(batch: tuple[list[str], list]) -> list[GeoparseResult]:
    assert _WORKER is not None
    out = []
    for doc, spans in zip(_WORKER.annotate(*batch), batch[1], strict=True):
        result = _WORKER.from_doc(doc, spans)
        result.doc = None  # Docs are heavy to send back; callers of pipe(n_process>1) get the places
        out.append(result)
    return out


def _parallel(parser: Geoparser, batches: list, n_process: int) -> Iterator[GeoparseResult]:
    """Fork workers that inherit the loaded model (copy-on-write) and keep the input order."""
    import multiprocessing

    global _WORKER
    _WORKER = parser
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        for batch in batches:
            yield from _work(batch)
        return
    with context.Pool(n_process) as pool:
        for results in pool.imap(_work, batches):
            yield from results


def geoparse(text: str, *, settings: Settings | None = None, include_demonyms: bool = False) -> gpd.GeoDataFrame:
    """The place mentions of ``text`` as a GeoDataFrame (EPSG:4326), one row per mention.

    Parameters
    ----------
    text
        Any English text.
    include_demonyms
        Also return demonyms ("Ecuadorian") resolved to their country; they are context, not pins,
        and are left out by default.

    Examples
    --------
    >>> frame = geoparse("The army deployed troops to Nariño and Putumayo.")  # doctest: +SKIP
    >>> frame[["text", "kind", "country_code"]].values.tolist()  # doctest: +SKIP
    [['Nariño', 'admin1', 'CO'], ['Putumayo', 'admin1', 'CO']]
    """
    import geopandas as gpd

    from geodata.geocoding.frames import CRS, points_from_latlon

    result = Geoparser(settings).parse(text)
    rows = []
    for r in result.places:
        if r.mention.kind == "demonym" and not include_demonyms:
            continue
        p = r.place
        rows.append(
            {
                "start": r.mention.start,
                "end": r.mention.end,
                "text": r.mention.text,
                "mention_kind": r.mention.kind,
                "label": r.mention.label,
                "place_id": p.id if p else None,
                "name": p.name if p else None,
                "kind": p.kind if p else None,
                "country_code": (p.country_code or None) if p else None,
                "admin1": (p.admin1_name or None) if p else None,
                "score": r.score,
                "confidence": r.confidence,
                "reason": r.reason,
                "lat": p.lat if p else None,
                "lon": p.lon if p else None,
            }
        )
    geometry = points_from_latlon([r.pop("lat") for r in rows], [r.pop("lon") for r in rows])
    return gpd.GeoDataFrame(rows, columns=MENTION_COLUMNS[:-1], geometry=geometry, crs=CRS)
