"""Cluster-level endpoints: ``GET /``, health, ``_cat`` tables, plugins and cluster settings."""
from __future__ import annotations

import time
from typing import Any

from .. import errors
from .router import RestRequest, RestResponse, Router, ok

def register(router: Router) -> None:
    router.add("GET", "/", info)
    router.add("GET", "/_cluster/health", health)
    router.add("GET", "/_cluster/health/{index}", health)
    router.add("GET", "/_cluster/settings", get_cluster_settings)
    router.add("PUT", "/_cluster/settings", put_cluster_settings)
    router.add("GET", "/_cat/indices", cat_indices)
    router.add("GET", "/_cat/indices/{index}", cat_indices)
    router.add("GET", "/_cat/plugins", cat_plugins)
    router.add("GET", "/_cat/health", cat_health)
    router.add("GET", "/_cat/count", cat_count)
    router.add("GET", "/_cat/count/{index}", cat_count)
    router.add("GET", "/_cat/aliases", cat_aliases)
    router.add("GET", "/_cat/aliases/{name}", cat_aliases)
    router.add("GET", "/_nodes", nodes_info)


def info(req: RestRequest) -> RestResponse:
    """``GET /``: the emulated distribution's body (OpenSearch's, or Elasticsearch's that elasticsearch-py checks)."""
    return ok(req.node.profile.root(req.node))


def _index_health(shard: Any) -> str:
    replicas = int(shard.settings.get("index.number_of_replicas", "1"))
    auto = shard.settings.get("index.auto_expand_replicas", "false")
    return "yellow" if replicas > 0 and not str(auto).startswith("0-") else "green"


def health(req: RestRequest) -> RestResponse:
    node = req.node
    shards = node.resolve(req.path_params.get("index", "_all"), expand_wildcards="all")
    statuses = [_index_health(s) for s in shards]
    status = "yellow" if "yellow" in statuses else "green"
    wanted = req.param("wait_for_status")
    timed_out = False
    if wanted == "green" and status != "green":
        timed_out = True
    unassigned = sum(int(s.settings.get("index.number_of_replicas", "1")) for s in shards
                     if _index_health(s) == "yellow")
    active = len(shards)
    body = {
        "cluster_name": "mmltr-embedded", "status": status, "timed_out": timed_out, "number_of_nodes": 1,
        "number_of_data_nodes": 1, "discovered_master": True, "discovered_cluster_manager": True,
        "active_primary_shards": active, "active_shards": active, "relocating_shards": 0,
        "initializing_shards": 0, "unassigned_shards": unassigned, "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": 100.0 * active / (active + unassigned) if active + unassigned else 100.0,
    }
    return RestResponse(408 if timed_out else 200, body)


def get_cluster_settings(req: RestRequest) -> RestResponse:
    settings = req.node.extensions.get("cluster_settings", {"persistent": {}, "transient": {}})
    return ok({"persistent": settings.get("persistent", {}), "transient": settings.get("transient", {})})


def put_cluster_settings(req: RestRequest) -> RestResponse:
    body = req.json(required=True)
    if not isinstance(body, dict) or not set(body) <= {"persistent", "transient"}:
        raise errors.parsing("cluster settings body must hold [persistent] and/or [transient] objects")
    current = req.node.extensions.setdefault("cluster_settings", {"persistent": {}, "transient": {}})
    for scope in ("persistent", "transient"):
        if not isinstance(body.get(scope) or {}, dict):
            raise errors.EngineError("settings_exception", f"Failed to load settings from [{body[scope]}]: "
                                     f"[{scope}] must be an object of settings", 400)
    for scope in ("persistent", "transient"):
        for key, value in (body.get(scope) or {}).items():
            if value is None:
                current[scope].pop(key, None)
            else:
                current[scope][key] = value
    return ok({"acknowledged": True, "persistent": body.get("persistent", {}), "transient": body.get("transient", {})})


def _cat(req: RestRequest, rows: list[dict[str, Any]], default_columns: list[str]) -> RestResponse:
    columns = req.param("h").split(",") if req.param("h") else default_columns
    sort = req.param("s")
    if sort:
        for key in reversed(sort.split(",")):
            name, _, order = key.partition(":")
            rows.sort(key=lambda r: _sortable(r.get(name)), reverse=order == "desc")
    if req.param("format") == "json":
        return ok([{c: row.get(c) for c in columns} for row in rows])
    table = [[str(row.get(c, "")) for c in columns] for row in rows]
    if req.flag("v"):
        table.insert(0, columns)
    widths = [max((len(r[i]) for r in table), default=0) for i in range(len(columns))]
    lines = [" ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]
    return RestResponse(200, "".join(line + "\n" for line in lines), "text/plain; charset=UTF-8")


def _sortable(value: Any) -> Any:
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        return (1, str(value))


def cat_indices(req: RestRequest) -> RestResponse:
    node = req.node
    expr = req.path_params.get("index", "_all")
    shards = node.resolve(expr, expand_wildcards=req.param("expand_wildcards", "all"))
    rows = []
    for shard in shards:
        deleted = sum(seg.max_doc - seg.num_docs for seg in shard.segments)
        size = _store_size(shard)
        rows.append({"health": _index_health(shard), "status": "open", "index": shard.name, "uuid": shard.uuid,
                     "pri": shard.settings.get("index.number_of_shards", "1"),
                     "rep": shard.settings.get("index.number_of_replicas", "1"),
                     "docs.count": str(shard.doc_count), "docs.deleted": str(deleted),
                     "store.size": _human(size), "pri.store.size": _human(size)})
    rows.sort(key=lambda r: r["index"])
    return _cat(req, rows, ["health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted",
                            "store.size", "pri.store.size"])


def _store_size(shard: Any) -> int:
    folder = shard.segments_dir()
    if folder is None or not folder.exists():
        return 0
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def _human(size: int) -> str:
    units = ["b", "kb", "mb", "gb"]
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            return f"{value:.1f}{unit}" if unit != "b" else f"{int(value)}b"
        value /= 1024
    return f"{size}b"


def cat_plugins(req: RestRequest) -> RestResponse:
    node = req.node
    name = f"mmltr-embedded-{node.node_id[:7]}"
    rows = [{"name": name, "component": comp, "version": version} for comp, version in node.profile.cat_plugins(node)]
    return _cat(req, rows, ["name", "component", "version"])


def cat_health(req: RestRequest) -> RestResponse:
    body = health(req).body
    row = {"epoch": str(int(time.time())), "timestamp": time.strftime("%H:%M:%S"), "cluster": body["cluster_name"],
           "status": body["status"], "node.total": "1", "node.data": "1", "shards": str(body["active_shards"]),
           "pri": str(body["active_primary_shards"]), "relo": "0", "init": "0",
           "unassign": str(body["unassigned_shards"]), "pending_tasks": "0"}
    return _cat(req, [row], list(row))


def cat_count(req: RestRequest) -> RestResponse:
    shards = req.node.resolve(req.path_params.get("index", "_all"))
    total = sum(s.doc_count for s in shards)
    row = {"epoch": str(int(time.time())), "timestamp": time.strftime("%H:%M:%S"), "count": str(total)}
    return _cat(req, [row], list(row))


def cat_aliases(req: RestRequest) -> RestResponse:
    rows = []
    wanted = req.path_params.get("name")
    for alias, targets in sorted(req.node.aliases.items()):
        if wanted and alias != wanted:
            continue
        for index, meta in sorted(targets.items()):
            rows.append({"alias": alias, "index": index, "filter": "-", "routing.index": "-",
                         "routing.search": "-", "is_write_index": str(meta.get("is_write_index", "-")).lower()})
    return _cat(req, rows, ["alias", "index", "filter", "routing.index", "routing.search", "is_write_index"])


def nodes_info(req: RestRequest) -> RestResponse:
    node = req.node
    name = f"mmltr-embedded-{node.node_id[:7]}"
    return ok({"_nodes": {"total": 1, "successful": 1, "failed": 0}, "cluster_name": "mmltr-embedded",
               "nodes": {node.node_id: {"name": name, "version": node.version, "roles": list(node.profile.roles),
                                        "plugins": [{"name": c, "version": v, "description": d}
                                                    for c, v, d in node.profile.plugin_rows(node)]}}})
