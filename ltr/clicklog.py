"""Reading our JSONL click logs into a column-wise :class:`ClickLog` (OpenSearch UBI exports: :mod:`.ubi`;
either format, chosen from the path: :func:`ltr.logs.read_click_log`).

Rows are validated one by one; a bad row is rejected with its file, line, field and the fix, and never stops
the read. Joining events to their searches (unknown searches, positions, clock skew, duplicates) is the next
step, :func:`ltr.sessions.join_events`, because it needs the whole log.

Columns, not objects: a million searches with ten results each would be ten million Python strings; here a
document id is stored once in a vocabulary and referenced by an int32.
"""
from __future__ import annotations

import gzip
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from .report import DataReport
from .rowparse import RowError, parse_interaction, parse_search
from .types import Interaction, InteractionKind, Reject, SearchEvent


NO_POSITION = -(2**31)  # "no rank logged"; any other negative rank is a bad value, caught at join


class ClickLogError(Exception):
    """A click log that cannot be read at all (missing file, unknown format); the message says what to do."""


@dataclass(frozen=True)
class ClickLog:
    """Searches and interactions as parallel arrays over shared vocabularies (``-1`` = none/anonymous).

    Searches: ``search_*`` arrays; the results of search ``i`` are
    ``result_docs[result_offsets[i]:result_offsets[i + 1]]`` (``-1`` marks a duplicate doc left as a hole so
    later positions keep their rank). Events: ``event_*`` arrays; ``event_search`` is ``-1`` for an unknown
    search id (kept in ``unknown_search_keys`` for the report).
    """

    files: tuple[str, ...]
    queries: tuple[str, ...]
    doc_ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    search_ids: tuple[str, ...]
    search_query: np.ndarray
    search_user: np.ndarray
    search_time: np.ndarray
    search_file: np.ndarray
    search_line: np.ndarray
    result_offsets: np.ndarray
    result_docs: np.ndarray
    event_search: np.ndarray
    event_doc: np.ndarray
    event_position: np.ndarray
    event_kind: np.ndarray
    event_time: np.ndarray
    event_user: np.ndarray
    event_file: np.ndarray
    event_line: np.ndarray
    unknown_search_keys: dict[int, str] = field(default_factory=dict)
    report: DataReport = field(default_factory=DataReport)

    @property
    def n_searches(self) -> int:
        return len(self.search_ids)

    @property
    def n_events(self) -> int:
        return len(self.event_doc)

    def results(self, search: int) -> list[str]:
        docs = self.result_docs[self.result_offsets[search]:self.result_offsets[search + 1]]
        return [self.doc_ids[d] if d >= 0 else "" for d in docs]


def normalize_query(query: str) -> str:
    """Queries that differ only in case or spacing are the same query for click models and judgments."""
    return " ".join(query.lower().split())


class LogBuilder:
    """Accumulates parsed rows into growable typed arrays; :meth:`build` freezes them into a ClickLog."""

    def __init__(self, report: DataReport) -> None:
        self.report = report
        self.files: list[str] = []
        self._queries: dict[str, int] = {}
        self._docs: dict[str, int] = {}
        self._users: dict[str, int] = {}
        self._search_index: dict[str, int] = {}
        self._search_ids: list[str] = []
        self._s_query, self._s_user, self._s_file = array("i"), array("i"), array("i")
        self._s_time, self._s_line = array("d"), array("q")
        self._offsets, self._results = array("q", [0]), array("i")
        self._e_search, self._e_doc, self._e_pos = array("i"), array("i"), array("i")
        self._e_kind, self._e_user, self._e_file = array("b"), array("i"), array("i")
        self._e_time, self._e_line = array("d"), array("q")
        self._pending: dict[int, str] = {}

    def add_file(self, path: str | Path) -> int:
        self.files.append(str(path))
        return len(self.files) - 1

    def _user(self, user_id: str | None) -> int:
        if user_id is None:
            return -1
        users = self._users
        return users.setdefault(user_id, len(users))

    def add_search(self, event: SearchEvent, file: int, line: int) -> bool:
        """Add a search; False when it was rejected (a reused ``search_id`` with other results), so that the
        reader counts each row once: as read and kept, or as rejected."""
        previous = self._search_index.get(event.search_id)
        docs = self._docs
        ids = [docs.setdefault(d, len(docs)) for d in event.results]
        if previous is not None:
            start, end = self._offsets[previous], self._offsets[previous + 1]
            same = list(self._results[start:end]) == _holes(ids, event.results)
            where = f"{self.files[file]}:{line}"
            if same:
                self.report.note("duplicate_search",
                                 example=f"{where}: search_id {event.search_id!r} repeated")
            else:
                self.report.reject(Reject(self.files[file], line, "conflicting_search",
                                          f"search_id {event.search_id!r} was already read with other "
                                          f"results (line {self._s_line[previous]}); the first one is kept. "
                                          "Give each search a unique search_id", "search_id",
                                          event.search_id))
                return False
            return True
        if len(set(event.results)) != len(event.results):
            self.report.note("duplicate_result_doc", example=f"{self.files[file]}:{line}: search "
                             f"{event.search_id!r} shows a doc twice; later copies are ignored")
            ids = _holes(ids, event.results)
        self._search_index[event.search_id] = len(self._search_ids)
        self._search_ids.append(event.search_id)
        queries = self._queries
        self._s_query.append(queries.setdefault(normalize_query(event.query), len(queries)))
        self._s_user.append(self._user(event.user_id))
        self._s_time.append(event.timestamp)
        self._s_file.append(file)
        self._s_line.append(line)
        self._results.extend(ids)
        self._offsets.append(len(self._results))
        if not ids:
            self.report.note("empty_results",
                             example=f"{self.files[file]}:{line}: search {event.search_id!r}")
        return True

    def add_interaction(self, event: Interaction, file: int, line: int) -> None:
        search = self._search_index.get(event.search_id, -1)
        if search < 0:  # its search may come later in the file; resolved in build()
            self._pending[len(self._e_doc)] = event.search_id
        self._e_search.append(search)
        docs = self._docs
        self._e_doc.append(docs.setdefault(event.doc_id, len(docs)))
        self._e_pos.append(NO_POSITION if event.position is None else event.position)
        self._e_kind.append(int(event.kind))
        self._e_time.append(event.timestamp)
        self._e_user.append(self._user(event.user_id))
        self._e_file.append(file)
        self._e_line.append(line)

    def build(self) -> ClickLog:
        event_search = np.frombuffer(self._e_search, dtype=np.int32).copy()
        unknown: dict[int, str] = {}
        for event, key in self._pending.items():
            search = self._search_index.get(key, -1)
            event_search[event] = search
            if search < 0:
                unknown[event] = key
        return ClickLog(
            files=tuple(self.files), queries=tuple(self._queries), doc_ids=tuple(self._docs),
            user_ids=tuple(self._users), search_ids=tuple(self._search_ids),
            search_query=_np(self._s_query, np.int32), search_user=_np(self._s_user, np.int32),
            search_time=_np(self._s_time, np.float64), search_file=_np(self._s_file, np.int32),
            search_line=_np(self._s_line, np.int64), result_offsets=_np(self._offsets, np.int64),
            result_docs=_np(self._results, np.int32), event_search=event_search,
            event_doc=_np(self._e_doc, np.int32), event_position=_np(self._e_pos, np.int32),
            event_kind=_np(self._e_kind, np.int8), event_time=_np(self._e_time, np.float64),
            event_user=_np(self._e_user, np.int32), event_file=_np(self._e_file, np.int32),
            event_line=_np(self._e_line, np.int64), unknown_search_keys=unknown, report=self.report)


def _np(values: array[Any], dtype: type) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype).copy() if len(values) else np.zeros(0, dtype=dtype)


def _holes(ids: list[int], names: tuple[str, ...]) -> list[int]:
    seen: set[str] = set()
    out = []
    for i, name in zip(ids, names):
        out.append(-1 if name in seen else i)
        seen.add(name)
    return out


def open_text(path: Path) -> IO[bytes]:
    """Open a log file for binary line reading, transparently gunzipping ``*.gz``."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile reads bytes lines like IO
    return open(path, "rb")


def iter_json_rows(path: Path, report: DataReport) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield ``(line, object)`` for every JSON object line; blank lines are skipped, bad lines rejected."""
    with open_text(path) as lines:
        for line_no, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            report.count("rows_read")
            try:
                row = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                report.reject(Reject(str(path), line_no, "invalid_json", f"not valid JSON ({exc}); each line "
                                     "must be one JSON object", row=raw[:200].decode("utf-8", "replace")))
                continue
            if not isinstance(row, dict):
                report.reject(Reject(str(path), line_no, "not_an_object",
                                     "each line must be a JSON object, got " + type(row).__name__, row=row))
                continue
            yield line_no, row


def read_jsonl_log(path: str | Path, builder: LogBuilder | None = None) -> ClickLog:
    """Read our JSONL log: ``{"type": "search", ...}`` and ``{"type": "click" | "add_to_cart" | "purchase"}``
    lines."""
    path = Path(path)
    builder = builder or LogBuilder(DataReport())
    report = builder.report
    file = builder.add_file(path)
    for line, row in iter_json_rows(path, report):
        kind = row.get("type")
        try:
            if kind == "search":
                if builder.add_search(parse_search(row), file, line):
                    report.count("searches")
            elif isinstance(kind, str) and kind in _KINDS:
                builder.add_interaction(parse_interaction(row, _KINDS[kind]), file, line)
                report.count(kind)
            else:
                raise RowError("type", "unknown_type", f"'type' must be one of search, click, add_to_cart, "
                               f"purchase; got {kind!r}")
        except RowError as err:
            report.reject(Reject(str(path), line, err.reason, err.message, err.field, row))
    return builder.build()


_KINDS = {kind.label: kind for kind in InteractionKind}
