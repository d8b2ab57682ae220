"""Query DSL parsing: a registry of query parsers, each turning JSON into a :class:`~.query.Query`.

Register a parser with ``@register("match")``; it receives the query's JSON body and the :class:`DslParser`
(for sub-queries and shared option handling). Parsing is mapping-independent and strict: unknown queries and
unknown parameters fail with OpenSearch's ``parsing_exception``, never silently.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import errors
from .query import Query

QueryParser = Callable[[Any, "DslParser"], Query]
_PARSERS: dict[str, QueryParser] = {}


def register(*names: str) -> Callable[[QueryParser], QueryParser]:
    def deco(fn: QueryParser) -> QueryParser:
        for name in names:
            _PARSERS[name] = fn
        return fn

    return deco


def registered() -> list[str]:
    return sorted(_PARSERS)


class DslParser:
    """Parses query JSON; one instance per request (it may collect request-level facts)."""

    def parse(self, body: Any) -> Query:
        _load_builtin_queries()
        if not isinstance(body, dict):
            raise errors.parsing("query malformed, must start with start_object")
        if len(body) != 1:
            if not body:
                raise errors.parsing("query malformed, empty clause found")
            keys = list(body)
            raise errors.parsing(f"[{keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
        (qtype, qbody), = body.items()
        parser = _PARSERS.get(qtype)
        if parser is None:
            raise errors.parsing(f"unknown query [{qtype}]")
        return parser(qbody, self)

    def parse_clauses(self, body: Any, owner: str, clause: str) -> list[Query]:
        if body is None:
            return []
        items = body if isinstance(body, list) else [body]
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise errors.parsing(f"[{owner}] query malformed, [{clause}] must hold query objects")
            out.append(self.parse(item))
        return out


def single_field(body: Any, query: str, value_key: str) -> tuple[str, dict[str, Any]]:
    """``{"title": "x"}`` or ``{"title": {"query": "x", ...}, "boost": 2}`` -> ``("title", {value_key: ...})``."""
    if not isinstance(body, dict):
        raise errors.parsing(f"[{query}] query malformed, no start_object after query name")
    top = {k: body[k] for k in ("boost", "_name") if k in body and not isinstance(body[k], dict)}
    fields = [k for k in body if k not in top]
    if not fields:
        raise errors.parsing(f"[{query}] query malformed, no field specified")
    if len(fields) > 1:
        raise errors.parsing(f"[{query}] query doesn't support multiple fields, found [{fields[0]}] and "
                             f"[{fields[1]}]")
    field = fields[0]
    spec = body[field]
    params = dict(spec) if isinstance(spec, dict) else {value_key: spec}
    for key, value in top.items():
        params.setdefault(key, value)
    return field, params


def check_keys(params: dict[str, Any], query: str, allowed: set[str]) -> None:
    unknown = [k for k in params if k not in allowed]
    if unknown:
        raise errors.parsing(f"[{query}] query does not support [{unknown[0]}]")


def as_float(value: Any, query: str, key: str) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise errors.parsing(f"[{query}] failed to parse field [{key}]: [{value}] is not a number") from None


def common(params: dict[str, Any], query: str) -> tuple[float, str | None]:
    """Pop ``boost`` and ``_name`` (every query accepts them)."""
    boost = as_float(params.pop("boost", 1.0), query, "boost")
    name = params.pop("_name", None)
    if name is not None and not isinstance(name, str):
        raise errors.parsing(f"[{query}] [_name] must be a string")
    return boost, name


_LOADED = False


def _load_builtin_queries() -> None:
    """Import the query modules so their ``@register`` decorators run (once, on first parse)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib
    import pkgutil

    from . import queries

    for info in pkgutil.iter_modules(queries.__path__):
        importlib.import_module(f"{queries.__name__}.{info.name}")
    for plugin_module in ("embedded_node.plugins.knn.queries", "embedded_node.plugins.ltr.queries"):
        try:
            importlib.import_module(plugin_module)
        except ModuleNotFoundError as exc:
            if exc.name and plugin_module.startswith(exc.name):
                continue
            raise
