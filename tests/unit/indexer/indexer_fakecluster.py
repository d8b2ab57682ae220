"""An in-memory stand-in for the cluster behind opensearch-py's ``Connection``, for indexer unit tests.

It implements just the REST calls the indexer makes (index create/delete/exists, aliases, settings,
mappings, refresh, count, bulk, a match_all/ids search) with OpenSearch's response shapes, so the real
client, its serializer, exception mapping and bulk helpers all run. Failures can be injected per document
id (permanent or transient) and per bulk request (whole-request 429/503), to test failure accounting and
retries. The engine tests run the same flows against the embedded node.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from opensearchpy import Connection, OpenSearch


@dataclass
class FakeIndex:
    settings: dict[str, Any]
    mappings: dict[str, Any]
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    visible: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)

    def refresh_interval(self) -> str:
        return str(self.settings.get("index", {}).get("refresh_interval", "1s"))


class FakeCluster:
    def __init__(self) -> None:
        self.indices: dict[str, FakeIndex] = {}
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []
        self.fail_ids: dict[str, tuple[int, str]] = {}  # id -> (status, error type), every time
        self.transient: dict[str, int] = defaultdict(int)  # id -> times it fails with 503 first
        self.bulk_rejections: list[int] = []  # statuses of whole bulk requests to refuse
        self.bulk_calls = 0
        self.data_nodes = 1

    # -- helpers -------------------------------------------------------------------------------------------
    def resolve(self, name: str) -> list[str]:
        names = set()
        for part in name.split(","):
            if part in self.indices:
                names.add(part)
            for index_name, index in self.indices.items():
                if part in index.aliases or ("*" in part and fnmatch.fnmatch(index_name, part)):
                    names.add(index_name)
        return sorted(names)

    def client(self) -> OpenSearch:
        cluster = self

        class _Conn(FakeConnection):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(cluster, **kwargs)

        return OpenSearch(hosts=[{"host": "fake", "port": 9200}], connection_class=_Conn)

    # -- request handling ----------------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: dict[str, Any], body: Any) -> tuple[int, Any]:
        with self.lock:
            self.requests.append((method, path))
            parts = [unquote(p) for p in path.strip("/").split("/") if p]
            if parts == ["_cluster", "health"]:
                return 200, {"status": "green", "number_of_data_nodes": self.data_nodes}
            if parts == ["_aliases"] and method == "POST":
                return self.update_aliases(body)
            if parts == ["_bulk"] or (len(parts) == 2 and parts[1] == "_bulk"):
                return self.bulk(body, default_index=parts[0] if len(parts) == 2 else None)
            if len(parts) == 2 and parts[0] == "_alias":
                found = {
                    n: {"aliases": {parts[1]: {}}} for n, i in self.indices.items() if parts[1] in i.aliases
                }
                return (200, found) if found else (404, _error(404, "aliases_not_found_exception", parts[1]))
            name = parts[0]
            if len(parts) == 1:
                return self.index_level(method, name, body)
            verb = parts[1]
            targets = self.resolve(name)
            if not targets and "*" not in name:
                return 404, _error(404, "index_not_found_exception", f"no such index [{name}]")
            if verb == "_alias":
                return 200, {n: {"aliases": {a: {} for a in self.indices[n].aliases}} for n in targets}
            if verb == "_settings" and method == "PUT":
                for n in targets:
                    _merge(self.indices[n].settings, body)
                    if self.indices[n].refresh_interval() != "-1":
                        self.indices[n].visible = dict(self.indices[n].docs)
                return 200, {"acknowledged": True}
            if verb == "_mapping":
                if method == "PUT":
                    for n in targets:
                        self.indices[n].mappings.setdefault("properties", {}).update(
                            body.get("properties", {})
                        )
                    return 200, {"acknowledged": True}
                return 200, {n: {"mappings": self.indices[n].mappings} for n in targets}
            if verb == "_refresh":
                for n in targets:
                    self.indices[n].visible = dict(self.indices[n].docs)
                return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
            if verb == "_count":
                return 200, {"count": sum(len(self.indices[n].visible) for n in targets)}
            if verb == "_search":
                return 200, self.search(targets, body or {})
            if verb == "_doc" and len(parts) == 3:
                for n in targets:
                    doc = self.indices[n].docs.get(parts[2])
                    if doc is not None:
                        return 200, {"_index": n, "_id": parts[2], "found": True, "_source": doc}
                return 404, {"_index": name, "_id": parts[2], "found": False}
            return 400, _error(400, "unsupported", f"fake cluster: {method} {path}")

    def index_level(self, method: str, name: str, body: Any) -> tuple[int, Any]:
        if method == "HEAD":
            return (200, None) if self.resolve(name) else (404, None)
        if method == "PUT":
            if name in self.indices:
                return 400, _error(400, "resource_already_exists_exception", f"index [{name}] already exists")
            body = body or {}
            self.indices[name] = FakeIndex(
                json.loads(json.dumps(body.get("settings", {}))),
                json.loads(json.dumps(body.get("mappings", {}))),
            )
            return 200, {"acknowledged": True, "index": name}
        if method == "DELETE":
            targets = self.resolve(name)
            if not targets:
                return 404, _error(404, "index_not_found_exception", f"no such index [{name}]")
            for n in targets:
                del self.indices[n]
            return 200, {"acknowledged": True}
        if method == "GET":
            targets = self.resolve(name)
            return 200, {
                n: {
                    "settings": self.indices[n].settings,
                    "mappings": self.indices[n].mappings,
                    "aliases": {a: {} for a in self.indices[n].aliases},
                }
                for n in targets
            }
        return 400, _error(400, "unsupported", f"{method} /{name}")

    def update_aliases(self, body: dict[str, Any]) -> tuple[int, Any]:
        staged = {n: set(i.aliases) for n, i in self.indices.items()}
        for action in body["actions"]:
            ((kind, spec),) = action.items()
            if spec["index"] not in staged:
                return 404, _error(404, "index_not_found_exception", spec["index"])
            if kind == "add":
                staged[spec["index"]].add(spec["alias"])
            elif kind == "remove":
                if spec["alias"] not in staged[spec["index"]]:
                    return 404, _error(404, "aliases_not_found_exception", spec["alias"])
                staged[spec["index"]].discard(spec["alias"])
        for n, aliases in staged.items():  # all actions apply at once, or none
            self.indices[n].aliases = aliases
        return 200, {"acknowledged": True}

    def bulk(self, body: str, default_index: str | None) -> tuple[int, Any]:
        self.bulk_calls += 1
        if self.bulk_rejections:
            status = self.bulk_rejections.pop(0)
            return status, _error(
                status, "rejected_execution_exception" if status == 429 else "unavailable", "busy"
            )
        lines = [line for line in body.split("\n") if line.strip()]
        items = []
        i = 0
        while i < len(lines):
            ((op, meta),) = json.loads(lines[i]).items()
            source = json.loads(lines[i + 1]) if op != "delete" else None
            i += 1 if op == "delete" else 2
            items.append({op: self.bulk_item(op, meta, source, default_index)})
        errors = any(item[next(iter(item))]["status"] >= 300 for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    def bulk_item(
        self, op: str, meta: dict[str, Any], source: Any, default_index: str | None
    ) -> dict[str, Any]:
        doc_id = str(meta.get("_id"))
        targets = self.resolve(meta.get("_index") or default_index or "")
        result: dict[str, Any] = {"_index": targets[0] if targets else meta.get("_index"), "_id": doc_id}
        if doc_id in self.fail_ids:
            status, kind = self.fail_ids[doc_id]
            return {
                **result,
                "status": status,
                "error": {"type": kind, "reason": f"injected failure for {doc_id}"},
            }
        if self.transient.get(doc_id, 0) > 0:
            self.transient[doc_id] -= 1
            return {
                **result,
                "status": 503,
                "error": {"type": "unavailable_shards_exception", "reason": "busy"},
            }
        if len(targets) != 1:
            return {
                **result,
                "status": 404,
                "error": {"type": "index_not_found_exception", "reason": "no index"},
            }
        index = self.indices[targets[0]]
        if op in ("index", "create"):
            index.docs[doc_id] = source
        elif op == "update":
            if doc_id not in index.docs:
                return {
                    **result,
                    "status": 404,
                    "error": {
                        "type": "document_missing_exception",
                        "reason": f"[{doc_id}]: document missing",
                    },
                }
            index.docs[doc_id] = {**index.docs[doc_id], **source.get("doc", {})}
        elif op == "delete":
            index.docs.pop(doc_id, None)
        if index.refresh_interval() != "-1":
            index.visible = dict(index.docs)
        return {**result, "status": 200 if op != "index" else 201, "result": "updated"}

    def search(self, targets: list[str], body: dict[str, Any]) -> dict[str, Any]:
        hits = []
        ids = set(body.get("query", {}).get("ids", {}).get("values", [])) or None
        for n in targets:
            for doc_id, doc in self.indices[n].visible.items():
                if ids is None or doc_id in ids:
                    hits.append({"_index": n, "_id": doc_id, "_score": 1.0, "_source": doc})
        size = int(body.get("size", 10))
        return {
            "took": 1,
            "timed_out": False,
            "hits": {
                "total": {"value": len(hits), "relation": "eq"},
                "max_score": 1.0 if hits else None,
                "hits": hits[:size],
            },
        }


class FakeConnection(Connection):
    def __init__(self, cluster: FakeCluster, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cluster = cluster

    def perform_request(
        self,
        method: str,
        url: str,
        params: Any = None,
        body: Any = None,
        timeout: Any = None,
        ignore: Any = (),
        headers: Any = None,
    ) -> Any:
        path = url.split("?")[0]
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        parsed = None
        if text:
            parsed = text if path.endswith("_bulk") else json.loads(text)
        status, payload = self.cluster.handle(method, path, dict(params or {}), parsed)
        raw = "" if payload is None else json.dumps(payload)
        if not (200 <= status < 300) and status not in ignore:
            self._raise_error(status, raw, "application/json")
        return status, {"content-type": "application/json"}, raw


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _error(status: int, kind: str, reason: str) -> dict[str, Any]:
    return {
        "error": {"type": kind, "reason": reason, "root_cause": [{"type": kind, "reason": reason}]},
        "status": status,
    }
