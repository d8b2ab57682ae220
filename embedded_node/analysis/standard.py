"""Lucene's ``StandardTokenizer`` (UAX#29 word breaks), exactly as Lucene 8.8 / OpenSearch run it.

How: ``standard_tables.py`` holds the JFlex DFA of ``org.apache.lucene.analysis.standard.StandardTokenizerImpl``
(character-class map, transitions, accepting states), dumped from Lucene's own class by
``tests/lucene/gen_standard_tables.py``. :func:`standard_spans` runs that DFA with JFlex's scanning semantics:

- longest match, ties to the earliest rule (encoded in the DFA's accepting actions);
- one code point per step (``Character.codePointAt``), so supplementary characters are single steps;
- actions: ALPHANUM, NUM, SOUTHEAST_ASIAN, IDEOGRAPHIC, HIRAGANA, KATAKANA, HANGUL, EMOJI are tokens; the
  "anything else" rules are dropped (``StandardTokenizerImpl.getNextToken``'s switch);
- ``max_token_length`` (default 255): Lucene sets the scanner's buffer to that many UTF-16 units and never
  grows it (``StandardTokenizer.setMaxTokenLength`` -> ``setBufferSize``). A match therefore stops when it has
  read ``max_token_length`` units from its start, as if the input ended there: the longest accepted prefix
  is the token and scanning resumes after it. That is how a 300-letter word becomes 255 + 45. A high
  surrogate in the buffer's last slot is held back (``zzRefill``'s ``zzFinalHighSurrogate``), so a
  supplementary character never straddles the limit.

Because the tables come from Lucene, the Unicode data is Lucene's (JFlex ``%unicode 9.0`` word-break
properties plus UTS#51 emoji properties), not Python's: there are no Unicode-version divergences in the
tokenizer itself; characters assigned after Unicode 9 get whatever class Lucene 8.8's tables give them
(usually "other", i.e. dropped), exactly as in Lucene. Lowercasing does use Python's case tables (see
:mod:`.lowercase`). Differences that do remain, documented here on purpose:

- lone surrogates. A Python ``str`` with a lone high surrogate followed by a lone low surrogate is two code
  points here but one supplementary character in Java, and Lucene's ``zzRefill`` treats a read that ends
  in a lone high surrogate at end of input as end of input (the text then yields no tokens at all). Neither
  can reach the node: request bodies are parsed with orjson, which rejects lone surrogates;
- Lucene 9/10 (OpenSearch 2.x/3.x) ship their own generated scanner. The oracle found 8.8.1 and 9.9.1
  identical on its vectors; newer Unicode or emoji data in later Lucene versions was not checked.

Speed: the DFA loop does about 10 million characters per second in CPython 3.11. Pure-ASCII text (most product
text) takes a regex that encodes the same grammar restricted to ASCII (see ``_ASCII_TOKEN``), several times
faster; a differential test holds it to the DFA on random ASCII strings.
"""
from __future__ import annotations

import bisect
import re

from . import standard_tables as _t

ALPHANUM, NUM, SOUTHEAST_ASIAN, IDEOGRAPHIC, HIRAGANA, KATAKANA, HANGUL, EMOJI = range(8)

#: ``StandardTokenizer.TOKEN_TYPES``, indexed by the scanner's token type.
TOKEN_TYPES = ("<ALPHANUM>", "<NUM>", "<SOUTHEAST_ASIAN>", "<IDEOGRAPHIC>", "<HIRAGANA>", "<KATAKANA>",
               "<HANGUL>", "<EMOJI>")

DEFAULT_MAX_TOKEN_LENGTH = 255
_MAX_BUFFER = 1024 * 1024  # StandardTokenizer.setMaxTokenLength: scanner.setBufferSize(min(length, 1M))

# JFlex action number -> token type (None = ignored), read from the tableswitch in
# StandardTokenizerImpl.getNextToken (Lucene 8.8.1 bytecode): 1 ignore, 2 EMOJI, 3 WORD, 4 HANGUL, 5 NUMERIC,
# 6 KATAKANA, 7 IDEOGRAPHIC, 8 HIRAGANA, 9 SOUTH_EAST_ASIAN.
_ACTION_TYPE: tuple[int | None, ...] = (None, None, EMOJI, ALPHANUM, HANGUL, NUM, KATAKANA, IDEOGRAPHIC,
                                        HIRAGANA, SOUTHEAST_ASIAN)


def _build_cmap() -> bytes:
    starts, classes = _t.CMAP_RUNS[0::2], _t.CMAP_RUNS[1::2]
    cmap = bytearray(_t.CMAP_LENGTH)
    ends = list(starts[1:]) + [_t.CMAP_LENGTH]
    for start, end, cls in zip(starts, ends, classes):
        if cls:
            cmap[start:end] = bytes((cls,)) * (end - start)
    return bytes(cmap)


_CMAP = _build_cmap()
_NUM_CLASSES = max(_t.CMAP_RUNS[1::2]) + 1
# _NEXT[state][class] -> next state or -1; _ACCEPT[state] -> JFlex action (0 = not accepting);
# _STOP[state] -> accepting state without outgoing transitions (JFlex attribute bit 8).
_NEXT = tuple(tuple(_t.TRANS[_t.ROWMAP[s] + c] for c in range(_NUM_CLASSES)) for s in range(len(_t.ROWMAP)))
_ACCEPT = tuple(_t.ACTION[s] if _t.ATTRIBUTE[s] & 1 else 0 for s in range(len(_t.ROWMAP)))
_STOP = tuple(bool(_t.ATTRIBUTE[s] & 8) for s in range(len(_t.ROWMAP)))
_START = _t.LEXSTATE[0]


def _classes(text: str) -> list[int]:
    cmap = _CMAP
    return [cmap[o] for o in map(ord, text)]


def _dfa_spans(text: str, window: int) -> list[tuple[int, int, int]]:
    n = len(text)
    cls = _classes(text)
    units: list[int] | None = None
    if max(text) > "\uffff":
        # UTF-16 offset of each code point (the scanner buffer counts Java chars)
        units = [0] * (n + 1)
        acc = 0
        for i, ch in enumerate(text):
            units[i] = acc
            acc += 2 if ch > "\uffff" else 1
        units[n] = acc
    nxt, accept, stop, start_state = _NEXT, _ACCEPT, _STOP, _START
    action_type = _ACTION_TYPE
    spans: list[tuple[int, int, int]] = []
    s = 0
    while s < n:
        if units is None:
            lim = s + window
            if lim > n:
                lim = n
        else:
            lim = bisect.bisect_right(units, units[s] + window) - 1
            if lim > n:
                lim = n
            if lim == s:
                # max_token_length 1 and a supplementary character: zzRefill holds the high surrogate
                # back, reads nothing and reports end of input; Lucene stops tokenizing here.
                break
        state = start_state
        action = 0
        mark = s
        i = s
        while i < lim:
            state = nxt[state][cls[i]]
            if state < 0:
                break
            i += 1
            a = accept[state]
            if a:
                action = a
                mark = i
                if stop[state]:
                    break
        if mark == s:  # cannot happen: every class is accepted from the start state
            raise AssertionError(f"StandardTokenizer DFA matched nothing at {s} in {text!r}")
        typ = action_type[action]
        if typ is not None:
            spans.append((s, mark, typ))
        s = mark
    return spans


# The same grammar restricted to ASCII, where its word-break classes are: ALetter [A-Za-z], Numeric [0-9],
# ExtendNumLet "_", MidLetter ":", MidNumLet ".", Single_Quote "'", MidNum "," ";", everything else "other"
# (no ASCII character is Format/Extend/ZWJ, and a keycap emoji needs U+20E3). A token is then
# ``_* U+ (_+ U+)* _*`` with ``U`` a letter run ``L((_*|[:.'])L)*`` or a digit run ``D((_*|[,;.'])D)*`` (WB5-13b).
# The regex is only a speed-up: tests check it against the DFA on random ASCII text.
_ASCII_UNIT = r"(?:[A-Za-z](?:(?:_*|[:.'])[A-Za-z])*|[0-9](?:(?:_*|[,;.'])[0-9])*)"
_ASCII_TOKEN = re.compile(rf"_*{_ASCII_UNIT}+(?:_+{_ASCII_UNIT}+)*_*")
_HAS_LETTER = re.compile(r"[A-Za-z]")


def _ascii_spans(text: str, window: int) -> list[tuple[int, int, int]] | None:
    """Spans of an ASCII text via the regex, or None when a token reaches ``window`` (use the DFA then)."""
    spans = []
    has_letter = _HAS_LETTER.search
    for match in _ASCII_TOKEN.finditer(text):
        start, end = match.span()
        if end - start >= window:
            return None
        spans.append((start, end, ALPHANUM if has_letter(text, start, end) else NUM))
    return spans


def ascii_terms(lowered: str, max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH) -> list[str] | None:
    """Token strings of an ASCII text that is already lowercased (lowercasing ASCII changes no word-break
    class), or None when a token reaches ``max_token_length`` (then the DFA must split it)."""
    terms = _ASCII_TOKEN.findall(lowered)
    window = min(max_token_length, _MAX_BUFFER)
    for term in terms:
        if len(term) >= window:
            return None
    return terms


def standard_spans(text: str, max_token_length: int = DEFAULT_MAX_TOKEN_LENGTH) -> list[tuple[int, int, int]]:
    """Tokens of ``text`` as ``(start, end, type)``: code point indices into ``text`` and a ``TOKEN_TYPES`` index.

    Not lowercased (that is ``LowerCaseFilter``'s job in the analyzer).
    """
    if not text:
        return []
    if max_token_length < 1:
        raise ValueError(f"max_token_length must be >= 1, got {max_token_length}")
    window = min(max_token_length, _MAX_BUFFER)
    if text.isascii():
        spans = _ascii_spans(text, window)
        if spans is not None:
            return spans
    return _dfa_spans(text, window)
