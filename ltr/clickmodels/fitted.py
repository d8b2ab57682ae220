"""The two families of fitted click models and how each predicts clicks.

- Position-based (CTR, COEC, PBM, conversion): a click at rank ``r`` needs examination ``gamma_r`` and
  attraction ``alpha_qd``, independently: ``P(C_r) = gamma_r * alpha_qd``; clicks at other ranks tell nothing.
- Cascade (SDBN, DBN; Chapelle & Zhang 2009): the user scans top-down; a clicked doc satisfies with
  ``sigma_qd`` and ends the scan, otherwise the user continues with probability ``gamma`` (1 for SDBN).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sessions import SessionLog
from .base import FittedModel


def extend(per_rank: np.ndarray, width: int) -> np.ndarray:
    """Per-rank parameters for ``width`` ranks; ranks deeper than fitted reuse the deepest fitted value."""
    if len(per_rank) >= width:
        return per_rank[:width]
    fill = per_rank[-1] if len(per_rank) else 1.0
    return np.concatenate([per_rank, np.full(width - len(per_rank), fill)])


def lookup(values: np.ndarray, cells: np.ndarray, prior: float) -> np.ndarray:
    return np.where(cells >= 0, values[np.maximum(cells, 0)] if len(values) else prior, prior)


@dataclass(frozen=True)
class PositionBasedFit(FittedModel):
    examination: np.ndarray
    attractiveness: np.ndarray
    prior_attractiveness: float

    def click_probabilities(self, sessions: SessionLog, conditional: bool = False) -> np.ndarray:
        alpha = lookup(self.attractiveness, self.pairs.cells(sessions), self.prior_attractiveness)
        probs = extend(self.examination, sessions.max_rank)[None, :] * alpha
        return np.where(sessions.shown, np.clip(probs, 0.0, 1.0), 0.0)


@dataclass(frozen=True)
class CascadeFit(FittedModel):
    attractiveness: np.ndarray
    satisfaction: np.ndarray
    continuation: float
    prior_attractiveness: float
    prior_satisfaction: float

    def click_probabilities(self, sessions: SessionLog, conditional: bool = False) -> np.ndarray:
        cells = self.pairs.cells(sessions)
        shown = sessions.shown
        alpha = np.where(shown, lookup(self.attractiveness, cells, self.prior_attractiveness), 0.0)
        sigma = lookup(self.satisfaction, cells, self.prior_satisfaction)
        return cascade_click_probabilities(alpha, sigma, self.continuation,
                                           sessions.clicks if conditional else None)


def cascade_click_probabilities(alpha: np.ndarray, sigma: np.ndarray, gamma: float,
                                clicks: np.ndarray | None) -> np.ndarray:
    """Forward pass of the DBN over ranks, vectorized across sessions.

    Without ``clicks``: unconditional ``P(C_r)``, as ``P(E_{r+1}) = gamma * P(E_r) * (1 - alpha_r sigma_r)``.
    With ``clicks``: ``P(C_r | C_<r)``, filtering the examination belief on each observed click or skip.
    """
    n, width = alpha.shape
    probs = np.zeros((n, width))
    examined = np.ones(n)
    for r in range(width):
        a = alpha[:, r]
        probs[:, r] = examined * a
        if clicks is None:
            examined = gamma * examined * (1.0 - a * sigma[:, r])
        else:
            skipped = examined * (1.0 - a) / np.maximum(1.0 - examined * a, 1e-12)
            examined = gamma * np.where(clicks[:, r], 1.0 - sigma[:, r], skipped)
    return probs
