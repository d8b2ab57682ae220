"""Elasticsearch's vector search as one :class:`~..base.Plugin` value (core features there, a plugin here).

``dense_vector`` (field type), ``knn`` (query, and the top-level search section), ``painless`` (the script engine
of the documented subset). The Elasticsearch distribution lists it nowhere (``_cat/plugins`` shows only real
plugins): see :mod:`embedded_node.distributions`.
"""
from __future__ import annotations

from ..base import Plugin
from .dense_vector import DENSE_VECTOR
from .knn import knn_section, parse_knn_query
from .painless import compile_painless

NAME = "es-vectors"

ES_VECTORS = Plugin(
    name=NAME,
    description="Elasticsearch dense_vector, knn and painless vector functions (built into Elasticsearch)",
    queries=(("knn", parse_knn_query),),
    field_types=(("dense_vector", DENSE_VECTOR),),
    script_engines=(("painless", compile_painless),),
    search_sections=(("knn", knn_section),),
)
