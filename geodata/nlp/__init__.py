"""Natural-language processing: text → place mentions → places → events, as spaCy components.

- :mod:`geodata.nlp.pipeline` — the one place that loads the model and adds our components;
- :mod:`geodata.nlp.recognize` — toponym recognition (NER + gazetteer scan + gates);
- :mod:`geodata.nlp.resolve` — disambiguation of mentions to gazetteer places;
- :mod:`geodata.nlp.geoparse` — recognition and resolution together (:class:`Geoparser`);
- :mod:`geodata.nlp.events` — events, their places, dates, figures and actors;
- :mod:`geodata.nlp.dates`, :mod:`geodata.nlp.figures` — dates and numbers in sentences.

Importing this package registers eventmap's spaCy factories, so ``nlp.add_pipe("geoparser")``
works in any pipeline::

    import spacy, geodata.nlp
    nlp = spacy.load(geodata.nlp.model_name())
    nlp.add_pipe("geoparser")
"""

from geodata.nlp.pipeline import MODEL_NAMES, load_pipeline, model_name

__all__ = ["MODEL_NAMES", "load_pipeline", "model_name"]
