"""Writing simulated searches as click logs: our JSONL and an OpenSearch UBI export.

:mod:`ltr.simulate` has writers for its column-wise ``SimulatedLog``; these take the row types of
:mod:`ltr.types` (what :mod:`ltr.world.behaviour` produces) and write the same two formats, so the logs read
back with :func:`ltr.logs.read_click_log`. Dwell time goes along as an extra field (``dwell_s``; readers
ignore it).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from .behaviour import SearchOutcome


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _dwell(outcome: SearchOutcome) -> dict[int, float]:
    return {c.position: c.dwell_s for c in outcome.clicks}


def write_jsonl(outcomes: Iterable[SearchOutcome], path: str | Path) -> int:
    """Our JSONL click log: a ``search`` line, then its events in time order. Returns lines written."""
    lines = 0
    with open(path, "wb") as out:
        for outcome in outcomes:
            s = outcome.search
            out.write(orjson.dumps({"type": "search", "search_id": s.search_id, "user_id": s.user_id,
                                    "session_id": s.session_id, "query": s.query, "results": list(s.results),
                                    "timestamp": s.timestamp}) + b"\n")
            dwell = _dwell(outcome)
            for e in outcome.interactions:
                row = {"type": e.kind.label, "search_id": e.search_id, "user_id": e.user_id,
                       "doc_id": e.doc_id, "position": e.position, "timestamp": e.timestamp}
                if e.kind.label == "click" and e.position in dwell:
                    row["dwell_s"] = dwell[e.position]
                out.write(orjson.dumps(row) + b"\n")
            lines += 1 + len(outcome.interactions)
    return lines


def write_ubi(outcomes: Iterable[SearchOutcome], directory: str | Path, *, ordinal_base: int = 1,
              application: str = "mmltr-demo") -> Path:
    """A UBI export: ``ubi_queries.ndjson`` and ``ubi_events.ndjson`` under ``directory`` (ISO timestamps,
    positions as ``ordinal_base``-based ordinals). Returns ``directory``."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "ubi_queries.ndjson", "wb") as queries, open(root / "ubi_events.ndjson", "wb") as events:
        for outcome in outcomes:
            s = outcome.search
            queries.write(orjson.dumps({"query_id": s.search_id, "client_id": s.user_id,
                                        "session_id": s.session_id, "application": application,
                                        "user_query": s.query, "query_response_hit_ids": list(s.results),
                                        "timestamp": _iso(s.timestamp)}) + b"\n")
            dwell = _dwell(outcome)
            for e in outcome.interactions:
                attributes: dict[str, object] = {
                    "object": {"object_id": e.doc_id, "object_id_field": "id"},
                    "position": {"ordinal": (e.position or 0) + ordinal_base}}
                if e.kind.label == "click" and e.position in dwell:
                    attributes["dwell_time"] = dwell[e.position]
                events.write(orjson.dumps({"action_name": e.kind.label, "query_id": e.search_id,
                                           "client_id": e.user_id, "session_id": s.session_id,
                                           "timestamp": _iso(e.timestamp), "message_type": "INFO",
                                           "event_attributes": attributes}) + b"\n")
    return root
