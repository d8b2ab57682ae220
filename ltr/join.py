"""Joining interactions to the searches they happened on, with a defined rule for every bad case.

Rules (each case is counted in the report; rejected events also go to the rejects file):

- unknown search id: rejected (``unknown_search``);
- the doc id is the key: if it is in the search's results, its rank there is used; a differing or missing
  ``position`` is corrected (``position_corrected``, ``position_missing``). If the doc is not in the results
  the event is rejected: ``position_out_of_range`` when the given rank is outside the list, else
  ``doc_not_in_results``;
- clock skew: an event up to ``clock_skew_s`` before its search is kept (``clock_skew_tolerated``); earlier is
  rejected (``before_search``); later than ``join_window_s`` after it is rejected (``after_join_window``);
- duplicates: the same (search, doc, action) more than once is kept once, the earliest (``duplicate_event``);
- the searching user owns the events (``user_mismatch`` counts events that name another user).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clicklog import NO_POSITION, ClickLog
from .report import DataReport
from .types import InteractionKind, Reject

DEFAULT_CLOCK_SKEW_S = 30.0
DEFAULT_JOIN_WINDOW_S = 24 * 3600.0


@dataclass(frozen=True)
class JoinedEvents:
    """Accepted, deduplicated interactions: search, 0-based rank, user (``-1`` anonymous), action, time."""

    search: np.ndarray
    doc: np.ndarray
    position: np.ndarray
    kind: np.ndarray
    time: np.ndarray
    user: np.ndarray

    def __len__(self) -> int:
        return len(self.doc)


def join_events(log: ClickLog, *, clock_skew_s: float = DEFAULT_CLOCK_SKEW_S,
                join_window_s: float = DEFAULT_JOIN_WINDOW_S) -> tuple[JoinedEvents, DataReport]:
    """Validate every event against its search (see the module rules) and return the accepted ones."""
    report = DataReport()
    n = log.n_events
    keep = np.ones(n, dtype=bool)
    position = log.event_position.astype(np.int64)

    unknown = log.event_search < 0
    for event in np.flatnonzero(unknown):
        key = log.unknown_search_keys.get(int(event), "?")
        _reject(report, log, event, "unknown_search", "search_id",
                f"search_id {key!r} matches no search in the log; log the search event too (or fix the id)",
                search_key=key)
    keep &= ~unknown
    if not len(log.search_ids):  # a log of events only: all rejected above, and no search to index into
        none = np.zeros(0, dtype=np.int32)
        return JoinedEvents(search=none, doc=log.event_doc[:0], position=none, kind=log.event_kind[:0],
                            time=log.event_time[:0], user=none), report

    search = np.where(unknown, 0, log.event_search).astype(np.int64)
    start = log.result_offsets[search] if n else np.zeros(0, dtype=np.int64)
    length = log.result_offsets[search + 1] - start if n else np.zeros(0, dtype=np.int64)
    in_range = (position >= 0) & (position < length)
    doc_at = np.full(n, -2, dtype=np.int64)
    doc_at[in_range] = log.result_docs[(start + position)[in_range]]
    mismatch = keep & (doc_at != log.event_doc)
    for event in np.flatnonzero(mismatch):
        results = log.result_docs[start[event]:start[event] + length[event]].tolist()
        doc = int(log.event_doc[event])
        if doc in results:
            reason = "position_missing" if log.event_position[event] == NO_POSITION else "position_corrected"
            said = "nothing" if reason == "position_missing" else str(int(log.event_position[event]))
            report.note(reason, example=f"{_where(log, event)}: doc {log.doc_ids[doc]!r} is at rank "
                        f"{results.index(doc)}, event said {said}")
            position[event] = results.index(doc)
        else:
            keep[event] = False
            given = int(log.event_position[event])
            if given != NO_POSITION and not in_range[event]:
                _reject(report, log, event, "position_out_of_range", "position",
                        f"position {given} is outside the {int(length[event])} results of search "
                        f"{log.search_ids[search[event]]!r} and the doc is not among them; positions are "
                        "0-based")
            else:
                _reject(report, log, event, "doc_not_in_results", "doc_id",
                        f"doc {log.doc_ids[doc]!r} was not shown by search {log.search_ids[search[event]]!r}")

    delay = log.event_time - log.search_time[search] if n else np.zeros(0)
    early = keep & (delay < -clock_skew_s)
    late = keep & (delay > join_window_s)
    for event in np.flatnonzero(early):
        _reject(report, log, event, "before_search", "timestamp",
                f"event is {-delay[event]:.0f}s before its search (tolerance {clock_skew_s:.0f}s); fix the "
                "clocks or raise --clock-skew")
    for event in np.flatnonzero(late):
        _reject(report, log, event, "after_join_window", "timestamp",
                f"event is {delay[event]:.0f}s after its search (window {join_window_s:.0f}s)")
    keep &= ~(early | late)
    report.note("clock_skew_tolerated", int(np.count_nonzero(keep & (delay < 0))))

    accepted = np.flatnonzero(keep)
    search_user = log.search_user[search[accepted]]
    event_user = log.event_user[accepted]
    report.note("user_mismatch", int(np.count_nonzero((event_user >= 0) & (search_user >= 0)
                                                       & (event_user != search_user))))
    user = np.where(search_user >= 0, search_user, event_user).astype(np.int32)

    # Deduplicate (search, doc, action) keeping the earliest: sort by time, keep first of each key.
    order = np.argsort(log.event_time[accepted], kind="stable")
    accepted, user = accepted[order], user[order]
    n_docs = max(len(log.doc_ids), 1)
    key = (search[accepted] * n_docs + log.event_doc[accepted]) * 4 + log.event_kind[accepted]
    _, first = np.unique(key, return_index=True)
    first.sort()
    report.note("duplicate_event", len(accepted) - len(first))
    accepted, user = accepted[first], user[first]
    for kind in InteractionKind:
        report.count(f"joined_{kind.label}", int(np.count_nonzero(log.event_kind[accepted] == kind)))
    return JoinedEvents(search=search[accepted].astype(np.int32), doc=log.event_doc[accepted],
                        position=position[accepted].astype(np.int32), kind=log.event_kind[accepted],
                        time=log.event_time[accepted], user=user), report


def _file(log: ClickLog, event: int | np.integer) -> str:
    return log.files[int(log.event_file[event])]


def _where(log: ClickLog, event: int | np.integer) -> str:
    return f"{_file(log, event)}:{int(log.event_line[event])}"


def _reject(report: DataReport, log: ClickLog, event: int | np.integer, reason: str, field: str, message: str,
            search_key: str | None = None) -> None:
    search = int(log.event_search[event])
    row = {"search_id": search_key if search < 0 else log.search_ids[search],
           "doc_id": log.doc_ids[log.event_doc[event]],
           "type": InteractionKind(int(log.event_kind[event])).label,
           "position": int(log.event_position[event]) if log.event_position[event] != NO_POSITION else None,
           "timestamp": float(log.event_time[event])}
    report.reject(Reject(_file(log, event), int(log.event_line[event]), reason, message, field, row))
