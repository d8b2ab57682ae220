"""Why a model put a result where it did: each feature's value and its LightGBM contribution, on demand.

The feature values are logged by the cluster for exactly this (query, user, document) under the model's
featureset (:func:`.feature_logging.log_features`, the params :meth:`.search.Searcher.context` builds, as
serving does), so they are the values the ``sltr`` rescorer scored; the contributions are LightGBM's
``pred_contrib`` on the local copy ``model upload`` kept (:func:`.cli_search.contributions`, the same function
``mmltr search --explain`` uses). The bias includes the score offset of the conversion, so ``total`` (bias plus
every contribution) is the score the cluster serves for the document. Any document can be explained, also one
the model did not rank high: that is how one sees why a result of the other side fell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import models as models_mod
from . import served_models
from .cli_search import contributions
from .feature_logging import log_features
from .search import Hit, Searcher
from .simulated_traffic import BASELINES


@dataclass(frozen=True)
class Contribution:
    name: str
    value: float | None  # None: the feature did not match the document (the model saw a missing value)
    contribution: float


@dataclass(frozen=True)
class Explanation:
    model: str
    doc_id: str
    features: tuple[Contribution, ...]  # largest |contribution| first
    bias: float

    @property
    def total(self) -> float:
        return self.bias + sum(c.contribution for c in self.features)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "id": self.doc_id, "bias": self.bias, "total": self.total,
                "features": [{"name": c.name, "value": c.value, "contribution": c.contribution}
                             for c in self.features]}


class NotExplainable(ValueError):
    """The model has no local LightGBM copy, or the document is not in the index."""


def explain(searcher: Searcher, data_dir: str | Path, model: str, query: str, user: str | None,
            doc_id: str) -> Explanation:
    """``doc_id``'s features and contributions under ``model`` for ``query`` and ``user`` (None: anonymous)."""
    if model in BASELINES:
        raise NotExplainable(f"{model!r} is a baseline, not a model: it has no features; explain a result under "
                             "an uploaded model (pick one on either side)")
    if not served_models.exists(data_dir, model):
        raise NotExplainable(f"model {model!r} has no local LightGBM copy in {served_models.models_dir(data_dir)} "
                             "(it was not uploaded with this --data-dir): its contributions cannot be computed; "
                             "upload it with mmltr model upload from this data directory")
    stored = models_mod.get_model(searcher.client, model, searcher.store)
    if stored.featureset is None:
        raise NotExplainable(f"model {model!r} has no featureset in the store: it cannot be explained")
    context = searcher.context(query, user, model)
    logged = log_features(searcher.client, searcher.alias, stored.featureset, {"q": context}, {"q": [doc_id]},
                          store=searcher.store)
    if not logged.rows:
        raise NotExplainable(f"document {doc_id!r} is not in {searcher.alias!r}")
    values = dict(zip(logged.feature_names, logged.rows[0].values))
    parts = contributions(data_dir, model, [Hit(doc_id, 0.0, {}, values)])[0]
    bias = float(parts.pop("bias"))
    features = tuple(Contribution(name, _finite(values.get(name)), float(c))
                     for name, c in sorted(parts.items(), key=lambda nc: (-abs(nc[1]), nc[0])))
    return Explanation(model, doc_id, features, bias)


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)

