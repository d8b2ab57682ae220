"""Simulated traffic on a real index: the ranker ``ltr.world.simulate_searches`` calls, as cluster searches.

:class:`ClusterRanker` answers ``ranker(user, query) -> [doc_id, ...]`` with the search the named ranker
serves on the alias: ``bm25`` (the first stage's ``multi_match``), ``hybrid`` (BM25 and the exact cosine of
the text vector, min-max fused as :func:`ltr.hybrid.fuse`; the query embedded by the index's own encoder from
its ``_meta``), or a stored LTR model (the first stage rescored with ``sltr``, :func:`.search.search_body`,
with the user's stored profile when the model's featureset reads user params). It returns bare ids, so a
catalogue's clicks follow the simulator's own text match, never the ranker's opinion of itself.

Answers are cached by what they depend on: the query text, plus the user for a personal model (one whose
featureset reads user params; it needs the ``users`` index of profiles). Rankings that depend on the query
alone are searched up front in ``_msearch`` batches (:meth:`ClusterRanker.prepare`).
:func:`catalogue_items` and :func:`check_world` read the index's items for the catalogue path and check that
a generated world is the one indexed.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from opensearchpy import helpers

from indexer.query_encoders import QueryEncoders
from indexer.schema import BRAND, CATEGORY, COLOR, DESCRIPTION, ID, PRICE, TITLE
from ltr.hybrid import fuse
from ltr.world import Query, User, World

from . import models as models_mod
from . import params as P
from .errors import ClusterError, translated
from .evaluation_runs import bm25_query, cosine_query, run_searches, top_body
from .fused_featureset import TEXT_VECTOR, index_fields
from .search import Searcher, search_body

BASELINES = ("bm25", "hybrid")
#: Columns of the items the catalogue path reads (users, queries and the simulator's text match use them).
ITEM_COLUMNS = (TITLE, CATEGORY, BRAND, PRICE, COLOR, DESCRIPTION)
#: sltr params that depend on the query alone; any other param a model reads makes its ranking personal.
QUERY_PARAMS = frozenset({P.KEYWORDS, P.QUERY_TEXT_VECTOR, P.QUERY_IMAGE_VECTOR})


class _CachedQueryEncoders(QueryEncoders):
    """The index's encoders, each query's text vector computed once (``warm`` embeds many in a batch)."""

    def __init__(self, inner: QueryEncoders) -> None:
        super().__init__(inner.text, inner.image_query)
        self._text: dict[str, np.ndarray] = {}

    def warm(self, queries: Sequence[str]) -> None:
        missing = [q for q in dict.fromkeys(queries) if q not in self._text]
        vectors = super().text_vectors(missing) if missing else None
        if vectors is not None:
            self._text.update(zip(missing, vectors))

    def text_vectors(self, queries: Sequence[str]) -> np.ndarray | None:
        if self.text is None:
            return None
        self.warm(queries)
        return np.stack([self._text[q] for q in queries])


class ClusterRanker:
    """``ranker(user, query)`` for :func:`ltr.world.simulate_searches`: a cluster search's top ``k`` ids."""

    def __init__(self, client: Any, alias: str, ranker: str, *, k: int = 10, window: int = 100,
                 store: str | None = None, hybrid_weight: float = 0.5, batch_size: int = 32,
                 data_dir: Any = None) -> None:
        self.client, self.alias, self.ranker = client, alias, ranker
        self.k, self.window, self.store = k, max(window, k), store
        self.hybrid_weight, self.batch_size = hybrid_weight, batch_size
        fields = index_fields(client, alias)  # an unknown alias fails here, with its hint
        self.model = None if ranker in BASELINES else ranker
        user_params: list[str] = []
        if self.model is not None:
            stored = _stored_model(client, self.model, store)
            user_params = sorted(set(stored.featureset.params if stored.featureset else ()) - QUERY_PARAMS)
        needs_encoder = ranker != "bm25"
        self.encoders = _CachedQueryEncoders(QueryEncoders.for_index(fields.meta) if needs_encoder
                                             else QueryEncoders(None, None))
        if ranker == "hybrid" and (TEXT_VECTOR not in fields.vectors or self.encoders.text is None):
            raise ValueError(f"--ranker hybrid needs a text vector, and {alias!r} ({fields.index}) has none "
                             "(or no text encoder in its _meta): load the catalogue with one (mmltr index "
                             f"load CATALOG --alias {alias} --text-encoder minilm), or use --ranker bm25")
        self.searcher = Searcher(client, alias, encoders=self.encoders, store=store, data_dir=data_dir)
        self.base = self.searcher.base_of(self.model)
        self.personal = bool(user_params)
        if self.personal and self.searcher.profiles.context(None) is None:
            raise ValueError(f"--ranker {ranker!r} reads user params ({', '.join(user_params)}) and the "
                             f"cluster has no {self.searcher.profiles.index!r} index of profiles: build them "
                             "first (mmltr profiles build LOG), or rank with a model of a featureset without "
                             "user features (mmltr featureset init --no-personal)")
        self._answers: dict[Hashable, list[str]] = {}
        self.searches = 0  # cluster searches sent

    def key(self, user: User, query: Query) -> Hashable:
        return (user.user_id, query.text) if self.personal else query.text

    def prepare(self, queries: Sequence[Query]) -> None:
        """Embed every query text in one batch; search the rankings that depend on the query alone."""
        texts = list(dict.fromkeys(q.text for q in queries))
        self.encoders.warm(texts)
        if not self.personal:
            self._answers.update(self._search({t: (None, t) for t in texts if t not in self._answers}))

    def __call__(self, user: User, query: Query) -> list[str]:
        key = self.key(user, query)
        if key not in self._answers:
            self._answers.update(self._search({key: (user.user_id, query.text)}))
        return self._answers[key]

    def scored(self, user_id: str | None, text: str) -> list[tuple[str, float]]:
        """The top ``k`` ids of one search with their scores (``bm25``: the ``multi_match`` score; ``hybrid``:
        the fused score; a model: the served ``sltr`` score), searched afresh (not cached): for a person
        looking at the ranking (``mmltr inspect``), where the scores matter as much as the order."""
        return self._scored({0: (user_id, text)})[0]

    def _search(self, wanted: Mapping[Hashable, tuple[str | None, str]]) -> dict[Hashable, list[str]]:
        return {key: [doc for doc, _ in ranked] for key, ranked in self._scored(wanted).items()}

    def _scored(self, wanted: Mapping[Hashable, tuple[str | None, str]]) -> dict[Hashable, list[tuple[str, float]]]:
        if not wanted:
            return {}
        names = {f"r{i}": key for i, key in enumerate(wanted)}
        bodies: dict[str, dict[str, Any]] = {}
        for name, key in names.items():
            user_id, text = wanted[key]
            if self.ranker == "bm25":
                bodies[name] = top_body(bm25_query(text), self.k)
            elif self.ranker == "hybrid":
                vector = self.encoders.text_vectors([text])[0]  # type: ignore[index]
                bodies[name + "b"] = top_body(bm25_query(text), self.window)
                bodies[name + "d"] = top_body(cosine_query(vector, flavour=self.searcher.flavour), self.window)
            else:
                context = self.searcher.context(text, user_id, self.model)
                bodies[name] = {**search_body(context, model=self.model, k=self.k, window=self.window,
                                              store=self.store, base=self.base, flavour=self.searcher.flavour),
                                "_source": False}
        found = run_searches(self.client, self.alias, bodies, batch_size=self.batch_size)
        self.searches += len(bodies)
        if self.ranker == "hybrid":
            fused = {name: fuse(found[name + "b"], found[name + "d"], self.hybrid_weight) for name in names}
            return {key: sorted(fused[name].items(), key=lambda ds: (-ds[1], ds[0]))[:self.k]
                    for name, key in names.items()}
        return {key: list(found[name].items())[:self.k] for name, key in names.items()}


def _stored_model(client: Any, name: str, store: str | None) -> models_mod.Model:
    try:
        return models_mod.get_model(client, name, store)
    except ClusterError as exc:
        if str(exc.status) != "404":
            raise
        raise ValueError(f"--ranker {name!r} is neither bm25, hybrid nor a stored model"
                         f"{f' in store {store!r}' if store else ''}: see mmltr model list, or upload one "
                         "(mmltr model upload)") from None


def catalogue_items(client: Any, alias: str) -> pd.DataFrame:
    """The id, title, category, brand, price, colour and description of every item behind ``alias`` (a
    scroll, as ``profiles build`` reads the items)."""
    query = {"query": {"match_all": {}}, "_source": list(ITEM_COLUMNS)}
    with translated(f"check that {alias!r} exists (mmltr index status --alias {alias})"):
        rows = [{ID: str(hit["_id"]), **{c: (hit.get("_source") or {}).get(c) for c in ITEM_COLUMNS}}
                for hit in helpers.scan(client, index=alias, query=query)]
    if not rows:
        raise ValueError(f"{alias!r} holds no items: load a catalogue first (mmltr index load CATALOG "
                         f"--alias {alias})")
    return pd.DataFrame(rows, columns=[ID, *ITEM_COLUMNS])


def check_world(client: Any, alias: str, world: World, source: str, sample: int = 50) -> None:
    """Fail unless ``alias`` holds ``world``'s catalogue: the same number of items, and a sample of its
    ids with the same titles."""
    fix = f"load the world's catalogue: mmltr index load {source}/catalog.jsonl --alias {alias}"
    with translated(f"check that {alias!r} exists (mmltr index status --alias {alias})"):
        count = int(_body(client.count(index=alias))["count"])
        ids = [str(d) for d in world.doc_ids[:: max(1, len(world.items) // sample)][:sample]]
        hits = _body(client.search(index=alias, body={"size": len(ids), "_source": [TITLE],
                                                      "query": {"ids": {"values": ids}}}))["hits"]["hits"]
    titles = dict(zip(world.items[ID].astype(str), world.items[TITLE]))
    indexed = {str(h["_id"]): (h.get("_source") or {}).get(TITLE) for h in hits}
    wrong = [d for d in ids if indexed.get(d) != titles[d]]
    if count != len(world.items) or wrong:
        detail = f"{count:,} items" if count != len(world.items) else f"other items (e.g. {wrong[0]!r})"
        raise ValueError(f"--world {source} ({world.size}, seed {world.seed}: {len(world.items):,} items) is "
                         f"not what {alias!r} holds ({detail}): {fix}")


def _body(response: Any) -> Any:
    return getattr(response, "body", response)


RankerFn = Callable[[User, Query], list[str]]


def counting(ranker: RankerFn, tick: Callable[[], None]) -> RankerFn:
    """``ranker`` that calls ``tick`` after each answer (one per simulated search)."""

    def ranked(user: User, query: Query) -> list[str]:
        answer = ranker(user, query)
        tick()
        return answer

    return ranked
