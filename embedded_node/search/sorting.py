"""Field sorting: ``sort`` specs over doc values, ``missing`` handling, ``search_after``, and hit sort values."""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import errors
from ..index.mapping import INTEGER_RANGES
from .shard_result import global_doc

if TYPE_CHECKING:
    from ..index.segment import Segment
    from .context import SearchContext
    from .shard_result import ShardResult
    from .request import SearchRequest, SortSpec


def keyword_sort_values(segment: "Segment", field: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-doc smallest and largest keyword term (object arrays, None where missing); cached per segment."""
    key = ("kwsort", field)
    hit = segment.cache.get(key)
    if hit is None:
        mins = np.full(segment.max_doc, None, dtype=object)
        maxs = np.full(segment.max_doc, None, dtype=object)
        inv = segment.inverted.get(field)
        if inv is not None:
            for ordinal in sorted(range(len(inv.terms)), key=inv.terms.__getitem__):
                docs = inv.docs[inv.offsets[ordinal]:inv.offsets[ordinal + 1]]
                unset = docs[np.equal(mins[docs], None)]
                mins[unset] = inv.terms[ordinal]
                maxs[docs] = inv.terms[ordinal]
        hit = segment.cache[key] = (mins, maxs)
    return hit


def _field_values(ctx: "SearchContext", result: "ShardResult", spec: "SortSpec") -> tuple[np.ndarray, str]:
    mapper = ctx.field(spec.field)
    n = result.seg.shape[0]
    if mapper is None:
        if spec.unmapped_type:
            return np.full(n, None, dtype=object), "string"
        raise errors.query_shard(f"No mapping found for [{spec.field}] in order to sort on", ctx.index_name)
    if mapper.is_text:
        raise errors.illegal_argument(
            f"Text fields are not optimised for operations that require per-document field data like "
            f"aggregations and sorting, so these operations are disabled by default. Please use a keyword field "
            f"instead. Alternatively, set fielddata=true on [{spec.field}] in order to load field data by "
            f"uninverting the inverted index. Note that this can use significant memory.")
    values = np.full(n, None, dtype=object)
    if mapper.is_keyword:
        for seg_idx in np.unique(result.seg).tolist():
            segment = ctx.segments[seg_idx][0]
            mins, maxs = keyword_sort_values(segment, spec.field)
            rows = np.flatnonzero(result.seg == seg_idx)
            pick = maxs if (spec.mode or ("max" if spec.order == "desc" else "min")) == "max" else mins
            values[rows] = pick[result.doc[rows]]
        return values, "string"
    if not mapper.is_numeric:
        raise errors.illegal_argument(f"sorting on field [{spec.field}] of type [{mapper.type}] is not supported")
    kind = "long" if mapper.type in INTEGER_RANGES or mapper.type == "date" else (
        "boolean" if mapper.type == "boolean" else "double")
    mode = spec.mode or ("max" if spec.order == "desc" else "min")
    for seg_idx in np.unique(result.seg).tolist():
        segment = ctx.segments[seg_idx][0]
        num = segment.numerics.get(spec.field)
        rows = np.flatnonzero(result.seg == seg_idx)
        if num is None:
            continue
        docs = result.doc[rows]
        if mode in ("min", "max"):
            vals = (num.min if mode == "min" else num.max)[docs]
        else:
            vals = np.array([_reduce(num.values[num.offsets[d]:num.offsets[d + 1]], mode) for d in docs.tolist()])
        values[rows] = [None if np.isnan(v) else v for v in vals.tolist()]
    return values, kind


def _reduce(values: np.ndarray, mode: str) -> float:
    if values.size == 0:
        return float("nan")
    if mode == "sum":
        return float(values.sum())
    if mode == "avg":
        return float(values.mean())
    if mode == "median":
        return float(np.median(values))
    raise errors.illegal_argument(f"Unknown SortMode [{mode}]")


def sort_order(ctx: "SearchContext", result: "ShardResult", request: "SearchRequest") -> tuple[np.ndarray, list]:
    """Order the shard's hits by the request's sort; returns (permutation, per-row sort values)."""

    specs = request.sort or []
    n = result.seg.shape[0]
    columns: list[tuple["SortSpec", np.ndarray, str]] = []
    for spec in specs:
        if spec.field == "_score":
            columns.append((spec, result.score.astype(np.float64).astype(object), "score"))
        elif spec.field == "_doc":
            columns.append((spec, global_doc(result).astype(object), "long"))
        else:
            values, kind = _field_values(ctx, result, spec)
            columns.append((spec, values, kind))
    gdoc = global_doc(result)
    rows = list(range(n))
    keys = [[_render(col[1][i], col[2]) for col in columns] for i in rows]
    if request.search_after is not None:
        if len(request.search_after) != len(columns):
            raise errors.illegal_argument(
                f"search_after has {len(request.search_after)} value(s) but sort has {len(columns)}.")
        after = request.search_after
        rows = [i for i in rows if _compare(keys[i], after, columns) > 0]
    rows.sort(key=functools.cmp_to_key(
        lambda a, b: _compare(keys[a], keys[b], columns) or (int(gdoc[a]) - int(gdoc[b]))))
    order = np.asarray(rows, dtype=np.int64)
    return order, [keys[i] for i in rows]


def _render(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "long":
        return int(value)
    if kind == "boolean":
        return int(value)
    if kind in ("double", "score"):
        return float(value)
    return value


def _compare(a: list[Any], b: list[Any], columns: list) -> int:
    for (spec, _, _), x, y in zip(columns, a, b):
        if x == y:
            continue
        if x is None or y is None:
            missing_first = spec.missing == "_first"
            if x is None:
                return -1 if missing_first else 1
            return 1 if missing_first else -1
        try:
            less = x < y
        except TypeError:
            less = str(x) < str(y)
        result = -1 if less else 1
        return result if spec.order == "asc" else -result
    return 0


def merge_key(keys: list[Any], request: "SearchRequest") -> Any:
    columns = [(spec, None, None) for spec in request.sort]

    class _Key:
        __slots__ = ("keys",)

        def __init__(self, keys: list[Any]) -> None:
            self.keys = keys

        def __lt__(self, other: "_Key") -> bool:
            return _compare(self.keys, other.keys, columns) < 0

    return _Key(keys)


def sort_values(keys: list[Any] | None) -> list[Any] | None:
    return keys
