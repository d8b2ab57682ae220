"""Upload-time checks: compiling elements (``TransportFeatureStoreAction.precheck``) and ``validation``.

Every element is compiled before it is stored, so a broken template or model fails the PUT with a 400:
"Error while parsing feature [x]", "Error while parsing feature set [x]", or "Error while parsing model [x]
with type [t]" (the cause says why). A ``validation`` block (``{"index", "params"}``) additionally runs the
element against that index with those params, as the plugin's ``ValidatingLtrQueryBuilder`` does: a feature or
featureset is scored as a featureset, a model as itself; any failure (missing param, bad rendered query,
unknown field) is "Cannot store element, validation failed." with the cause.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import ltr_errors
from .elements import Element, StoredFeature, StoredFeatureSet, StoredLtrModel
from .features import compile_feature, compile_featureset
from .queries import SltrQuery
from .rankers import CompiledModel, compile_model, featureset_ranker
from .versions import PluginSemantics
from ...errors import EngineError
from ...search.context import SearchContext

_VALIDATION_DOCS = 10


def precheck(element: Element, sem: PluginSemantics) -> CompiledModel:
    """Compile ``element``; the returned model is what a validation run scores with."""
    try:
        if isinstance(element, StoredFeature):
            compile_feature(element)
            return featureset_ranker(compile_featureset(StoredFeatureSet(element.name, [element])))
        if isinstance(element, StoredFeatureSet):
            return featureset_ranker(compile_featureset(element))
    except EngineError as exc:
        what = "feature" if isinstance(element, StoredFeature) else "feature set"
        raise EngineError("illegal_argument_exception", f"Error while parsing {what} [{element.name}]", 400,
                          caused_by=exc) from None
    assert isinstance(element, StoredLtrModel)
    return compile_model(element, sem)


class _ValidatingQuery(SltrQuery):
    """An ``sltr`` over an element that is not stored yet (``ValidatingLtrQueryBuilder``)."""

    compiled: CompiledModel

    def load(self, ctx: Any) -> CompiledModel:
        return self.compiled


def validate(node: Any, model: CompiledModel, validation: dict[str, Any]) -> None:
    query = _ValidatingQuery(validation["params"], model=model.name)
    query.compiled = model
    try:
        for shard in node.resolve(validation["index"]):
            ctx = SearchContext(node, shard, shard.acquire_searcher())
            weight = query.create_weight(ctx, 1.0, True)
            for segment, live in ctx.segments:
                docs = np.flatnonzero(live)[:_VALIDATION_DOCS].astype(np.int32)
                if docs.size:
                    weight.score(segment, docs)
                    break
    except EngineError as exc:
        raise ltr_errors.validation_failed(exc) from None
