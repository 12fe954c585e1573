"""What a classifier sees of a trigger mention: its words, its parse and the lexicon's verdicts.

:class:`MentionContext` gathers the lemmas and word forms of the sentence once;
:func:`entry_verdict` applies a lexicon entry's required context and vetoes;
:func:`mention_features` turns all of it into the binary features of the trained model. Training
(:mod:`geodata.nlp.classify.train`) and prediction use the same function, so they cannot drift.

>>> sorted(f for f in ["lemma=strike", "dep=ROOT"])
['dep=ROOT', 'lemma=strike']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

    from geodata.lang import TriggerEntry
    from geodata.nlp.triggers import ParsedSentence, TriggerMention

__all__ = ["MentionContext", "entry_verdict", "mention_features"]

VETO_WINDOW = 6
_CONTENT_POS = {"NOUN", "VERB", "ADJ", "PROPN", "NUM"}
_ENTITY_LABELS = {"GPE", "LOC", "FAC", "ORG", "PERSON", "NORP", "MONEY", "PERCENT", "DATE", "CARDINAL", "QUANTITY"}


@dataclass
class MentionContext:
    """A trigger mention with the lemmas and word forms of its sentence, computed once."""

    mention: TriggerMention
    sentence: ParsedSentence
    tokens: list[Token]
    lemmas: list[str]
    forms: list[str]
    first: int  # token index (in the mention's doc) of the sentence's first token

    @classmethod
    def of(cls, mention: TriggerMention, sentence: ParsedSentence) -> MentionContext:
        """Context of a mention in its sentence."""
        tokens = list(sentence.tokens)
        return cls(
            mention,
            sentence,
            tokens,
            [t.lemma_.lower() for t in tokens],
            [t.lower_ for t in tokens],
            tokens[0].i if tokens else 0,
        )

    @property
    def span(self) -> tuple[int, int]:
        """The trigger's token positions in the sentence."""
        return self.mention.start - self.first, self.mention.end - self.first

    def ngrams(self, lo: int, hi: int, *, outside: bool = False) -> set[tuple[str, ...]]:
        """Every sequence of up to four lemmas or word forms in positions [lo, hi) (cached)."""
        key = (lo, hi, outside)
        cache = self.__dict__.setdefault("_ngrams", {})
        if key not in cache:
            start, end = self.span
            lo, hi = max(0, lo), min(hi, len(self.tokens))
            out: set[tuple[str, ...]] = set()
            for seq in (self.lemmas, self.forms):
                for i in range(lo, hi):
                    for n in range(1, 5):
                        if i + n > hi or (outside and i < end and start < i + n):
                            continue
                        out.add(tuple(seq[i : i + n]))
            cache[key] = out
        return cache[key]

    def contains(self, words: tuple[str, ...], lo: int = 0, hi: int | None = None, *, outside: bool = False) -> bool:
        """Whether the word sequence occurs (as lemmas or as forms) in positions [lo, hi)."""
        return tuple(words) in self.ngrams(lo, len(self.tokens) if hi is None else hi, outside=outside)


def entry_verdict(entry: TriggerEntry, ctx: MentionContext) -> str:
    """``ok``, ``veto`` (another sense of the word) or ``noreq`` (the context it needs is missing)."""
    start, end = ctx.span
    lo, hi = start - VETO_WINDOW, end + VETO_WINDOW
    if any(ctx.contains(veto, lo, hi) for veto in entry.vetoes):
        return "veto"
    if entry.requires and not any(ctx.contains(tuple(req.split()), outside=True) for req in entry.requires):
        return "noreq"
    return "ok"


def _argument_features(prefix: str, token: Token) -> list[str]:
    out = [f"{prefix}={token.lemma_.lower()}"]
    if token.ent_type_:
        out.append(f"{prefix}_ent={token.ent_type_}")
    return out


def mention_features(ctx: MentionContext, verdicts: list[tuple[TriggerEntry, bool, str]]) -> list[str]:
    """Binary features of a trigger mention (see the module docstring)."""
    head = ctx.mention.head
    lemma = head.lemma_.lower()
    feats = [
        "bias",
        f"lemma={lemma}",
        f"lemma_pos={lemma}|{head.pos_}",
        f"tag={head.tag_}",
        f"dep={head.dep_}",
        f"head={head.head.lemma_.lower()}",
        f"head_dep={head.dep_}|{head.head.lemma_.lower()}",
        f"head_pos={head.head.pos_}",
    ]
    if ctx.mention.is_phrase:
        feats.append(f"phrase={ctx.mention.text.lower()}")
    if head.text[:1].isupper() and not head.is_sent_start:
        feats.append("capitalised")
    for entry, phrase, verdict in verdicts:
        kind = "phrase" if phrase else "word"
        feats += [
            f"entry={entry.subtype}",
            f"entry_{verdict}={entry.subtype}",
            f"entry_{kind}_{verdict}={entry.subtype}",
        ]
        feats.append(f"category_{verdict}={entry.category}")
    for child in head.children:
        dep = child.dep_
        if dep in ("det", "punct", "cc"):
            if dep == "det":
                feats.append(f"det={child.lower_}")
            continue
        feats.append(f"child={dep}|{child.lemma_.lower()}")
        if dep == "prep":
            objects = [g for g in child.children if g.dep_ == "pobj"]
            for obj in objects:
                feats.append(f"prep={child.lower_}|{obj.lemma_.lower()}")
                if obj.ent_type_:
                    feats.append(f"prep_ent={child.lower_}|{obj.ent_type_}")
        elif dep in ("nsubj", "nsubjpass", "agent"):
            feats += _argument_features("subj", child)
        elif dep in ("dobj", "attr", "oprd"):
            feats += _argument_features("obj", child)
        elif dep in ("compound", "amod", "nmod", "poss"):
            feats += _argument_features("mod", child)
        elif dep in ("aux", "auxpass", "neg"):
            feats.append(f"aux={child.lower_}")
    start, end = ctx.span
    before = ctx.lemmas[start - 1] if start > 0 else "<s>"
    after = ctx.lemmas[end] if end < len(ctx.lemmas) else "</s>"
    feats += [f"w-1={before}", f"w+1={after}", f"w-1_w={before}|{lemma}", f"w_w+1={lemma}|{after}"]
    for pos, token in enumerate(ctx.tokens):
        if start <= pos < end:
            continue
        if token.pos_ in _CONTENT_POS and token.is_alpha:
            feats.append(f"ctx={ctx.lemmas[pos]}")
        if token.ent_type_ in _ENTITY_LABELS and token.ent_iob_ == "B":
            feats.append(f"ent={token.ent_type_}")
        if token.like_num:
            feats.append("number")
    return list(dict.fromkeys(feats))
