"""Bodies of ``_cachestats`` and the plugin stats endpoints.

Plugin stats (``reference/ltr-plugin.md`` §1.1; OpenSearch ``LTRStats``, o19s ``LTRStatsAction``): cluster
stats ``status`` and ``stores`` (per store: model/featureset/feature counts and the index health), node stats
``cache`` (per cache: hit/miss/eviction/entry counts and memory) and, on OpenSearch only,
``request_total_count`` / ``request_error_count`` (``sltr`` queries bound, and those that failed).
"""
from __future__ import annotations

from typing import Any

from . import store
from .plugin import KINDS, plugin
from ... import errors

CLUSTER_STATS = ("status", "stores")
NODE_STATS = ("cache", "request_total_count", "request_error_count")


def _nodes_header(node: Any, count: int = 1) -> dict[str, Any]:
    return {"_nodes": {"total": count, "successful": count, "failed": 0}, "cluster_name": "mmltr-embedded"}


def _store_health(node: Any, index: str) -> str:
    shard = node.indices[index]
    replicas = int(shard.settings.get("index.number_of_replicas", "1"))
    auto = str(shard.settings.get("index.auto_expand_replicas", "false"))
    return "yellow" if replicas > 0 and not auto.startswith("0-") else "green"


def _stores(node: Any) -> dict[str, Any]:
    out = {}
    for index in store.list_store_indices(node):
        counts = store.count_elements(node, index)
        out[store.store_name(index)] = {
            "model_count": counts["model"], "featureset_count": counts["featureset"],
            "feature_count": counts["feature"], "status": _store_health(node, index)}
    return out


def _cache(node: Any) -> dict[str, Any]:
    plugin(node).sync_caches()
    caches = plugin(node).caches
    out = {}
    for kind in KINDS:
        count, size = caches.usage(kind)
        stat = caches.stats[kind]
        out[kind] = {"eviction_count": stat.eviction_count, "miss_count": stat.miss_count,
                     "hit_count": stat.hit_count, "entry_count": count, "memory_usage_in_bytes": size}
    return out


def _node_matches(node: Any, node_id: str | None) -> bool:
    if node_id is None:
        return True
    wanted = {part.strip() for part in node_id.split(",")}
    return bool(wanted & {"_all", "_local", "*", node.node_id, f"mmltr-embedded-{node.node_id[:7]}"})


def plugin_stats(node: Any, wanted: str | None, node_id: str | None, with_requests: bool) -> dict[str, Any]:
    valid = CLUSTER_STATS + (NODE_STATS if with_requests else NODE_STATS[:1])
    names = [s.strip() for s in wanted.split(",")] if wanted and wanted != "_all" else list(valid)
    bad = [s for s in names if s not in valid]
    if bad:
        raise errors.illegal_argument(f"Unrecognized stats: [{', '.join(bad)}]")
    matched = _node_matches(node, node_id)
    body = _nodes_header(node, 1 if matched else 0)
    if "stores" in names:
        body["stores"] = _stores(node)
    if "status" in names:
        health = [s["status"] for s in _stores(node).values()]
        body["status"] = "yellow" if "yellow" in health else "green"
    node_body: dict[str, Any] = {}
    if "cache" in names:
        node_body["cache"] = _cache(node)
    state = plugin(node)
    if "request_total_count" in names:
        node_body["request_total_count"] = state.request_total
    if "request_error_count" in names:
        node_body["request_error_count"] = state.request_errors
    body["nodes"] = {node.node_id: node_body} if matched and node_body else {}
    return body


def cache_stats(node: Any) -> dict[str, Any]:
    """``CachesStatsAction``: totals, per store and per node (``{"ram", "count"}`` per cache)."""
    plugin(node).sync_caches()
    caches = plugin(node).caches

    def details(index: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        total_ram = total_count = 0
        for kind in KINDS:
            count, size = caches.usage(kind, index)
            out[kind + "s"] = {"ram": size, "count": count}
            total_ram += size
            total_count += count
        return {"total": {"ram": total_ram, "count": total_count}, **out}

    stores = {store.store_name(index): details(index) for index in store.list_store_indices(node)}
    name = f"mmltr-embedded-{node.node_id[:7]}"
    return {**_nodes_header(node), "all": details(None), "stores": stores,
            "nodes": {node.node_id: {"name": name, "hostname": "localhost", "stats": details(None)}}}
