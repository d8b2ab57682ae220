"""``_ltr`` store, cache and stats endpoints (``RestStoreManager``, ``RestFeatureStoreCaches``, stats).

The plugin declares :func:`rest_routes`; element endpoints live in :mod:`.rest_elements`.

* ``PUT|DELETE|GET|POST /_ltr[/{store}]``: create / delete / exists (``{"exists": true}``, 404 otherwise) /
  "Updating a feature store is not yet supported."; ``GET /_ltr`` lists the stores.
* ``POST /_ltr[/{store}]/_clearcache``, ``GET /_ltr/_cachestats``.
* ``GET /_plugins/_ltr[/{nodeId}]/stats[/{stat}]`` (and ``/_opendistro/...``; OpenSearch) and
  ``GET /_ltr/_stats[/{stat}][/nodes/{nodeId}]`` (o19s).
"""
from __future__ import annotations

from typing import Any

from . import rest_elements, stats, store
from .plugin import plugin
from ... import errors
from ...rest.router import RestRequest, RestResponse, RestRoute, acknowledged, ok


def rest_routes() -> tuple[RestRoute, ...]:
    """Every route of the plugin (``getRestHandlers``): store, cache and stats here, elements in
    :mod:`.rest_elements`."""
    routes: list[RestRoute] = []
    for path in ("/_ltr", "/_ltr/{store}"):
        routes.append(RestRoute("PUT", path, create_store))
        routes.append(RestRoute("DELETE", path, delete_store))
        routes.append(RestRoute("POST", path, update_store))
    routes.append(RestRoute("GET", "/_ltr", list_stores))
    routes.append(RestRoute("GET", "/_ltr/{store}", store_exists))
    routes.append(RestRoute("HEAD", "/_ltr/{store}", store_exists))
    routes.append(RestRoute("POST", "/_ltr/_clearcache", clear_cache))
    routes.append(RestRoute("POST", "/_ltr/{store}/_clearcache", clear_cache))
    routes.append(RestRoute("GET", "/_ltr/_cachestats", cache_stats))
    for base in ("/_plugins/_ltr", "/_opendistro/_ltr"):
        for path in ("stats", "stats/{stat}", "{node_id}/stats", "{node_id}/stats/{stat}"):
            routes.append(RestRoute("GET", f"{base}/{path}", plugin_stats))
    for path in ("_stats", "_stats/{stat}", "_stats/nodes/{node_id}", "_stats/{stat}/nodes/{node_id}"):
        routes.append(RestRoute("GET", f"/_ltr/{path}", plugin_stats))
    rest_elements.register(routes)
    return tuple(routes)


def create_store(req: RestRequest) -> RestResponse:
    index = store.create_store(req.node, req.path_params.get("store"))
    return ok({"acknowledged": True, "shards_acknowledged": True, "index": index})


def delete_store(req: RestRequest) -> RestResponse:
    name = req.path_params.get("store")
    index = store.index_name(name)
    if name is not None:
        store.validate_store_name(name)
    if index not in req.node.indices:
        raise errors.index_not_found(index)
    req.node.delete_indices(index)
    plugin(req.node).caches.evict_store(index)
    return acknowledged()


def update_store(req: RestRequest) -> RestResponse:
    raise errors.illegal_argument("Updating a feature store is not yet supported.")


def store_exists(req: RestRequest) -> RestResponse:
    exists = store.index_name(req.path_params.get("store")) in req.node.indices
    return RestResponse(200 if exists else 404, {"exists": exists})


def list_stores(req: RestRequest) -> RestResponse:
    """``ListStoresAction``: store name -> index, store version and element counts."""
    out: dict[str, Any] = {}
    for index in store.list_store_indices(req.node):
        name = store.store_name(index)
        version = (req.node.indices[index].mapping.meta or {}).get("version", store.STORE_VERSION)
        out[name] = {"store": name, "index": index, "version": version,
                     "counts": store.count_elements(req.node, index)}
    return ok({"stores": out})


def clear_cache(req: RestRequest) -> RestResponse:
    name = req.path_params.get("store")
    index = store.index_name(name) if name is not None else None
    if index is not None and index not in req.node.indices:
        raise errors.index_not_found(index)
    plugin(req.node).caches.evict_store(index)
    return acknowledged()


def cache_stats(req: RestRequest) -> RestResponse:
    return ok(stats.cache_stats(req.node))


def plugin_stats(req: RestRequest) -> RestResponse:
    wanted = req.path_params.get("stat")
    node_id = req.path_params.get("node_id")
    opensearch_path = req.path.startswith(("/_plugins", "/_opendistro"))
    return ok(stats.plugin_stats(req.node, wanted, node_id, with_requests=opensearch_path))
