"""The generated world: catalogue, users, queries and the true relevance that ties them, and its files.

Generation is pure and in memory (a seed gives the same world); :meth:`World.write` renders the images and
writes the files the indexer and the evaluation read.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .catalog import catalog_record, generate_items
from .images import save_item_image
from .queries import Query, generate_queries
from .relevance import grades, intent_match, quality, relevance_score
from .users import TasteIndex, User, generate_world_users
from .vocab import CATEGORY_BY_KEY

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class WorldSize:
    n_items: int
    n_users: int
    n_queries: int
    #: queries per user written to truth.csv (the user's most likely ones; 0 = all)
    truth_queries_per_user: int
    image_size: int = 64


SIZES: dict[str, WorldSize] = {
    "tiny": WorldSize(600, 40, 40, 0),
    "small": WorldSize(3_000, 200, 150, 10),
    "medium": WorldSize(12_000, 1_000, 400, 3),
}


@dataclass(frozen=True, eq=False)
class World:
    """A generated world. ``items`` holds the latent attributes and the text (``ltr.world.catalog``);
    ``users`` and ``queries`` are in id order. Relevance is computed on demand and cached per user.
    Compared by identity (a DataFrame has no single truth value); compare ``items``/``users`` instead."""

    size: str
    seed: int
    items: pd.DataFrame
    users: tuple[User, ...]
    queries: tuple[Query, ...]
    _cache: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def doc_ids(self) -> np.ndarray:
        return self.items["id"].to_numpy()

    def has_query(self, qid: str) -> bool:
        return qid in self._query_index

    def user(self, user_id: str) -> User:
        return self.users[self._user_index[user_id]]

    def query(self, qid: str) -> Query:
        return self.queries[self._query_index[qid]]

    @property
    def _user_index(self) -> dict[str, int]:
        return self._memo("users", lambda: {u.user_id: i for i, u in enumerate(self.users)})

    @property
    def _query_index(self) -> dict[str, int]:
        return self._memo("queries", lambda: {q.qid: i for i, q in enumerate(self.queries)})

    @property
    def _doc_index(self) -> dict[str, int]:
        return self._memo("docs", lambda: {d: i for i, d in enumerate(self.doc_ids)})

    def _memo(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]  # type: ignore[return-value]

    def taste(self, user_id: str) -> np.ndarray:
        """The user's taste match for every item, in [0, 1]."""
        index = self._memo("taste_index", lambda: TasteIndex(self.items, key_column="category_key"))
        return self._memo(f"taste:{user_id}", lambda: index.match(self.user(user_id)))

    def intent(self, qid: str) -> np.ndarray:
        """The query's intent match for every item, in [0, 1]."""
        return self._memo(f"intent:{qid}", lambda: intent_match(self.items, self.query(qid).intent))

    def relevance_scores(self, user_id: str, qid: str) -> np.ndarray:
        """Continuous relevance in [0, 1] for every item (grades are thresholds on it)."""
        return relevance_score(self.intent(qid), self.taste(user_id),
                               self._memo("quality", lambda: quality(self.items)))

    def grades(self, user_id: str, qid: str, doc_ids: list[str] | np.ndarray | None = None) -> np.ndarray:
        """Graded relevance 0..4 of ``doc_ids`` (all items, in catalogue order, when None); an unknown doc
        id is 0."""
        all_grades = grades(self.relevance_scores(user_id, qid))
        if doc_ids is None:
            return all_grades
        index = self._doc_index
        rows = np.array([index.get(str(d), -1) for d in doc_ids], dtype=np.int64)
        return np.where(rows >= 0, all_grades[np.maximum(rows, 0)], 0).astype(np.int8)

    def relevance(self, user_id: str, qid: str, doc_id: str) -> int:
        return int(self.grades(user_id, qid, [doc_id])[0])

    def query_probabilities(self, user_id: str) -> np.ndarray:
        """How likely ``user_id`` is to issue each query: its popularity times the user's interest in what it
        names (category, brand, colour, style), so users search their own tastes more often."""
        user = self.user(user_id)
        p = np.empty(len(self.queries))
        for i, q in enumerate(self.queries):
            it = q.intent
            interest = 0.05 + (user.categories.get(it.category_key, 0.0) if it.category_key
                               else user.brands.get(it.brand or "", 0.2))
            for liked, value in ((user.brands, it.brand), (user.colors, it.color), (user.styles, it.style)):
                if value is not None:
                    interest *= 0.5 + liked.get(value, 0.35)
            p[i] = q.weight * interest
        return p / p.sum()

    def likely_pairs(self, per_user: int = 0) -> list[tuple[str, str]]:
        """(user_id, qid) pairs: every user's ``per_user`` most likely queries (all queries when 0)."""
        pairs = []
        for user in self.users:
            qids = [q.qid for q in self.queries]
            if per_user:
                top = np.argsort(-self.query_probabilities(user.user_id), kind="stable")[:per_user]
                qids = [qids[i] for i in sorted(top)]
            pairs.extend((user.user_id, qid) for qid in qids)
        return pairs

    def truth(self, pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
        """The true grades >= 1 of the given (user_id, qid) pairs: columns ``user_id, qid, doc_id, grade``
        (an absent row is grade 0). For evaluating the searches of a period, pass their pairs."""
        frames = []
        doc_ids = self.doc_ids
        for user_id, qid in dict.fromkeys(pairs):
            g = self.grades(user_id, qid)
            hits = np.flatnonzero(g > 0)
            frames.append(pd.DataFrame({"user_id": user_id, "qid": qid, "doc_id": doc_ids[hits],
                                        "grade": g[hits].astype(np.int64)}))
        if not frames:
            return pd.DataFrame({"user_id": [], "qid": [], "doc_id": [], "grade": []})
        return pd.concat(frames, ignore_index=True)

    def write(self, directory: str | Path, *, images: bool = True,
              truth_pairs: Iterable[tuple[str, str]] | None = None) -> Path:
        """Write ``catalog.jsonl`` (indexer format; ``image`` relative to ``directory``), ``images/*.png``,
        ``users.jsonl``, ``queries.jsonl``, ``truth.csv`` (see :meth:`truth`; for ``truth_pairs``, by
        default each user's most likely queries: all of them for ``tiny``, see
        :attr:`WorldSize.truth_queries_per_user`) and ``world.json`` (size, seed, counts). Returns
        ``directory``."""
        root = Path(directory)
        (root / "images").mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        rng = np.random.default_rng([self.seed, 1])
        spec = SIZES.get(self.size, SIZES["tiny"])
        with open(root / "catalog.jsonl", "w", encoding="utf-8") as out:
            for row in self.items.itertuples(index=False):
                series = pd.Series(row._asdict())
                image = None
                if images:
                    image = f"images/{row.id}.png"
                    save_item_image(root / image, CATEGORY_BY_KEY[row.category_key].shape, row.color,
                                    row.style, spec.image_size, rng)
                out.write(json.dumps(catalog_record(series, image)) + "\n")
        with open(root / "users.jsonl", "w", encoding="utf-8") as out:
            for user in self.users:
                out.write(json.dumps(user.to_dict()) + "\n")
        with open(root / "queries.jsonl", "w", encoding="utf-8") as out:
            for query in self.queries:
                out.write(json.dumps(query.to_dict()) + "\n")
        truth = self.truth(self.likely_pairs(spec.truth_queries_per_user) if truth_pairs is None
                           else truth_pairs)
        truth.to_csv(root / "truth.csv", index=False)
        rows = len(truth)
        (root / "world.json").write_text(json.dumps({
            "size": self.size, "seed": self.seed, "items": len(self.items), "users": len(self.users),
            "queries": len(self.queries), "truth_rows": rows}, indent=2) + "\n")
        log.info("wrote world %s/seed %d to %s in %.1fs (%d items, %d truth rows)", self.size, self.seed,
                 root, time.perf_counter() - started, len(self.items), rows)
        return root


def generate_world(size: str = "tiny", seed: int = 0) -> World:
    """Generate the world of ``size`` (``tiny``, ``small`` or ``medium``; see :data:`SIZES`) for ``seed``."""
    if size not in SIZES:
        raise ValueError(f"unknown world size {size!r}; use one of {', '.join(SIZES)}")
    spec = SIZES[size]
    rng = np.random.default_rng(seed)
    items = generate_items(spec.n_items, rng)
    users = generate_world_users(spec.n_users, rng)
    queries = generate_queries(items, spec.n_queries, rng)
    return World(size=size, seed=seed, items=items, users=tuple(users), queries=tuple(queries))
