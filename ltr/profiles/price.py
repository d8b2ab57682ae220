"""Preferred price: the centre and spread of the prices a user engages with, in log space.

Prices are compared in ratios (a 10 EUR difference matters for cables, not for laptops), so the centre is a
weighted geometric mean and the spread a log-space standard deviation, both shrunk toward the population with
``smoothing`` pseudo-weight. ``scale`` is expressed in price units, as the ``price_fit`` gauss decay expects:
the distance from the centre to one log-standard-deviation above it (never below 5 % of the centre).
Users without priced interactions get the population's centre and scale.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_SMOOTHING = 2.0
MIN_RELATIVE_SCALE = 0.05


@dataclass(frozen=True)
class PricePreferences:
    centre: np.ndarray
    scale: np.ndarray
    population_centre: float
    population_scale: float


def _scale(centre: np.ndarray | float, log_std: np.ndarray | float) -> np.ndarray:
    centre = np.asarray(centre)
    return np.asarray(np.maximum(centre * np.expm1(log_std), MIN_RELATIVE_SCALE * centre))


def price_preferences(user: np.ndarray, price: np.ndarray, weights: np.ndarray, n_users: int, *,
                      smoothing: float = DEFAULT_SMOOTHING) -> PricePreferences:
    """Per-user centre and scale; NaN everywhere when no interaction has a price (no catalogue prices)."""
    priced = np.isfinite(price) & (price > 0) & (weights > 0)
    u, w = user[priced], weights[priced]
    if not priced.any():
        empty = np.full(n_users, np.nan)
        return PricePreferences(empty, empty.copy(), float("nan"), float("nan"))
    lp = np.log(price[priced])
    pop_mean = float(np.average(lp, weights=w))
    pop_var = float(np.average((lp - pop_mean) ** 2, weights=w))
    mass = np.bincount(u, weights=w, minlength=n_users)
    seen = mass > 0
    denominator = np.where(seen, mass + smoothing, 1.0)
    weighted_sum = np.bincount(u, weights=w * lp, minlength=n_users)
    mean = np.where(seen, (weighted_sum + smoothing * pop_mean) / denominator,
                    pop_mean)
    spread = np.bincount(u, weights=w * (lp - mean[u]) ** 2, minlength=n_users)
    var = np.where(seen, (spread + smoothing * pop_var) / denominator, pop_var)
    centre = np.exp(mean)
    pop_centre = float(np.exp(pop_mean))
    pop_scale = float(_scale(pop_centre, np.sqrt(pop_var)))
    return PricePreferences(centre, _scale(centre, np.sqrt(var)), pop_centre, pop_scale)
