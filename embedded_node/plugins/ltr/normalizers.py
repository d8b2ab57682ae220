"""``feature_normalizers`` of a stored model (``StoredFeatureNormalizers``, ``FeatureNormalizingRanker``).

Applied in float32 to the feature vector before the ranker, for every ordinal listed (matched or not):
``standard`` -> ``(v - mean) / standard_deviation``; ``min_max`` -> ``(v - minimum) / (maximum - minimum)``.
Validation keeps the plugin's quirks: the standard deviation must be > 0, and min_max needs ``minimum`` and
``maximum`` both >= 0 with ``minimum < maximum`` (``MinMaxFeatureNormDefinition``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import illegal_argument, parsing

F32 = np.float32


@dataclass(frozen=True)
class Normalizer:
    ordinal: int
    kind: str  # "standard" | "min_max"
    a: float  # mean | minimum (float32 values)
    b: float  # standard_deviation | maximum

    def apply(self, column: np.ndarray) -> np.ndarray:
        a, b = F32(self.a), F32(self.b)
        if self.kind == "standard":
            return ((column - a) / b).astype(F32)
        return ((column - a) / (b - a)).astype(F32)


def _number(spec: dict[str, Any], key: str, kind: str) -> float:
    if key not in spec:
        raise parsing(f"[{kind}] normalizer requires [{key}]")
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise parsing(f"[{kind}] failed to parse field [{key}]")
    return float(np.float32(value))


def parse_normalizers(body: Any, features: list[str]) -> list[Normalizer]:
    if body is None:
        return []
    if not isinstance(body, dict):
        raise parsing("[feature_normalizers] must be an object of feature name -> normalizer")
    out = []
    for name, spec in body.items():
        if name not in features:
            raise illegal_argument(f"Unknown feature [{name}]")
        if not isinstance(spec, dict) or len(spec) != 1:
            raise parsing(f"Feature normalizer for [{name}] must be an object with one of "
                          "[standard, min_max]")
        (kind, params), = spec.items()
        if not isinstance(params, dict):
            raise parsing(f"[{kind}] normalizer of [{name}] must be an object")
        if kind == "standard":
            unknown = set(params) - {"mean", "standard_deviation"}
            if unknown:
                raise parsing(f"[standard] unknown field [{sorted(unknown)[0]}]")
            mean = _number(params, "mean", kind)
            std = _number(params, "standard_deviation", kind)
            if std <= 0.0:
                raise illegal_argument("Standard Deviation Must Be A Positive Number")
            out.append(Normalizer(features.index(name), kind, mean, std))
        elif kind == "min_max":
            unknown = set(params) - {"minimum", "maximum"}
            if unknown:
                raise parsing(f"[min_max] unknown field [{sorted(unknown)[0]}]")
            low, high = _number(params, "minimum", kind), _number(params, "maximum", kind)
            if low < 0 or high < 0:
                raise illegal_argument(f"min_max normalizer of [{name}]: minimum and maximum must be >= 0, "
                                       f"got minimum [{low}] and maximum [{high}]")
            if not low < high:
                raise illegal_argument(f"min_max normalizer of [{name}]: minimum [{low}] must be less than "
                                       f"maximum [{high}]")
            out.append(Normalizer(features.index(name), kind, low, high))
        else:
            raise parsing(f"Unknown feature normalizer type [{kind}] for feature [{name}]")
    return out


def normalize(X: np.ndarray, normalizers: list[Normalizer]) -> np.ndarray:
    if not normalizers:
        return X
    out = X.copy()
    with np.errstate(all="ignore"):
        for norm in normalizers:
            out[:, norm.ordinal] = norm.apply(out[:, norm.ordinal])
    return out
