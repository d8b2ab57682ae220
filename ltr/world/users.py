"""Users with latent tastes, and how well an item matches a taste.

A taste is a set of affinity maps (category, brand, colour, visual style; each value in [0, 1]) plus a
preferred price level, with a weight on each part, so two users can care about different things (one buys
by brand, another by colour). The same :func:`taste_match` serves the generated world (where every
attribute is known) and any other catalogue (Icecat: category, brand, price and sometimes colour), where
missing attributes count as neutral.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .vocab import BRANDS, CATEGORIES, COLORS, PRICE_BANDS, STYLES

#: Affinity of a value the user has no opinion about.
NEUTRAL = 0.35
#: Preferred price level (quantile of price within the category) per band.
BAND_LEVELS: dict[str, float] = {"budget": 1 / 6, "mid": 0.5, "premium": 5 / 6}
TASTE_PARTS: tuple[str, ...] = ("category", "brand", "color", "style", "price")


@dataclass(frozen=True)
class User:
    """A user's latent taste. ``categories`` keys are the items' ``category`` values (or path prefixes);
    ``price_level`` is the preferred price quantile within a category (0 cheapest, 1 dearest);
    ``weights`` (summing to 1) say how much each part of :data:`TASTE_PARTS` matters to this user."""

    user_id: str
    categories: Mapping[str, float]
    brands: Mapping[str, float] = field(default_factory=dict)
    colors: Mapping[str, float] = field(default_factory=dict)
    styles: Mapping[str, float] = field(default_factory=dict)
    price_band: str | None = None
    price_level: float = 0.5
    weights: Mapping[str, float] = field(default_factory=lambda: {p: 1 / len(TASTE_PARTS)
                                                                  for p in TASTE_PARTS})

    def to_dict(self) -> dict[str, object]:
        return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, row: Mapping[str, object]) -> User:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__ if k in row})  # type: ignore[arg-type]


def _affinities(rng: np.random.Generator, values: tuple[str, ...] | list[str], liked: int, disliked: int,
                p: np.ndarray | None = None) -> dict[str, float]:
    """``liked`` values at 1 (the first a bit above the rest), ``disliked`` at 0, others left neutral."""
    liked = min(liked, len(values))
    picks = rng.choice(len(values), size=min(len(values), liked + disliked), replace=False, p=p)
    out = {values[int(i)]: 1.0 for i in picks[:liked]}
    out.update({values[int(i)]: 0.0 for i in picks[liked:]})
    return out


def _weights(rng: np.random.Generator, category_weight: float) -> dict[str, float]:
    rest = rng.dirichlet(np.full(len(TASTE_PARTS) - 1, 1.5)) * (1.0 - category_weight)
    return {"category": category_weight, **{p: float(w) for p, w in zip(TASTE_PARTS[1:], rest)}}


def generate_world_users(n: int, rng: np.random.Generator) -> list[User]:
    """Users of the generated world: 2-3 favourite categories, liked and disliked brands and colours, a
    favourite visual style, a price band, and a personal weighting of those."""
    users = []
    keys = [c.key for c in CATEGORIES]
    for u in range(n):
        favourite = rng.choice(len(keys), size=int(rng.integers(2, 4)), replace=False)
        categories = {keys[int(k)]: a for k, a in zip(favourite, (1.0, 0.7, 0.5))}
        style_order = rng.permutation(len(STYLES))
        band = PRICE_BANDS[int(rng.choice(3, p=[0.35, 0.4, 0.25]))]
        users.append(User(
            user_id=f"u{u:05d}", categories=categories,
            brands=_affinities(rng, BRANDS, int(rng.integers(2, 5)), 1),
            colors=_affinities(rng, tuple(COLORS), int(rng.integers(2, 4)), 2),
            styles={STYLES[int(style_order[0])]: 1.0, STYLES[int(style_order[1])]: 0.45,
                    STYLES[int(style_order[2])]: 0.1, STYLES[int(style_order[3])]: 0.0},
            price_band=band, price_level=BAND_LEVELS[band], weights=_weights(rng, 0.05)))
    return users


def generate_users_for_catalog(items: pd.DataFrame, n: int, seed: int = 0) -> list[User]:
    """Users for any catalogue (e.g. Icecat), built from its own categories, brands, colours and prices:
    favourite categories drawn by how many items they hold, liked brands drawn among those categories'
    brands, a preferred price level. Columns used when present: ``category``, ``brand``, ``color``."""
    rng = np.random.default_rng(seed)
    cats = items["category"].fillna("").astype(str) if "category" in items else pd.Series([""] * len(items))
    counts = cats[cats != ""].value_counts()
    users = []
    for u in range(n):
        favourite = [str(c) for c in rng.choice(counts.index.to_numpy(), size=min(len(counts),
                                                                                   int(rng.integers(1, 4))),
                                                 replace=False, p=(counts / counts.sum()).to_numpy())] \
            if len(counts) else []
        categories = {c: a for c, a in zip(favourite, (1.0, 0.7, 0.5))}
        brands: dict[str, float] = {}
        if "brand" in items:
            pool = items.loc[cats.isin(favourite), "brand"].dropna().astype(str) if favourite else \
                items["brand"].dropna().astype(str)
            bc = pool.value_counts()
            if len(bc):
                brands = _affinities(rng, list(bc.index), int(rng.integers(1, 4)), 1,
                                     p=(bc / bc.sum()).to_numpy())
        colors: dict[str, float] = {}
        if "color" in items:
            cc = items["color"].dropna().astype(str).value_counts()
            if len(cc):
                colors = _affinities(rng, list(cc.index), int(rng.integers(1, 3)), 1)
        users.append(User(user_id=f"u{u:05d}", categories=categories, brands=brands, colors=colors,
                          price_level=float(np.clip(rng.beta(2, 2), 0.02, 0.98)),
                          weights=_weights(rng, 0.25)))
    return users


def _category_affinity(categories: list[str], affinities: Mapping[str, float]) -> np.ndarray:
    """Per category value, the best affinity over it and its path prefixes (``A``, ``A > B``, ...)."""
    def best(value: str) -> float:
        parts = value.split(" > ")
        return max((affinities.get(" > ".join(parts[:i + 1]), 0.0) for i in range(len(parts))), default=0.0)
    return np.array([best(v) for v in categories], dtype=np.float64)


def price_quantiles(items: pd.DataFrame) -> np.ndarray:
    """Each item's price rank within its category, in [0, 1] (0.5 where unknown)."""
    if "price" not in items:
        return np.full(len(items), 0.5)
    price = pd.to_numeric(items["price"], errors="coerce")
    group = items["category"] if "category" in items else pd.Series(0, index=items.index)
    q = price.groupby(group.fillna("")).rank(pct=True)
    return q.fillna(0.5).to_numpy(dtype=np.float64)


class TasteIndex:
    """A catalogue's columns factorised once, so that a user's taste match over any rows costs a few
    array lookups (the click simulator asks for 20 rows per search, for thousands of searches).

    ``key_column`` names the column matched against ``User.categories`` (``category``, with path
    prefixes; the generated world uses ``category_key``)."""

    _LOOKUPS: tuple[tuple[str, str, float], ...] = (
        ("brand", "brands", NEUTRAL), ("color", "colors", NEUTRAL), ("style", "styles", NEUTRAL))

    def __init__(self, items: pd.DataFrame, key_column: str = "category") -> None:
        self.n = len(items)
        self.codes: dict[str, tuple[np.ndarray, list[str]]] = {}
        for column in (key_column, "brand", "color", "style"):
            if column in items:
                codes, uniques = pd.factorize(items[column].astype(object).where(items[column].notna(), None))
                name = "category" if column == key_column else column
                self.codes[name] = (codes, [str(u) for u in uniques])
        self.bands = (items["price_band"].map({b: i for i, b in enumerate(PRICE_BANDS)}).to_numpy()
                      if "price_band" in items else None)
        self.quantiles = price_quantiles(items)

    def _part(self, name: str, affinities: Mapping[str, float], default: float,
              rows: np.ndarray) -> np.ndarray:
        if name not in self.codes:
            return np.full(len(rows), 0.5)
        codes, uniques = self.codes[name]
        values = (_category_affinity(uniques, affinities) if name == "category"
                  else np.array([affinities.get(u, default) for u in uniques], dtype=np.float64))
        table = np.append(values, 0.0 if name == "category" else 0.5)  # code -1 (missing) -> last
        return table[codes[rows]]

    def match(self, user: User, rows: np.ndarray | None = None) -> np.ndarray:
        """The taste match of ``rows`` (all items when None), in [0, 1]: the user's weights over category,
        brand, colour, style and price affinities; an attribute the catalogue lacks counts as neutral."""
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        parts = {"category": self._part("category", user.categories, 0.0, rows)}
        for column, attribute, default in self._LOOKUPS:
            parts[column] = self._part(column, getattr(user, attribute), default, rows)
        if self.bands is not None and user.price_band:
            distance = np.abs(self.bands[rows] - PRICE_BANDS.index(user.price_band))
            parts["price"] = np.array([1.0, 0.4, 0.0])[distance]
        else:
            parts["price"] = np.clip(1.0 - 2.0 * np.abs(self.quantiles[rows] - user.price_level), 0.0, 1.0)
        w = user.weights
        total = sum(w.get(p, 0.0) for p in TASTE_PARTS) or 1.0
        return sum(w.get(p, 0.0) * parts[p] for p in TASTE_PARTS) / total  # type: ignore[return-value]


def taste_match(items: pd.DataFrame, user: User, key_column: str = "category") -> np.ndarray:
    """How well each item fits ``user``'s taste, in [0, 1] (see :class:`TasteIndex`, which is faster when
    asked many times about one catalogue)."""
    return TasteIndex(items, key_column).match(user)
