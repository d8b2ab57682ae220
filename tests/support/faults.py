"""Failure injection around the real embedded node, for tests of retries and failure accounting.

A cluster under load answers some requests with 429/503 and refuses some documents, and the indexer must
count, retry and report every one of them. Those answers cannot be provoked on demand from a healthy node, so
:class:`FaultyEmbeddedConnection` puts a thin layer in front of it: everything is the real node's behaviour
(storage, mappings, aliases, versions, item statuses), except for the failures a test asks for in a
:class:`Faults` plan:

* **whole-request failures** (``faults.reject("POST", "/_bulk", 429, times=2)``): the next N matching requests
  are answered with OpenSearch's error body without reaching the node, so opensearch-py raises the exception
  it would raise against a real cluster, and its transport and bulk helpers retry exactly as they would;
* **per-document failures** inside ``_bulk``: permanent (``faults.fail_doc("d3", status=400)``) or transient
  (``faults.flake_doc("d1", times=2)``: 503 twice, then let through). Those items are cut out of the NDJSON
  body before it is forwarded, and OpenSearch-shaped error items are spliced back into the node's ``items`` at
  their original positions (with ``errors: true``); every other item is the node's own answer.
* a **request log** (``faults.requests``, ``faults.count("POST", "/_bulk")``) of what the client sent,
  rejected requests included, to assert how many requests a retry policy really made.

Error bodies are built by the node's own :class:`EngineError`, so injected and real errors share one shape.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Mapping

from opensearchpy import OpenSearch

from embedded_node.errors import EngineError
from embedded_node.rest.faults import split_bulk
from embedded_node.rest.transport import EmbeddedConnection

# The exception types OpenSearch reports for these statuses (OpenSearch drops Elasticsearch's ``es_`` prefix).
_DEFAULT_TYPES = {
    429: "rejected_execution_exception",
    500: "exception",
    502: "bad_gateway_exception",
    503: "unavailable_shards_exception",
    504: "timeout_exception",
}


@dataclass
class _Rejection:
    method: str
    path: str  # fnmatch pattern on the path without query string
    status: int
    error_type: str
    reason: str
    remaining: int


@dataclass
class _DocFault:
    status: int
    error_type: str
    reason: str | None
    remaining: int | None  # None: fails every time (permanent); K: fails the next K times it is sent


class Faults:
    """A fault plan and request log, shared by every connection of a client (thread-safe: bulk writers and
    searchers may run in several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rejections: list[_Rejection] = []
        self._docs: dict[str, _DocFault] = {}
        self.requests: list[tuple[str, str]] = []

    def reject(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        times: int = 1,
        error_type: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (fnmatch patterns: ``*`` for
        any method, ``/_bulk`` or ``*/_bulk`` for paths) with ``status`` and OpenSearch's error body; they
        never reach the node."""
        rejection = _Rejection(
            method.upper(),
            path,
            status,
            error_type or _DEFAULT_TYPES.get(status, "exception"),
            reason or f"injected: rejected execution of [{method.upper()} {path}]",
            times,
        )
        with self._lock:
            self._rejections.append(rejection)

    def fail_doc(
        self,
        *doc_ids: str,
        status: int = 400,
        error_type: str = "mapper_parsing_exception",
        reason: str | None = None,
    ) -> None:
        """Refuse these documents in every ``_bulk`` they appear in (a permanent per-item failure)."""
        with self._lock:
            for doc_id in doc_ids:
                self._docs[str(doc_id)] = _DocFault(status, error_type, reason, None)

    def flake_doc(
        self,
        doc_id: str,
        times: int,
        *,
        status: int = 503,
        error_type: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Fail this document the next ``times`` times it is sent in a ``_bulk`` (a transient per-item
        failure), then let it through to the node."""
        fault = _DocFault(status, error_type or _DEFAULT_TYPES.get(status, "exception"), reason, times)
        with self._lock:
            self._docs[str(doc_id)] = fault

    def count(self, method: str, path: str) -> int:
        """How many logged requests match ``method`` and ``path`` (fnmatch patterns, as in :meth:`reject`)."""
        with self._lock:
            return sum(
                1
                for m, p in self.requests
                if fnmatch.fnmatchcase(m, method.upper()) and fnmatch.fnmatchcase(p, path)
            )

    # -- used by the connection --------------------------------------------------------------------------
    def _log_and_take_rejection(self, method: str, path: str) -> EngineError | None:
        with self._lock:
            self.requests.append((method, path))
            for rejection in self._rejections:
                if (
                    rejection.remaining > 0
                    and fnmatch.fnmatchcase(method, rejection.method)
                    and fnmatch.fnmatchcase(path, rejection.path)
                ):
                    rejection.remaining -= 1
                    return EngineError(rejection.error_type, rejection.reason, rejection.status)
        return None

    def _has_doc_faults(self) -> bool:
        with self._lock:
            return bool(self._docs)

    def _take_doc_failure(self, doc_id: str) -> EngineError | None:
        with self._lock:
            fault = self._docs.get(doc_id)
            if fault is None or fault.remaining == 0:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
            return EngineError(
                fault.error_type, fault.reason or f"injected failure for [{doc_id}]", fault.status
            )


class FaultyEmbeddedConnection(EmbeddedConnection):
    """The embedded node's in-process connection with the failures of a :class:`Faults` plan injected."""

    def __init__(self, *args: Any, faults: Faults | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.faults = faults if faults is not None else Faults()

    def perform_request(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        timeout: int | float | None = None,
        ignore: Collection[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        method = method.upper()
        path = url.split("?", 1)[0]
        rejection = self.faults._log_and_take_rejection(method, path)
        if rejection is not None:
            raw = json.dumps(rejection.to_body())
            if rejection.status not in ignore:
                self.log_request_fail(method, url, path, body, 0.0, rejection.status, raw)
                self._raise_error(rejection.status, raw, "application/json")
            return rejection.status, {"content-type": "application/json"}, raw
        parts = [p for p in path.split("/") if p]
        is_bulk = method in ("POST", "PUT") and bool(parts) and parts[-1] == "_bulk"
        if is_bulk and body and self.faults._has_doc_faults():
            return self._bulk_with_doc_faults(
                method, url, params, body, timeout, ignore, headers, parts[0] if len(parts) == 2 else None
            )
        return super().perform_request(method, url, params, body, timeout, ignore, headers)

    def _bulk_with_doc_faults(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: bytes | str,
        timeout: int | float | None,
        ignore: Collection[int],
        headers: Mapping[str, str] | None,
        default_index: str | None,
    ) -> Any:
        """Forward the operations that are not failed this time; splice error items in at their places."""
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        operations = split_bulk(data)
        if operations is None:  # malformed (or compressed): the node gives its own answer, no faults injected
            return super().perform_request(method, url, params, body, timeout, ignore, headers)
        injected: dict[int, dict[str, Any]] = {}
        forwarded: list[bytes] = []
        for position, (kind, meta, lines) in enumerate(operations):
            doc_id = meta.get("_id")
            failure = self.faults._take_doc_failure(str(doc_id)) if doc_id is not None else None
            if failure is None:
                forwarded.extend(lines)
                continue
            item = {"_index": meta.get("_index", default_index), "_id": str(doc_id), "status": failure.status}
            item["error"] = failure.cause_body()
            injected[position] = {kind: item}
        if not injected:
            return super().perform_request(method, url, params, data, timeout, ignore, headers)
        real: list[dict[str, Any]] = []
        took = 0
        if forwarded:  # an empty _bulk is a validation error on a real node: send nothing instead
            status, _, raw = super().perform_request(
                method, url, params, b"\n".join(forwarded) + b"\n", timeout, ignore, headers
            )
            response = json.loads(raw)
            if "items" not in response:  # an error status the caller chose to ``ignore``: pass it on as is
                return status, {"content-type": "application/json"}, raw
            real, took = response["items"], response.get("took", 0)
        if len(real) != len(operations) - len(injected):
            raise AssertionError(f"the node answered {len(real)} items for {len(operations) - len(injected)}")
        answers = iter(real)
        items = [injected[i] if i in injected else next(answers) for i in range(len(operations))]
        merged = {"took": took, "errors": True, "items": items}
        return 200, {"content-type": "application/json"}, json.dumps(merged)


def faulty_client(data_dir: str | Path, faults: Faults, **kwargs: Any) -> OpenSearch:
    """``make_client(None, data_dir)`` with :class:`FaultyEmbeddedConnection`: the real node, plus the faults.

    Clients on the same ``data_dir`` share one node, so a plain ``make_client`` client sees everything this
    one wrote.
    """
    from plugin_integration.client import make_client

    return make_client(None, data_dir, connection_class=FaultyEmbeddedConnection, faults=faults, **kwargs)
