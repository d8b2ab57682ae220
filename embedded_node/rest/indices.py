"""Index endpoints: create/delete/exists/get, mappings, settings, refresh, force merge, aliases, analyze.

Index expressions resolve under the request's ``ignore_unavailable``/``allow_no_indices``/``expand_wildcards``
with each API's OpenSearch defaults (:mod:`.index_options`)."""
from __future__ import annotations

import fnmatch
from typing import Any

from .. import errors
from ..analysis import analyzer_names, get_analyzer
from ..settings import nest
from .index_options import DELETE_INDEX, STRICT_EXPAND_OPEN, IndicesOptions, resolve_names
from .router import RestRequest, RestResponse, Router, acknowledged, ok


def register(router: Router) -> None:
    router.add("PUT", "/{index}", create_index)
    router.add("DELETE", "/{index}", delete_index)
    router.add("HEAD", "/{index}", index_exists)
    router.add("GET", "/{index}", get_index)
    for method in ("GET",):
        router.add(method, "/_mapping", get_mapping)
        router.add(method, "/{index}/_mapping", get_mapping)
        router.add(method, "/_settings", get_settings)
        router.add(method, "/{index}/_settings", get_settings)
        router.add(method, "/{index}/_settings/{name}", get_settings)
    for method in ("PUT", "POST"):
        router.add(method, "/{index}/_mapping", put_mapping)
        router.add(method, "/{index}/_alias/{name}", put_alias)
        router.add(method, "/{index}/_aliases/{name}", put_alias)
    router.add("PUT", "/{index}/_settings", put_settings)
    router.add("PUT", "/_settings", put_settings)
    for method in ("POST", "GET"):
        router.add(method, "/_refresh", refresh)
        router.add(method, "/{index}/_refresh", refresh)
        router.add(method, "/_flush", flush)
        router.add(method, "/{index}/_flush", flush)
        router.add(method, "/_analyze", analyze)
        router.add(method, "/{index}/_analyze", analyze)
    router.add("POST", "/_forcemerge", force_merge)
    router.add("POST", "/{index}/_forcemerge", force_merge)
    router.add("POST", "/_aliases", update_aliases)
    router.add("GET", "/_aliases", get_aliases)
    router.add("GET", "/{index}/_aliases", get_aliases)
    router.add("GET", "/_alias", get_aliases)
    router.add("GET", "/_alias/{name}", get_aliases)
    router.add("HEAD", "/_alias/{name}", alias_exists)
    router.add("GET", "/{index}/_alias", get_aliases)
    router.add("GET", "/{index}/_alias/{name}", get_aliases)
    router.add("HEAD", "/{index}/_alias/{name}", alias_exists)
    router.add("DELETE", "/{index}/_alias/{name}", delete_alias)
    router.add("DELETE", "/{index}/_aliases/{name}", delete_alias)
    router.add("GET", "/_stats", index_stats)
    router.add("GET", "/{index}/_stats", index_stats)


def _names(req: RestRequest, default: IndicesOptions = STRICT_EXPAND_OPEN, index: str | None = None) -> list[str]:
    """The request's index expression resolved under its ``IndicesOptions`` (:mod:`.index_options`)."""
    expression = index if index is not None else req.path_params.get("index", "_all")
    return resolve_names(req.node, expression, default.with_request(req))


def _shards(req: RestRequest, default: IndicesOptions = STRICT_EXPAND_OPEN) -> list[Any]:
    return [req.node.indices[name] for name in _names(req, default)]


def create_index(req: RestRequest) -> RestResponse:
    name = req.path_params["index"]
    req.node.create_index(name, req.json() or {})
    return ok({"acknowledged": True, "shards_acknowledged": True, "index": name})


def delete_index(req: RestRequest) -> RestResponse:
    """``DELETE /{index}``: missing names are a 404 unless ``ignore_unavailable``; nothing matched is fine
    unless ``allow_no_indices=false`` (both raised by the resolver)."""
    names = _names(req, DELETE_INDEX)
    if names:
        req.node.delete_indices(",".join(names), expand_wildcards="all")
    return acknowledged()


def index_exists(req: RestRequest) -> RestResponse:
    try:
        names = _names(req)
    except errors.EngineError as exc:
        if exc.status == 404:
            return RestResponse(404)
        raise
    return RestResponse(200 if names else 404)


def _aliases_of(node: Any, index: str) -> dict[str, Any]:
    return {alias: dict(targets[index]) for alias, targets in sorted(node.aliases.items()) if index in targets}


def get_index(req: RestRequest) -> RestResponse:
    node = req.node
    out = {}
    for shard in _shards(req):
        out[shard.name] = {"aliases": _aliases_of(node, shard.name), "mappings": shard.mapping.to_dict(),
                           "settings": node.settings_view(shard)}
    return ok(out)


def get_mapping(req: RestRequest) -> RestResponse:
    return ok({s.name: {"mappings": s.mapping.to_dict()}
               for s in _shards(req)})


def put_mapping(req: RestRequest) -> RestResponse:
    req.node.put_mapping(req.path_params["index"], req.json(required=True))
    return acknowledged()


def get_settings(req: RestRequest) -> RestResponse:
    node = req.node
    out = {}
    wanted = req.path_params.get("name")
    for shard in _shards(req):
        settings = node.settings_view(shard)
        if wanted:
            flat = {k: v for k, v in shard.settings.items() if k == wanted or k.startswith(wanted.rstrip("*"))}
            settings = nest(flat)
        out[shard.name] = {"settings": settings}
    return ok(out)


def put_settings(req: RestRequest) -> RestResponse:
    req.node.put_settings(req.path_params.get("index", "_all"), req.json(required=True))
    return acknowledged()


def _shards_header(count: int) -> dict[str, Any]:
    return {"_shards": {"total": count * 2, "successful": count, "failed": 0}}


def refresh(req: RestRequest) -> RestResponse:
    shards = _shards(req)
    for shard in shards:
        shard.refresh()
    return ok(_shards_header(len(shards)))


def flush(req: RestRequest) -> RestResponse:
    return refresh(req)


def force_merge(req: RestRequest) -> RestResponse:
    shards = _shards(req)
    raw = req.param("max_num_segments", "1")
    try:
        max_segments = int(raw)
    except ValueError:  # RestRequest.paramAsInt
        raise errors.illegal_argument(f"Failed to parse int parameter [max_num_segments] with value [{raw}]") from None
    for shard in shards:
        shard.force_merge(max_segments, req.flag("only_expunge_deletes"))
    return ok(_shards_header(len(shards)))


def update_aliases(req: RestRequest) -> RestResponse:
    body = req.json(required=True)
    if not isinstance(body, dict) or "actions" not in body:
        raise errors.parsing("[aliases] failed to parse field [actions]")
    req.node.update_aliases(body["actions"])
    return acknowledged()


def put_alias(req: RestRequest) -> RestResponse:
    spec = req.json() or {}
    if not isinstance(spec, dict):
        raise errors.parsing("alias body must be an object")
    req.node.update_aliases([{"add": {"index": req.path_params["index"], "alias": req.path_params["name"], **spec}}])
    return acknowledged()


def delete_alias(req: RestRequest) -> RestResponse:
    req.node.update_aliases([{"remove": {"index": req.path_params["index"], "alias": req.path_params["name"]}}])
    return acknowledged()


def _alias_view(req: RestRequest) -> dict[str, Any]:
    node = req.node
    wanted = [n for n in req.path_params.get("name", "").split(",") if n]
    indices = node.resolve_names(req.path_params.get("index", "_all"), expand_wildcards="all")
    out: dict[str, Any] = {}
    for index in indices:
        aliases = {a: m for a, m in _aliases_of(node, index).items()
                   if not wanted or any(fnmatch.fnmatchcase(a, w) for w in wanted)}
        if aliases or not wanted:
            out[index] = {"aliases": aliases}
    return out


def get_aliases(req: RestRequest) -> RestResponse:
    out = _alias_view(req)
    wanted = [n for n in req.path_params.get("name", "").split(",") if n]
    if wanted and not out:
        missing = ",".join(wanted)
        return RestResponse(404, {"error": f"alias [{missing}] missing", "status": 404})
    return ok(out)


def alias_exists(req: RestRequest) -> RestResponse:
    return RestResponse(200 if _alias_view(req) else 404)


def index_stats(req: RestRequest) -> RestResponse:
    shards = _shards(req)
    indices = {}
    for shard in shards:
        deleted = sum(seg.max_doc - seg.num_docs for seg in shard.segments)
        stats = {"docs": {"count": shard.doc_count, "deleted": deleted},
                 "indexing": {"index_total": shard.stats["index_total"], "delete_total": shard.stats["delete_total"]},
                 "search": {"query_total": shard.stats["search_total"]},
                 "refresh": {"total": shard.stats["refresh_total"]},
                 "segments": {"count": len(shard.segments)}}
        indices[shard.name] = {"uuid": shard.uuid, "primaries": stats, "total": stats}
    total_docs = sum(s.doc_count for s in shards)
    return ok({**_shards_header(len(shards)), "_all": {"primaries": {"docs": {"count": total_docs}},
                                                       "total": {"docs": {"count": total_docs}}},
               "indices": indices})


def analyze(req: RestRequest) -> RestResponse:
    body = req.json() or {}
    if not isinstance(body, dict):
        raise errors.parsing("analyze body must be an object")
    text = body.get("text", req.param("text"))
    if text is None:
        raise errors.action_validation("text is missing")
    name = body.get("analyzer", req.param("analyzer"))
    field = body.get("field", req.param("field"))
    if name is None and field is not None and "index" in req.path_params:
        shard = req.node.resolve(req.path_params["index"])[0]
        mapper = shard.mapping.field(field)
        name = mapper.analyzer if mapper is not None and mapper.is_text else "keyword"
    name = name or "standard"
    if name not in analyzer_names():
        raise errors.illegal_argument(f"failed to find global analyzer [{name}]")
    analyzer = get_analyzer(name)
    tokens = []
    position_base = 0
    for value in text if isinstance(text, list) else [text]:
        last = -1
        for tok in analyzer.tokens(str(value)):
            tokens.append({"token": tok.term, "start_offset": tok.start_offset, "end_offset": tok.end_offset,
                           "type": tok.type, "position": position_base + tok.position})
            last = tok.position
        position_base += last + 1 + 100  # position_increment_gap between array values
    return ok({"tokens": tokens})
