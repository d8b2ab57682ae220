"""Position-only baselines: what a click model must beat before its per-document estimates mean anything.

- ``global_ctr``: one click probability for every rank and document, the log-wide CTR.
- ``rank_ctr``: a click probability per rank (the CTR of that rank), whatever the document.

Both are :class:`~ltr.clickmodels.fitted.PositionBasedFit` values, so held-out log-likelihood and perplexity
are computed exactly as for the other models (``P(C_r) = examination_r * attractiveness``, with the same
attractiveness for every pair, seen or not). Their ``relevance`` is that constant: they grade nothing, which is
why they are comparison rows (``clickmodel compare``) and not models for ``judgments from-clicks``.
"""
from __future__ import annotations

import numpy as np

from ..sessions import SessionLog
from .base import FitReport, PairTable, pair_counts, require_sessions, with_train_likelihood
from .fitted import PositionBasedFit


def _rank_ctr(sessions: SessionLog) -> np.ndarray:
    """CTR per rank; a rank never shown inherits the rank above (as :func:`.coec.position_curve`)."""
    shown = sessions.shown
    impressions = shown.sum(axis=0).astype(float)
    clicks = (sessions.clicks & shown).sum(axis=0).astype(float)
    ctr = np.divide(clicks, impressions, out=np.zeros_like(clicks), where=impressions > 0)
    for r in range(1, len(ctr)):
        if impressions[r] == 0:
            ctr[r] = ctr[r - 1]
    return ctr


def _constant_fit(name: str, sessions: SessionLog, examination: np.ndarray, rate: float) -> PositionBasedFit:
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks = pair_counts(cells, sessions, len(pairs))
    constant = np.full(len(pairs), rate)
    model = PositionBasedFit(name, pairs, constant, impressions, clicks,
                             FitReport(name, len(sessions), len(pairs), 0, True, float("nan")),
                             examination=examination, attractiveness=constant, prior_attractiveness=rate)
    return with_train_likelihood(model, sessions)


def fit_global_ctr(sessions: SessionLog) -> PositionBasedFit:
    """Every shown result is clicked with the log-wide CTR."""
    require_sessions(sessions, "global_ctr")
    shown = sessions.shown
    rate = float((sessions.clicks & shown).sum() / shown.sum())
    return _constant_fit("global_ctr", sessions, np.ones(sessions.max_rank), rate)


def fit_rank_ctr(sessions: SessionLog) -> PositionBasedFit:
    """A result at rank ``r`` is clicked with rank ``r``'s CTR (ranks deeper than the log: the deepest's)."""
    require_sessions(sessions, "rank_ctr")
    ctr = _rank_ctr(sessions)
    top = float(ctr.max()) if len(ctr) else 0.0
    if top <= 0:
        return _constant_fit("rank_ctr", sessions, np.ones_like(ctr), 0.0)
    return _constant_fit("rank_ctr", sessions, ctr / top, top)
