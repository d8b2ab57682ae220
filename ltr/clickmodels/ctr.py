"""Document CTR (DCTR): the share of impressions of a (query, doc) that were clicked, whatever the rank.

The baseline every other model must beat: it ignores position bias, so a doc shown at rank 1 looks better
than the same doc shown at rank 8.
"""
from __future__ import annotations

import numpy as np

from ..sessions import SessionLog
from .base import FitReport, PairTable, pair_counts, require_sessions, with_train_likelihood
from .fitted import PositionBasedFit

PRIOR_STRENGTH = 1.0


def smoothed_rate(hits: np.ndarray, trials: np.ndarray,
                  strength: float = PRIOR_STRENGTH) -> tuple[np.ndarray, float]:
    """``(hits + s * mean) / (trials + s)``: shrinks thin evidence toward the log-wide rate, which is also
    what an unseen pair gets."""
    total = float(np.sum(trials))
    mean = float(np.sum(hits)) / total if total > 0 else 0.0
    denominator = np.asarray(trials, dtype=float) + strength
    rate = np.divide(np.asarray(hits, dtype=float) + strength * mean, denominator,
                     out=np.full(denominator.shape, mean), where=denominator > 0)
    return rate, mean


def fit_ctr(sessions: SessionLog, prior_strength: float = PRIOR_STRENGTH) -> PositionBasedFit:
    require_sessions(sessions, "ctr")
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks = pair_counts(cells, sessions, len(pairs))
    alpha, mean = smoothed_rate(clicks, impressions, prior_strength)
    model = PositionBasedFit("ctr", pairs, alpha, impressions, clicks,
                             FitReport("ctr", len(sessions), len(pairs), 0, True, float("nan")),
                             examination=np.ones(sessions.max_rank), attractiveness=alpha,
                             prior_attractiveness=mean)
    return with_train_likelihood(model, sessions)

