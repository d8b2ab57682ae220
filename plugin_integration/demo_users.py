"""The last view of ``mmltr demo``: one query searched by two users with different tastes, through the served
personal model (:class:`.search.Searcher` with ``explain``), each hit with its largest LightGBM contributions
(``pred_contrib`` on the local copy ``model upload`` kept, on exactly the feature values the cluster logged)."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from ltr.world import SimulatedSearches, World

from . import served_models
from .search import Searcher

TOP = 5


@dataclass(frozen=True)
class ExplainedHit:
    doc_id: str
    title: str
    price: float | None
    color: str | None
    score: float
    grade: int                                  # the world's true grade for this user
    contributions: tuple[tuple[str, float], ...]  # largest |contribution| first


@dataclass(frozen=True)
class UserView:
    user_id: str
    taste: str
    hits: tuple[ExplainedHit, ...]


@dataclass(frozen=True)
class TwoUsers:
    query: str
    model: str
    users: tuple[UserView, UserView]


def _taste(world: World, user_id: str) -> str:
    user = world.user(user_id)
    parts = []
    for label, liked in (("brand", user.brands), ("colour", user.colors), ("style", user.styles)):
        if liked:
            parts.append(f"{label} {max(liked, key=lambda k: liked[k])}")
    if user.price_band:
        parts.append(f"price {user.price_band}")
    return ", ".join(parts)


def two_users(client: Any, alias: str, data_dir: Path, world: World, period: SimulatedSearches,
              model: str) -> TwoUsers:
    """The evaluation period's most searched query, and the two of its users whose top lists overlap least."""
    import lightgbm as lgb  # deferred: heavy

    served, path = served_models.load(data_dir, model)
    booster = lgb.Booster(model_file=str(path))
    searchers: dict[str, list[str]] = {}
    for o in period.outcomes:
        searchers.setdefault(o.search.query, [])
        if o.search.user_id not in searchers[o.search.query]:
            searchers[o.search.query].append(str(o.search.user_id))
    query = max(searchers, key=lambda q: (len(searchers[q]), q))
    searcher = Searcher(client, alias, data_dir=data_dir)
    qid = {q.text: q.qid for q in world.queries}[query]
    results = {u: searcher.search(query, u, model, TOP, explain=True) for u in searchers[query][:12]}
    pair = min(combinations(sorted(results), 2),
               key=lambda ab: (len({h.doc_id for h in results[ab[0]]} & {h.doc_id for h in results[ab[1]]}), ab))
    views = []
    for user_id in pair:
        hits = results[user_id]
        grades = world.grades(user_id, qid, [h.doc_id for h in hits])
        explained = []
        for hit, grade in zip(hits, grades):
            values = np.array([[hit.features.get(n, np.nan) if hit.features else np.nan
                                for n in served.feature_names]], dtype=np.float64)
            contrib = booster.predict(values, pred_contrib=True)[0][:-1]
            order = np.argsort(-np.abs(contrib), kind="stable")[:3]
            explained.append(ExplainedHit(hit.doc_id, str(hit.source.get("title", "")), hit.source.get("price"),
                                          hit.source.get("color"), hit.score, int(grade),
                                          tuple((served.feature_names[i], float(contrib[i])) for i in order)))
        views.append(UserView(user_id, _taste(world, user_id), tuple(explained)))
    return TwoUsers(query, model, (views[0], views[1]))
