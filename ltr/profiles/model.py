"""User profiles and CF item vectors as values: what the ``users`` index, the Parquet files and the query
parameters (``QueryContext -> params``) are made of.

Anyone without a profile (anonymous, or new since the build) gets the neutral profile: zero CF and taste
vectors, empty affinity maps and the population's price preference, so every user-scoped feature is defined.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class UserProfile:
    user_id: str | None
    cf_vector: np.ndarray
    category_affinity: dict[str, float]
    brand_affinity: dict[str, float]
    price_centre: float
    price_scale: float
    text_taste: np.ndarray
    image_taste: np.ndarray
    n_interactions: int

    @property
    def cold_start(self) -> bool:
        return self.n_interactions == 0

    def to_document(self) -> dict[str, Any]:
        """The ``users`` index document (vectors as float lists; empty taste vectors omitted)."""
        doc: dict[str, Any] = {"user_id": self.user_id, "cf_vector": _floats(self.cf_vector),
                               "category_affinity": dict(self.category_affinity),
                               "brand_affinity": dict(self.brand_affinity),
                               "price_centre": _number(self.price_centre),
                               "price_scale": _number(self.price_scale),
                               "n_interactions": self.n_interactions}
        if len(self.text_taste):
            doc["text_taste"] = _floats(self.text_taste)
        if len(self.image_taste):
            doc["image_taste"] = _floats(self.image_taste)
        return doc


def _floats(vector: np.ndarray) -> list[float]:
    return [float(x) for x in np.asarray(vector, dtype=np.float32)]


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@dataclass(frozen=True)
class UserProfiles:
    """All profiles column-wise; :meth:`profile` returns one user's, or the neutral one."""

    user_ids: tuple[str, ...]
    cf_vectors: np.ndarray
    category_affinity: list[dict[str, float]]
    brand_affinity: list[dict[str, float]]
    price_centre: np.ndarray
    price_scale: np.ndarray
    text_taste: np.ndarray
    image_taste: np.ndarray
    n_interactions: np.ndarray
    population_price_centre: float
    population_price_scale: float
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({u: i for i, u in enumerate(self.user_ids)})

    def __len__(self) -> int:
        return len(self.user_ids)

    def __iter__(self) -> Iterator[UserProfile]:
        return (self._row(i) for i in range(len(self)))

    def profile(self, user_id: str | None) -> UserProfile:
        row = self._index.get(user_id) if user_id is not None else None
        return self.neutral(user_id) if row is None else self._row(row)

    def neutral(self, user_id: str | None = None) -> UserProfile:
        return UserProfile(user_id, np.zeros(self.cf_vectors.shape[1], np.float32), {}, {},
                           self.population_price_centre, self.population_price_scale,
                           np.zeros(self.text_taste.shape[1], np.float32),
                           np.zeros(self.image_taste.shape[1], np.float32), 0)

    def _row(self, i: int) -> UserProfile:
        return UserProfile(self.user_ids[i], self.cf_vectors[i], self.category_affinity[i],
                           self.brand_affinity[i],
                           float(self.price_centre[i]), float(self.price_scale[i]), self.text_taste[i],
                           self.image_taste[i], int(self.n_interactions[i]))


@dataclass(frozen=True)
class ItemVectors:
    """CF item vectors, and the vector for items the model has not seen (:func:`ltr.profiles.cf` explains)."""

    item_ids: tuple[str, ...]
    vectors: np.ndarray
    default: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def vector(self, item_id: str) -> np.ndarray:
        try:
            return np.asarray(self.vectors[self.item_ids.index(item_id)])
        except ValueError:
            return self.default
