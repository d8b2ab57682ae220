"""How each cluster flavour spells vector search: one :class:`VectorDialect` per flavour, chosen once.

OpenSearch's k-NN plugin and Elasticsearch's built-in vectors do the same things with different syntax, and
each refuses the other's. The dialect is the one place that knows both: the mapping of a vector field, the
index settings vectors need, the first stage's approximate ``knn`` clause and the exact-score feature template.
``plugin_integration.cluster_info.ClusterInfo.vectors`` picks it from the detected flavour; everything else asks
the dialect and never branches on the flavour.

================  ==========================================  ===============================================
                  OpenSearch (k-NN plugin)                    Elasticsearch 8.15+ (built in)
================  ==========================================  ===============================================
field             ``knn_vector``, ``dimension``, HNSW          ``dense_vector``, ``dims``, ``index: true``,
                  ``method`` (space type, engine, m, ef)      ``similarity``, ``index_options`` hnsw (m, ef)
settings          ``index.knn: true``                         none (``index.knn`` is an unknown setting)
first stage       ``{"knn": {f: {"vector", "k"}}}``           ``{"knn": {"field", "query_vector", "k",
                                                              "num_candidates"}}``
exact feature     ``script_score`` + ``knn_score`` (lang knn)  ``script_score`` + painless ``cosineSimilarity``
                                                              / ``dotProduct`` / ``l2norm``
================  ==========================================  ===============================================

Feature values are the same on both: cosine ``(1 + cos) / 2`` (``knn_score`` on 2.19+ indices), inner product
``dot < 0 ? 1 / (1 - dot) : 1 + dot``, l2 ``1 / (1 + d^2)``. Similarities: ``cosinesimil`` -> ``cosine``,
``innerproduct`` -> ``max_inner_product`` (``dot_product`` would demand unit-length vectors, which CF vectors
are not), ``l2`` -> ``l2_norm``; ``l1``/``linf`` have no Elasticsearch similarity.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import IndexerError

if TYPE_CHECKING:
    from .mappings import VectorSpec

ES_SIMILARITY = {"cosinesimil": "cosine", "innerproduct": "max_inner_product", "l2": "l2_norm"}
MAX_CANDIDATES = 10_000

#: Painless sources giving the k-NN plugin's ``knn_score`` values (``params.query_vector``, field ``%s``).
_PAINLESS = {
    "cosinesimil": "(1.0 + cosineSimilarity(params.query_vector, '%s')) / 2.0",
    "innerproduct": "double d = dotProduct(params.query_vector, '%s'); return d < 0 ? 1.0 / (1.0 - d) : 1.0 + d;",
    "l2": "double d = l2norm(params.query_vector, '%s'); return 1.0 / (1.0 + d * d);",
}


@dataclass(frozen=True)
class VectorDialect:
    """The vector syntax of one cluster flavour (``opensearch`` or ``elasticsearch``)."""

    flavour: str

    @property
    def is_elasticsearch(self) -> bool:
        return self.flavour == "elasticsearch"

    def field_mapping(self, spec: "VectorSpec") -> dict[str, Any]:
        """The mapping of one vector field."""
        if not self.is_elasticsearch:
            return {"type": "knn_vector", "dimension": spec.dim, "method": {
                "name": "hnsw", "space_type": spec.space_type, "engine": spec.engine,
                "parameters": {"m": spec.m, "ef_construction": spec.ef_construction}}}
        similarity = ES_SIMILARITY.get(spec.space_type)
        if similarity is None:
            raise IndexerError(f"space type {spec.space_type!r} has no Elasticsearch dense_vector similarity; "
                               f"use one of {', '.join(ES_SIMILARITY)}")
        return {"type": "dense_vector", "dims": spec.dim, "index": True, "similarity": similarity,
                "index_options": {"type": "hnsw", "m": spec.m, "ef_construction": spec.ef_construction}}

    def index_settings(self) -> dict[str, Any]:
        """Index settings vector fields need (``index.knn`` on OpenSearch; nothing on Elasticsearch)."""
        return {} if self.is_elasticsearch else {"knn": True}

    def mapped_dimension(self, mapping: Mapping[str, Any]) -> int | None:
        """The dimension of an existing field mapping when it is this flavour's vector type, else None."""
        if mapping.get("type") == ("dense_vector" if self.is_elasticsearch else "knn_vector"):
            value = mapping.get("dims" if self.is_elasticsearch else "dimension")
            return int(value) if value is not None else None
        return None

    def knn_clause(self, field: str, vector: Sequence[float], k: int) -> dict[str, Any]:
        """The approximate ``knn`` query clause of the first stage (the ``k`` nearest documents)."""
        values = [float(x) for x in vector]
        if not self.is_elasticsearch:
            return {"knn": {field: {"vector": values, "k": int(k)}}}
        return {"knn": {"field": field, "query_vector": values, "k": int(k),
                        "num_candidates": min(max(int(k), 100), MAX_CANDIDATES)}}

    def exact_score(self, field: str, param: str, space_type: str) -> str:
        """An exact vector score as a mustache JSON string template: a ``script_score`` over the documents that
        have the vector, reading the sltr param ``param`` (injected with ``{{#toJson}}``)."""
        return self._script_score(field, "{{#toJson}}%s{{/toJson}}" % param, space_type)

    def exact_query(self, field: str, vector: Sequence[float], space_type: str = "cosinesimil") -> dict[str, Any]:
        """The same exact score as a query object, for a given vector (the dense ranker of ``evaluate``)."""
        return json.loads(self._script_score(field, json.dumps([float(x) for x in vector]), space_type))

    def _script_score(self, field: str, vector_json: str, space_type: str) -> str:
        if not self.is_elasticsearch:
            return ('{"script_score":{"query":{"exists":{"field":"%s"}},"script":{"lang":"knn","source":"knn_score",'
                    '"params":{"field":"%s","query_value":%s,"space_type":"%s"}}}}'
                    % (field, field, vector_json, space_type))
        source = _PAINLESS.get(space_type)
        if source is None:
            raise IndexerError(f"space type {space_type!r} has no Elasticsearch vector function; use one of "
                               f"{', '.join(_PAINLESS)}")
        return ('{"script_score":{"query":{"exists":{"field":"%s"}},"script":{"source":"%s","params":'
                '{"query_vector":%s}}}}' % (field, source % field, vector_json))


OPENSEARCH = VectorDialect("opensearch")
ELASTICSEARCH = VectorDialect("elasticsearch")


def dialect_for(flavour: str | None) -> VectorDialect:
    """The dialect of ``flavour`` (``opensearch`` when None)."""
    if flavour in (None, "opensearch"):
        return OPENSEARCH
    if flavour == "elasticsearch":
        return ELASTICSEARCH
    raise IndexerError(f"unknown cluster flavour {flavour!r}: use opensearch or elasticsearch")
