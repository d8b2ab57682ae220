"""Uncertainty over queries: percentile bootstrap intervals of a mean, and the paired randomization test.

Both are seeded (the same inputs and seed give the same numbers) and vectorised with numpy, in chunks that keep
memory near ``CHUNK_CELLS`` floats whatever the number of queries.

* :func:`bootstrap_ci`: resample the queries with replacement ``n_resamples`` times; the interval is the
  ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the resampled means (percentile method).
* :func:`randomization_test`: paired sign-flip test of ``a - b`` per query; under the null hypothesis (the two
  rankers are exchangeable on each query) every sign is equally likely. Two-sided p-value
  ``(1 + #{|mean of flipped| >= |observed mean|}) / (1 + n_permutations)``: never 0, and exactly 1 when the
  rankers are identical.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_RESAMPLES = 10_000
N_PERMUTATIONS = 10_000
CONFIDENCE = 0.95
CHUNK_CELLS = 2_000_000
_TOLERANCE = 1e-12  # |flipped| >= |observed| up to float noise (sums of the same terms in another order)


@dataclass(frozen=True)
class Interval:
    mean: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass(frozen=True)
class PairedTest:
    """``a`` against ``b``: the mean per-query difference ``a - b``, its bootstrap interval, and the p-value."""

    mean_diff: float
    ci_low: float
    ci_high: float
    p_value: float


def _values(values: np.ndarray | list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise ValueError("need a non-empty 1-d array of per-query values")
    if not np.all(np.isfinite(array)):
        raise ValueError("per-query values must be finite")
    return array


def _chunks(total: int, n: int) -> list[int]:
    size = max(1, CHUNK_CELLS // max(n, 1))
    return [min(size, total - start) for start in range(0, total, size)]


def bootstrap_means(values: np.ndarray | list[float], n_resamples: int = N_RESAMPLES, seed: int = 0) -> np.ndarray:
    """The means of ``n_resamples`` resamples (with replacement) of the values."""
    x = _values(values)
    rng = np.random.default_rng(seed)
    out = [x[rng.integers(0, x.size, size=(rows, x.size))].mean(axis=1) for rows in _chunks(n_resamples, x.size)]
    return np.concatenate(out)


def bootstrap_ci(values: np.ndarray | list[float], *, confidence: float = CONFIDENCE,
                 n_resamples: int = N_RESAMPLES, seed: int = 0) -> Interval:
    """The mean and its percentile-bootstrap interval."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1) (got {confidence})")
    x = _values(values)
    means = bootstrap_means(x, n_resamples, seed)
    low, high = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
    return Interval(float(x.mean()), float(low), float(high))


def randomization_p(diffs: np.ndarray | list[float], n_permutations: int = N_PERMUTATIONS, seed: int = 0) -> float:
    """Two-sided p-value of the paired sign-flip test on per-query differences."""
    d = _values(diffs)
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    extreme = 0
    for rows in _chunks(n_permutations, d.size):
        signs = rng.integers(0, 2, size=(rows, d.size), dtype=np.int8) * 2 - 1
        flipped = np.abs(signs @ d) / d.size
        extreme += int(np.count_nonzero(flipped >= observed - _TOLERANCE))
    return (1 + extreme) / (1 + n_permutations)


def randomization_test(a: np.ndarray | list[float], b: np.ndarray | list[float], *, confidence: float = CONFIDENCE,
                       n_permutations: int = N_PERMUTATIONS, n_resamples: int = N_RESAMPLES,
                       seed: int = 0) -> PairedTest:
    """``a`` vs ``b`` over the same queries (same order)."""
    x, y = _values(a), _values(b)
    if x.shape != y.shape:
        raise ValueError(f"paired values need the same queries (got {x.size} and {y.size})")
    diffs = x - y
    interval = bootstrap_ci(diffs, confidence=confidence, n_resamples=n_resamples, seed=seed)
    return PairedTest(interval.mean, interval.ci_low, interval.ci_high,
                      randomization_p(diffs, n_permutations, seed))
