"""Do CF vectors predict what users do next? Recall@k on held-out interactions, against popularity.

The split is per user and by time: each user's latest ``fraction`` of distinct items is held out. Users with
a single item stay in training only (nothing to hold out), and are counted.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .events import UserItemEvents

MAX_EVAL_USERS = 5_000


@dataclass(frozen=True)
class RecallReport:
    k: int
    cf_recall: float
    popularity_recall: float
    users: int


def holdout_split(events: UserItemEvents,
                  fraction: float = 0.2) -> tuple[UserItemEvents, UserItemEvents, int]:
    """(train, test, users kept whole): per user, the latest ``fraction`` (at least one) of their distinct
    items, ordered by first interaction, with every interaction on them, goes to test."""
    n_items = max(len(events.item_ids), 1)
    pair = events.user.astype(np.int64) * n_items + events.item
    order = np.lexsort((events.time, pair))
    keys, first = np.unique(pair[order], return_index=True)  # earliest interaction of each (user, item)
    first_time = events.time[order][first]
    pair_user = keys // n_items
    by_time = np.lexsort((first_time, pair_user))
    counts = np.bincount(pair_user, minlength=len(events.user_ids))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(keys), dtype=np.int64)
    rank[by_time] = np.arange(len(keys)) - starts[pair_user[by_time]]
    held_count = np.maximum(1, np.floor(counts * fraction).astype(np.int64))
    held = (counts[pair_user] >= 2) & (rank >= counts[pair_user] - held_count[pair_user])
    test = held[np.searchsorted(keys, pair)] if len(keys) else np.zeros(0, dtype=bool)
    whole = int(np.count_nonzero(counts == 1))
    return events.subset(np.flatnonzero(~test)), events.subset(np.flatnonzero(test)), whole


def recall_at_k(user_factors: np.ndarray, item_factors: np.ndarray, train: sp.csr_matrix,
                test: UserItemEvents, k: int = 10, seed: int = 0) -> RecallReport:
    """Mean over test users of |top-k ∩ held-out| / min(k, |held-out|); items seen in training are excluded,
    for CF and for the popularity baseline alike."""
    held = sp.csr_matrix((np.ones(len(test), dtype=np.float32), (test.user, test.item)), shape=train.shape)
    held.data[:] = 1.0
    users = np.flatnonzero(np.diff(held.indptr) > 0)
    if len(users) > MAX_EVAL_USERS:
        users = np.sort(np.random.default_rng(seed).choice(users, MAX_EVAL_USERS, replace=False))
    popularity = np.asarray((train > 0).sum(axis=0)).ravel().astype(np.float64)
    cf_hits: list[float] = []
    pop_hits: list[float] = []
    for start in range(0, len(users), 512):
        batch = users[start:start + 512]
        seen = train[batch].toarray() > 0
        truth = held[batch].toarray() > 0
        cf = np.where(seen, -np.inf, user_factors[batch] @ item_factors.T)
        pop = np.where(seen, -np.inf, np.broadcast_to(popularity, seen.shape))
        denom = np.minimum(k, truth.sum(axis=1))
        for scores, hits in ((cf, cf_hits), (pop, pop_hits)):
            top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
            hits.extend(np.take_along_axis(truth, top, axis=1).sum(axis=1) / denom)
    return RecallReport(k, float(np.mean(cf_hits)) if cf_hits else float("nan"),
                        float(np.mean(pop_hits)) if pop_hits else float("nan"), len(users))
