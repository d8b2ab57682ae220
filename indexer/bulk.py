"""Streaming bulk writes with per-document accounting: every id is either counted as written or reported.

opensearch-py's ``streaming_bulk`` chunks by count and bytes and retries 429 rejections with exponential
backoff. It does not retry 5xx answers or connection errors, so documents that fail that way are collected
and sent again in up to ``max_retries`` further rounds, with the same backoff. Whatever still fails is
reported with its id, HTTP status and the cluster's reason. Memory stays bounded: only the actions of the
chunks in flight are kept (to be able to resend them), plus those waiting for a retry round.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opensearchpy.helpers import expand_action, streaming_bulk

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504, "N/A"})


@dataclass(frozen=True)
class FailedDoc:
    id: str | None
    status: int | str | None
    reason: str
    row: int | None = None


@dataclass
class BulkReport:
    ok: int = 0
    failed: list[FailedDoc] = field(default_factory=list)
    retried: int = 0

    @property
    def failed_ids(self) -> list[str | None]:
        return [failure.id for failure in self.failed]


@dataclass(frozen=True)
class BulkOptions:
    chunk_size: int = 500
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_retries: int = 5
    initial_backoff: float = 0.5
    max_backoff: float = 30.0


def index_action(index: str, doc_id: str, source_json: str, row: int | None = None) -> dict[str, Any]:
    """An ``index`` action whose source is already JSON text (the client's serializer passes strings through).

    ``_row`` (the catalogue row) is never sent (``_expand`` strips it); it lets a failure name the input row.
    """
    return {"_op_type": "index", "_index": index, "_id": doc_id, "_source": source_json, "_row": row}


def update_action(index: str, doc_id: str, partial: dict[str, Any], row: int | None = None) -> dict[str, Any]:
    """A partial ``update`` (``doc``) action: only the given fields change; the document must exist."""
    return {"_op_type": "update", "_index": index, "_id": doc_id, "doc": partial, "_row": row}


def bulk_write(
    client: Any,
    actions: Iterable[dict[str, Any]],
    options: BulkOptions = BulkOptions(),
    on_result: Callable[[bool, int], None] | None = None,
) -> BulkReport:
    """Send ``actions`` and account for every one. ``on_result(ok, n)`` is called as results come back."""
    report = BulkReport()
    pending = _run_round(client, actions, options, report, on_result, final=options.max_retries == 0)
    for attempt in range(1, options.max_retries + 1):
        if not pending:
            break
        delay = min(options.max_backoff, options.initial_backoff * 2 ** (attempt - 1))
        log.warning(
            "bulk: %d document(s) got a retryable error; retry %d/%d in %.1fs",
            len(pending),
            attempt,
            options.max_retries,
            delay,
        )
        time.sleep(delay)
        report.retried += len(pending)
        pending = _run_round(
            client, pending, options, report, on_result, final=attempt == options.max_retries
        )
    return report


def _run_round(
    client: Any,
    actions: Iterable[dict[str, Any]],
    options: BulkOptions,
    report: BulkReport,
    on_result: Callable[[bool, int], None] | None,
    final: bool,
) -> list[dict[str, Any]]:
    in_flight: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def tracked() -> Iterator[dict[str, Any]]:
        for action in actions:
            in_flight[action["_id"]] = action
            yield action

    retry: list[dict[str, Any]] = []
    results = streaming_bulk(
        client,
        tracked(),
        chunk_size=options.chunk_size,
        max_chunk_bytes=options.max_chunk_bytes,
        max_retries=options.max_retries,
        initial_backoff=options.initial_backoff,
        max_backoff=options.max_backoff,
        raise_on_error=False,
        raise_on_exception=False,
        yield_ok=True,
        expand_action_callback=_expand,
    )
    for ok, info in results:
        _, result = next(iter(info.items()))
        doc_id = result.get("_id")
        action = in_flight.pop(doc_id, None) if doc_id is not None else None
        if ok:
            report.ok += 1
        else:
            status = result.get("status")
            if not final and action is not None and status in RETRYABLE_STATUS:
                retry.append(action)
                continue
            row = action.get("_row") if action is not None else None
            failure = FailedDoc(doc_id, status, _reason(result), row)
            log.debug("bulk: %s failed: %s %s", doc_id, status, failure.reason)
            report.failed.append(failure)
        if on_result is not None:
            on_result(ok, 1)
    return retry


def _expand(action: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """``expand_action`` for our two action shapes, without its defensive copies (it runs once per document);
    ``_row`` is never sent."""
    op_type = action["_op_type"]
    meta = {"_index": action["_index"], "_id": action["_id"]}
    if op_type == "index":
        return {"index": meta}, action["_source"]
    if op_type == "update":
        return {"update": meta}, {"doc": action["doc"]}
    return expand_action({k: v for k, v in action.items() if k != "_row"})


def _reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}".strip()
        caused = error.get("caused_by")
        if isinstance(caused, dict) and caused.get("reason"):
            reason += f" (caused by {caused.get('type', 'error')}: {caused['reason']})"
        return reason
    return str(error) if error is not None else f"HTTP {result.get('status')}"
