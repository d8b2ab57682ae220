"""Scoring requests for ``mmltr evaluate``: what each ranker's scores are, asked of the cluster.

Every ranker is scored by the cluster as a search would score it, never re-derived from logged features:

* ``bm25``: the ``multi_match`` of the first stage (:data:`queries.DEFAULT_FIELDS`). Its score is not the sum of
  the per-field BM25 features (``multi_match`` is a ``best_fields`` dis-max with the title boosted).
* ``dense``: the exact cosine of the text vector (``script_score`` with ``knn_score``, as the ``knn_text``
  feature computes it), over the judged pool or over the whole index.
* ``ltr`` with a stored model: the ``sltr`` score the cluster serves (pools), or the first stage rescored by
  the model (retrieval, :func:`search.search_body`).
* first-stage candidates for the fold models (retrieval): the serving first stage's top ``window``.

Pool searches (``rerank``) restrict the query to the pool with an ``ids`` filter; a pool document the query
does not match is not returned and scores 0. Many searches go in one ``_msearch``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from indexer.vector_dialect import dialect_for

from .errors import ClusterError, from_body, translated
from .ltr_api import is_opensearch_client
from .params import QueryContext
from .queries import DEFAULT_FIELDS, DEFAULT_VECTOR_FIELD, BaseClause, first_stage, model_score
from .search import search_body

DEFAULT_BATCH_SIZE = 32
Scores = dict[str, dict[str, float]]  # key -> doc_id -> score
Progress = Callable[[int, int], None]


def bm25_query(keywords: str, fields: Sequence[str] = DEFAULT_FIELDS) -> dict[str, Any]:
    """The first stage's BM25 clause alone."""
    return {"multi_match": {"query": keywords, "fields": list(fields)}}


def cosine_query(vector: Sequence[float], field: str = DEFAULT_VECTOR_FIELD,
                 space_type: str = "cosinesimil", flavour: str = "opensearch") -> dict[str, Any]:
    """The exact vector score of every document that has ``field`` (what the ``knn_text`` feature computes), in
    the flavour's syntax (``knn_score`` on OpenSearch, painless ``cosineSimilarity`` on Elasticsearch)."""
    return dialect_for(flavour).exact_query(field, vector, space_type)


def model_query(context: QueryContext, model: str, store: str | None = None, base: BaseClause | None = None,
                ) -> dict[str, Any]:
    """The stored model's served score under the context's params (its ``sltr``, plus its base clause)."""
    return model_score(context.to_params(), model, store, base)


def pool_body(query: Mapping[str, Any], doc_ids: Sequence[str]) -> dict[str, Any]:
    ids = list(dict.fromkeys(map(str, doc_ids)))
    return {"size": len(ids), "_source": False,
            "query": {"bool": {"filter": [{"ids": {"values": ids}}], "must": [dict(query)]}}}


def top_body(query: Mapping[str, Any], k: int) -> dict[str, Any]:
    return {"size": int(k), "_source": False, "query": dict(query)}


def pool_scores(client: Any, index: str, queries: Mapping[str, Mapping[str, Any]],
                pools: Mapping[str, Sequence[str]], **kwargs: Any) -> Scores:
    """``queries[key]`` scored on ``pools[key]``; every pool document gets a score (0 when not matched)."""
    bodies = {key: pool_body(queries[key], pool) for key, pool in pools.items() if pool}
    found = run_searches(client, index, bodies, **kwargs)
    return {key: {str(d): found.get(key, {}).get(str(d), 0.0) for d in pool} for key, pool in pools.items()}


def top_scores(client: Any, index: str, queries: Mapping[str, Mapping[str, Any]], k: int, **kwargs: Any) -> Scores:
    """The top ``k`` of the whole index per key."""
    return run_searches(client, index, {key: top_body(q, k) for key, q in queries.items()}, **kwargs)


def first_stage_top(client: Any, index: str, contexts: Mapping[str, QueryContext], window: int,
                    flavour: str = "opensearch", **kwargs: Any) -> Scores:
    """The serving first stage (BM25 ``multi_match`` OR ``knn``) top ``window`` per key: the candidates a
    rescoring model sees."""
    queries = {key: first_stage(c.keywords, c.text_vector, k=window, flavour=flavour) for key, c in contexts.items()}
    return top_scores(client, index, queries, window, **kwargs)


def served_top(client: Any, index: str, contexts: Mapping[str, QueryContext], model: str, *, k: int, window: int,
               store: str | None = None, flavour: str = "opensearch", base: BaseClause | None = None,
               **kwargs: Any) -> Scores:
    """What serving returns: the first stage's top ``window`` rescored by ``model``; the top ``k``."""
    bodies = {}
    for key, context in contexts.items():
        body = search_body(context, model=model, k=min(k, window), window=window, store=store, flavour=flavour,
                           base=base)
        body["_source"] = False
        bodies[key] = body
    return run_searches(client, index, bodies, **kwargs)


def run_searches(client: Any, index: str, bodies: Mapping[str, Mapping[str, Any]], *,
                 batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None) -> Scores:
    """Each body searched on ``index`` (``_msearch`` batches); ``{key: {doc_id: score}}`` in hit order."""
    keys = list(bodies)
    out: Scores = {}
    for start in range(0, len(keys), batch_size):
        batch = keys[start:start + batch_size]
        lines: list[Any] = []
        for key in batch:
            lines.extend(({"index": index}, dict(bodies[key])))
        with translated(f"check the alias {index!r} and the evaluated model"):
            response = client.msearch(body=lines) if is_opensearch_client(client) else client.msearch(searches=lines)
        responses = getattr(response, "body", response).get("responses") or []
        if len(responses) != len(batch):
            raise ClusterError("N/A", "msearch_mismatch",
                               f"_msearch answered {len(responses)} responses for {len(batch)} searches")
        for key, answer in zip(batch, responses):
            if "error" in answer:
                raise from_body(answer.get("status", "N/A"), answer, hint=f"scoring query {key!r} failed")
            out[key] = {str(h["_id"]): float(h.get("_score") or 0.0) for h in answer["hits"]["hits"]}
        if progress is not None:
            progress(min(start + batch_size, len(keys)), len(keys))
    return out
