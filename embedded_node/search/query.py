"""The query execution contract of the embedded node (Lucene's Query -> Weight -> Scorer, vectorized).

* A :class:`Query` is a parsed, mapping-independent value (what OpenSearch's QueryBuilder.toQuery yields before
  it reaches a shard). Parsing lives in :mod:`.dsl`; every query type registers a parser there.
* ``Query.create_weight(ctx, boost, needs_scores)`` binds the query to one index (one shard): it reads the
  mapping and term statistics once, like Lucene's ``createWeight``. Field-level problems (wrong vector dimension,
  a query on an unsupported field type) raise here; the executor reports them as shard failures.
* ``Weight.score(segment, docs)`` scores many documents at once: ``docs`` is a sorted ``int32`` array of
  segment-local doc ids (the candidates; usually every live doc, or a rescore window), and the result is a pair
  ``(matched: bool[len(docs)], scores: float32[len(docs)])`` with 0 where unmatched. Scores follow Lucene's
  float32 arithmetic and operation order, so a weight that combines children must reproduce the Lucene scorer
  it stands for (see the BM25 notes in ``reference/fidelity.md``).
* ``Weight.explain(segment, doc)`` returns an :class:`Explanation` whose value equals the score.

Boosts are multiplied down the tree into ``create_weight`` (``BoostQuery`` semantics): a leaf receives the
product of every enclosing boost and applies it once, in float32.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

if TYPE_CHECKING:
    from ..index.segment import Segment
    from .context import SearchContext

F32 = np.float32


@dataclass
class Explanation:
    value: float
    description: str
    details: list["Explanation"] = field(default_factory=list)
    match: bool = True

    def to_dict(self) -> dict[str, Any]:
        """OpenSearch's JSON: integer values (doc counts) stay integers, others are Java floats, which
        serialize as the shortest float32 decimal (``2.2``, not ``2.200000047683716``)."""
        value: Any
        if isinstance(self.value, (int, np.integer)) and not isinstance(self.value, bool):
            value = int(self.value)
        else:
            value = np.float32(self.value if self.match or self.value else 0.0)
        return {"value": value, "description": self.description, "details": [d.to_dict() for d in self.details]}

    @classmethod
    def no_match(cls, description: str, details: list["Explanation"] | None = None) -> "Explanation":
        return cls(0.0, description, details or [], match=False)


class Query:
    """Base class of parsed queries. Subclasses set ``name`` (``_name``) and implement ``create_weight``."""

    name: str | None = None

    def create_weight(self, ctx: "SearchContext", boost: float = 1.0, needs_scores: bool = True) -> "Weight":
        raise NotImplementedError

    def children(self) -> Iterable["Query"]:
        """Sub-queries, so named queries anywhere in the tree can be found."""
        return ()

    def rewrite(self, ctx: "SearchContext") -> "Query":
        """Lucene-style rewrite to a simpler equivalent (flattening, single-clause removal). Default: self."""
        return self

    def named(self) -> Iterator["Query"]:
        if self.name:
            yield self
        for child in self.children():
            yield from child.named()


class Weight:
    """A query bound to one index. Subclasses implement ``score`` (and ``explain`` where it can be faithful)."""

    def __init__(self, query: Query) -> None:
        self.query = query

    def score(self, segment: "Segment", docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def matches(self, segment: "Segment", docs: np.ndarray) -> np.ndarray:
        return self.score(segment, docs)[0]

    def explain(self, segment: "Segment", doc: int) -> Explanation:
        matched, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        if not matched[0]:
            return Explanation.no_match(f"{type(self.query).__name__} does not match")
        return Explanation(float(scores[0]), f"{type(self.query).__name__}, computed without a detailed breakdown")


def empty(docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(docs.shape[0], dtype=bool), np.zeros(docs.shape[0], dtype=F32)


def membership(docs: np.ndarray, sorted_hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted ``sorted_hits`` (doc ids), return (mask over ``docs``, index into ``sorted_hits`` or -1)."""
    if sorted_hits.shape[0] == 0 or docs.shape[0] == 0:
        return np.zeros(docs.shape[0], dtype=bool), np.full(docs.shape[0], -1, dtype=np.int64)
    pos = np.searchsorted(sorted_hits, docs)
    pos_clipped = np.minimum(pos, sorted_hits.shape[0] - 1)
    mask = sorted_hits[pos_clipped] == docs
    return mask, np.where(mask, pos_clipped, -1)


class MatchAllWeight(Weight):
    def __init__(self, query: Query, boost: float) -> None:
        super().__init__(query)
        self.boost = F32(boost)

    def score(self, segment: "Segment", docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.ones(docs.shape[0], dtype=bool), np.full(docs.shape[0], self.boost, dtype=F32)

    def explain(self, segment: "Segment", doc: int) -> Explanation:
        return Explanation(float(self.boost), "*:*")


class MatchNoneWeight(Weight):
    def score(self, segment: "Segment", docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return empty(docs)

    def explain(self, segment: "Segment", doc: int) -> Explanation:
        return Explanation.no_match("MatchNoDocsQuery(\"\") matches no documents")


class ConstantMaskWeight(Weight):
    """A weight that scores a fixed boost on docs where ``mask_fn(segment, docs)`` is true (filters)."""

    def __init__(self, query: Query, boost: float, mask_fn: Any, description: str) -> None:
        super().__init__(query)
        self.boost = F32(boost)
        self.mask_fn = mask_fn
        self.description = description

    def score(self, segment: "Segment", docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = self.mask_fn(segment, docs)
        return mask, np.where(mask, self.boost, F32(0)).astype(F32)

    def explain(self, segment: "Segment", doc: int) -> Explanation:
        if self.mask_fn(segment, np.asarray([doc], dtype=np.int32))[0]:
            return Explanation(float(self.boost), self.description)
        return Explanation.no_match(f"{self.description} doesn't match id {doc}")
