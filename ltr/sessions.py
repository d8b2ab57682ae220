"""Sessions: each search joined with its clicks, add-to-carts and purchases, as padded position matrices.

A :class:`SessionLog` holds ``n`` searches by ``K`` ranks: ``docs[i, r]`` is the doc shown at rank ``r`` of
search ``i`` (``-1`` past the end of the list), and boolean matrices say what was done there. This is the
input of every click model; the shape lets EM run as numpy operations over all sessions at once, one rank at
a time.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .clicklog import ClickLog
from .join import JoinedEvents
from .report import DataReport
from .types import InteractionKind, Session

DEFAULT_MAX_RANK = 50


@dataclass(frozen=True)
class SessionLog:
    """Sessions over shared vocabularies. ``query`` indexes ``queries``; with per-user keys (see
    :func:`per_user_sessions`) ``query_users[q]`` names the user of query key ``q``."""

    queries: tuple[str, ...]
    doc_ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    query: np.ndarray
    user: np.ndarray
    time: np.ndarray
    search_ids: tuple[str, ...]
    docs: np.ndarray
    clicks: np.ndarray
    carts: np.ndarray
    purchases: np.ndarray
    query_users: tuple[str | None, ...] | None = None

    def __len__(self) -> int:
        return len(self.query)

    @property
    def max_rank(self) -> int:
        return int(self.docs.shape[1])

    @property
    def shown(self) -> np.ndarray:
        return self.docs >= 0

    def subset(self, rows: np.ndarray) -> SessionLog:
        """The sessions at ``rows`` (indices or a boolean mask), sharing this log's vocabularies."""
        ids = np.asarray(self.search_ids, dtype=object)[rows] if self.search_ids else ()
        return replace(self, query=self.query[rows], user=self.user[rows], time=self.time[rows],
                       search_ids=tuple(ids), docs=self.docs[rows], clicks=self.clicks[rows],
                       carts=self.carts[rows], purchases=self.purchases[rows])

    def query_key(self, q: int) -> tuple[str | None, str]:
        return (self.query_users[q] if self.query_users else None, self.queries[q])

    def __iter__(self) -> Iterator[Session]:
        for i in range(len(self)):
            shown = np.flatnonzero(self.docs[i] >= 0)
            user = int(self.user[i])
            yield Session(query=self.queries[self.query[i]],
                          docs=tuple(self.doc_ids[d] for d in self.docs[i, shown]),
                          clicks=tuple(self.clicks[i, shown].tolist()),
                          carts=tuple(self.carts[i, shown].tolist()),
                          purchases=tuple(self.purchases[i, shown].tolist()),
                          user_id=self.user_ids[user] if user >= 0 else None, timestamp=float(self.time[i]),
                          search_id=self.search_ids[i] if self.search_ids else "")

    @classmethod
    def from_sessions(cls, sessions: Sequence[Session]) -> SessionLog:
        """Build from :class:`~ltr.types.Session` rows (tests, small hand-made logs)."""
        queries: dict[str, int] = {}
        docs: dict[str, int] = {}
        users: dict[str, int] = {}
        width = max((len(s.docs) for s in sessions), default=1) or 1
        matrix = np.full((len(sessions), width), -1, dtype=np.int32)
        flags = np.zeros((3, len(sessions), width), dtype=bool)
        query = np.zeros(len(sessions), dtype=np.int32)
        user = np.full(len(sessions), -1, dtype=np.int32)
        for i, s in enumerate(sessions):
            query[i] = queries.setdefault(s.query, len(queries))
            if s.user_id:
                user[i] = users.setdefault(s.user_id, len(users))
            matrix[i, :len(s.docs)] = [docs.setdefault(d, len(docs)) for d in s.docs]
            for f, values in enumerate((s.clicks, s.carts, s.purchases)):
                flags[f, i, :len(values)] = values
        return cls(queries=tuple(queries), doc_ids=tuple(docs), user_ids=tuple(users), query=query, user=user,
                   time=np.array([s.timestamp for s in sessions], dtype=np.float64),
                   search_ids=tuple(s.search_id for s in sessions), docs=matrix,
                   clicks=flags[0] | flags[1] | flags[2], carts=flags[1], purchases=flags[2])


def build_sessions(log: ClickLog, joined: JoinedEvents, *,
                   max_rank: int = DEFAULT_MAX_RANK) -> tuple[SessionLog, DataReport]:
    """One session per search with at least one result, keeping the first ``max_rank`` ranks.

    Add-to-cart and purchase imply a click on the same result (the user acted on it), counted as
    ``implied_clicks``. Events below ``max_rank`` stay in ``joined`` (profiles use them) but not in sessions.
    """
    report = DataReport()
    lengths = np.diff(log.result_offsets)
    has_results = lengths > 0
    rows = np.flatnonzero(has_results)
    report.note("searches_without_results", int(np.count_nonzero(~has_results)))
    width = int(min(max_rank, lengths.max())) if len(rows) else 1
    report.note("searches_truncated_at_max_rank", int(np.count_nonzero(lengths > width)))

    take = np.minimum(lengths[rows], width)
    row_of = np.repeat(np.arange(len(rows)), take)
    col_of = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
    docs = np.full((len(rows), width), -1, dtype=np.int32)
    docs[row_of, col_of] = log.result_docs[np.repeat(log.result_offsets[rows], take) + col_of]

    session_of_search = np.full(log.n_searches, -1, dtype=np.int64)
    session_of_search[rows] = np.arange(len(rows))
    inside = joined.position < width
    report.note("events_below_max_rank", int(np.count_nonzero(~inside)))
    flags = np.zeros((3, len(rows), width), dtype=bool)
    session = session_of_search[joined.search[inside]]
    flags[joined.kind[inside].astype(np.int64), session, joined.position[inside]] = True
    click = flags[InteractionKind.CLICK]
    implied = (flags[InteractionKind.ADD_TO_CART] | flags[InteractionKind.PURCHASE]) & ~click
    report.note("implied_clicks", int(np.count_nonzero(implied)))
    report.count("sessions", len(rows))
    return SessionLog(queries=log.queries, doc_ids=log.doc_ids, user_ids=log.user_ids,
                      query=log.search_query[rows], user=log.search_user[rows], time=log.search_time[rows],
                      search_ids=tuple(np.asarray(log.search_ids, dtype=object)[rows]) if len(rows) else (),
                      docs=docs, clicks=click | implied, carts=flags[InteractionKind.ADD_TO_CART],
                      purchases=flags[InteractionKind.PURCHASE]), report


def per_user_sessions(sessions: SessionLog) -> tuple[SessionLog, int]:
    """Re-key sessions by (user, query) so a click model fits per-user judgments; anonymous sessions are
    dropped (returned count), since they cannot be attributed to anyone."""
    known = sessions.user >= 0
    subset = sessions.subset(np.flatnonzero(known))
    pair = subset.user.astype(np.int64) * max(len(sessions.queries), 1) + subset.query
    keys, inverse = np.unique(pair, return_inverse=True)
    n_queries = max(len(sessions.queries), 1)
    return replace(subset, query=inverse.astype(np.int32).reshape(-1),
                   queries=tuple(sessions.queries[k % n_queries] for k in keys),
                   query_users=tuple(sessions.user_ids[k // n_queries] for k in keys)), \
        int(np.count_nonzero(~known))


def split_sessions(sessions: SessionLog, test_fraction: float = 0.2, method: str = "time",
                   seed: int = 0) -> tuple[SessionLog, SessionLog]:
    """Train/test split: ``time`` (the latest sessions are the test set, as in production) or ``random``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    n = len(sessions)
    if method == "time":
        order = np.argsort(sessions.time, kind="stable")
    elif method == "random":
        order = np.random.default_rng(seed).permutation(n)
    else:
        raise ValueError(f"unknown split method {method!r}; use time or random")
    cut = n - int(round(n * test_fraction))
    return sessions.subset(np.sort(order[:cut])), sessions.subset(np.sort(order[cut:]))
