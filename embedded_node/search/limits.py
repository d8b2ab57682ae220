"""Bounds on what one search request may ask of the node: query nesting, clause counts, query text size.

Without them a hostile or buggy request costs unbounded time or stack: a 30 MB ``match`` text was analysed for
38 s, a deeply nested ``bool`` recursed until Python's stack ran out. Each bound is a static node setting with
OpenSearch's name where OpenSearch has one (``indices.query.bool.max_clause_count``, Lucene's ``TooManyClauses``
limit, 1024 by default; ``indices.query.bool.max_nested_depth``), and answers a 400 that names the setting.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Mapping

from .. import errors

_KEYS = {
    "indices.query.bool.max_clause_count": "max_clause_count",
    "indices.query.bool.max_nested_depth": "max_nested_depth",
    "search.max_query_text_length": "max_query_text_length",
}


@dataclass(frozen=True)
class SearchLimits:
    max_clause_count: int = 1024  # clauses in one boolean query, including the terms of an analysed text
    max_nested_depth: int = 30  # queries inside queries (bool in bool in function_score ...)
    # characters of one query text before analysis: 1024 tokens of at most 255 characters fit in 256 KiB, so a
    # longer text would fail max_clause_count anyway, after a costly analysis
    max_query_text_length: int = 262_144

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None = None) -> "SearchLimits":
        """Limits from node settings (``{"indices.query.bool.max_clause_count": 2048}``); when ``settings`` is
        None, from the JSON object in ``MMLTR_NODE_SETTINGS``. Unknown keys and bad values name the key."""
        if settings is None:
            raw = os.environ.get("MMLTR_NODE_SETTINGS", "")
            try:
                settings = json.loads(raw) if raw.strip() else {}
            except ValueError as exc:
                raise ValueError(f"MMLTR_NODE_SETTINGS is not a JSON object: {exc}") from None
            if not isinstance(settings, dict):
                raise ValueError("MMLTR_NODE_SETTINGS must be a JSON object of node settings")
        values: dict[str, int] = {}
        for key, value in settings.items():
            if key not in _KEYS:
                continue  # other node settings (http.*) are read by their own owners
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"node setting [{key}] must be a positive whole number, got [{value}]") from None
            if number < 1:
                raise ValueError(f"node setting [{key}] must be a positive whole number, got [{value}]")
            values[_KEYS[key]] = number
        return cls(**values)


DEFAULT_LIMITS = SearchLimits()


def too_many_clauses(count: int, limits: SearchLimits) -> errors.EngineError:
    return errors.EngineError(
        "too_many_clauses",
        f"maxClauseCount is set to {limits.max_clause_count}: this query has {count} clauses "
        "(indices.query.bool.max_clause_count); split the query or use a terms query", 400)


def too_deep(limits: SearchLimits) -> errors.EngineError:
    return errors.parsing(
        f"query is nested deeper than {limits.max_nested_depth} levels (indices.query.bool.max_nested_depth); "
        "flatten the query")


def check_text(text: str, query: str, limits: SearchLimits) -> None:
    if len(text) > limits.max_query_text_length:
        raise errors.parsing(
            f"[{query}] query text is {len(text)} characters, more than the {limits.max_query_text_length} allowed "
            "(search.max_query_text_length); a text this long would analyse into more terms than "
            "indices.query.bool.max_clause_count allows")
