"""Lucene's ``LowerCaseFilter``: ``Character.toLowerCase(int)`` applied to each code point.

Why not ``str.lower()``: Python applies *full* case mappings and the Greek final-sigma rule, Java's per-code-point
``toLowerCase`` applies *simple* mappings with no context. The two differ on exactly two things:

- ``U+0130 İ``: Python gives ``i`` + ``U+0307`` (two code points), Java gives ``i``;
- ``Σ`` at the end of a word: Python gives ``ς``, Java always gives ``σ`` (oracle: ``ΣΊΣΥΦΟΣ`` -> ``σίσυφοσ``).

Every other unconditional lowercase mapping in SpecialCasing.txt is the identity, so ``str.lower()`` is exact
whenever neither character occurs. Residual difference: Python's Unicode database (3.11: Unicode 14) versus the
JVM's (17: Unicode 13, 21: Unicode 15) for letters whose case pairs were added in those versions.
"""
from __future__ import annotations

_SIGMA = "\u03a3"
_DOTTED_I = "\u0130"


def _lower_code_point(ch: str) -> str:
    if ch == _DOTTED_I:
        return "i"
    low = ch.lower()
    # A lone capital sigma lowercases to σ (no final-sigma context); every other full mapping of one code
    # point that is not a single code point has been handled above.
    return low if len(low) == 1 else ch


def java_lower(text: str) -> str:
    """Lowercase ``text`` exactly like Lucene's ``LowerCaseFilter`` (``CharacterUtils.toLowerCase``)."""
    if text.isascii():
        return text.lower()
    if _SIGMA not in text and _DOTTED_I not in text:
        return text.lower()
    return "".join([_lower_code_point(ch) for ch in text])
