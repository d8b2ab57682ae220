"""``minimum_should_match``: OpenSearch's ``Queries.calculateMinShouldMatch`` and ``applyMinimumShouldMatch``.

The spec syntaxes (``org.opensearch.common.lucene.search.Queries``): an integer (``3``), a negative integer
(``-2``: all but two), a percentage (``75%``, truncated toward zero; ``-25%``), and conditional combinations
(``3<90%``, ``2<-25% 9<-3``: for more than N optional clauses apply the spec after ``<``). The percentage
arithmetic is Java's: ``(int) ((count * percent) * (1 / 100f))`` in float.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from ... import errors

_SPACE_AROUND_LT = re.compile(r"(\s+<\s*)|(\s*<\s+)")


def spec_string(value: Any, query: str) -> str | None:
    """Normalize the JSON value of ``minimum_should_match`` (string or integer) to OpenSearch's string form."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise errors.parsing(f"[{query}] failed to parse field [minimum_should_match]: [{value}]")
    return str(value)


def _parse_int(text: str, spec: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise errors.illegal_argument(f"Invalid minimum_should_match value [{spec}]: For input string: \"{text}\"")
    return int(text)


def calculate_min_should_match(optional_clause_count: int, spec: str) -> int:
    """``Queries.calculateMinShouldMatch(optionalClauseCount, spec)``."""
    result = optional_clause_count
    spec = spec.strip()
    if "<" in spec:
        spec = _SPACE_AROUND_LT.sub("<", spec)
        for part in spec.split(" "):
            if not part:
                continue
            pieces = [p for p in part.split("<")]
            upper = _parse_int(pieces[0], spec)
            if len(pieces) < 2:
                raise errors.illegal_argument(f"Invalid minimum_should_match value [{spec}]")
            if optional_clause_count <= upper:
                return result
            result = calculate_min_should_match(optional_clause_count, pieces[1])
        return result
    if "%" in spec:
        percent = _parse_int(spec[:-1], spec)
        calc = np.float32(np.float32(result * percent) * (np.float32(1) / np.float32(100)))
        truncated = int(calc)  # Java (int) cast truncates toward zero
        result = result + truncated if calc < 0 else truncated
    else:
        calc_int = _parse_int(spec, spec)
        result = result + calc_int if calc_int < 0 else calc_int
    return 0 if result < 0 else result
