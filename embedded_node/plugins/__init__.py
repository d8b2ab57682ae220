"""The node's plugins: the interface (:mod:`.base`), the LTR (:mod:`.ltr`) and k-NN (:mod:`.knn`) plugins,
Elasticsearch's built-in vectors (:mod:`.es_vectors`), and the lists the node mounts (:data:`PLUGINS` for
OpenSearch, :data:`ELASTICSEARCH_PLUGINS`, from :mod:`.registry`).
"""
from __future__ import annotations

from .registry import ELASTICSEARCH_PLUGINS, LTR_NAME, PLUGINS

__all__ = ["ELASTICSEARCH_PLUGINS", "LTR_NAME", "PLUGINS"]
