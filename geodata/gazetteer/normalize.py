"""Name normalisation shared by the gazetteer build and every lookup.

Matching is accent- and case-insensitive: ``Nariño`` and ``NARINO`` both become ``narino``.
Punctuation becomes a space, a leading "the" is dropped and common abbreviations are spelled out,
so "St. Louis", "Saint Louis" and "the Saint-Louis" meet.

>>> normalize_name("Nariño")
'narino'
>>> normalize_name("the U.S.")
'u s'
>>> normalize_name("St. Petersburg") == normalize_name("Saint Petersburg")
True
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "normalize_name"]

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "port"}
_SEPARATORS = re.compile(r"[\s\.\,\-\u2010-\u2015'\u2018\u2019\u02bc`´/()\"\u201c\u201d]+")
# Letters that NFKD does not decompose into base + accent.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents, keeping punctuation (``'Ñuñoa'`` → ``'nunoa'``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(text: str) -> str:
    """Return the lookup key of a place name (see the module docstring)."""
    words = _SEPARATORS.split(fold(text).replace("&", " and "))
    words = [_ABBREVIATIONS.get(w, w) for w in words if w]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)
