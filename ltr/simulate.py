"""Simulated behaviour with known truth: click logs from a click model, interactions from a taste structure.

Used by tests (do the fitted models recover the truth?), by benchmarks (logs of any size) and by the demo.

- :func:`simulate_clicks`: searches over a synthetic catalogue; a noisy production ranker orders each query's
  pool; users click following a DBN (attractiveness ``alpha``, satisfaction ``sigma``, continuation
  ``gamma``) or a PBM (examination per rank times attractiveness); a clicked doc is added to the cart with
  ``cart_rate * sigma`` and bought with ``purchase_rate``.
- :func:`simulate_interactions`: users with one or two favourite genres interact mostly inside them (popular
  items more often), the rest at random; what CF must recover.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from .sessions import SessionLog

GENRES = ("headphones", "laptop", "camera", "printer", "monitor", "keyboard", "speaker", "phone", "tablet",
          "router", "watch", "drone", "console", "projector", "microphone", "charger", "mouse", "webcam",
          "scanner", "television")
QUALIFIERS = ("", "cheap", "best", "wireless", "pro", "mini", "4k", "black", "gaming", "portable")
VECTOR_DIM = 16


def make_catalog(genre: np.ndarray, n_genres: int, rng: np.random.Generator) -> pd.DataFrame:
    """Items of the given genres, with genre-structured category, brand, price and text/image vectors."""
    n_items = len(genre)
    centroids = rng.normal(size=(2, n_genres, VECTOR_DIM))
    vectors = centroids[:, genre] + 0.6 * rng.normal(size=(2, n_items, VECTOR_DIM))
    vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
    price_centre = np.exp(rng.uniform(np.log(10), np.log(2000), n_genres))
    names = [GENRES[g % len(GENRES)] + (f" {g // len(GENRES)}" if g >= len(GENRES) else "")
             for g in range(n_genres)]
    return pd.DataFrame({
        "id": [f"d{i:06d}" for i in range(n_items)],
        "title": [f"{names[g]} model {i}" for i, g in enumerate(genre)],
        "category": [f"Electronics > {names[g].title()}" for g in genre],
        "brand": [f"brand-{g}-{b}" for g, b in zip(genre, rng.integers(0, 3, n_items))],
        "price": np.round(price_centre[genre] * np.exp(0.25 * rng.normal(size=n_items)), 2),
        "genre": genre,
        "text_vector": list(vectors[0].astype(np.float32)),
        "image_vector": list(vectors[1].astype(np.float32)),
    })


@dataclass(frozen=True)
class ClickSimulation:
    """What to simulate; the defaults give a log where every model is identifiable in a couple of seconds."""

    n_queries: int = 20
    docs_per_query: int = 15
    results_per_search: int = 10
    n_searches: int = 20_000
    n_users: int = 500
    behaviour: str = "dbn"
    continuation: float = 0.9
    examination: tuple[float, ...] = ()
    ranker_noise: float = 0.3
    cart_rate: float = 0.4
    purchase_rate: float = 0.5
    anonymous_share: float = 0.1
    taste_share: float = 0.6
    start: float = 1_700_000_000.0
    days: float = 30.0
    seed: int = 0


@dataclass(frozen=True)
class SimulatedLog:
    """A simulated log in columns, plus the truth it came from (per query: pool docs, alpha, sigma)."""

    config: ClickSimulation
    catalog: pd.DataFrame
    queries: tuple[str, ...]
    pools: np.ndarray
    alpha: np.ndarray
    sigma: np.ndarray
    examination: np.ndarray
    query: np.ndarray
    user: np.ndarray
    time: np.ndarray
    shown: np.ndarray
    clicks: np.ndarray
    carts: np.ndarray
    purchases: np.ndarray
    user_ids: tuple[str, ...] = field(default=())

    def truth(self) -> pd.DataFrame:
        """One row per (query, doc) in the pools: true ``alpha``, ``sigma``, relevance ``alpha * sigma``."""
        q = np.repeat(np.arange(len(self.queries)), self.pools.shape[1])
        return pd.DataFrame({"query": np.asarray(self.queries, dtype=object)[q],
                             "doc_id": self.catalog["id"].to_numpy()[self.pools.ravel()],
                             "alpha": self.alpha.ravel(), "sigma": self.sigma.ravel(),
                             "relevance": (self.alpha * self.sigma).ravel()})

    def session_log(self) -> SessionLog:
        """The simulated sessions directly as a :class:`SessionLog` (no file round trip)."""
        doc_ids = tuple(self.catalog["id"])
        return SessionLog(queries=self.queries, doc_ids=doc_ids, user_ids=self.user_ids, query=self.query,
                          user=self.user, time=self.time,
                          search_ids=tuple(f"s{i:08d}" for i in range(len(self.query))),
                          docs=self.shown.astype(np.int32), clicks=self.clicks, carts=self.carts,
                          purchases=self.purchases)


def _query_text(q: int, genre: int, n_genres: int) -> str:
    """"laptop", "laptop cheap", ..., then numbered rounds: distinct, readable query strings."""
    qualifier = QUALIFIERS[q // n_genres % len(QUALIFIERS)]
    rounds = q // (n_genres * len(QUALIFIERS))
    return " ".join(filter(None, (GENRES[genre], qualifier, str(rounds) if rounds else "")))


def default_examination(width: int) -> np.ndarray:
    return 1.0 / (1.0 + np.arange(width)) ** 0.8


def simulate_clicks(config: ClickSimulation = ClickSimulation()) -> SimulatedLog:
    rng = np.random.default_rng(config.seed)
    width, pool = config.results_per_search, config.docs_per_query
    if width > pool:
        raise ValueError(f"results_per_search ({width}) cannot exceed docs_per_query ({pool})")
    n_genres = max(1, min(len(GENRES), config.n_queries))
    query_genre = np.arange(config.n_queries) % n_genres
    catalog = make_catalog(np.repeat(query_genre, pool), n_genres, rng)
    pools = np.arange(len(catalog)).reshape(config.n_queries, pool)
    queries = tuple(_query_text(q, int(g), n_genres) for q, g in enumerate(query_genre))
    alpha = rng.beta(1.0, 1.5, size=(config.n_queries, pool))
    sigma = rng.beta(1.5, 1.5, size=(config.n_queries, pool))
    examination = np.asarray(config.examination or default_examination(width), dtype=float)

    n = config.n_searches
    user = rng.integers(0, config.n_users, n).astype(np.int32)
    favourite = rng.integers(0, n_genres, config.n_users)  # users search their favourite genre more often
    popularity = 1.0 / (1.0 + np.arange(config.n_queries)) ** 0.7
    query = rng.choice(config.n_queries, size=n, p=popularity / popularity.sum()).astype(np.int32)
    per_genre = -(-config.n_queries // n_genres)
    own = favourite[user] + n_genres * rng.integers(0, per_genre, n)
    own = np.where(own < config.n_queries, own, favourite[user])
    query = np.where(rng.random(n) < config.taste_share, own, query).astype(np.int32)
    score = (alpha * sigma)[query] + config.ranker_noise * rng.normal(size=(n, pool))
    order = np.argsort(-score, axis=1)[:, :width]
    local = np.take_along_axis(np.broadcast_to(np.arange(pool), (n, pool)), order, axis=1)
    a = np.take_along_axis(alpha[query], local, axis=1)
    s = np.take_along_axis(sigma[query], local, axis=1)
    clicks = np.zeros((n, width), dtype=bool)
    if config.behaviour == "dbn":
        examined = np.ones(n, dtype=bool)
        for r in range(width):
            clicks[:, r] = examined & (rng.random(n) < a[:, r])
            satisfied = clicks[:, r] & (rng.random(n) < s[:, r])
            examined = examined & ~satisfied & (rng.random(n) < config.continuation)
    elif config.behaviour == "pbm":
        clicks = (rng.random((n, width)) < examination[:width]) & (rng.random((n, width)) < a)
    else:
        raise ValueError(f"unknown behaviour {config.behaviour!r}; use dbn or pbm")
    carts = clicks & (rng.random((n, width)) < config.cart_rate * s)
    purchases = carts & (rng.random((n, width)) < config.purchase_rate)

    user[rng.random(n) < config.anonymous_share] = -1
    time = np.sort(config.start + rng.uniform(0, config.days * 86400, n))
    return SimulatedLog(config, catalog, queries, pools, alpha, sigma, examination, query, user, time,
                        pools[query[:, None], local], clicks, carts, purchases,
                        user_ids=tuple(f"u{u:06d}" for u in range(config.n_users)))


@dataclass(frozen=True)
class TasteSimulation:
    n_users: int = 2_000
    n_items: int = 1_000
    n_genres: int = 20
    interactions_per_user: int = 20
    taste_share: float = 0.85
    popularity_skew: float = 1.0
    start: float = 1_700_000_000.0
    days: float = 60.0
    seed: int = 0


@dataclass(frozen=True)
class SimulatedInteractions:
    """User-item interactions (``kind``: 0 click, 1 add-to-cart, 2 purchase) with the tastes behind them."""

    catalog: pd.DataFrame
    user_ids: tuple[str, ...]
    user_genres: np.ndarray
    user: np.ndarray
    item: np.ndarray
    kind: np.ndarray
    time: np.ndarray


def simulate_interactions(config: TasteSimulation = TasteSimulation()) -> SimulatedInteractions:
    rng = np.random.default_rng(config.seed)
    genre = rng.integers(0, config.n_genres, config.n_items)
    catalog = make_catalog(genre, config.n_genres, rng)
    by_genre = np.argsort(genre, kind="stable")
    offsets = np.searchsorted(genre[by_genre], np.arange(config.n_genres + 1))
    user_genres = rng.integers(0, config.n_genres, size=(config.n_users, 2))
    counts = np.maximum(1, rng.poisson(config.interactions_per_user, config.n_users))
    user = np.repeat(np.arange(config.n_users), counts)
    n = len(user)
    favourite = user_genres[user, (rng.random(n) < 0.3).astype(int)]
    sizes = offsets[favourite + 1] - offsets[favourite]
    rank = np.floor(sizes * rng.random(n) ** (1.0 + config.popularity_skew)).astype(np.int64)
    in_taste = by_genre[np.minimum(offsets[favourite] + rank, len(by_genre) - 1)]
    anywhere = np.floor(config.n_items * rng.random(n) ** (1.0 + config.popularity_skew)).astype(np.int64)
    taste = (rng.random(n) < config.taste_share) & (sizes > 0)
    item = np.where(taste, in_taste, anywhere)
    kind = np.select([rng.random(n) < 0.1, rng.random(n) < 0.2], [2, 1], 0).astype(np.int8)
    time = config.start + rng.uniform(0, config.days * 86400, n)
    return SimulatedInteractions(catalog, tuple(f"u{u:06d}" for u in range(config.n_users)), user_genres,
                                 user.astype(np.int32), item.astype(np.int32), kind, time)


def _event_rows(sim: SimulatedLog) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per search, its (rank, kind, delay) events: click, then add-to-cart, then purchase, in time order."""
    flags = np.stack([sim.clicks, sim.carts, sim.purchases])
    kind, row, rank = np.nonzero(flags)
    delay = np.array([3.0, 40.0, 120.0])[kind] + 2.0 * rank
    order = np.lexsort((delay, row))
    kind, row, rank, delay = kind[order], row[order], rank[order], delay[order]
    bounds = np.searchsorted(row, np.arange(len(sim.query) + 1))
    return kind, rank, delay, bounds


def write_jsonl(sim: SimulatedLog, path: str) -> int:
    """Write the log in our JSONL format (a search line, then its events); returns lines written."""
    labels = ("click", "add_to_cart", "purchase")
    doc_ids = sim.catalog["id"].to_numpy()
    kind, rank, delay, bounds = _event_rows(sim)
    lines = 0
    with open(path, "wb") as out:
        for i in range(len(sim.query)):
            search_id, t = f"s{i:08d}", float(sim.time[i])
            user = sim.user_ids[sim.user[i]] if sim.user[i] >= 0 else None
            results = doc_ids[sim.shown[i]].tolist()
            out.write(orjson.dumps({"type": "search", "search_id": search_id, "user_id": user,
                                    "session_id": f"{user or 'anon'}-{int(t // 1800)}",
                                    "query": sim.queries[sim.query[i]],
                                    "results": results, "timestamp": round(t, 3)}))
            out.write(b"\n")
            for e in range(bounds[i], bounds[i + 1]):
                out.write(orjson.dumps({"type": labels[kind[e]], "search_id": search_id, "user_id": user,
                                        "doc_id": results[rank[e]], "position": int(rank[e]),
                                        "timestamp": round(t + float(delay[e]), 3)}))
                out.write(b"\n")
            lines += 1 + bounds[i + 1] - bounds[i]
    return int(lines)


def write_ubi(sim: SimulatedLog, directory: str, ordinal_base: int = 1) -> None:
    """Write the log as a UBI export: ``ubi_queries.ndjson`` and ``ubi_events.ndjson`` (ISO timestamps)."""
    def iso(t: float) -> str:
        return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    labels = ("click", "add_to_cart", "purchase")
    doc_ids = sim.catalog["id"].to_numpy()
    kind, rank, delay, bounds = _event_rows(sim)
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "ubi_queries.ndjson", "wb") as queries, open(root / "ubi_events.ndjson", "wb") as events:
        for i in range(len(sim.query)):
            query_id, t = f"q-{i:08d}", float(sim.time[i])
            client = sim.user_ids[sim.user[i]] if sim.user[i] >= 0 else None
            results = doc_ids[sim.shown[i]].tolist()
            queries.write(orjson.dumps({"query_id": query_id, "client_id": client, "application": "sim",
                                        "user_query": sim.queries[sim.query[i]],
                                        "query_response_hit_ids": results,
                                        "timestamp": iso(t)}) + b"\n")
            for e in range(bounds[i], bounds[i + 1]):
                events.write(orjson.dumps({
                    "action_name": labels[kind[e]], "query_id": query_id, "client_id": client,
                    "timestamp": iso(t + float(delay[e])), "message_type": "INFO",
                    "event_attributes": {"object": {"object_id": results[rank[e]], "object_id_field": "id"},
                                         "position": {"ordinal": int(rank[e]) + ordinal_base}}}) + b"\n")
