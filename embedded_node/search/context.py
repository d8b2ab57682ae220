"""Per-index state that a search request binds its queries to (Lucene's IndexSearcher + QueryShardContext)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .. import errors
from ..index.mapping import FieldMapper

if TYPE_CHECKING:
    from ..node import Node
    from ..index.shard import IndexShard, Searcher


class SearchContext:
    """What a ``Weight`` may read: the mapping, term/field statistics (over the whole index, deleted docs
    included, as one shard), analyzers, the node (for plugin state such as the LTR store) and request facts."""

    def __init__(self, node: "Node", shard: "IndexShard", searcher: "Searcher",
                 request: Any | None = None) -> None:
        self.node = node
        self.shard = shard
        self.searcher = searcher
        self.mapping = searcher.mapping
        self.index_name = shard.name
        self.request = request
        self.now_ms = time.time() * 1000.0
        self.cache: dict[Any, Any] = {}

    def release(self) -> None:
        """End of the request: drop the per-request cache. What it holds (an ``sltr``'s bound features) holds
        weights that hold this context, a reference cycle: without this, all of a search's queries and weights
        (~500 objects for a 14-feature set) would wait for the cyclic collector instead of being freed now."""
        self.cache.clear()

    def field(self, path: str) -> FieldMapper | None:
        return self.mapping.field(path)

    def require_field(self, path: str, query: str) -> FieldMapper:
        mapper = self.mapping.field(path)
        if mapper is None:
            raise errors.query_shard(f"[{query}] failed to find field [{path}] in the mapping", self.index_name)
        return mapper

    def field_stats(self, path: str) -> tuple[int, int, int]:
        return self.searcher.field_stats(path)

    def term_stats(self, path: str, term: str) -> tuple[int, int]:
        return self.searcher.term_stats(path, term)

    @property
    def segments(self):
        return self.searcher.segments
