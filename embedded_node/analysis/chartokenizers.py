"""Lucene's ``CharTokenizer`` family: ``WhitespaceTokenizer``, ``LetterTokenizer`` and ``KeywordTokenizer``.

``CharTokenizer.incrementToken`` (Lucene 8.8) collects maximal runs of "token characters" one code point at a
time and cuts the token as soon as its length in UTF-16 units reaches ``maxTokenLen`` (255 by default), so a
long run becomes 255-unit pieces (256 when the last code point added is a surrogate pair). The character
predicates are Java's:

- ``WhitespaceTokenizer``: token char = ``!Character.isWhitespace(c)``: space separators (Zs) except the
  no-break spaces U+00A0, U+2007, U+202F, plus line/paragraph separators and ``\\t \\n \\x0b \\f \\r \\x1c-\\x1f``.
  (Python's ``str.split()`` differs: it also splits on U+0085 and the no-break spaces.)
- ``LetterTokenizer``: token char = ``Character.isLetter(c)`` (general category L*), as the ``simple``
  analyzer uses it (``SimpleAnalyzer`` = ``LetterTokenizer`` + ``LowerCaseFilter``). The letter set is
  Python's ``str.isalpha`` (Unicode 14.0); the JVM's differs only on letters assigned since (Java 17 has
  Unicode 13.0: 515 letters fewer; JDK 21, bundled with OpenSearch 2.x, has 15.0).
- ``KeywordTokenizer``: the whole input is one token, including the empty string (it emits one empty token).

Spans are code point indices; offsets in UTF-16 units are derived by the analyzer.
"""
from __future__ import annotations

import re
from functools import lru_cache

DEFAULT_MAX_TOKEN_LEN = 255  # CharTokenizer.DEFAULT_MAX_WORD_LEN

_JAVA_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000"
_NON_WHITESPACE_RUN = re.compile(f"[^{_JAVA_WHITESPACE}]+")


@lru_cache(maxsize=1)
def _letter_run() -> re.Pattern[str]:
    """Runs of letters (general category L*), as a character class built once from ``str.isalpha``."""
    ranges: list[str] = []
    start = prev = -2
    for cp in range(0x110000):
        if chr(cp).isalpha():
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(_range(start, prev))
                start = cp
            prev = cp
    ranges.append(_range(start, prev))
    return re.compile(f"[{''.join(ranges)}]+")


def _range(lo: int, hi: int) -> str:
    return re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"


def _units(ch: str) -> int:
    return 2 if ch > "\uffff" else 1


def _split_long(start: int, end: int, text: str, max_len: int, out: list[tuple[int, int]]) -> None:
    """Cut one run the way CharTokenizer does: stop a token once its UTF-16 length is >= ``max_len``."""
    tok_start = start
    length = 0
    for i in range(start, end):
        length += _units(text[i])
        if length >= max_len:
            out.append((tok_start, i + 1))
            tok_start = i + 1
            length = 0
    if tok_start < end:
        out.append((tok_start, end))


def _runs(pattern: re.Pattern[str], text: str, max_len: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        start, end = m.span()
        if (end - start) * 2 < max_len:
            out.append((start, end))  # cannot reach max_len even if every code point is supplementary
        else:
            _split_long(start, end, text, max_len, out)
    return out


def whitespace_spans(text: str, max_token_len: int = DEFAULT_MAX_TOKEN_LEN) -> list[tuple[int, int]]:
    """``WhitespaceTokenizer`` tokens as code point ``(start, end)`` spans."""
    return _runs(_NON_WHITESPACE_RUN, text, max_token_len)


def letter_spans(text: str, max_token_len: int = DEFAULT_MAX_TOKEN_LEN) -> list[tuple[int, int]]:
    """``LetterTokenizer`` tokens as code point ``(start, end)`` spans."""
    return _runs(_letter_run(), text, max_token_len)


def keyword_spans(text: str) -> list[tuple[int, int]]:
    """``KeywordTokenizer``: one token spanning the whole input (an empty input gives one empty token)."""
    return [(0, len(text))]
