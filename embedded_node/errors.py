"""OpenSearch-shaped errors.

Every failure inside the embedded node is an :class:`EngineError` carrying the exception ``type`` OpenSearch
would report (``index_not_found_exception``, ``parsing_exception``...), a ``reason`` and an HTTP status. The REST
layer turns it into OpenSearch's body ``{"error": {"root_cause": [...], "type", "reason", ...}, "status"}``, so
opensearch-py raises the same exception classes (``NotFoundError``, ``RequestError``, ``ConflictError``) as it
would against a real cluster.
"""
from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """An error with OpenSearch's type, reason and status."""

    def __init__(self, type_: str, reason: str, status: int = 400, *, caused_by: "EngineError | None" = None,
                 root_cause: "list[EngineError] | None" = None, **metadata: Any) -> None:
        super().__init__(reason)
        self.type = type_
        self.reason = reason
        self.status = status
        self.caused_by = caused_by
        self.metadata = metadata
        self._root_cause = root_cause

    def cause_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "reason": self.reason}
        body.update(self.metadata)
        if self.caused_by is not None:
            body["caused_by"] = self.caused_by.cause_body()
        return body

    def root_causes(self) -> list[dict[str, Any]]:
        if self._root_cause:  # OpenSearch lists root causes without their own caused_by chains
            return [{k: v for k, v in c.cause_body().items() if k != "caused_by"} for c in self._root_cause]
        innermost: EngineError = self
        while innermost.caused_by is not None and innermost.type in _WRAPPERS:
            innermost = innermost.caused_by
        body = {"type": innermost.type, "reason": innermost.reason}
        body.update(innermost.metadata)
        return [body]

    def to_body(self) -> dict[str, Any]:
        error = {"root_cause": self.root_causes()}
        error.update(self.cause_body())
        return {"error": error, "status": self.status}


# Wrapper types whose root cause is the wrapped error (as OpenSearch reports them).
_WRAPPERS = {"search_phase_execution_exception", "remote_transport_exception"}


def index_not_found(index: str) -> EngineError:
    return EngineError("index_not_found_exception", f"no such index [{index}]", 404, index=index,
                       **{"resource.id": index, "resource.type": "index_or_alias", "index_uuid": "_na_"})


def index_exists(index: str, uuid: str) -> EngineError:
    return EngineError("resource_already_exists_exception", f"index [{index}/{uuid}] already exists", 400,
                       index=index, index_uuid=uuid)


def invalid_index_name(index: str, why: str) -> EngineError:
    return EngineError("invalid_index_name_exception", f"Invalid index name [{index}], {why}", 400,
                       index=index, index_uuid="_na_")


def parsing(reason: str, line: int | None = None, col: int | None = None) -> EngineError:
    meta: dict[str, Any] = {}
    if line is not None:
        meta["line"] = line
        meta["col"] = col if col is not None else 1
    return EngineError("parsing_exception", reason, 400, **meta)


def illegal_argument(reason: str) -> EngineError:
    return EngineError("illegal_argument_exception", reason, 400)


def mapper_parsing(reason: str, caused_by: EngineError | None = None) -> EngineError:
    return EngineError("mapper_parsing_exception", reason, 400, caused_by=caused_by)


def action_validation(*problems: str) -> EngineError:
    lines = "".join(f"{i + 1}: {p};" for i, p in enumerate(problems))
    return EngineError("action_request_validation_exception", f"Validation Failed: {lines}", 400)


def version_conflict(index: str, doc_id: str, reason: str) -> EngineError:
    return EngineError("version_conflict_engine_exception", f"[{doc_id}]: {reason}", 409, index=index,
                       shard="0", index_uuid="_na_")


def document_missing(index: str, doc_id: str) -> EngineError:
    return EngineError("document_missing_exception", f"[{doc_id}]: document missing", 404, index=index,
                       shard="0", index_uuid="_na_")


def resource_not_found(reason: str, **meta: Any) -> EngineError:
    return EngineError("resource_not_found_exception", reason, 404, **meta)


def query_shard(reason: str, index: str, caused_by: EngineError | None = None) -> EngineError:
    return EngineError("query_shard_exception", reason, 400, index=index, index_uuid="_na_", caused_by=caused_by)


def search_phase_failure(index: str, cause: EngineError, phase: str = "query") -> EngineError:
    """Wrap a per-shard failure as OpenSearch does when every shard of a search failed."""
    err = EngineError(
        "search_phase_execution_exception", "all shards failed", cause.status if cause.status != 500 else 500,
        phase=phase, grouped=True,
        failed_shards=[{"shard": 0, "index": index, "node": "embedded", "reason": cause.cause_body()}],
        caused_by=cause,
    )
    err._root_cause = [cause]
    return err


def content_too_long(size: int, limit: int) -> EngineError:
    return EngineError("content_too_long_exception",
                       f"request body of {size} bytes is larger than the limit of {limit} bytes "
                       "(http.max_content_length); send smaller batches", 413)


def method_not_allowed(method: str, path: str, allowed: list[str]) -> EngineError:
    return EngineError("method_not_allowed",
                       f"Incorrect HTTP method for uri [{path}] and method [{method}], allowed: [{', '.join(allowed)}]",
                       405)


def no_handler(method: str, path: str) -> EngineError:
    return EngineError("invalid_request",
                       f"no handler found for uri [{path}] and method [{method}]", 400)
