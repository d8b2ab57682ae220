"""The ``sltr`` query (``StoredLtrQueryBuilder`` -> ``RankerQuery``).

``{"sltr": {"model" | "featureset", "store", "params", "active_features", "cache", "boost", "_name"}}``.
Binding loads the compiled model (or the featureset, scored as the sum of its features) through the plugin's
caches, renders every active feature with ``params`` and binds it with the node's DSL. Like ``RankerQuery``:

* the query **matches every document** (its iterator is ``DocIdSetIterator.all``): a document that no feature
  matches still gets the model's score of an all-missing vector;
* a feature's value is set only where its own query matched the document; features outside
  ``active_features`` never match;
* the score is the ranker's output times ``boost`` (float32).

Scoring is vectorized over the documents the executor asks for (all candidates of a segment when ``sltr`` is
a query, the rescore window when it is a ``rescore_query``). In filter context (``needs_scores`` false)
nothing is computed, since the query matches everything anyway. With ``cache: true`` the feature values
computed while scoring are kept for ``ltr_log`` (:class:`.vectors.FeatureCache`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import store, vectors
from .features import BoundFeature, bind_features
from .plugin import plugin
from .rankers import CompiledModel
from ...errors import EngineError, illegal_argument, parsing
from ...search.parse_utils import as_float
from ...search.query import Explanation, Query, Weight

if TYPE_CHECKING:
    from ...search.dsl import DslParser

F32 = np.float32
_FIELDS = {"store", "model", "featureset", "params", "active_features", "cache", "boost", "_name"}


@dataclass(eq=False)
class SltrQuery(Query):
    params: dict[str, Any]
    model: str | None = None
    featureset: str | None = None
    store: str | None = None
    active_features: list[str] | None = None
    cache: bool = False
    boost: float = 1.0
    name: str | None = None

    def load(self, ctx: Any) -> CompiledModel:
        state = plugin(ctx.node)
        index = store.index_name(self.store)
        if self.model is not None:
            return state.load_model(index, self.model)
        return state.load_featureset(index, self.featureset or "")

    def bind(self, ctx: Any) -> tuple[CompiledModel, list[BoundFeature]]:
        """Model and bound features, once per search context (the fetch phase and ``ltr_log`` reuse them)."""
        key = ("ltr_binding", id(self))
        hit = ctx.cache.get(key)
        if hit is not None:
            return hit
        state = plugin(ctx.node)
        try:
            model = self.load(ctx)
            active = None
            if self.active_features:
                unknown = [n for n in self.active_features if n not in model.featureset.names]
                if unknown:
                    raise illegal_argument(f"Feature: [{unknown[0]}] provided in active_features does not "
                                           "exist")
                active = set(self.active_features)
            bound = bind_features(model.featureset, ctx, self.params, active)
        except EngineError:
            state.count_request(failed=True)
            raise
        state.count_request()
        ctx.cache[key] = (model, bound)
        return model, bound

    def create_weight(self, ctx: Any, boost: float = 1.0, needs_scores: bool = True) -> Weight:
        model, bound = self.bind(ctx)
        return LtrWeight(self, ctx, model, bound, F32(boost) * F32(self.boost), needs_scores)

    def feature_cache(self, ctx: Any) -> vectors.FeatureCache:
        return ctx.cache.setdefault(("ltr_feature_cache", id(self)), vectors.FeatureCache())


class LtrWeight(Weight):
    def __init__(self, query: SltrQuery, ctx: Any, model: CompiledModel, bound: list[BoundFeature],
                 boost: Any, needs_scores: bool) -> None:
        super().__init__(query)
        self.ctx = ctx
        self.model = model
        self.bound = bound
        self.boost = F32(boost)
        self.needs_scores = needs_scores

    def matches(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        return np.ones(docs.shape[0], dtype=bool)

    def vectors(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        vector, matched = vectors.compute(self.bound, segment, docs, self.model.fill)
        query: SltrQuery = self.query  # type: ignore[assignment]
        if query.cache:
            query.feature_cache(self.ctx).put(segment, docs, vector, matched)
        return vector, matched

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        docs = np.asarray(docs, dtype=np.int32)
        if not self.needs_scores:
            return np.ones(docs.shape[0], dtype=bool), np.zeros(docs.shape[0], dtype=F32)
        vector, _ = self.vectors(segment, docs)
        scores = self.model.score(vector)
        if self.boost != F32(1):
            scores = (scores * self.boost).astype(F32)
        return np.ones(docs.shape[0], dtype=bool), scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        docs = np.asarray([doc], dtype=np.int32)
        vector, matched = vectors.compute(self.bound, segment, docs, self.model.fill)
        score = float(self.model.score(vector)[0] * self.boost)
        details = []
        for i, feature in enumerate(self.bound):
            if matched[0, i]:
                details.append(Explanation(float(vector[0, i]), f"Feature {i}({feature.name}):"))
            else:
                details.append(Explanation.no_match(f"Feature {i}({feature.name}): no match"))
        return Explanation(score, f"LtrModel: {self.model.name} using features:", details)


def parse_sltr(body: Any, parser: DslParser) -> Query:
    """``StoredLtrQueryBuilder.fromXContent``."""
    if not isinstance(body, dict):
        raise parsing("[sltr] query malformed, no start_object after query name")
    for key in body:
        if key not in _FIELDS:
            raise parsing(f"[sltr] unknown field [{key}]")
    for key in ("store", "model", "featureset", "_name"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            raise parsing(f"[sltr] failed to parse field [{key}]")
    if body.get("model") is None and body.get("featureset") is None:
        raise parsing("Either [model] or [featureset] must be set.")
    params = body.get("params")
    if params is None:
        raise parsing("Field [params] is mandatory.")
    if not isinstance(params, dict):
        raise parsing("[sltr] failed to parse field [params]")
    active = body.get("active_features")
    if isinstance(active, str):  # declareStringArray: a bare string is a one-element array
        active = [active]
    if active is not None and (not isinstance(active, list) or not all(isinstance(a, str) for a in active)):
        raise parsing("[sltr] failed to parse field [active_features]")
    cache = body.get("cache", False)
    if not isinstance(cache, bool):
        raise parsing("[sltr] failed to parse field [cache]")
    boost = as_float(body.get("boost", 1.0), "sltr", "boost")
    return SltrQuery(params, body.get("model"), body.get("featureset"), body.get("store"), active, cache,
                     boost, body.get("_name"))


# The query parsers this module defines, by query name (collected by the query registry).
QUERIES = {
    "sltr": parse_sltr,
}
