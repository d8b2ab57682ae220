"""Query builders: the first stage, the ``sltr`` query, the LTR rescore, and the feature-logging search.

Pure functions returning request bodies (golden-tested). Params go in as data (``params.to_params``); nothing
here renders a template.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from indexer.schema import BRAND, CATEGORY, DESCRIPTION, TEXT_VECTOR, TITLE
from indexer.vector_dialect import dialect_for

#: The items-index text fields BM25 searches (title boosted), and the vector field the ``knn`` clause uses.
DEFAULT_FIELDS = (f"{TITLE}^2", DESCRIPTION, BRAND, CATEGORY)
DEFAULT_VECTOR_FIELD = TEXT_VECTOR
DEFAULT_WINDOW = 100
LOG_NAME = "ltr_features"
LOGGED_QUERY = "logged_features"


def first_stage(keywords: str, text_vector: Sequence[float] | None = None, fields: Sequence[str] = DEFAULT_FIELDS,
                k: int = 100, vector_field: str = DEFAULT_VECTOR_FIELD, flavour: str = "opensearch",
                ) -> dict[str, Any]:
    """BM25 ``multi_match`` OR approximate ``knn`` on the text vector, as one ``bool.should``.

    Not the ``hybrid`` query: OpenSearch would rescore each hybrid sub-query separately, before normalisation,
    which is not what an LTR rescorer expects (ltr-plugin.md §4.5). ``flavour`` (``ClusterInfo.flavour``) picks
    the ``knn`` syntax through its :class:`~indexer.vector_dialect.VectorDialect`: the k-NN plugin's on
    OpenSearch, the ``dense_vector`` one on Elasticsearch.
    """
    should: list[dict[str, Any]] = [{"multi_match": {"query": keywords, "fields": list(fields)}}]
    if text_vector is not None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        should.append(dialect_for(flavour).knn_clause(vector_field, text_vector, k))
    return {"bool": {"should": should}}


def sltr(params: Mapping[str, Any], *, model: str | None = None, featureset: str | None = None,
         store: str | None = None, name: str | None = None, active_features: Sequence[str] | None = None,
         cache: bool | None = None) -> dict[str, Any]:
    """The ``sltr`` query: score with a stored ``model``, or sum a ``featureset``'s features (for logging)."""
    if (model is None) == (featureset is None):
        raise ValueError("sltr takes exactly one of model= or featureset=")
    body: dict[str, Any] = {"params": dict(params)}
    if model is not None:
        body["model"] = model
    if featureset is not None:
        body["featureset"] = featureset
    if store:
        body["store"] = store
    if active_features is not None:
        body["active_features"] = list(active_features)
    if cache is not None:
        body["cache"] = bool(cache)
    if name:
        body["_name"] = name
    return {"sltr": body}


@dataclass(frozen=True)
class BaseClause:
    """The base score a model's trees were trained to boost from (``ltr.base_score``), as the cluster serves it:
    ``weight`` times feature ``feature`` of the stored featureset ``featureset``.

    Trees cannot represent ``weight * feature`` exactly, so the model alone is not the trained score; serving
    adds this clause beside the model's ``sltr`` (an ``sltr`` of the featureset with ``active_features`` =
    [feature] sums just that feature, and its ``boost`` is the weight).
    """

    featureset: str
    feature: str
    weight: float

    def query(self, params: Mapping[str, Any], store: str | None = None) -> dict[str, Any]:
        clause = sltr(params, featureset=self.featureset, store=store, active_features=[self.feature])
        clause["sltr"]["boost"] = float(self.weight)
        return clause


def model_score(params: Mapping[str, Any], model: str, store: str | None = None, base: BaseClause | None = None,
                ) -> dict[str, Any]:
    """The served score of ``model`` as one query: its ``sltr``, plus its base clause when it has one (a
    ``bool.should`` of the two sums their scores)."""
    trees = sltr(params, model=model, store=store)
    return trees if base is None else {"bool": {"should": [trees, base.query(params, store)]}}


def with_ltr_rescore(query: Mapping[str, Any], model: str, params: Mapping[str, Any],
                     window_size: int | None = None, from_: int = 0, size: int = 10, store: str | None = None,
                     base: BaseClause | None = None) -> dict[str, Any]:
    """A search body: ``query`` as the first stage, rescored by ``model`` over the top ``window_size`` hits.

    ``query_weight`` 0 and ``rescore_query_weight`` 1 make the order inside the window the model's alone;
    the window must cover the page (``window_size >= from + size``, which Elasticsearch also enforces).
    With a ``base``, two rescorers over the same window: the first sets the score to the base, the second adds
    the model's trees (``query_weight`` 1); the model's ``sltr`` stays the last rescorer, whole, so
    ``ltr_log`` can log it by ``rescore_index``.
    """
    if from_ < 0 or size < 0:
        raise ValueError(f"from and size must be >= 0, got from={from_} size={size}")
    window = window_size if window_size is not None else max(DEFAULT_WINDOW, from_ + size)
    if window < from_ + size:
        raise ValueError(f"window_size {window} is smaller than from + size = {from_ + size}: hits past the "
                         "window would keep first-stage scores and mix with model scores")
    trees = {"window_size": window, "query": {"rescore_query": sltr(params, model=model, store=store),
                                              "query_weight": 0.0, "rescore_query_weight": 1.0,
                                              "score_mode": "total"}}
    if base is None:
        return {"query": dict(query), "from": from_, "size": size, "rescore": trees}
    trees["query"]["query_weight"] = 1.0
    first = {"window_size": window, "query": {"rescore_query": base.query(params, store), "query_weight": 0.0,
                                              "rescore_query_weight": 1.0, "score_mode": "total"}}
    return {"query": dict(query), "from": from_, "size": size, "rescore": [first, trees]}


def model_rescorer(body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """``(rescore_index, sltr body)`` of the model's rescorer in a :func:`with_ltr_rescore` body."""
    rescore = body["rescore"]
    rescorers = rescore if isinstance(rescore, list) else [rescore]
    return len(rescorers) - 1, rescorers[-1]["query"]["rescore_query"]["sltr"]


def logging_search(featureset: str, params: Mapping[str, Any], doc_ids: Sequence[str], log_name: str = LOG_NAME,
                   store: str | None = None, missing_as_zero: bool = False,
                   query_name: str = LOGGED_QUERY) -> dict[str, Any]:
    """A search that returns ``doc_ids`` with the featureset's values in ``fields._ltrlog``.

    The ``sltr`` sits in a ``bool.filter`` with a ``_name`` (so it scores nothing and selects nothing beyond
    the ids) and ``ext.ltr_log`` logs that named query; ``size`` equals the number of ids so all come back.
    """
    ids = list(dict.fromkeys(str(d) for d in doc_ids))
    return {
        "size": len(ids),
        "_source": False,
        "query": {"bool": {"filter": [
            {"ids": {"values": ids}},
            sltr(params, featureset=featureset, store=store, name=query_name),
        ]}},
        "ext": {"ltr_log": {"log_specs": [
            {"name": log_name, "named_query": query_name, "missing_as_zero": bool(missing_as_zero)},
        ]}},
    }
