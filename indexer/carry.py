"""Carry vectors that a load does not compute (CF vectors set by ``update-vectors``) from the live version.

A reload writes a fresh ``<alias>-v<N+1>`` from the catalogue. Vectors that were added to the live version
later, by ``mmltr index update-vectors`` (CF item vectors from the profiles step, or any other field), are not
in the catalogue, so without this step a reload would silently drop them and every ``cf_vector`` feature would
go to its missing value. Before the swap, each such ``knn_vector`` field is copied into the new version under
the same mapping, by id. Items that left the catalogue come back as ``document_missing_exception`` and are
counted as dropped (they are gone on purpose); any other failure is reported with its id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import helpers

from .bulk import BulkOptions, FailedDoc, bulk_write, update_action
from .versions import live_indices

log = logging.getLogger(__name__)


@dataclass
class CarryReport:
    source: str | None = None
    fields: tuple[str, ...] = ()
    copied: int = 0
    dropped: int = 0
    failed: list[FailedDoc] = field(default_factory=list)


def carry_vectors(
    client: Any,
    alias: str,
    target: str,
    *,
    written: Iterable[str],
    bulk_options: BulkOptions = BulkOptions(),
    scroll_size: int = 500,
) -> CarryReport:
    """Copy the live version's ``knn_vector`` fields that are not in ``written`` into ``target``.

    ``written`` names the vector fields this load fills itself (they are never overwritten). Returns what was
    copied; nothing happens before the first load (no live version) or when the live version has no such
    field.
    """
    report = CarryReport()
    live = [index for index in live_indices(client, alias) if index != target]
    if len(live) != 1:
        if len(live) > 1:
            log.warning("alias '%s' points at %s; not carrying vectors over", alias, ", ".join(live))
        return report
    report.source = live[0]
    source_fields = _vector_fields(client, report.source)
    skip = set(written)
    carried = {name: body for name, body in source_fields.items() if name not in skip}
    if not carried:
        return report
    report.fields = tuple(sorted(carried))
    _ensure_mappings(client, target, carried)
    log.info("carrying %s from %s into %s", ", ".join(report.fields), report.source, target)
    actions = _actions(client, report.source, target, report.fields, scroll_size)
    bulk = bulk_write(client, actions, bulk_options)
    for failure in bulk.failed:
        if failure.status == 404:
            report.dropped += 1
        else:
            report.failed.append(failure)
    report.copied = bulk.ok
    return report


def _vector_fields(client: Any, index: str) -> dict[str, dict[str, Any]]:
    mapping = client.indices.get_mapping(index=index)
    properties = (mapping.get(index, {}).get("mappings", {}) or {}).get("properties", {}) or {}
    return {name: body for name, body in properties.items() if body.get("type") == "knn_vector"}


def _ensure_mappings(client: Any, index: str, fields: dict[str, dict[str, Any]]) -> None:
    """Map each carried field in the target as in the source (a field already mapped there is kept as is)."""
    present = _vector_fields(client, index)
    missing = {name: body for name, body in fields.items() if name not in present}
    if missing:
        client.indices.put_mapping(index=index, body={"properties": missing})


def _actions(
    client: Any, source: str, target: str, fields: tuple[str, ...], scroll_size: int
) -> Iterator[dict[str, Any]]:
    query = {
        "query": {
            "bool": {"should": [{"exists": {"field": name}} for name in fields], "minimum_should_match": 1}
        },
        "_source": list(fields),
    }
    for hit in helpers.scan(client, index=source, query=query, size=scroll_size, preserve_order=False):
        partial = {name: value for name, value in (hit.get("_source") or {}).items() if name in fields}
        if partial:
            yield update_action(target, hit["_id"], partial)
