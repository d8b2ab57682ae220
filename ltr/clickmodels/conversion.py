"""Conversion-aware grades: purchase > add-to-cart > click, normalized for position like COEC.

Clicks say a result looked relevant; carts and purchases say it was. Each impression is worth its strongest
outcome (default weights: purchase 1.0, add-to-cart 0.6, click 0.25, nothing 0), and a pair's relevance is
that utility over the examination it received (the COEC curve), so a doc always bought when shown gets 1.0
and one only ever clicked at most 0.25. Click predictions (for perplexity) are COEC's: this model ranks by
conversions, it does not model clicks differently.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..sessions import SessionLog
from .base import FitReport
from .coec import fit_coec
from .ctr import PRIOR_STRENGTH, smoothed_rate
from .fitted import PositionBasedFit


@dataclass(frozen=True)
class ConversionWeights:
    click: float = 0.25
    add_to_cart: float = 0.6
    purchase: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.click <= self.add_to_cart <= self.purchase <= 1.0:
            raise ValueError("conversion weights must satisfy 0 <= click <= add_to_cart <= purchase <= 1, "
                             f"got {self}")


def fit_conversion(sessions: SessionLog, weights: ConversionWeights | None = None,
                   prior_strength: float = PRIOR_STRENGTH) -> PositionBasedFit:
    weights = weights or ConversionWeights()
    coec = fit_coec(sessions, prior_strength)
    cells = coec.pairs.cells(sessions)
    shown = cells >= 0
    utility = np.select([sessions.purchases, sessions.carts, sessions.clicks],
                        [weights.purchase, weights.add_to_cart, weights.click], 0.0)
    curve = np.broadcast_to(coec.examination[: cells.shape[1]], cells.shape)
    earned = np.bincount(cells[shown], weights=utility[shown], minlength=len(coec.pairs))
    expected = np.bincount(cells[shown], weights=curve[shown], minlength=len(coec.pairs))
    relevance = np.clip(smoothed_rate(earned, expected, prior_strength)[0], 0.0, 1.0)
    report = FitReport("conversion", coec.report.n_sessions, coec.report.n_pairs, 0, True,
                       coec.report.log_likelihood)
    return replace(coec, name="conversion", relevance=relevance, report=report)
