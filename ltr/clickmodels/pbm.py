"""PBM, the position-based model, fitted by EM (Chuklin et al. 2015, §4.1; Wang et al. 2018).

``P(C_r = 1) = gamma_r * alpha_qd``: a click needs the rank to be examined and the doc to attract. An
unclicked impression is explained either way, in proportion to the current estimates (E-step); the parameters
are the expected shares (M-step). Examination and attraction are only identified up to a common factor, so the
curve is scaled to 1 at its top (attractiveness then means "attraction when examined at the top").
"""
from __future__ import annotations

import logging

import numpy as np

from ..sessions import SessionLog
from .base import (DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, FitReport, PairTable, check_em_options, pair_counts,
                   require_sessions, with_train_likelihood)
from .coec import position_curve
from .ctr import PRIOR_STRENGTH, smoothed_rate
from .fitted import PositionBasedFit

log = logging.getLogger(__name__)
EPS = 1e-9


def fit_pbm(sessions: SessionLog, iterations: int = DEFAULT_MAX_ITERATIONS,
            tol: float = DEFAULT_TOLERANCE,
            prior_strength: float = PRIOR_STRENGTH) -> PositionBasedFit:
    require_sessions(sessions, "pbm")
    check_em_options(iterations, tol)
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks = pair_counts(cells, sessions, len(pairs))
    shown = cells >= 0
    pair = cells[shown]
    rank = np.broadcast_to(np.arange(cells.shape[1]), cells.shape)[shown]
    click = sessions.clicks[shown]
    rank_count = np.bincount(rank, minlength=cells.shape[1]).astype(float)

    gamma = np.clip(position_curve(sessions), 0.05, 1.0)
    alpha = np.clip(smoothed_rate(clicks, impressions, prior_strength)[0], 0.01, 0.99)
    previous, done, it, change = -np.inf, False, 0, float("inf")
    for it in range(1, iterations + 1):
        g, a = gamma[rank], alpha[pair]
        ga = g * a
        unclicked = np.maximum(1.0 - ga, EPS)
        post_attr = np.where(click, 1.0, (1.0 - g) * a / unclicked)
        post_exam = np.where(click, 1.0, g * (1.0 - a) / unclicked)
        ll = float(np.sum(np.where(click, np.log(np.maximum(ga, EPS)), np.log(unclicked))))
        alpha = smoothed_rate(np.bincount(pair, weights=post_attr, minlength=len(pairs)), impressions,
                              prior_strength)[0]
        gamma = np.divide(np.bincount(rank, weights=post_exam, minlength=len(gamma)), rank_count,
                          out=gamma.copy(), where=rank_count > 0)
        change = abs(ll - previous) / max(abs(ll), EPS)
        if change <= tol:
            done = True
            break
        previous = ll
    if not done:
        log.warning("pbm: EM stopped at the cap of %d iterations without converging (last relative "
                    "change %.2e > %.0e)", iterations, change, tol)
    log.debug("pbm: %d EM iterations, converged=%s", it, done)
    top = float(gamma.max()) or 1.0
    alpha, gamma = np.clip(alpha * top, 0.0, 1.0), gamma / top
    mean = float(np.sum(alpha * impressions) / max(np.sum(impressions), 1))
    model = PositionBasedFit("pbm", pairs, alpha, impressions, clicks,
                             FitReport("pbm", len(sessions), len(pairs), it, done, float("nan"), change, iterations, tol),
                             examination=gamma, attractiveness=alpha, prior_attractiveness=mean)
    return with_train_likelihood(model, sessions)
