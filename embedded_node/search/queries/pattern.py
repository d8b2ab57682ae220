"""``prefix`` and ``wildcard`` on keyword and text terms (see :mod:`.termlevel`)."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable


from ... import errors
from ..parse_utils import check_keys, common, single_field
from ..query import ConstantMaskWeight, MatchNoneWeight, Query, Weight
from .termlevel import (F32, is_string_field, refuse_metadata, sorted_terms, term_mask, to_term)

if TYPE_CHECKING:
    from ..dsl import DslParser


@dataclass
class PatternQuery(Query):
    """``prefix`` or ``wildcard`` on keyword/text terms (constant score)."""

    kind: str
    field: str
    value: str
    case_insensitive: bool = False
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        refuse_metadata(ctx, self.field, self.kind)
        mapper = ctx.field(self.field)
        if mapper is None:
            return MatchNoneWeight(self)
        if not is_string_field(mapper):
            raise errors.query_shard(
                f"Can only use {self.kind} queries on keyword and text fields - not on [{self.field}] which is of "
                f"type [{mapper.type}]", ctx.index_name)
        value = self.value.lower() if mapper.is_text and self.kind == "wildcard" else self.value
        select = self._prefix_select(value) if self.kind == "prefix" else self._wildcard_select(value)
        shown = f"{self.field}:{value}{'*' if self.kind == 'prefix' else ''}"
        return ConstantMaskWeight(self, F32(boost) * F32(self.boost), term_mask(self.field, select),
                                  f"ConstantScore({shown})")

    def _prefix_select(self, value: str) -> Callable[[Any, Any], list[int]]:
        if self.case_insensitive:
            low = value.lower()
            return lambda seg, inv: [i for i, t in enumerate(inv.terms) if t.lower().startswith(low)]

        def select(segment: Any, inv: Any) -> list[int]:
            terms, ords = sorted_terms(segment, self.field)
            start = bisect.bisect_left(terms, value)
            end = start
            while end < len(terms) and terms[end].startswith(value):
                end += 1
            return ords[start:end]

        return select

    def _wildcard_select(self, value: str) -> Callable[[Any, Any], list[int]]:
        pattern = wildcard_regex(value, self.case_insensitive)
        return lambda seg, inv: [i for i, t in enumerate(inv.terms) if pattern.fullmatch(t)]


def wildcard_regex(value: str, case_insensitive: bool) -> "re.Pattern[str]":
    """Lucene ``WildcardQuery.toAutomaton``: ``*`` any string, ``?`` one character, ``\\`` escapes."""
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i + 1 < len(value):
            i += 1
            out.append(re.escape(value[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


def _parse_pattern(kind: str, value_keys: tuple[str, ...]) -> Callable[[Any, DslParser], Query]:
    def parse(body: Any, parser: DslParser) -> Query:
        field, params = single_field(body, kind, value_keys[0])
        boost, name = common(params, kind)
        check_keys(params, kind, set(value_keys) | {"case_insensitive", "rewrite"})
        value = next((params[k] for k in value_keys if k in params), None)
        if value is None:
            raise errors.illegal_argument(f"[{kind}] requires a value for field [{field}]")
        if params.get("rewrite") not in (None, "constant_score", "constant_score_boolean"):
            raise errors.illegal_argument(f"[{kind}] rewrite [{params['rewrite']}] is not supported by the embedded "
                                          "node; use constant_score")
        ci = params.get("case_insensitive", False)
        if not isinstance(ci, bool):
            raise errors.parsing(f"[{kind}] failed to parse field [case_insensitive]")
        return PatternQuery(kind, field, to_term(value), ci, boost, name)

    return parse


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "prefix": _parse_pattern("prefix", ("value",)),
    "wildcard": _parse_pattern("wildcard", ("value", "wildcard")),
}
