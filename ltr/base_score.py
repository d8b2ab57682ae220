"""A base score the trees boost from: ``weight * feature`` (LightGBM ``init_score``).

Why: on small judgment sets a LambdaMART model can lose to its own strongest feature (Icecat: trees over BM25 and
the text cosine rank below the cosine alone). Starting the boosting from that feature, scaled, makes the trees
learn corrections to it instead of re-deriving it from a few hundred splits, so the model starts where the best
single feature is and only moves away from it where the training queries say so.

The trees alone do not carry the base: serving adds it back exactly, with the feature's own query weighted by
``weight`` next to the ``sltr`` query (:class:`plugin_integration.queries.BaseClause`); the model record keeps
``{"feature", "weight"}`` so every consumer (serving, verification, evaluation) adds the same term.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BaseScore:
    feature: str
    weight: float

    def values(self, X: np.ndarray, feature_names: Sequence[str]) -> np.ndarray:
        """The base of each row of ``X`` (columns in ``feature_names`` order)."""
        try:
            column = list(feature_names).index(self.feature)
        except ValueError:
            raise ValueError(f"the base score's feature {self.feature!r} is not among the model's features "
                             f"({', '.join(feature_names)}); pick one of them") from None
        return self.weight * np.asarray(X, dtype=np.float64)[:, column]

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "weight": float(self.weight)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> BaseScore | None:
        if not data:
            return None
        return cls(str(data["feature"]), float(data["weight"]))


def predict(booster: Any, X: np.ndarray, feature_names: Sequence[str], base: BaseScore | None) -> np.ndarray:
    """The model's full score: the trees plus the base (when there is one)."""
    X = np.asarray(X, dtype=np.float64)
    scores = np.asarray(booster.predict(X), dtype=np.float64) if len(X) else np.zeros(0)
    return scores + base.values(X, feature_names) if base is not None and len(X) else scores
