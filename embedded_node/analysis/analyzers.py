"""The analyzers the embedded node offers, by OpenSearch name: ``standard``, ``whitespace``, ``keyword``, ``simple``.

Each mirrors the Lucene analyzer OpenSearch builds for that name (``PreBuiltAnalyzers`` / the analyzer
providers):

- ``standard``: ``StandardAnalyzer(CharArraySet.EMPTY_SET)`` = StandardTokenizer (max_token_length 255) +
  LowerCaseFilter + a StopFilter with no stop words;
- ``whitespace``: ``WhitespaceAnalyzer`` = WhitespaceTokenizer, no lowercasing;
- ``keyword``: ``KeywordAnalyzer`` = the whole string as one token;
- ``simple``: ``SimpleAnalyzer`` = LetterTokenizer + LowerCaseFilter.

``terms()`` is the index-time path (strings only). ``tokens()`` returns what an ``_analyze`` call reports:
offsets are in UTF-16 code units, as Java (and so OpenSearch) counts them; they equal Python string indices
unless the text has supplementary characters (emoji, ...). None of these analyzers emits position
increments other than 1, so a field's length for norms is ``len(terms(text))``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .chartokenizers import keyword_spans, letter_spans, whitespace_spans
from .lowercase import java_lower
from .standard import DEFAULT_MAX_TOKEN_LENGTH, TOKEN_TYPES, ascii_terms, standard_spans

_SEP = "\x00"  # never inside a token of any analyzer here except keyword (which does not lowercase)


@dataclass(frozen=True, slots=True)
class Token:
    """One token as the ``_analyze`` API reports it."""

    term: str
    start_offset: int
    end_offset: int
    position: int
    type: str


def _utf16_offsets(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Convert code point spans to UTF-16 offsets (identity for BMP-only text)."""
    if not text or max(text) <= "\uffff":
        return spans
    units = [0] * (len(text) + 1)
    acc = 0
    for i, ch in enumerate(text):
        units[i] = acc
        acc += 2 if ch > "\uffff" else 1
    units[len(text)] = acc
    return [(units[s], units[e]) for s, e in spans]


def _lower_all(terms: list[str]) -> list[str]:
    if not terms:
        return terms
    joined = _SEP.join(terms)
    return java_lower(joined).split(_SEP)


class Analyzer:
    """An analyzer: a tokenizer producing spans plus an optional lowercase filter."""

    def __init__(self, name: str, spans: Callable[[str], list[tuple[int, int, str]]], lowercase: bool,
                 ascii_terms: Callable[[str], list[str] | None] | None = None) -> None:
        self.name = name
        self._spans = spans
        self._lowercase = lowercase
        self._ascii_terms = ascii_terms  # optional fast path for lowercased ASCII text (standard tokenizer)

    def __repr__(self) -> str:
        return f"Analyzer({self.name!r})"

    def terms(self, text: str) -> list[str]:
        """The indexed terms of ``text``, in order (duplicates kept)."""
        if self._lowercase and text.isascii():
            low = text.lower()
            if self._ascii_terms is not None:
                fast = self._ascii_terms(low)
                if fast is not None:
                    return fast
            return [low[s:e] for s, e, _ in self._spans(text)]
        terms = [text[s:e] for s, e, _ in self._spans(text)]
        return _lower_all(terms) if self._lowercase else terms

    def tokens(self, text: str) -> list[Token]:
        """Tokens with UTF-16 offsets, positions and Lucene token types."""
        spans = self._spans(text)
        terms = [text[s:e] for s, e, _ in spans]
        if self._lowercase:
            terms = _lower_all(terms)
        offsets = _utf16_offsets(text, [(s, e) for s, e, _ in spans])
        return [Token(term, start, end, pos, typ)
                for pos, (term, (start, end), (_, _, typ)) in enumerate(zip(terms, offsets, spans))]

    def field_length(self, text: str) -> int:
        """Number of indexed positions, i.e. the length the norm encodes (``discount_overlaps`` has no effect)."""
        return len(self._spans(text))


def _standard(max_token_length: int) -> Callable[[str], list[tuple[int, int, str]]]:
    def spans(text: str) -> list[tuple[int, int, str]]:
        return [(s, e, TOKEN_TYPES[t]) for s, e, t in standard_spans(text, max_token_length)]
    return spans


def _word(fn: Callable[[str], list[tuple[int, int]]]) -> Callable[[str], list[tuple[int, int, str]]]:
    def spans(text: str) -> list[tuple[int, int, str]]:
        return [(s, e, "word") for s, e in fn(text)]
    return spans


def standard_analyzer(max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH) -> Analyzer:
    """``StandardAnalyzer`` with no stop words; ``max_token_length`` as the OpenSearch setting of that name."""
    name = "standard" if max_token_length == DEFAULT_MAX_TOKEN_LENGTH else f"standard(max_token_length={max_token_length})"
    return Analyzer(name, _standard(max_token_length), lowercase=True,
                    ascii_terms=lambda low: ascii_terms(low, max_token_length))


_REGISTRY: dict[str, Analyzer] = {
    "standard": standard_analyzer(),
    "default": standard_analyzer(),
    "whitespace": Analyzer("whitespace", _word(whitespace_spans), lowercase=False),
    "keyword": Analyzer("keyword", _word(keyword_spans), lowercase=False),
    "simple": Analyzer("simple", _word(letter_spans), lowercase=True),
}


def analyzer_names() -> list[str]:
    """Names :func:`get_analyzer` accepts."""
    return sorted(_REGISTRY)


def get_analyzer(name: str) -> Analyzer:
    """The analyzer called ``name``; raises ``KeyError`` naming the known analyzers otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown analyzer [{name}]; known analyzers: {', '.join(analyzer_names())}") from None
