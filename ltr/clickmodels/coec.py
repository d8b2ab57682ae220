"""COEC: clicks over expected clicks (Zhang & Jones 2007), i.e. position-normalized CTR.

Each rank ``r`` has a log-wide CTR; relative to rank 0 it is the examination curve ``gamma_r``. A pair's
attractiveness is its clicks over the examination it received, ``sum(c) / sum(gamma_r)``, so clicks earned
deep in the list count more. Under the PBM this estimates ``alpha_qd`` without EM, assuming docs are shown
across ranks evenly enough that the rank CTRs reflect examination rather than what is shown there.
"""
from __future__ import annotations

import numpy as np

from ..sessions import SessionLog
from .base import FitReport, PairTable, pair_counts, require_sessions, with_train_likelihood
from .ctr import PRIOR_STRENGTH, smoothed_rate
from .fitted import PositionBasedFit


def position_curve(sessions: SessionLog) -> np.ndarray:
    """Log-wide CTR per rank relative to the best rank: the examination curve, 1 at the top."""
    shown = sessions.shown
    impressions = shown.sum(axis=0).astype(float)
    clicks = (sessions.clicks & shown).sum(axis=0).astype(float)
    ctr = np.divide(clicks, impressions, out=np.zeros_like(clicks), where=impressions > 0)
    for r in range(1, len(ctr)):  # ranks never shown inherit the rank above
        if impressions[r] == 0:
            ctr[r] = ctr[r - 1]
    top = ctr.max() if len(ctr) else 0.0
    return ctr / top if top > 0 else np.ones_like(ctr)


def fit_coec(sessions: SessionLog, prior_strength: float = PRIOR_STRENGTH) -> PositionBasedFit:
    require_sessions(sessions, "coec")
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks = pair_counts(cells, sessions, len(pairs))
    curve = position_curve(sessions)
    shown = cells >= 0
    expected = np.bincount(cells[shown], weights=np.broadcast_to(curve, cells.shape)[shown],
                           minlength=len(pairs))
    alpha, mean = smoothed_rate(clicks, expected, prior_strength)
    alpha = np.clip(alpha, 0.0, 1.0)
    model = PositionBasedFit("coec", pairs, alpha, impressions, clicks,
                             FitReport("coec", len(sessions), len(pairs), 0, True, float("nan")),
                             examination=curve, attractiveness=alpha, prior_attractiveness=min(mean, 1.0))
    return with_train_likelihood(model, sessions)
