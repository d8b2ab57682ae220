"""The lists of plugins the node mounts, in ``_cat/plugins`` order: one per emulated distribution.

The node hands one of them to :class:`~embedded_node.plugins_service.PluginsService`, which builds every registry
from it; nothing else in the engine names a plugin module. ``PLUGINS``: OpenSearch with the k-NN and LTR plugins.
``ELASTICSEARCH_PLUGINS``: Elasticsearch's built-in vectors (``dense_vector``, ``knn``, painless vector
functions) and the o19s LTR plugin, which answers on ``/_ltr`` only (no ``/_plugins/_ltr`` or
``/_opendistro/_ltr`` routes).
"""
from __future__ import annotations

import dataclasses

from .base import Plugin
from .es_vectors.plugin import ES_VECTORS
from .knn.knn_plugin import KNN_PLUGIN
from .ltr.ltr_plugin import LTR_PLUGIN

PLUGINS: tuple[Plugin, ...] = (KNN_PLUGIN, LTR_PLUGIN)

#: The LTR plugin's mount name (its state key); each distribution says how ``_cat/plugins`` lists it.
LTR_NAME = LTR_PLUGIN.name

O19S_LTR = dataclasses.replace(LTR_PLUGIN, rest_routes=tuple(
    r for r in LTR_PLUGIN.rest_routes if not r.path.startswith(("/_plugins/", "/_opendistro/"))))

ELASTICSEARCH_PLUGINS: tuple[Plugin, ...] = (ES_VECTORS, O19S_LTR)
