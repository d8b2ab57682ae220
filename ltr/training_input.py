"""Position-debiased training input: one row per judged impression, keeping the rank it was shown at.

LightGBM's lambdarank can learn position bias jointly with relevance when each row carries its display
position (``lightgbm.Dataset(position=...)``, LightGBM >= 4.1; Wang et al. 2018 "unbiased LambdaMART"). Rows
are grouped per search (one query group per shown list), labels are the (query, doc[, user]) grades.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .clicklog import normalize_query
from .report import DataReport
from .sessions import SessionLog
from .types import Judgment


@dataclass(frozen=True)
class PositionedRows:
    """Rows by search then position: ``search_id, qid, query, user_id, doc_id, position, grade``."""

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    def group_sizes(self) -> np.ndarray:
        """Rows per search, in row order (LightGBM's ``group``)."""
        search = self.frame["search_id"].to_numpy()
        if len(search) == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, search[1:] != search[:-1]])
        return np.diff(np.r_[starts, len(search)])

    def lightgbm_args(self) -> dict[str, Any]:
        """Keyword arguments for ``lightgbm.Dataset(features, **args)``: label, group and position."""
        return {"label": self.frame["grade"].to_numpy(), "group": self.group_sizes(),
                "position": self.frame["position"].to_numpy()}


def positioned_rows(sessions: SessionLog, judgments: Iterable[Judgment]) -> tuple[PositionedRows, DataReport]:
    """Join every shown (search, rank, doc) with its grade; unjudged impressions are dropped and counted.

    Personalized judgments (with ``user_id``) match only that user's searches; the others match everyone's.
    """
    report = DataReport()
    rows = list(judgments)
    query_index = {q: i for i, q in enumerate(sessions.queries)} if sessions.query_users is None else {}
    doc_index = pd.Index(sessions.doc_ids)
    user_index = {u: i for i, u in enumerate(sessions.user_ids)}
    n_docs = max(len(sessions.doc_ids), 1)
    keys: list[int] = []
    grades: list[int] = []
    qids: dict[int, str] = {}
    docs = doc_index.get_indexer([j.doc_id for j in rows])
    for j, d in zip(rows, docs):
        q = query_index.get(normalize_query(j.query), -1)
        u = user_index.get(j.user_id, -2) if j.user_id is not None else -1
        if q < 0 or d < 0 or u == -2:
            report.note("judgments_not_in_log")
            continue
        keys.append(((u + 1) * len(sessions.queries) + q) * n_docs + int(d))
        grades.append(j.grade)
        qids[q] = j.qid
    order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
    sorted_keys = np.asarray(keys, dtype=np.int64)[order]
    sorted_grades = np.asarray(grades, dtype=np.int64)[order]

    shown = sessions.shown
    base = sessions.query.astype(np.int64)[:, None] * n_docs + sessions.docs
    personal = ((sessions.user.astype(np.int64)[:, None] + 1) * len(sessions.queries)) * n_docs + base
    grade = np.full(shown.shape, -1, dtype=np.int64)
    known_user = shown & (sessions.user[:, None] >= 0)
    for candidate, allowed in ((base, shown), (personal, known_user)):  # the user's own grade wins
        if len(sorted_keys) == 0:
            break
        at = np.minimum(np.searchsorted(sorted_keys, candidate), len(sorted_keys) - 1)
        grade = np.where(allowed & (sorted_keys[at] == candidate), sorted_grades[at], grade)
    judged = grade >= 0
    report.note("unjudged_impressions", int(np.count_nonzero(shown & ~judged)))
    session, rank = np.nonzero(judged)
    user = sessions.user[session]
    frame = pd.DataFrame({
        "search_id": np.asarray(sessions.search_ids, dtype=object)[session] if len(session) else [],
        "qid": [qids.get(int(q), "") for q in sessions.query[session]],
        "query": np.asarray(sessions.queries, dtype=object)[sessions.query[session]] if len(session) else [],
        "user_id": [sessions.user_ids[u] if u >= 0 else None for u in user],
        "doc_id": np.asarray(sessions.doc_ids, dtype=object)[sessions.docs[session, rank]] if len(session)
        else [],
        "position": rank.astype(np.int32), "grade": grade[session, rank].astype(np.int32)})
    report.count("rows", len(frame))
    report.count("groups", int(len(np.unique(session))))
    return PositionedRows(frame), report
