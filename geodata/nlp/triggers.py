"""Event triggers: the words of a parsed sentence that can name an event (one mention per trigger).

A spaCy :class:`~spacy.matcher.Matcher` built from the language's ``triggers.toml`` finds single
lemmas (with their part of speech) and lemma phrases ("air strike", "state of emergency"). All
matches that share a syntactic head make one :class:`TriggerMention`, which keeps every lexicon
entry that matched it; the classifier decides what, if anything, it is.

:meth:`TriggerFinder.may_contain` is the cheap test on word forms, before any parsing, that tells
which sentences are worth parsing at all.

>>> import spacy
>>> from geodata.nlp.pipeline import load_model
>>> nlp = load_model()  # doctest: +SKIP
>>> finder = TriggerFinder(nlp.vocab)  # doctest: +SKIP
>>> [m.text for m in finder.find(nlp("Drones struck a convoy near Kherson."))]  # doctest: +SKIP
['Drones', 'struck']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geodata.lang import Language, TriggerEntry, load_language

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token
    from spacy.vocab import Vocab

__all__ = ["ParsedSentence", "TriggerFinder", "TriggerMention", "inflections"]

_ARTICLES = {"a", "an", "the"}
_FUNCTION_WORDS = _ARTICLES | {"of", "to", "in", "on", "by", "with", "for", "into", "up", "down", "off", "out", "over"}


@dataclass
class ParsedSentence:
    """A parsed sentence and where it sits in its document.

    ``tokens`` is either a sentence ``Span`` of a parsed document (``offset`` 0) or a ``Doc`` of its
    own, parsed apart from the document (``offset`` = the sentence's first character in the
    document, 0 for a sentence on its own). ``token.idx + offset`` is always a document offset.
    """

    tokens: Span | Doc
    offset: int
    start_char: int  # document offsets of the sentence
    end_char: int

    @property
    def text(self) -> str:
        """The sentence as written, without the whitespace after it (the same however it was parsed)."""
        return self.tokens[:].text

    def doc_char(self, token: Token) -> int:
        """Document offset of a token's first character."""
        return token.idx + self.offset

    @property
    def is_own_doc(self) -> bool:
        """Whether the sentence was parsed as a ``Doc`` of its own (not a ``Span`` of its document)."""
        from spacy.tokens import Doc

        return isinstance(self.tokens, Doc)

    def token_at(self, doc_start: int, doc_end: int) -> Span | None:
        """The tokens covering document offsets [doc_start, doc_end), or None outside the sentence."""
        start, end = doc_start - self.start_char, doc_end - self.start_char
        if start < 0 or end > self.end_char - self.start_char:
            return None
        if self.is_own_doc:
            return self.tokens.char_span(start, end, alignment_mode="expand")
        return self.tokens.doc.char_span(doc_start, doc_end, alignment_mode="expand")


@dataclass
class TriggerMention:
    """One candidate event word (or phrase) of a sentence, with every lexicon entry that matched it."""

    head: Token
    start: int  # token indices in ``head.doc``
    end: int
    entries: list[tuple[TriggerEntry, bool]] = field(default_factory=list)  # (entry, matched as a phrase)

    @property
    def text(self) -> str:
        """The trigger as written."""
        return self.head.doc[self.start : self.end].text

    @property
    def lemma(self) -> str:
        """Lower-case lemma of the head word."""
        return self.head.lemma_.lower()

    @property
    def is_phrase(self) -> bool:
        """Whether some entry matched this trigger as a multi-word phrase."""
        return any(phrase for _, phrase in self.entries)


def inflections(lemma: str) -> set[str]:
    """Regular English forms of a lemma (over-generating is harmless: they only pre-select sentences).

    >>> sorted(inflections("raid"))
    ['raid', 'raided', 'raiding', 'raids', 'raidded', 'raidding']
    """
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        forms.add(lemma[:-1] + "ing")
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if lemma[-1:].isalpha() and lemma[-1] not in "aeiouwxy":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


def _case_variants(word: str) -> list[str]:
    return sorted({word, word.lower(), word.capitalize(), word.upper()})


class TriggerFinder:
    """Find trigger mentions in parsed sentences with a spaCy Matcher built from the lexicon."""

    def __init__(self, vocab: Vocab, language: Language | None = None, *, irregular: dict[str, str] | None = None):
        from spacy.matcher import Matcher, PhraseMatcher

        self.language = language or load_language("en")
        self.vocab = vocab
        # Single lemmas with their part of speech: a token Matcher, one pattern per entry. Phrases:
        # PhraseMatchers on lemmas and on word forms (hash lookups, fast on long texts).
        self.matcher = Matcher(vocab)
        self.phrases = {attr: PhraseMatcher(vocab, attr=attr) for attr in ("LEMMA", "LOWER")}
        self._entries: dict[str, TriggerEntry] = {}
        self._by_lemma: dict[str, list[TriggerEntry]] = {}
        forms: set[str] = set()
        for entry in self.language.triggers:
            key = f"trigger-{entry.index}"
            self._entries[key] = entry
            for lemma in entry.lemmas:
                self._by_lemma.setdefault(lemma, []).append(entry)
                forms |= inflections(lemma)
                # Nouns in -ing keep it in their lemma ("the torpedoing of a tanker").
                for gerund in inflections(lemma):
                    if gerund.endswith("ing") and gerund != lemma and "VERB" in entry.pos:
                        self._by_lemma.setdefault(gerund, []).append(entry)
            if entry.phrases:
                variants = [v for phrase in entry.phrases for v in _phrase_variants(phrase)]
                self.phrases["LEMMA"].add(key, [_pattern_doc(vocab, v, lemmas=True) for v in variants])
                self.phrases["LOWER"].add(key, [_pattern_doc(vocab, v, lemmas=False) for v in variants])
                forms |= {
                    f
                    for phrase in entry.phrases
                    for word in phrase
                    if word not in _FUNCTION_WORDS
                    for f in inflections(word)
                }
        # One pattern for every single-lemma trigger; which entries it is comes from the lemma.
        variants = sorted({v for lemma in self._by_lemma for v in _case_variants(lemma)})
        pos = sorted({p for e in self.language.triggers for p in e.pos})
        self.matcher.add("lemma", [[{"LEMMA": {"IN": variants}, "POS": {"IN": pos}}]])
        lemma_set = {lemma for e in self.language.triggers for lemma in e.lemmas} | {
            w for e in self.language.triggers for p in e.phrases for w in p
        }
        for form, lemma in (irregular or {}).items():
            if lemma in lemma_set:
                forms.add(form)
        self.forms = frozenset(forms)

    def may_contain(self, words: Iterable[str]) -> bool:
        """Whether any of these lower-case word forms can be part of a trigger (before parsing)."""
        return any(w in self.forms for w in words)

    def find(self, sentence: Span | Doc) -> list[TriggerMention]:
        """Trigger mentions of a parsed sentence, in text order, one per syntactic head."""
        from spacy.tokens import Span

        is_span = isinstance(sentence, Span)
        doc = sentence.doc if is_span else sentence
        base = sentence.start if is_span else 0
        matches = list(self.matcher(sentence)) + [m for pm in self.phrases.values() for m in pm(sentence)]
        by_head: dict[int, TriggerMention] = {}
        seen: set[tuple[int, int, int]] = set()
        for match_id, start, end in sorted(matches, key=lambda m: (m[1], m[2])):
            start, end = base + start, base + end
            key = doc.vocab.strings[match_id]
            if key == "lemma":
                token = doc[start]
                entries = [e for e in self._by_lemma.get(token.lemma_.lower(), ()) if token.pos_ in e.pos]
            else:
                entries = [self._entries[key]]
            for entry in entries:
                if (entry.index, start, end) in seen:
                    continue
                seen.add((entry.index, start, end))
                head = doc[start:end].root
                mention = by_head.get(head.i)
                if mention is None:
                    mention = by_head[head.i] = TriggerMention(head, start, end)
                else:
                    mention.start, mention.end = min(mention.start, start), max(mention.end, end)
                if all(e.index != entry.index for e, _ in mention.entries):
                    mention.entries.append((entry, end - start > 1))
        # A word inside a matched phrase is part of that trigger ("emergency" in "state of emergency").
        mentions = sorted(by_head.values(), key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[TriggerMention] = []
        for mention in mentions:
            outer = next((k for k in kept if k.start <= mention.start and mention.end <= k.end), None)
            if outer is None:
                kept.append(mention)
                continue
            for entry, phrase in mention.entries:
                if all(e.index != entry.index for e, _ in outer.entries):
                    outer.entries.append((entry, phrase))
        return sorted(kept, key=lambda m: m.head.i)


def _phrase_variants(phrase: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The written variants of a lexicon phrase: with any article or none, hyphenated or not."""
    out: list[tuple[str, ...]] = [()]
    for word in phrase:
        if word in _ARTICLES:
            out = [v + extra for v in out for extra in ((), ("a",), ("an",), ("the",))]
        else:
            out = [(*v, word) for v in out]
    hyphenated = [v for v in out if len(v) == 2]
    out += [(v[0], "-", v[1]) for v in hyphenated]
    return list(dict.fromkeys(out))


def _pattern_doc(vocab: Vocab, words: tuple[str, ...], *, lemmas: bool) -> Doc:
    from spacy.tokens import Doc

    return Doc(vocab, words=list(words), lemmas=list(words)) if lemmas else Doc(vocab, words=list(words))
