"""SDBN, the simplified DBN (Chapelle & Zhang 2009, §5; Chuklin et al. 2015, §3.8), in closed form.

With continuation fixed at 1 the user scans down to the last click, so every rank up to it was examined (the
whole list when nothing was clicked). Attractiveness is clicks over those examinations; satisfaction is the
share of a doc's clicks that were the session's last click. Relevance is ``alpha * sigma``: the chance that
the doc, once seen, both attracts and satisfies.
"""
from __future__ import annotations

import numpy as np

from ..sessions import SessionLog
from .base import FitReport, PairTable, pair_counts, require_sessions, with_train_likelihood
from .ctr import PRIOR_STRENGTH, smoothed_rate
from .fitted import CascadeFit


def last_click_rank(clicks: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each session's last click, and whether it had one (otherwise the last shown rank)."""
    width = clicks.shape[1]
    has_click = np.asarray(clicks.any(axis=1))
    last_click = width - 1 - np.argmax(clicks[:, ::-1], axis=1)
    last_shown = width - 1 - np.argmax(shown[:, ::-1], axis=1)
    return np.where(has_click, last_click, last_shown), has_click


def fit_sdbn(sessions: SessionLog, prior_strength: float = PRIOR_STRENGTH) -> CascadeFit:
    require_sessions(sessions, "sdbn")
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks = pair_counts(cells, sessions, len(pairs))
    shown = cells >= 0
    last, has_click = last_click_rank(sessions.clicks & shown, shown)
    ranks = np.arange(cells.shape[1])[None, :]
    examined = shown & (ranks <= last[:, None])
    is_last = shown & sessions.clicks & (ranks == last[:, None]) & has_click[:, None]
    n = len(pairs)
    alpha, alpha0 = smoothed_rate(clicks, np.bincount(cells[examined], minlength=n), prior_strength)
    sigma, sigma0 = smoothed_rate(np.bincount(cells[is_last], minlength=n), clicks, prior_strength)
    model = CascadeFit("sdbn", pairs, alpha * sigma, impressions, clicks,
                       FitReport("sdbn", len(sessions), n, 0, True, float("nan")),
                       attractiveness=alpha, satisfaction=sigma, continuation=1.0,
                       prior_attractiveness=alpha0, prior_satisfaction=sigma0)
    return with_train_likelihood(model, sessions)
