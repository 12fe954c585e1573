"""Natural-language processing: text → place mentions → places → events, as spaCy components.

- :mod:`geodata.nlp.pipeline` — the one place that loads the model and adds our components;
- :mod:`geodata.nlp.recognize` — toponym recognition (NER + gazetteer scan + gates);
- :mod:`geodata.nlp.resolve` — disambiguation of mentions to gazetteer places;
- :mod:`geodata.nlp.geoparse` — recognition and resolution together (:class:`Geoparser`);
- :mod:`geodata.nlp.triggers` — event trigger words on lemmas and parts of speech;
- :mod:`geodata.nlp.classify` — what a trigger is (trained model or lexicon rules);
- :mod:`geodata.nlp.arguments` — where, who, how many dead and when, from the parse;
- :mod:`geodata.nlp.factuality` — reported, planned, denied, hypothetical, commentary, background;
- :mod:`geodata.nlp.events` — events of an article, merged across sentences, as table rows;
- :mod:`geodata.nlp.dates`, :mod:`geodata.nlp.figures` — dates and numbers in sentences.

:func:`build_nlp` assembles the whole pipeline — exactly what ``eventmap ingest`` runs. Importing
this package registers eventmap's spaCy factories, so ``nlp.add_pipe("geoparser")`` and
``nlp.add_pipe("eventmap_events")`` work in any pipeline::

    import spacy, geodata.nlp
    nlp = spacy.load(geodata.nlp.model_name())
    nlp.add_pipe("geoparser")
    nlp.add_pipe("eventmap_events")
"""

from geodata.nlp.pipeline import MODEL_NAMES, build_nlp, load_pipeline, model_name

__all__ = ["MODEL_NAMES", "build_nlp", "load_pipeline", "model_name"]
