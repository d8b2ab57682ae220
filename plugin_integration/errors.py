"""One project exception for everything a cluster answers with an error, with the cluster's reason and a hint.

Callers never parse error JSON themselves: :func:`translated` turns opensearch-py's exceptions into
:class:`ClusterError` at the boundary, and the CLI prints ``reason`` + ``hint`` without a traceback.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

_HINTS = {
    "index_not_found_exception": "create the index first (mmltr index load ...) or check the name/alias",
    "resource_already_exists_exception": "pick another name, or delete the existing one first",
    "version_conflict_engine_exception": "the element already exists; use a new name (models are immutable)",
    "parsing_exception": "the request body is malformed; check the query/feature JSON",
    "mapper_parsing_exception": "a document does not match the index mapping; check the field types",
    "search_phase_execution_exception": "a query failed on the index; see the cause",
    "illegal_argument_exception": "an argument was rejected; see the reason",
    "json_parse_exception": "the body is not valid JSON",
}


class ClusterError(RuntimeError):
    """An error answered by the cluster (or the failure to reach it)."""

    def __init__(self, status: int | str, type_: str, reason: str, hint: str | None = None,
                 info: Any = None) -> None:
        super().__init__(reason)
        self.status = status
        self.type = type_
        self.reason = reason
        self.hint = hint or _HINTS.get(type_, "")
        self.info = info

    def __str__(self) -> str:
        text = f"[{self.status} {self.type}] {self.reason}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


def from_transport(exc: TransportError, hint: str | None = None) -> ClusterError:
    """The :class:`ClusterError` for an opensearch-py exception."""
    return from_body(exc.status_code, exc.info, hint, fallback_type=str(exc.error))


def from_body(status: int | str, body: Any, hint: str | None = None, fallback_type: str = "error") -> ClusterError:
    """The :class:`ClusterError` for an error body the cluster answered with (``{"error": {...}, "status": N}``).

    Also used for the per-item errors of ``_msearch`` / ``_bulk`` responses, which arrive inside a 200 answer.
    """
    info = body if isinstance(body, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        type_ = str(error.get("type", fallback_type))
        reason = str(error.get("reason", ""))
        root = (error.get("root_cause") or [{}])[0]
        caused = error.get("caused_by")
        if type_ == "search_phase_execution_exception" and root.get("reason"):
            reason = f"{reason}: {root.get('type')}: {root.get('reason')}"
        elif isinstance(caused, dict) and caused.get("reason"):
            reason = f"{reason}: {caused.get('reason')}"
        deepest = _deepest_cause(error)
        if deepest is not None and deepest.get("reason") and str(deepest["reason"]) not in reason:
            reason = f"{reason}; caused by {deepest.get('type')}: {deepest['reason']}"
    else:
        type_ = fallback_type
        reason = str(error if error is not None else body or fallback_type)
    return ClusterError(status, type_, reason, hint, info)


def _deepest_cause(error: dict[str, Any]) -> dict[str, Any] | None:
    """The innermost ``caused_by`` of an error (through the first failed shard's reason for search phase
    failures): where the plugin says what really went wrong (e.g. a zero vector in a cosine space), which the
    outer "Cannot create query while parsing feature" hides."""
    node: Any = error
    shards = error.get("failed_shards")
    if isinstance(shards, list) and shards and isinstance(shards[0], dict) and isinstance(shards[0].get("reason"),
                                                                                            dict):
        node = shards[0]["reason"]
    deepest = None
    for _ in range(32):  # a bounded walk: bodies come from the network
        caused = node.get("caused_by") if isinstance(node, dict) else None
        if not isinstance(caused, dict):
            break
        deepest = node = caused
    return deepest


def _from_elasticsearch(exc: Exception, hint: str | None) -> ClusterError | None:
    """The :class:`ClusterError` for an ``elasticsearch`` client exception, None for anything else.

    The elasticsearch package is optional: it is only looked at when already imported (an Elasticsearch
    client exists), so OpenSearch-only installs never import it.
    """
    elasticsearch = sys.modules.get("elasticsearch")
    if elasticsearch is None:
        return None
    if isinstance(exc, elasticsearch.ApiError):
        return from_body(exc.meta.status, exc.body, hint, fallback_type=str(exc.message))
    if isinstance(exc, elasticsearch.ConnectionError):
        return ClusterError("N/A", "connection_error", f"cannot reach the cluster: {exc}",
                            hint or "check --cluster / MMLTR_CLUSTER, or omit it to use the embedded node")
    if isinstance(exc, elasticsearch.TransportError):
        return ClusterError("N/A", type(exc).__name__, str(exc), hint)
    return None


def cluster_error(exc: BaseException, hint: str | None = None) -> ClusterError | None:
    """The :class:`ClusterError` for an opensearch-py (or elasticsearch) exception; None for anything else."""
    if isinstance(exc, OSConnectionError):
        return ClusterError("N/A", "connection_error", f"cannot reach the cluster: {exc.info or exc}",
                            hint or "check --cluster / MMLTR_CLUSTER, or omit it to use the embedded node")
    if isinstance(exc, TransportError):
        return from_transport(exc, hint)
    if isinstance(exc, Exception):
        return _from_elasticsearch(exc, hint)
    return None


@contextlib.contextmanager
def translated(hint: str | None = None) -> Iterator[None]:
    """Turn opensearch-py (and elasticsearch) exceptions raised inside the block into :class:`ClusterError`."""
    try:
        yield
    except Exception as exc:
        translated_exc = cluster_error(exc, hint)
        if translated_exc is None:
            raise
        raise translated_exc from exc
