"""``range``: constant-score bounds on numeric, date, keyword and text fields (see :mod:`.termlevel`)."""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ... import errors
from ..parse_utils import check_keys, common, single_field
from ..query import ConstantMaskWeight, MatchNoneWeight, Query, Weight
from . import datemath
from .termlevel import (F32, is_string_field, numeric_mask, refuse_metadata, sorted_terms, term_mask, to_boolean,
                        to_number, to_query_mask, to_term, vector_error)

if TYPE_CHECKING:
    from ..dsl import DslParser


@dataclass
class RangeQuery(Query):
    field: str
    lower: Any = None
    upper: Any = None
    include_lower: bool = True
    include_upper: bool = True
    format: str | None = None
    time_zone: str | None = None
    boost: float = 1.0
    name: str | None = None

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        refuse_metadata(ctx, self.field, "range")
        mapper = ctx.field(self.field)
        if mapper is None:
            return MatchNoneWeight(self)
        if mapper.is_vector:
            raise vector_error(ctx, mapper)
        if self.time_zone is not None and mapper.type != "date":
            raise errors.query_shard(f"[range] time_zone can not be applied to non date field [{self.field}]",
                                     ctx.index_name)
        total = F32(boost) * F32(self.boost)
        mask, text = to_query_mask(ctx, lambda: self._mask(ctx, mapper))
        if mask is None:
            return MatchNoneWeight(self)
        return ConstantMaskWeight(self, total, mask, f"ConstantScore({self.field}:{text})")

    def _mask(self, ctx: Any, mapper: Any) -> tuple[Callable[[Any, np.ndarray], np.ndarray] | None, str]:
        lo, hi, inc_lo, inc_hi = self.lower, self.upper, self.include_lower, self.include_upper
        text = f"{'[' if inc_lo else '{'}{'*' if lo is None else lo} TO {'*' if hi is None else hi}" \
               f"{']' if inc_hi else '}'}"
        if is_string_field(mapper):
            return self._string_mask(), text
        if mapper.type == "date":
            fmt = self.format or mapper.params.get("format")
            tz = datemath.zone(self.time_zone) if self.time_zone else None
            low = -math.inf if lo is None else datemath.parse(lo, fmt, not inc_lo, ctx.now_ms, tz) + (0 if inc_lo
                                                                                                         else 1)
            high = math.inf if hi is None else datemath.parse(hi, fmt, inc_hi, ctx.now_ms, tz) - (0 if inc_hi
                                                                                                  else 1)
            return numeric_mask(self.field, lambda v: (v >= low) & (v <= high)), text
        if mapper.type == "boolean":
            low_b = -math.inf if lo is None else to_boolean(lo)
            high_b = math.inf if hi is None else to_boolean(hi)
            return numeric_mask(self.field, _between(low_b, high_b, inc_lo, inc_hi)), text
        if mapper.type == "scaled_float":
            return self._scaled_mask(mapper), text
        if mapper.is_numeric:
            conv = (lambda x: float(F32(to_number(x)))) if mapper.type in ("float", "half_float") else to_number
            low_n = -math.inf if lo is None else conv(lo)
            high_n = math.inf if hi is None else conv(hi)
            return numeric_mask(self.field, _between(low_n, high_n, inc_lo, inc_hi)), text
        raise errors.query_shard(f"Field [{self.field}] of type [{mapper.type}] does not support range queries",
                                 ctx.index_name)

    def _string_mask(self) -> Callable[[Any, np.ndarray], np.ndarray]:
        lo = None if self.lower is None else to_term(self.lower)
        hi = None if self.upper is None else to_term(self.upper)

        def select(segment: Any, inv: Any) -> list[int]:
            terms, ords = sorted_terms(segment, self.field)
            start = 0 if lo is None else (bisect.bisect_left(terms, lo) if self.include_lower
                                          else bisect.bisect_right(terms, lo))
            end = len(terms) if hi is None else (bisect.bisect_right(terms, hi) if self.include_upper
                                                 else bisect.bisect_left(terms, hi))
            return ords[start:end]

        return term_mask(self.field, select)

    def _scaled_mask(self, mapper: Any) -> Callable[[Any, np.ndarray], np.ndarray]:
        """``ScaledFloatFieldMapper.rangeQuery``: bounds scaled, ``nextUp``/``nextDown`` when exclusive, then
        ``ceil``/``floor`` to longs compared with the stored longs."""
        factor = float(mapper.params["scaling_factor"])
        low = -math.inf
        high = math.inf
        if self.lower is not None:
            d = factor * to_number(self.lower)
            low = math.ceil(d if self.include_lower else math.nextafter(d, math.inf))
        if self.upper is not None:
            d = factor * to_number(self.upper)
            high = math.floor(d if self.include_upper else math.nextafter(d, -math.inf))
        return numeric_mask(self.field, lambda v: (np.floor(v * factor + 0.5) >= low)
                            & (np.floor(v * factor + 0.5) <= high))


def _between(low: float, high: float, inc_lo: bool, inc_hi: bool) -> Callable[[np.ndarray], np.ndarray]:
    def pred(values: np.ndarray) -> np.ndarray:
        a = values >= low if inc_lo else values > low
        b = values <= high if inc_hi else values < high
        return a & b

    return pred


_RANGE_KEYS = {"gt", "gte", "lt", "lte", "from", "to", "include_lower", "include_upper", "format", "time_zone",
               "relation", "boost", "_name"}


def parse_range(body: Any, parser: DslParser) -> Query:
    field, params = single_field(body, "range", "__value__")
    if "__value__" in params:
        raise errors.parsing(f"[range] query malformed, no start_object after field [{field}]")
    boost, name = common(params, "range")
    check_keys(params, "range", _RANGE_KEYS)
    lower = upper = None
    inc_lo = inc_hi = True
    for key, value in params.items():  # in order, later keys override earlier ones (as the Java parser)
        if key == "from":
            lower = value
        elif key == "to":
            upper = value
        elif key == "include_lower":
            inc_lo = _parse_bool(value, key)
        elif key == "include_upper":
            inc_hi = _parse_bool(value, key)
        elif key in ("gt", "gte"):
            lower, inc_lo = value, key == "gte"
        elif key in ("lt", "lte"):
            upper, inc_hi = value, key == "lte"
    for bound in (lower, upper):
        if isinstance(bound, (dict, list)):
            raise errors.parsing("[range] query malformed, bounds must be values")
    relation = params.get("relation")
    if relation is not None and str(relation).lower() != "intersects":
        raise errors.parsing(f"[range] query does not support relation [{relation}] on non range fields")
    fmt = params.get("format")
    tz = params.get("time_zone")
    if tz is not None:
        datemath.zone(str(tz))  # fail early, like ZoneId.of
    return RangeQuery(field, lower, upper, inc_lo, inc_hi, None if fmt is None else str(fmt),
                      None if tz is None else str(tz), boost, name)


def _parse_bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise errors.parsing(f"[range] failed to parse field [{key}]")


# --- prefix and wildcard -----------------------------------------------------------------------------------------


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "range": parse_range,
}
