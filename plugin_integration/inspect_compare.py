"""Two rankers side by side for one query and one user: what ``mmltr inspect`` shows.

Nothing here ranks on its own. ``bm25`` and ``hybrid`` are the rankers ``mmltr clicks simulate`` serves
(:class:`.simulated_traffic.ClusterRanker`: the first stage's ``multi_match``; BM25 and the exact text cosine
min-max fused), and an uploaded model is served as ``mmltr search`` serves it (:class:`.search.Searcher`: the
first stage rescored by ``sltr``, with the user's stored profile, the neutral one for anonymous and unknown
users). The comparison adds what a person needs to read two lists at once: each hit's source (title, price,
image) and how far it moved between the two sides.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import models as models_mod
from .errors import ClusterError, translated
from .search import Hit, Searcher
from .simulated_traffic import BASELINES, QUERY_PARAMS, ClusterRanker

log = logging.getLogger(__name__)

#: Item fields a result card shows (vectors and long texts stay on the cluster).
CARD_FIELDS = ("title", "price", "brand", "category", "color", "image")
MAX_K = 50


@dataclass(frozen=True)
class RankedItem:
    """One result of one side: rank (1-based), score, the item's card fields, and its rank on the other side
    (None: the other side did not return it in its top ``k``)."""

    doc_id: str
    rank: int
    score: float
    source: Mapping[str, Any]
    other_rank: int | None = None

    @property
    def moved(self) -> int | None:
        """Places gained against the other side (positive: higher here); None when the other side lacks it."""
        return None if self.other_rank is None else self.other_rank - self.rank

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.doc_id, "rank": self.rank, "score": self.score, "source": dict(self.source),
                "other_rank": self.other_rank, "moved": self.moved}


@dataclass(frozen=True)
class Side:
    ranker: str
    items: tuple[RankedItem, ...]
    personal: bool  # the ranking depends on the user (a model whose featureset reads user params)

    def to_dict(self) -> dict[str, Any]:
        return {"ranker": self.ranker, "personal": self.personal, "items": [i.to_dict() for i in self.items]}


@dataclass(frozen=True)
class Comparison:
    query: str
    user: str | None
    left: Side
    right: Side

    @property
    def overlap(self) -> int:
        return sum(1 for i in self.left.items if i.other_rank is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "user": self.user, "overlap": self.overlap,
                "left": self.left.to_dict(), "right": self.right.to_dict()}


class UnknownRanker(ValueError):
    """A ranker name that is neither a baseline nor an uploaded model."""


@dataclass
class Inspector:
    """The rankers of one alias, built once (encoders loaded once) and searched per request. Thread-safe:
    searches are serialised by :attr:`lock` (the rankers keep per-query caches; explanations take it too)."""

    client: Any
    alias: str = "items"
    store: str | None = None
    data_dir: Path | None = None  # model upload's local records: a model trained with a base score serves with it
    hybrid_weight: float = 0.5
    window: int = 100
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _baselines: dict[str, ClusterRanker] = field(default_factory=dict, repr=False)
    _personal: dict[str, bool] = field(default_factory=dict, repr=False)
    _searcher: Searcher | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # the baselines answer their top MAX_K; a comparison keeps the top k it asks for
        self._baselines["bm25"] = ClusterRanker(self.client, self.alias, "bm25", k=MAX_K, window=self.window,
                                                store=self.store, data_dir=self.data_dir)
        try:
            hybrid = ClusterRanker(self.client, self.alias, "hybrid", k=MAX_K, window=self.window,
                                   store=self.store, hybrid_weight=self.hybrid_weight, data_dir=self.data_dir)
        except ValueError as exc:  # no text vector or encoder: the page offers bm25 and the models
            self.notes.append(str(exc).replace("--ranker hybrid", "hybrid"))
            log.info("no hybrid ranker: %s", exc)
        else:
            self._baselines["hybrid"] = hybrid
            self._searcher = hybrid.searcher  # the same loaded encoders for the models' query vectors
        if self._searcher is None:
            self._searcher = Searcher(self.client, self.alias, store=self.store, data_dir=self.data_dir)

    @property
    def searcher(self) -> Searcher:
        assert self._searcher is not None
        return self._searcher

    def rankers(self) -> list[str]:
        """The baselines this index supports, then every uploaded model (by name: by age within a featureset)."""
        try:
            models = [m.name for m in models_mod.list_models(self.client, None, self.store)]
        except ClusterError as exc:
            if str(exc.status) != "404":
                raise
            models = []  # no feature store yet (mmltr store init): nothing uploaded
        return [b for b in BASELINES if b in self._baselines] + models

    def is_personal(self, ranker: str) -> bool:
        """Whether ``ranker`` is a model whose featureset reads user params (its ranking follows the user)."""
        if ranker in BASELINES:
            return False
        with self.lock:
            if ranker not in self._personal:
                self._personal[ranker] = self._reads_user_params(ranker)
            return self._personal[ranker]

    def _reads_user_params(self, model: str) -> bool:
        try:
            stored = models_mod.get_model(self.client, model, self.store)
        except ClusterError as exc:
            if str(exc.status) != "404":
                raise
            raise UnknownRanker(f"ranker {model!r} is neither bm25, hybrid nor a stored model"
                                f"{f' in store {self.store!r}' if self.store else ''}: see mmltr model list, or "
                                "upload one (mmltr model upload)") from None
        user_params = sorted(set(stored.featureset.params if stored.featureset else ()) - QUERY_PARAMS)
        if user_params and self.searcher.profiles.context(None) is None:
            raise ValueError(f"model {model!r} reads user params ({', '.join(user_params)}) and the cluster has no "
                             f"{self.searcher.profiles.index!r} index of profiles: build them first (mmltr "
                             "profiles build LOG), or pick a model without personal features")
        return bool(user_params)

    def compare(self, query: str, user: str | None, left: str, right: str, k: int = 10) -> Comparison:
        """``left`` and ``right`` on ``query`` for ``user`` (None: anonymous), top ``k`` each."""
        query = query.strip()
        if not query:
            raise ValueError("the query is empty: type a few words to search for")
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be between 1 and {MAX_K}, got {k}")
        with self.lock:
            lists = [self._ranked(r, query, user, k) for r in (left, right)]
            sources = self._sources([d for ranked, _ in lists for d, _score, src in ranked if src is None])
        sides = []
        for (ranked, personal), ranker, other in zip(lists, (left, right), reversed(lists)):
            other_rank = {d: i for i, (d, _, _) in enumerate(other[0], start=1)}
            items = tuple(RankedItem(d, i, s, src if src is not None else sources.get(d, {}), other_rank.get(d))
                          for i, (d, s, src) in enumerate(ranked, start=1))
            sides.append(Side(ranker, items, personal))
        return Comparison(query, user, sides[0], sides[1])

    def _ranked(self, ranker: str, query: str, user: str | None, k: int,
                ) -> tuple[list[tuple[str, float, Mapping[str, Any] | None]], bool]:
        """``[(doc_id, score, source or None)]`` and whether the ranking is personal."""
        if ranker in self._baselines:
            return [(d, s, None) for d, s in self._baselines[ranker].scored(user, query)[:k]], False
        if ranker in BASELINES:  # hybrid on an index without a text vector
            raise UnknownRanker(" ".join(self.notes) or f"{ranker} is not available on {self.alias!r}")
        personal = self.is_personal(ranker)
        hits: list[Hit] = self.searcher.search(query, user, ranker, k, window=max(self.window, k))
        return [(h.doc_id, h.score, _card(h.source)) for h in hits], personal

    def _sources(self, doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The card fields of the baselines' hits (their searches return ids and scores only): one ``_mget``."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        with translated(f"check the alias {self.alias!r}"):
            response = self.client.mget(index=self.alias, body={"ids": ids}, _source_includes=list(CARD_FIELDS))
        docs = getattr(response, "body", response).get("docs") or []
        return {str(d["_id"]): _card(d.get("_source") or {}) for d in docs if d.get("found")}


def _card(source: Mapping[str, Any]) -> dict[str, Any]:
    return {k: source[k] for k in CARD_FIELDS if k in source}
