"""The search-traffic driver: who searches what, when, what the ranker shows them, and what they do.

Users search queries that match their taste more often (and head queries more often than tail ones); the
caller's ``ranker`` (a real cluster search in the CLI, a lambda in tests) orders the results; the click
model in :mod:`ltr.world.behaviour` acts on them. For a generated :class:`~ltr.world.world.World`,
attractiveness and satisfaction come from the true relevance; for any other catalogue (a DataFrame) from
text match, taste and visual appeal. Timestamps spread uniformly over ``days`` so the caller can split a
training period from an evaluation period (:meth:`SimulatedSearches.split_at`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..sessions import SessionLog
from .behaviour import Behaviour, SearchOutcome, appeal, appeal_from_grades, simulate_search, visual_appeal
from .queries import Query
from .textmatch import queries_for_catalog, text_match
from .users import TasteIndex, User, generate_users_for_catalog
from .world import World
from .writers import write_jsonl, write_ubi

log = logging.getLogger(__name__)

#: ``ranker(user, query) -> doc ids in shown order``, or ``(doc_id, score)`` pairs (the scores then serve as
#: the text match of a catalogue without true relevance).
Ranker = Callable[[User, Query], Sequence[str] | Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class SimulatedSearches:
    """Simulated searches in time order, with the users and queries they came from."""

    outcomes: tuple[SearchOutcome, ...]
    users: tuple[User, ...]
    queries: tuple[Query, ...]

    def __len__(self) -> int:
        return len(self.outcomes)

    def split_at(self, timestamp: float) -> tuple[SimulatedSearches, SimulatedSearches]:
        """(searches before ``timestamp``, searches from it on): a training and an evaluation period."""
        before = tuple(o for o in self.outcomes if o.search.timestamp < timestamp)
        after = self.outcomes[len(before):]
        return (SimulatedSearches(before, self.users, self.queries),
                SimulatedSearches(after, self.users, self.queries))

    def session_log(self) -> SessionLog:
        """The searches as a :class:`~ltr.sessions.SessionLog` (no file round trip)."""
        return SessionLog.from_sessions([o.to_session() for o in self.outcomes])

    def write_jsonl(self, path: str | Path) -> int:
        return write_jsonl(self.outcomes, path)

    def write_ubi(self, directory: str | Path) -> Path:
        return write_ubi(self.outcomes, directory)


def _interest(user: User, query: Query) -> float:
    """How much the user cares about what the query names (any catalogue)."""
    it = query.intent
    interest = 0.05
    if it.category_key:
        parts = it.category_key.split(" > ")
        interest += max(user.categories.get(" > ".join(parts[:i + 1]), 0.0) for i in range(len(parts)))
    if it.brand:
        interest *= 0.5 + user.brands.get(it.brand, 0.35)
    return interest


class _WorldSource:
    """The generated world: its users and queries, true relevance behind every click."""

    def __init__(self, world: World) -> None:
        self.world = world

    def defaults(self, n_users: int, seed: int) -> tuple[Sequence[User], Sequence[Query]]:
        return self.world.users, self.world.queries

    def choice(self, users: Sequence[User], queries: Sequence[Query]) -> np.ndarray:
        if all(self.world.has_query(q.qid) for q in queries):
            return np.stack([self.world.query_probabilities(u.user_id) for u in users])
        return _choice(users, queries)

    def appeal(self, user: User, query: Query, ranked: list[str], scores: np.ndarray | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return appeal_from_grades(self.world.grades(user.user_id, query.qid, ranked), rng)


class _CatalogSource:
    """A catalogue without true relevance: clicks follow text match, taste and visual appeal."""

    def __init__(self, items: pd.DataFrame, seed: int) -> None:
        self.items = items.reset_index(drop=True)
        self.rows = {str(d): i for i, d in enumerate(self.items["id"].astype(str))}
        self.taste = TasteIndex(self.items)
        self.seed = seed

    def defaults(self, n_users: int, seed: int) -> tuple[Sequence[User], Sequence[Query]]:
        users = generate_users_for_catalog(self.items, n_users, seed)
        return users, queries_for_catalog(self.items, 50, seed)

    def choice(self, users: Sequence[User], queries: Sequence[Query]) -> np.ndarray:
        return _choice(users, queries)

    def appeal(self, user: User, query: Query, ranked: list[str], scores: np.ndarray | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        rows = np.array([self.rows.get(d, -1) for d in ranked], dtype=np.int64)
        known = rows >= 0
        taste = np.full(len(ranked), 0.5)
        taste[known] = self.taste.match(user, rows[known])
        if scores is None:
            scores = np.zeros(len(ranked))
            scores[known] = text_match(self.items.iloc[rows[known]], query.text)
        return appeal(scores, taste, visual_appeal(ranked, self.seed))


def _choice(users: Sequence[User], queries: Sequence[Query]) -> np.ndarray:
    """P(query | user): the query's weight times the user's interest in it."""
    choice = np.array([[q.weight * _interest(u, q) for q in queries] for u in users])
    return choice / choice.sum(axis=1, keepdims=True)


def _split(shown: Sequence[str] | Sequence[tuple[str, float]]) -> tuple[list[str], np.ndarray | None]:
    """A ranker's answer as (doc ids, scores or None)."""
    if shown and isinstance(shown[0], tuple):
        pairs = [(str(d), float(s)) for d, s in shown]  # type: ignore[misc]
        return [d for d, _ in pairs], np.array([s for _, s in pairs])
    return [str(d) for d in shown], None


def simulate_searches(world_or_items: World | pd.DataFrame, ranker: Ranker, n_searches: int, *,
                      users: Sequence[User] | None = None, queries: Sequence[Query] | None = None,
                      seed: int = 0, start_time: float = 1_700_000_000.0, days: float = 30.0,
                      behaviour: Behaviour = Behaviour(), n_users: int = 200) -> SimulatedSearches:
    """Simulate ``n_searches`` searches. ``users``/``queries`` default to the world's own (given users
    must be the world's, by id), or, for a catalogue DataFrame (columns ``id``, ``title`` and any of
    ``category``, ``brand``, ``color``, ``price``, ``description``), to :func:`generate_users_for_catalog`
    (``n_users``) and :func:`queries_for_catalog`. Each user searches a query with probability proportional
    to the query's weight times the user's interest in it; active users search more than others."""
    rng = np.random.default_rng(seed)
    source: _WorldSource | _CatalogSource = (_WorldSource(world_or_items) if isinstance(world_or_items, World)
                                             else _CatalogSource(world_or_items, seed))
    default_users, default_queries = source.defaults(n_users, seed) if users is None or queries is None \
        else ((), ())
    users = tuple(default_users if users is None else users)
    queries = tuple(default_queries if queries is None else queries)
    choice = source.choice(users, queries)
    activity = rng.lognormal(0.0, 0.8, len(users))  # some users search much more than others
    who = rng.choice(len(users), size=n_searches, p=activity / activity.sum())
    times = np.sort(start_time + rng.uniform(0.0, days * 86400.0, n_searches))
    outcomes = []
    for i, (u, t) in enumerate(zip(who, times)):
        user = users[int(u)]
        query = queries[int(rng.choice(len(queries), p=choice[u]))]
        ranked, scores = _split(ranker(user, query))
        attractiveness, satisfaction = source.appeal(user, query, ranked, scores, rng)
        outcomes.append(simulate_search(f"s{i:08d}", query.text, ranked, attractiveness, satisfaction, rng,
                                        timestamp=float(t), user_id=user.user_id,
                                        session_id=f"{user.user_id}-{int(t // 1800)}", behaviour=behaviour))
    log.info("simulated %d searches by %d users over %d queries", n_searches, len(users), len(queries))
    return SimulatedSearches(tuple(outcomes), users, queries)
