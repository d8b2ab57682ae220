"""Index settings and mappings, generated from the encoders' dimensions and the vector/analyzer options.

Text fields (``title``, ``description``, ``brand``, ``category``) use one analyzer (``standard`` by
default, the analyzer the embedded node reproduces bit for bit; ``cjk`` for Chinese/Japanese/Korean
catalogues) with ``keyword`` sub-fields for exact filters and aggregations. ``attributes`` is stored but
not indexed (``enabled: false``): free-form columns cannot break the mapping. Vector fields are spelled by
the cluster's :class:`~.vector_dialect.VectorDialect` (``knn_vector`` with HNSW parameters and ``index.knn`` on
OpenSearch, ``dense_vector`` with a similarity and HNSW options on Elasticsearch); ``cf_vector`` may be added
later by ``update-vectors`` (``vector_field_mapping``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import schema
from .errors import IndexerError
from .vector_dialect import OPENSEARCH, VectorDialect

SPACE_TYPES = ("cosinesimil", "innerproduct", "l2", "l1", "linf")
ENGINES = ("faiss", "lucene", "nmslib")


@dataclass(frozen=True)
class VectorSpec:
    """One vector field: dimension, similarity (a k-NN space type) and HNSW build parameters."""

    dim: int
    space_type: str = "cosinesimil"
    engine: str = "faiss"
    m: int = 16
    ef_construction: int = 100

    def __post_init__(self) -> None:
        if self.dim <= 0:
            raise IndexerError(f"vector dimension must be positive, got {self.dim}")
        if self.space_type not in SPACE_TYPES:
            raise IndexerError(f"space type {self.space_type!r} is not one of {', '.join(SPACE_TYPES)}")
        if self.engine not in ENGINES:
            raise IndexerError(f"k-NN engine {self.engine!r} is not one of {', '.join(ENGINES)}")
        if self.engine == "lucene" and self.space_type in ("l1", "linf"):
            raise IndexerError(
                f"the lucene engine does not support {self.space_type}; use faiss or l2/cosinesimil"
            )
        if self.m < 2 or self.ef_construction < 2:
            raise IndexerError("HNSW m and ef_construction must be at least 2 (defaults: 16 and 100)")

    def to_dict(self, dialect: VectorDialect = OPENSEARCH) -> dict[str, Any]:
        return dialect.field_mapping(self)


@dataclass(frozen=True)
class MappingOptions:
    text: VectorSpec | None = None
    image: VectorSpec | None = None
    cf: VectorSpec | None = None
    analyzer: str = "standard"
    shards: int = 1
    meta: dict[str, Any] = field(default_factory=dict)
    dialect: VectorDialect = OPENSEARCH


def build_mappings(options: MappingOptions) -> dict[str, Any]:
    def text(keyword: bool, ignore_above: int = 256) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": "text", "analyzer": options.analyzer}
        if keyword:
            spec["fields"] = {schema.KEYWORD_SUBFIELD: {"type": "keyword", "ignore_above": ignore_above}}
        return spec

    properties: dict[str, Any] = {
        schema.ID: {"type": "keyword"},
        schema.TITLE: text(keyword=True, ignore_above=512),
        schema.DESCRIPTION: text(keyword=False),
        schema.BRAND: text(keyword=True),
        schema.CATEGORY: text(keyword=True, ignore_above=1024),
        schema.CATEGORY_LEVELS: {"type": "keyword", "ignore_above": 1024},
        schema.COLOR: {"type": "keyword", "ignore_above": 256},
        **{name: {"type": "float"} for name in schema.NUMERIC_FIELDS},
        schema.IMAGE: {"type": "keyword", "index": False},
        schema.CREATED_AT: {"type": "date"},
        schema.ATTRIBUTES: {"type": "object", "enabled": False},
    }
    for name, spec in ((schema.TEXT_VECTOR, options.text), (schema.IMAGE_VECTOR, options.image), (schema.CF_VECTOR, options.cf)):
        if spec is not None:
            properties[name] = spec.to_dict(options.dialect)
    mappings: dict[str, Any] = {"dynamic": False, "properties": properties}
    if options.meta:
        mappings["_meta"] = {"mmltr": options.meta}
    return mappings


def load_settings(shards: int = 1, dialect: VectorDialect = OPENSEARCH) -> dict[str, Any]:
    """Settings while bulk loading: no refresh and no replicas (each doc written once, no segment churn)."""
    return {
        "index": {**dialect.index_settings(), "number_of_shards": shards, "number_of_replicas": 0,
                  "refresh_interval": "-1"}
    }


def live_settings(replicas: int, refresh_interval: str = "1s") -> dict[str, Any]:
    """Settings restored before the version goes live."""
    return {"index": {"number_of_replicas": replicas, "refresh_interval": refresh_interval}}


def build_index_body(options: MappingOptions) -> dict[str, Any]:
    """The ``indices.create`` body of a new version."""
    return {"settings": load_settings(options.shards, options.dialect), "mappings": build_mappings(options)}


def vector_field_mapping(field_name: str, spec: VectorSpec, dialect: VectorDialect = OPENSEARCH) -> dict[str, Any]:
    """The ``indices.put_mapping`` body that adds one vector field to an existing index."""
    return {"properties": {field_name: spec.to_dict(dialect)}}


def field_mappings(client: Any, index: str) -> dict[str, Any]:
    """The top-level ``properties`` of a concrete index's mapping, as the cluster reports them."""
    mapping = client.indices.get_mapping(index=index)
    return dict((mapping.get(index, {}).get("mappings", {}) or {}).get("properties", {}) or {})
