"""Query DSL parsing: the query registry and :class:`DslParser`, which turns query JSON into a :class:`Query`.

The registry (``SearchModule``'s named query parsers) holds the built-in queries of :mod:`.queries` plus those of
the mounted plugins (``SearchPlugin.getQueries``). It is complete when built: the node builds it with its plugins
before it serves a request, so a query is either registered or an ``unknown query`` error, never a race with a
lazy import. Parsing is mapping-independent and strict: unknown queries and unknown parameters fail with
OpenSearch's ``parsing_exception``, never silently.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from .. import errors
from .limits import DEFAULT_LIMITS, SearchLimits, too_deep
from .query import Query
from .queries import basic, boolean, function_score, pattern, range, script_score, termlevel, text

QueryParser = Callable[[Any, "DslParser"], Query]

BUILTIN_QUERY_MODULES = (basic, boolean, function_score, pattern, range, script_score, termlevel, text)


class QueryRegistry:
    """Query name -> parser; immutable once built. A name registered twice is a programming error."""

    def __init__(self, extra: Iterable[tuple[str, QueryParser]] = ()) -> None:
        parsers: dict[str, QueryParser] = {}
        for module in BUILTIN_QUERY_MODULES:
            for name, parser in module.QUERIES.items():
                _add(parsers, name, parser)
        for name, parser in extra:
            _add(parsers, name, parser)
        self._parsers: Mapping[str, QueryParser] = MappingProxyType(parsers)

    def get(self, name: str) -> QueryParser:
        parser = self._parsers.get(name)
        if parser is None:
            raise errors.parsing(f"unknown query [{name}]")
        return parser

    def names(self) -> list[str]:
        return sorted(self._parsers)


def _add(parsers: dict[str, QueryParser], name: str, parser: QueryParser) -> None:
    if name in parsers:
        raise ValueError(f"query [{name}] is already registered")
    parsers[name] = parser


class DslParser:
    """Parses query JSON with one registry; one instance per request (it may collect request-level facts)."""

    def __init__(self, registry: QueryRegistry, limits: SearchLimits = DEFAULT_LIMITS) -> None:
        self.registry = registry
        self.limits = limits
        self._depth = 0

    def parse(self, body: Any) -> Query:
        """Parse one query object; nesting deeper than ``limits.max_nested_depth`` is a 400, not a recursion."""
        if self._depth >= self.limits.max_nested_depth:
            raise too_deep(self.limits)
        self._depth += 1
        try:
            return self._parse(body)
        finally:
            self._depth -= 1

    def _parse(self, body: Any) -> Query:
        if not isinstance(body, dict):
            raise errors.parsing("query malformed, must start with start_object")
        if len(body) != 1:
            if not body:
                raise errors.parsing("query malformed, empty clause found")
            keys = list(body)
            raise errors.parsing(f"[{keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
        (qtype, qbody), = body.items()
        if not isinstance(qbody, dict):  # AbstractQueryBuilder.parseInnerQueryBuilder, before the name lookup
            raise errors.parsing(f"[{qtype}] query malformed, no start_object after query name")
        return self.registry.get(qtype)(qbody, self)

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
