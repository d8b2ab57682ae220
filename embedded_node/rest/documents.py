"""Document endpoints: index/create, get, delete, ``_update``, ``_mget`` (``_bulk`` lives in :mod:`.bulk`)."""
from __future__ import annotations

from typing import Any

from .. import errors, jsonutil
from ..search.fetch import filter_source
from ..search.request import SourceFilter
from .bulk import bulk
from .router import RestRequest, RestResponse, Router, ok


def register(router: Router) -> None:
    router.add("PUT", "/{index}/_doc/{id}", index_doc)
    router.add("POST", "/{index}/_doc/{id}", index_doc)
    router.add("POST", "/{index}/_doc", index_doc)
    router.add("PUT", "/{index}/_create/{id}", create_doc)
    router.add("POST", "/{index}/_create/{id}", create_doc)
    router.add("GET", "/{index}/_doc/{id}", get_doc)
    router.add("HEAD", "/{index}/_doc/{id}", doc_exists)
    router.add("GET", "/{index}/_source/{id}", get_source)
    router.add("HEAD", "/{index}/_source/{id}", doc_exists)
    router.add("DELETE", "/{index}/_doc/{id}", delete_doc)
    router.add("POST", "/{index}/_update/{id}", update_doc)
    for method in ("POST", "PUT"):
        router.add(method, "/_bulk", bulk)
        router.add(method, "/{index}/_bulk", bulk)
    for method in ("GET", "POST"):
        router.add(method, "/_mget", mget)
        router.add(method, "/{index}/_mget", mget)


def shards_info() -> dict[str, Any]:
    return {"total": 2, "successful": 1, "failed": 0}


def write_body(index: str, result: Any, forced_refresh: bool = False) -> dict[str, Any]:
    body = {"_index": index, "_id": result.doc_id, "_version": result.version, "result": result.result,
            "_shards": shards_info(), "_seq_no": result.seq_no, "_primary_term": 1}
    if forced_refresh:
        body["forced_refresh"] = True
    return body


def refresh_mode(req: RestRequest) -> bool:
    value = req.params.get("refresh")
    if value is None or value == "false":
        return False
    if value in ("", "true", "wait_for"):
        return True
    raise errors.illegal_argument(f"Unknown value for refresh: [{value}].")


def _reject_unsupported(req: RestRequest) -> None:
    if req.params.get("pipeline"):
        raise errors.illegal_argument(f"pipeline with id [{req.params['pipeline']}] does not exist (ingest "
                                      "pipelines are not supported by the embedded node)")


def index_doc(req: RestRequest, op_type: str | None = None) -> RestResponse:
    _reject_unsupported(req)
    index = req.path_params["index"]
    doc_id = req.path_params.get("id")
    op = op_type or req.params.get("op_type", "index")
    if op not in ("index", "create"):
        raise errors.illegal_argument(f"opType must be 'create' or 'index', found: [{op}]")
    body = req.body or b""
    if not body.strip():
        raise errors.action_validation("source is missing")
    source_obj = jsonutil.loads(body)
    if_seq_no = _opt_int(req.params.get("if_seq_no"), "if_seq_no")
    if_term = _opt_int(req.params.get("if_primary_term"), "if_primary_term")
    refresh = refresh_mode(req)
    shard, result = req.node.index_doc(index, doc_id, bytes(body), source_obj, op_type=op, if_seq_no=if_seq_no,
                                       if_primary_term=if_term, refresh=refresh)
    status = 201 if result.result == "created" else 200
    return RestResponse(status, write_body(shard.name, result, refresh and req.params.get("refresh") != "wait_for"))


def create_doc(req: RestRequest) -> RestResponse:
    return index_doc(req, "create")


def _opt_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.illegal_argument(f"Failed to parse int parameter [{name}] with value [{value}]") from None


def _source_filter(req: RestRequest) -> SourceFilter:
    spec = SourceFilter()
    raw = req.params.get("_source")
    if raw is not None:
        if raw.lower() == "false":
            spec.enabled = False
        elif raw.lower() != "true":
            spec.includes = raw.split(",")
    if req.params.get("_source_includes"):
        spec.includes = req.params["_source_includes"].split(",")
    if req.params.get("_source_excludes"):
        spec.excludes = req.params["_source_excludes"].split(",")
    return spec


def _lookup(req: RestRequest) -> tuple[str, tuple[bytes, int, int] | None]:
    index = req.path_params["index"]
    node = req.node
    if index not in node.indices and index not in node.aliases:
        raise errors.index_not_found(index)
    shard, hit = node.get_doc(index, req.path_params["id"])
    return shard.name, hit


def get_doc(req: RestRequest) -> RestResponse:
    index, hit = _lookup(req)
    doc_id = req.path_params["id"]
    if hit is None:
        return RestResponse(404, {"_index": index, "_id": doc_id, "found": False})
    source, seq_no, version = hit
    body: dict[str, Any] = {"_index": index, "_id": doc_id, "_version": version, "_seq_no": seq_no,
                            "_primary_term": 1, "found": True}
    spec = _source_filter(req)
    if spec.enabled:
        body["_source"] = filter_source(jsonutil.loads(source), spec)
    return ok(body)


def get_source(req: RestRequest) -> RestResponse:
    index, hit = _lookup(req)
    if hit is None:
        raise errors.resource_not_found(f"Document not found [{index}]/[{req.path_params['id']}]")
    return ok(filter_source(jsonutil.loads(hit[0]), _source_filter(req)))


def doc_exists(req: RestRequest) -> RestResponse:
    try:
        _, hit = _lookup(req)
    except errors.EngineError:
        return RestResponse(404)
    return RestResponse(200 if hit is not None else 404)


def delete_doc(req: RestRequest) -> RestResponse:
    index = req.path_params["index"]
    node = req.node
    if index not in node.indices and index not in node.aliases:
        raise errors.index_not_found(index)
    shard, result = node.delete_doc(index, req.path_params["id"], refresh=refresh_mode(req),
                                    if_seq_no=_opt_int(req.params.get("if_seq_no"), "if_seq_no"),
                                    if_primary_term=_opt_int(req.params.get("if_primary_term"), "if_primary_term"))
    return RestResponse(200 if result.result == "deleted" else 404, write_body(shard.name, result))


def update_doc(req: RestRequest) -> RestResponse:
    index = req.path_params["index"]
    doc_id = req.path_params["id"]
    node = req.node
    body = req.json(required=True)
    shard = node.write_shard(index, auto_create=bool(isinstance(body, dict) and
                                                     (body.get("doc_as_upsert") or "upsert" in body)))
    with shard.lock:
        kind, source_obj = node.prepare_update(shard, doc_id, body, {})
        if kind == "noop":
            current = shard.id_map[doc_id]
            return ok({"_index": shard.name, "_id": doc_id, "_version": current[3], "result": "noop",
                       "_shards": {"total": 0, "successful": 0, "failed": 0}, "_seq_no": current[2],
                       "_primary_term": 1})
        prep = shard.prepare(doc_id, None, source_obj)
        result = shard.commit_batch([("index", prep)], prep.mapping)[0]
    if refresh_mode(req):
        shard.refresh()
    return RestResponse(201 if result.result == "created" else 200, write_body(shard.name, result))


def mget(req: RestRequest) -> RestResponse:
    body = req.json(required=True)
    if not isinstance(body, dict):
        raise errors.parsing("mget body must be an object")
    default_index = req.path_params.get("index")
    items: list[dict[str, Any]] = []
    if "ids" in body:
        if default_index is None:
            raise errors.action_validation("index is missing for doc 0")
        ids = body["ids"]
        if not isinstance(ids, list) or any(isinstance(i, (dict, list)) or i is None for i in ids):
            raise errors.parsing("[ids] must be an array of document ids")
        items = [{"_index": default_index, "_id": str(i)} for i in ids]
    elif "docs" in body:
        if not isinstance(body["docs"], list):
            raise errors.parsing("[docs] must be an array of objects")
        for pos, doc in enumerate(body["docs"]):
            if not isinstance(doc, dict) or "_id" not in doc:
                raise errors.action_validation(f"id is missing for doc {pos}")
            index = doc.get("_index", default_index)
            if index is None:
                raise errors.action_validation(f"index is missing for doc {pos}")
            if not isinstance(index, str) or isinstance(doc["_id"], (dict, list)) or doc["_id"] is None:
                raise errors.parsing(f"[_index] and [_id] of doc {pos} must be strings")
            items.append({"_index": index, "_id": str(doc["_id"]), "_source": doc.get("_source")})
    else:
        raise errors.action_validation("no documents to get")
    spec_default = _source_filter(req)
    docs = []
    for item in items:
        index = item["_index"]
        node = req.node
        if index not in node.indices and index not in node.aliases:
            docs.append({"_index": index, "_id": item["_id"],
                         "error": errors.index_not_found(index).cause_body() | {
                             "root_cause": errors.index_not_found(index).root_causes()}})
            continue
        shard, hit = node.get_doc(index, item["_id"])
        if hit is None:
            docs.append({"_index": shard.name, "_id": item["_id"], "found": False})
            continue
        spec = spec_default
        if item.get("_source") is not None:
            raw = item["_source"]
            spec = SourceFilter(enabled=raw is not False,
                                includes=[raw] if isinstance(raw, str) else (raw if isinstance(raw, list) else
                                                                            (raw.get("includes", []) if isinstance(
                                                                                raw, dict) else [])),
                                excludes=raw.get("excludes", []) if isinstance(raw, dict) else [])
        out = {"_index": shard.name, "_id": item["_id"], "_version": hit[2], "_seq_no": hit[1], "_primary_term": 1,
               "found": True}
        if spec.enabled:
            out["_source"] = filter_source(jsonutil.loads(hit[0]), spec)
        docs.append(out)
    return ok({"docs": docs})
