"""Feature logging: the ``ltr_log`` search extension and its fetch sub-phase.

``LoggingSearchExtBuilder`` parses ``ext.ltr_log.log_specs`` (an object or an array of ``{name, named_query |
rescore_index, missing_as_zero}``). ``LoggingFetchSubPhase`` then finds each spec's ``sltr`` (a query carrying
that ``_name`` in the main query, or the ``rescore_query`` at that index), evaluates its featureset's features
for the returned hits only, and writes ``hit.fields._ltrlog = [{log_name: [{"name", "value"}, ...]}]`` in
featureset order. A feature that did not match the hit has no ``value`` unless ``missing_as_zero``; a derived
feature that evaluates to NaN (it read a missing feature on a sparse-vector version) is logged as missing too.
Values are float32 and serialise as the plugin's Java floats do (shortest float32 decimal). The logging vector
reads unmatched features as 0.0 or NaN per plugin version (``PluginSemantics.logging_fill``). With
``cache: true`` on the ``sltr``, the values computed while scoring are reused instead of recomputed. When a
script feature of the set reads ``params.extra_logging``, its puts are appended to each hit's log as
``{"name": "extra_logging", "value": {...}}`` (``ExtraLoggingSupplier``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import vectors
from .plugin import plugin
from .queries import SltrQuery
from ...errors import EngineError, illegal_argument, parsing, search_phase_failure

F32 = np.float32


@dataclass(frozen=True)
class LogSpec:
    name: str
    named_query: str | None
    rescore_index: int | None
    missing_as_zero: bool


def parse_ltr_log(body: Any) -> list[LogSpec]:
    if not isinstance(body, dict):
        raise parsing("[ltr_log] must be an object")
    for key in body:
        if key != "log_specs":
            raise parsing(f"[ltr_log] unknown field [{key}]")
    specs = body.get("log_specs")
    if specs is None:
        raise parsing("[ltr_log] requires [log_specs]")
    items = specs if isinstance(specs, list) else [specs]
    if not items:
        raise parsing("[ltr_log] [log_specs] must not be empty")
    return [_parse_spec(item) for item in items]


def _parse_spec(item: Any) -> LogSpec:
    if not isinstance(item, dict):
        raise parsing("[log_specs] must hold objects")
    for key in item:
        if key not in ("name", "named_query", "rescore_index", "missing_as_zero"):
            raise parsing(f"[log_specs] unknown field [{key}]")
    named, index = item.get("named_query"), item.get("rescore_index")
    if (named is None) == (index is None):
        raise parsing("Either [named_query] or [rescore_index] must be set" if named is None else
                      "Only one of [named_query] and [rescore_index] can be set")
    if named is not None and not isinstance(named, str):
        raise parsing("[log_specs] failed to parse field [named_query]")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        raise parsing("[rescore_index] must be a non-negative integer")
    missing_as_zero = item.get("missing_as_zero", False)
    if not isinstance(missing_as_zero, bool):
        raise parsing("[log_specs] failed to parse field [missing_as_zero]")
    name = item.get("name")
    if name is None:
        name = named if named is not None else f"rescore[{index}]"
    if not isinstance(name, str):
        raise parsing("[log_specs] failed to parse field [name]")
    return LogSpec(name, named, index, missing_as_zero)


def _find_query(request: Any, spec: LogSpec) -> SltrQuery:
    if spec.named_query is not None:
        for query in request.query.named():
            if query.name == spec.named_query:
                if not isinstance(query, SltrQuery):
                    raise illegal_argument(f"Query named [{spec.named_query}] must be a [sltr] query "
                                           f"[{type(query).__name__}] found")
                return query
        raise illegal_argument(f"No query named [{spec.named_query}] found")
    index = spec.rescore_index or 0
    if index >= len(request.rescore):
        raise illegal_argument(f"rescore index [{index}] is out of bounds, only [{len(request.rescore)}] "
                               "rescore context(s) are available")
    query = request.rescore[index].query
    if not isinstance(query, SltrQuery):
        raise illegal_argument(f"Expected a [sltr] query but found a [{type(query).__name__}] at index "
                               f"[{index}]")
    return query


def _entries(names: list[str], values: list[Any], logged: list[bool], missing_as_zero: bool) -> list[dict]:
    """One hit's log: ``values`` are numpy float32 scalars (serialised as Java floats), ``logged`` says which
    matched with a value that is not NaN."""
    if missing_as_zero:
        return [{"name": name, "value": value if ok else _ZERO} for name, value, ok in zip(names, values, logged)]
    return [{"name": name, "value": value} if ok else {"name": name}
            for name, value, ok in zip(names, values, logged)]


_ZERO = F32(0.0)


def log_features(request: Any, rows: list, hits: list[dict[str, Any]]) -> None:
    """The fetch sub-phase (``LoggingFetchSubPhase.process``)."""
    specs: list[LogSpec] | None = request.ext.get("ltr_log") if request.ext else None
    if not specs or not rows:
        return
    logs: list[dict[str, list]] = [{} for _ in hits]
    for spec in specs:
        try:
            query = _find_query(request, spec)
            _log_spec(query, spec, rows, logs)
        except EngineError as exc:
            index = rows[0][0].shard.name
            raise search_phase_failure(index, exc, phase="fetch") from None
    for hit, log in zip(hits, logs):
        hit.setdefault("fields", {})["_ltrlog"] = [log]


def _log_spec(query: SltrQuery, spec: LogSpec, rows: list, logs: list[dict[str, list]]) -> None:
    groups: dict[tuple[int, int], list[int]] = {}
    for position, (result, row) in enumerate(rows):
        groups.setdefault((id(result), int(result.seg[row])), []).append(position)
    for positions in groups.values():
        result = rows[positions[0]][0]
        ctx = result.ctx
        model, bound = query.bind(ctx)
        segment = ctx.segments[int(result.seg[rows[positions[0]][1]])][0]
        local = np.asarray([int(result.doc[rows[p][1]]) for p in positions], dtype=np.int32)
        docs = np.unique(local)
        cached = query.feature_cache(ctx).get(segment, docs) if query.cache else None
        fill = plugin(ctx.node).semantics.logging_fill
        vector, matched = cached if cached is not None else vectors.compute(bound, segment, docs, fill)
        names = model.featureset.names
        logged = (matched & (vector == vector)).tolist()  # per hit and feature: matched with a non-NaN value
        rows_of = np.searchsorted(docs, local).tolist()
        extra = _extra_logging(bound, vector, docs.shape[0])
        for p, i in zip(positions, rows_of):
            logs[p][spec.name] = _entries(names, list(vector[i]), logged[i], spec.missing_as_zero)
            if extra is not None:
                logs[p][spec.name].append({"name": "extra_logging", "value": extra[i]})


def _extra_logging(bound: list[Any], vector: np.ndarray, n: int) -> list[dict[str, Any]] | None:
    """The per-document ``params.extra_logging`` map when some script feature reads it (one map shared by the
    features of the set, later puts winning), else None (``LoggingFetchSubPhase``: only an accessed map is
    logged)."""
    writers = [b.extra_logging for b in bound if b.extra_logging is not None]
    if not writers:
        return None
    maps: list[dict[str, Any]] = [{} for _ in range(n)]
    for write in writers:
        for merged, values in zip(maps, write(vector, n)):
            merged.update(values)
    return maps
