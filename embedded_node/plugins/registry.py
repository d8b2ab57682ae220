"""The one list of plugins the node mounts, in ``_cat/plugins`` order.

The node hands it to :class:`~embedded_node.plugins_service.PluginsService`, which builds every registry from
it; nothing else in the engine names a plugin module.
"""
from __future__ import annotations

from .base import Plugin
from .knn.knn_plugin import KNN_PLUGIN
from .ltr.ltr_plugin import LTR_PLUGIN

PLUGINS: tuple[Plugin, ...] = (KNN_PLUGIN, LTR_PLUGIN)
