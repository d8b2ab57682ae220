"""The node's ``RestController``: the core REST actions plus the routes of the mounted plugins.

Built once per node by :class:`~embedded_node.plugins_service.PluginsService`; both doors into the node (the
in-process transport and the HTTP server) dispatch through it.
"""
from __future__ import annotations

from typing import Iterable

from . import cluster, documents, indices, search_api
from .faults import with_faults
from .router import RestRoute, Router

CORE_ACTIONS = (cluster, indices, documents, search_api)


def rest_controller(plugin_routes: Iterable[RestRoute]) -> Router:
    router = Router()
    for module in CORE_ACTIONS:
        module.register(router)
    router.add_routes(plugin_routes)
    return with_faults(router)  # off unless MMLTR_FAULTS asks for injected faults
