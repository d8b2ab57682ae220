"""``_bulk``: NDJSON actions, per-item results and errors, one durable commit per index per request.

A malformed action line fails the whole request (as OpenSearch does, since the stream cannot be resynchronised);
a bad document fails only its own item. Items are validated in order against the state the earlier items of the
same request leave behind (``create`` after ``index`` of the same id conflicts, as it would on a real node).
"""
from __future__ import annotations

import time
from typing import Any

from .. import errors, jsonutil
from ..uuids import new_doc_id
from .collector import gc_paused
from .router import RestRequest, RestResponse

_ACTIONS = ("index", "create", "update", "delete")
_META = {"_index", "_id", "routing", "_routing", "if_seq_no", "if_primary_term", "pipeline", "require_alias",
         "retry_on_conflict", "_source", "version", "version_type", "op_type", "dynamic_templates",
         "_type"}


def _parse_lines(body: bytes) -> list[tuple[str, dict[str, Any], bytes | None, int]]:
    lines = body.split(b"\n")
    items: list[tuple[str, dict[str, Any], bytes | None, int]] = []
    i = 0
    while i < len(lines):
        raw = lines[i].strip()
        line_no = i + 1
        i += 1
        if not raw:
            continue
        try:
            action = jsonutil.loads(raw)
        except errors.EngineError:
            raise errors.illegal_argument(
                f"Malformed action/metadata line [{line_no}], expected START_OBJECT or END_OBJECT but found "
                f"[VALUE_STRING]") from None
        if not isinstance(action, dict) or len(action) != 1:
            raise errors.illegal_argument(
                f"Malformed action/metadata line [{line_no}], expected a simple object with one action")
        (kind, meta), = action.items()
        if kind not in _ACTIONS:
            raise errors.illegal_argument(f"Malformed action/metadata line [{line_no}], expected field [create], "
                                          f"[delete], [index] or [update] but found [{kind}]")
        if not isinstance(meta, dict):
            raise errors.illegal_argument(f"Malformed action/metadata line [{line_no}], expected START_OBJECT")
        unknown = set(meta) - _META
        if unknown:
            raise errors.illegal_argument(
                f"Action/metadata line [{line_no}] contains an unknown parameter [{sorted(unknown)[0]}]")
        meta = _check_meta(meta, line_no)
        source = None
        if kind != "delete":
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i >= len(lines):
                raise errors.illegal_argument("The bulk request must be terminated by a newline [\\n]")
            source = lines[i].strip()
            i += 1
        items.append((kind, meta, source, line_no))
    if not items:
        raise errors.action_validation("no requests added")
    return items


_NUMERIC_META = ("if_seq_no", "if_primary_term", "version", "retry_on_conflict")
_STRING_META = ("_index", "_id", "routing", "_routing", "op_type", "pipeline", "version_type", "_type")


def _check_meta(meta: dict[str, Any], line_no: int) -> dict[str, Any]:
    """``BulkRequestParser``: metadata values are scalars (read as text), numeric keys parse as longs."""
    out = dict(meta)
    for key, value in meta.items():
        if key in _STRING_META or key in _NUMERIC_META:
            if isinstance(value, (dict, list)):
                raise errors.illegal_argument(
                    f"Malformed action/metadata line [{line_no}], expected a simple value for field [{key}] but "
                    f"found [{'START_OBJECT' if isinstance(value, dict) else 'START_ARRAY'}]")
            if value is None:
                continue
        if key in _STRING_META:
            out[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        elif key in _NUMERIC_META:
            try:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out[key] = int(value)
            except (ValueError, OverflowError):
                raise errors.illegal_argument(
                    f"Malformed action/metadata line [{line_no}]: [{key}] must be a whole number, found "
                    f"[{value}]") from None
    return out


def bulk(req: RestRequest) -> RestResponse:
    with gc_paused():
        return _bulk(req)


def _bulk(req: RestRequest) -> RestResponse:
    started = time.perf_counter()
    node = req.node
    if req.params.get("pipeline"):
        raise errors.illegal_argument("ingest pipelines are not supported by the embedded node")
    items = _parse_lines(req.body or b"")
    default_index = req.path_params.get("index")
    results: list[dict[str, Any] | None] = [None] * len(items)
    # per shard: ordered ops, their item positions, pending id state, pending sources for updates, mapping cursor
    batches: dict[str, dict[str, Any]] = {}
    for pos, (kind, meta, source, _) in enumerate(items):
        index = meta.get("_index", default_index)
        doc_id = meta.get("_id")
        doc_id = None if doc_id is None else str(doc_id)
        try:
            if index is None:
                raise errors.action_validation(f"index is missing for request {pos}")
            shard = node.write_shard(index, auto_create=kind != "delete")
            batch = batches.setdefault(shard.name, {"shard": shard, "ops": [], "positions": [], "pending": {},
                                                    "sources": {}, "mapping": shard.mapping})
            _prepare_item(node, batch, kind, meta, doc_id, source, pos)
        except errors.EngineError as exc:
            results[pos] = _error_item(kind, index or "", doc_id, exc)
    refresh = req.params.get("refresh") in ("", "true", "wait_for")
    for batch in batches.values():
        shard = batch["shard"]
        if not batch["ops"]:
            continue
        ops = [(k, p) for k, p, _ in batch["ops"]]
        try:
            with shard.lock:
                written = shard.commit_batch(ops, batch["mapping"])
        except errors.EngineError as exc:
            for (_, _, kind), pos in zip(batch["ops"], batch["positions"]):
                results[pos] = _error_item(kind, shard.name, None, exc)
            continue
        for (_, _, kind), pos, res in zip(batch["ops"], batch["positions"], written):
            status = 201 if res.result == "created" else (404 if res.result == "not_found" else 200)
            body = {"_index": shard.name, "_id": res.doc_id, "_version": res.version, "result": res.result,
                    "_shards": {"total": 2, "successful": 1, "failed": 0}, "_seq_no": res.seq_no,
                    "_primary_term": 1, "status": status}
            if refresh and req.params.get("refresh") != "wait_for":
                body["forced_refresh"] = True
            results[pos] = {kind: body}
        if refresh:
            shard.refresh()
    errors_flag = any("error" in next(iter(r.values())) for r in results if r is not None)
    return RestResponse(200, {"took": int((time.perf_counter() - started) * 1000), "errors": errors_flag,
                              "items": results})


def _prepare_item(node: Any, batch: dict[str, Any], kind: str, meta: dict[str, Any], doc_id: str | None,
                  source: bytes | None, pos: int) -> None:
    shard = batch["shard"]
    pending = batch["pending"]
    if kind == "delete":
        if doc_id is None:
            raise errors.action_validation(f"id is missing for request {pos}")
        node.check_write_conditions(shard, doc_id, "index", _int(meta.get("if_seq_no")),
                                    _int(meta.get("if_primary_term")), pending) if "if_seq_no" in meta else None
        existed = shard.exists_pending(doc_id, pending) is not None
        if existed:
            pending[doc_id] = None
            batch["sources"][doc_id] = None
        batch["ops"].append(("delete", doc_id, kind))
        batch["positions"].append(pos)
        return
    if source is None:
        raise errors.action_validation("source is missing")
    if kind == "update":
        if doc_id is None:
            raise errors.action_validation(f"id is missing for request {pos}")
        body = jsonutil.loads(source)
        pending_sources = {k: v for k, v in batch["sources"].items()}
        update_kind, new_source = node.prepare_update(shard, doc_id, body, pending_sources)
        if update_kind == "noop":
            current = shard.exists_pending(doc_id, pending) or (0, 0)
            raise _Noop(current[0], current[1])
        raw = None
    else:
        op_type = meta.get("op_type", kind)
        if doc_id is None:
            doc_id = new_doc_id()
            op_type = "create"
        new_source = jsonutil.loads(source)
        raw = bytes(source)
        node.check_write_conditions(shard, doc_id, "create" if op_type == "create" else "index",
                                    _int(meta.get("if_seq_no")), _int(meta.get("if_primary_term")), pending)
    prep = shard.prepare(doc_id, raw, new_source, batch["mapping"])
    batch["mapping"] = prep.mapping
    current = shard.exists_pending(doc_id, pending)
    pending[doc_id] = (0, (current[1] if current else 0) + 1)
    batch["sources"][doc_id] = new_source
    batch["ops"].append(("index", prep, kind))
    batch["positions"].append(pos)


class _Noop(errors.EngineError):
    """An update that changes nothing: reported as ``result: noop`` with the current version, not an error."""

    def __init__(self, seq_no: int, version: int) -> None:
        super().__init__("noop", "noop", 200)
        self.seq_no = seq_no
        self.version = version


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _error_item(kind: str, index: str, doc_id: str | None, exc: errors.EngineError) -> dict[str, Any]:
    if isinstance(exc, _Noop):
        return {kind: {"_index": index, "_id": doc_id, "_version": exc.version, "result": "noop",
                       "_shards": {"total": 0, "successful": 0, "failed": 0}, "_seq_no": exc.seq_no,
                       "_primary_term": 1, "status": 200}}
    return {kind: {"_index": index, "_id": doc_id, "status": exc.status, "error": exc.cause_body()}}
