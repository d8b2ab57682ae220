"""``model/linear`` and featureset scoring (``LinearRankerParser``, ``LinearRanker``).

The definition maps feature names to float32 weights; unknown names are an error and unlisted features weigh
0. ``LinearRanker.score`` is ``float score = 0; score += weights[i] * scores[i]`` over ordinals in order, all
in float32, on a dense vector (unmatched = 0.0). A featureset used directly in ``sltr`` is scored by a
``LinearRanker`` whose weights are all 1.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from .ltr_errors import model_parsing

F32 = np.float32


class LinearModel:
    def __init__(self, weights: np.ndarray) -> None:
        self.weights = weights.astype(F32)

    def score(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=F32)
        total = np.zeros(X.shape[0], dtype=F32)
        for i, weight in enumerate(self.weights):
            total += weight * X[:, i]  # every ordinal, even weight 0 (0 * inf is NaN in Java too)
        return total


def parse_linear(definition: Any, features: list[str]) -> LinearModel:
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            raise model_parsing(f"Failed to parse the model definition as JSON: {exc}") from None
    if not isinstance(definition, dict):
        raise model_parsing("Expected a JSON object of feature name -> weight")
    weights = np.zeros(len(features), dtype=F32)
    for name, weight in definition.items():
        if name not in features:
            raise model_parsing(f"Feature [{name}] is unknown.")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise model_parsing(f"Expected a number for the weight of feature [{name}]")
        weights[features.index(name)] = F32(weight)
    return LinearModel(weights)


def featureset_model(size: int) -> LinearModel:
    return LinearModel(np.ones(size, dtype=F32))
