"""Reading OpenSearch User Behavior Insights (UBI) exports: ``ubi_queries`` and ``ubi_events`` as NDJSON.

A query document is a search (``query_id``, ``client_id``, ``user_query``, ``query_response_hit_ids`` or
``query_response_objects_ids``, ``timestamp``). An event document with ``action_name`` click, add_to_cart or
purchase is an interaction on ``event_attributes.object.object_id`` at ``event_attributes.position.ordinal``.
``client_id`` is the user. Lines may be bare documents, search hits (``{"_source": {...}}``) or a bulk file
(action lines are skipped). A query logged without its hit ids gets its results from its ``impression``
events, ordered by ordinal. Other actions (hover, page views, ...) are counted and ignored.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .clicklog import ClickLog, ClickLogError, LogBuilder, iter_json_rows
from .report import DataReport
from .rowparse import RowError, optional_id, parse_position, parse_query, parse_timestamp, required_id
from .types import Interaction, InteractionKind, Reject, SearchEvent

_INTERACTIONS = {kind.label: kind for kind in InteractionKind}
_SUFFIXES = (".ndjson", ".jsonl", ".json", ".ndjson.gz", ".jsonl.gz", ".json.gz")


def find_ubi_files(path: Path) -> tuple[Path, Path]:
    """The (queries, events) files of a UBI export: a directory holding both, or the queries file itself."""
    if path.is_dir():
        queries = _first(path, "ubi_queries")
        events = _first(path, "ubi_events")
    else:
        queries = path
        events = path.with_name(path.name.replace("ubi_queries", "ubi_events", 1))
        events = events if events.exists() else None
    if queries is None or events is None:
        raise ClickLogError(f"{path}: a UBI export needs both ubi_queries and ubi_events NDJSON files "
                            f"(e.g. ubi_queries.ndjson and ubi_events.ndjson in one directory)")
    return queries, events


def _first(directory: Path, stem: str) -> Path | None:
    for suffix in _SUFFIXES:
        candidate = directory / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _documents(path: Path, report: DataReport) -> Iterator[tuple[int, dict[str, Any]]]:
    """UBI documents with hit/bulk wrappers removed."""
    for line, row in iter_json_rows(path, report):
        if "_source" in row and isinstance(row["_source"], dict):
            yield line, row["_source"]
        elif len(row) == 1 and isinstance(row.get("index", row.get("create")), dict):
            report.count("bulk_action_lines")
        else:
            yield line, row


def _nested(row: dict[str, Any], *path: str) -> Any:
    value: Any = row
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def parse_ubi_query(row: dict[str, Any]) -> SearchEvent:
    hits = row.get("query_response_hit_ids")
    if hits is None:
        hits = row.get("query_response_objects_ids")
    if hits is not None and not isinstance(hits, list):
        raise RowError("query_response_hit_ids", "invalid_field",
                       "'query_response_hit_ids' must be a list of the doc ids returned, in order")
    return SearchEvent(search_id=required_id(row, "query_id"),
                       query=parse_query(row.get("user_query"), "user_query"),
                       results=tuple(str(h) for h in hits) if hits is not None else (),
                       timestamp=parse_timestamp(row.get("timestamp")),
                       user_id=optional_id(row, "client_id"), session_id=optional_id(row, "session_id"))


def parse_ubi_event(row: dict[str, Any], kind: InteractionKind, ordinal_base: int) -> Interaction:
    doc = _nested(row, "event_attributes", "object", "object_id")
    if doc is None or doc == "":
        raise RowError("event_attributes.object.object_id", "missing_field",
                       "'event_attributes.object.object_id' (the doc acted on) is required for " + kind.label)
    ordinal = parse_position(_nested(row, "event_attributes", "position", "ordinal"),
                             "event_attributes.position.ordinal")
    return Interaction(search_id=required_id(row, "query_id"), doc_id=str(doc), kind=kind,
                       timestamp=parse_timestamp(row.get("timestamp")),
                       position=None if ordinal is None else ordinal - ordinal_base,
                       user_id=optional_id(row, "client_id"))


def read_ubi_log(queries_path: Path, events_path: Path, *, ordinal_base: int = 1) -> ClickLog:
    """Read a UBI export. ``ordinal_base``: the ordinal of the first position (1 in the UBI examples)."""
    builder = LogBuilder(DataReport())
    report = builder.report
    queries_file = builder.add_file(queries_path)
    no_hits: dict[str, tuple[SearchEvent, int]] = {}
    for line, row in _documents(queries_path, report):
        try:
            search = parse_ubi_query(row)
        except RowError as err:
            report.reject(Reject(str(queries_path), line, err.reason, err.message, err.field, row))
            continue
        if search.results:
            if builder.add_search(search, queries_file, line):
                report.count("searches")
        else:
            no_hits.setdefault(search.search_id, (search, line))

    events_file = builder.add_file(events_path)
    impressions: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line, row in _documents(events_path, report):
        action = row.get("action_name")
        try:
            if not isinstance(action, str) or not action:
                raise RowError("action_name", "missing_field",
                               "'action_name' is required (click, add_to_cart, "
                               "purchase or impression)")
            if action in _INTERACTIONS:
                builder.add_interaction(parse_ubi_event(row, _INTERACTIONS[action], ordinal_base),
                                        events_file, line)
                report.count(action)
            elif action == "impression":
                report.count("impression")
                query_id = optional_id(row, "query_id")
                if query_id in no_hits:
                    event = parse_ubi_event(row, InteractionKind.CLICK, ordinal_base)
                    impressions[query_id].append((event.position if event.position is not None else 1 << 30,
                                                  event.doc_id))
            else:
                report.note("ignored_action", example=f"{events_path}:{line}: action_name {action!r}")
        except RowError as err:
            report.reject(Reject(str(events_path), line, err.reason, err.message, err.field, row))

    for query_id, (search, line) in no_hits.items():
        shown = [doc for _, doc in sorted(impressions.get(query_id, ()), key=lambda item: item[0])]
        if shown:
            report.note("results_from_impressions")
        search = SearchEvent(search.search_id, search.query, tuple(dict.fromkeys(shown)), search.timestamp,
                             search.user_id, search.session_id)
        if builder.add_search(search, queries_file, line):
            report.count("searches")
    return builder.build()
