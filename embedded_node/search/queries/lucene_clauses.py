"""What Lucene's query and weight classes share: the boolean clause kinds (``BooleanClause.Occur``), query
equality (``key``) and ``Query.toString``. Apart from :mod:`.lucene_queries` so that weights need no query class.
"""
from __future__ import annotations

from typing import Hashable

from ..query import Query

MUST, FILTER, SHOULD, MUST_NOT = "MUST", "FILTER", "SHOULD", "MUST_NOT"


def key(query: Query) -> Hashable:
    """Lucene equality of queries: structural for the classes here, identity for anything else."""
    fn = getattr(query, "key", None)
    return fn() if callable(fn) else ("opaque", id(query))


def to_string(query: Query, field: str | None = None) -> str:
    fn = getattr(query, "to_string", None)
    if callable(fn):
        return fn(field)
    return type(query).__name__
