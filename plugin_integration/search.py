"""Serving: one search through the first stage and the ``sltr`` rescorer, with the features behind each hit.

``search(client, alias, query, user=None, model=None, k=10)`` is what an application does at query time
(DESIGN §5): a BM25 ``multi_match`` OR ``knn`` first stage, then a rescore by a stored model over a window
(``query_weight`` 0, ``rescore_query_weight`` 1), with the user's personal params from the ``users`` index
(unknown users: the neutral profile) built by ``params.to_params``, the same function feature logging uses.
The query is embedded by the encoders its index was built with (``indexer.query_encoders``). With ``explain``
the rescorer's ``sltr`` is logged with ``ltr_log`` (``rescore_index`` 0, ``cache`` on, so features are computed
once), so each hit carries the exact feature values the model scored.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from indexer.query_encoders import QueryEncoders

from . import models as models_mod
from . import served_models
from .cluster_info import detect
from .errors import translated
from .fused_featureset import CF_VECTOR, IMAGE_VECTOR, TEXT_VECTOR, IndexFields, index_fields
from .params import QUERY_IMAGE_VECTOR, QueryContext, UserContext
from .queries import DEFAULT_FIELDS, BaseClause, first_stage, model_rescorer, with_ltr_rescore
from .query_vectors import mean_hit_vector
from .users import DEFAULT_USERS_INDEX, StoredProfiles

DEFAULT_WINDOW = 400
EXPLAIN_LOG = "explain"


@dataclass(frozen=True)
class Hit:
    """One result: id, score, source (without vectors), and the features the model saw (``explain``)."""

    doc_id: str
    score: float
    source: Mapping[str, Any] = field(default_factory=dict)
    features: Mapping[str, float] | None = None


def search_body(context: QueryContext, *, model: str | None = None, k: int = 10, window: int = DEFAULT_WINDOW,
                fields: Sequence[str] = DEFAULT_FIELDS, explain: bool = False, store: str | None = None,
                flavour: str = "opensearch", base: BaseClause | None = None) -> dict[str, Any]:
    """The search request body for ``context`` (pure); ``base``: the model's base clause, when it was trained
    with one (:class:`.queries.BaseClause`)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    window = max(window, k)
    query = first_stage(context.keywords, context.text_vector, fields=fields, k=window, flavour=flavour)
    if model is None:
        body: dict[str, Any] = {"query": query, "size": k}
    else:
        body = with_ltr_rescore(query, model, context.to_params(), window_size=window, size=k, store=store,
                                base=base)
        if explain:
            index, model_sltr = model_rescorer(body)
            model_sltr["cache"] = True
            body["ext"] = {"ltr_log": {"log_specs": [{"name": EXPLAIN_LOG, "rescore_index": index}]}}
    body["_source"] = {"excludes": ["*_vector"]}
    return body


class Searcher:
    """Everything a query needs that does not change between queries: the index's fields and encoders, and
    per model the params its featureset reads. Build once, search many times."""

    def __init__(self, client: Any, alias: str = "items", *, encoders: QueryEncoders | None = None,
                 users_index: str = DEFAULT_USERS_INDEX, store: str | None = None,
                 data_dir: str | Path | None = None) -> None:
        """``data_dir``: where ``model upload`` kept its local records (:mod:`.served_models`); a model
        uploaded from there with a base score is served with it (without one, the model's ``sltr`` alone)."""
        self.client = client
        self.data_dir = data_dir
        self.alias = alias
        self.fields: IndexFields = index_fields(client, alias)
        self.flavour = detect(client).flavour  # the knn syntax of the first stage
        self.encoders = encoders if encoders is not None else QueryEncoders.for_index(self.fields.meta)
        self.profiles = StoredProfiles(client, users_index)
        self.store = store
        self._model_params: dict[str, tuple[str, ...]] = {}

    def context(self, query: str, user: str | UserContext | None = None, model: str | None = None,
                ) -> QueryContext:
        """The query context: vectors from the index's encoders, the user's stored (or neutral) profile."""
        vectors = self.encoders.text_vectors([query])
        text = tuple(float(x) for x in vectors[0]) if vectors is not None else None
        image = None
        if model is not None and QUERY_IMAGE_VECTOR in self._params_of(model):
            encoded = self.encoders.image_vectors([query])
            image = (tuple(float(x) for x in encoded[0]) if encoded is not None else
                     mean_hit_vector(self.client, self.alias, query, text, IMAGE_VECTOR)
                     or (1.0 / math.sqrt(self.fields.vectors[IMAGE_VECTOR]),) * self.fields.vectors[IMAGE_VECTOR])
        if isinstance(user, UserContext):
            person: UserContext | None = user
        elif model is None:  # the first stage alone reads no personal params
            person = None
        else:  # the stored profile, the neutral one for unknown and anonymous users, None without profiles
            person = self.profiles.context(user)
        if person is not None:
            person = person.with_dimensions(cf=self.fields.vectors.get(CF_VECTOR),
                                            text=self.fields.vectors.get(TEXT_VECTOR),
                                            image=self.fields.vectors.get(IMAGE_VECTOR))
        return QueryContext(query, text_vector=text, image_vector=image, user=person)

    def search(self, query: str, user: str | UserContext | None = None, model: str | None = None, k: int = 10,
               *, window: int = DEFAULT_WINDOW, explain: bool = False) -> list[Hit]:
        context = self.context(query, user, model)
        body = search_body(context, model=model, k=k, window=window, explain=explain and model is not None,
                           store=self.store, base=self.base_of(model), flavour=self.flavour)
        with translated(f"check the alias {self.alias!r}" + (f" and the model {model!r} (mmltr model list)"
                                                             if model else "")):
            response = self.client.search(index=self.alias, body=body)
        response = getattr(response, "body", response)
        return [_hit(h) for h in response["hits"]["hits"]]

    def base_of(self, model: str | None) -> BaseClause | None:
        """The model's base clause from its local record (none without a data dir or a record)."""
        if model is None or self.data_dir is None or not served_models.exists(self.data_dir, model):
            return None
        return served_models.load(self.data_dir, model)[0].base_clause()

    def _params_of(self, model: str) -> tuple[str, ...]:
        if model not in self._model_params:
            stored = models_mod.get_model(self.client, model, self.store)
            self._model_params[model] = stored.featureset.params if stored.featureset is not None else ()
        return self._model_params[model]


def search(client: Any, alias: str, query: str, user: str | UserContext | None = None, model: str | None = None,
           k: int = 10, *, explain: bool = False, window: int = DEFAULT_WINDOW,
           data_dir: str | Path | None = None) -> list[Hit]:
    """One search (builds a :class:`Searcher`; keep one for many queries)."""
    return Searcher(client, alias, data_dir=data_dir).search(query, user, model, k, window=window, explain=explain)


def _hit(raw: Mapping[str, Any]) -> Hit:
    features = None
    logs = (raw.get("fields") or {}).get("_ltrlog")
    if isinstance(logs, list) and logs and isinstance(logs[0], Mapping) and EXPLAIN_LOG in logs[0]:
        features = {e["name"]: float(e["value"]) if e.get("value") is not None else math.nan
                    for e in logs[0][EXPLAIN_LOG]}
    return Hit(str(raw["_id"]), float(raw.get("_score") or 0.0), dict(raw.get("_source") or {}), features)
