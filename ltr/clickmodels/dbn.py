"""DBN, the dynamic Bayesian network click model, fitted by EM (Chapelle & Zhang 2009).

The user examines rank 1; an examined doc is clicked if it attracts (``alpha_qd``); a clicked doc satisfies
with ``sigma_qd`` and ends the session; otherwise the user goes on to the next rank with probability
``gamma``. Unlike SDBN, a session may end without satisfaction, so ranks after the last click were maybe
examined: the E-step computes that belief with a backward pass (``z_r``: chance of no click from rank ``r``
on, given it is examined) and a forward pass (posterior examination), all vectorized over sessions.
"""
from __future__ import annotations

import logging

import numpy as np

from ..sessions import SessionLog
from .base import (DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, FitReport, PairTable, check_em_options, pair_counts,
                   require_sessions, with_train_likelihood)
from .ctr import PRIOR_STRENGTH, smoothed_rate
from .fitted import CascadeFit, cascade_click_probabilities
from .sdbn import last_click_rank

log = logging.getLogger(__name__)
EPS = 1e-12


def fit_dbn(sessions: SessionLog, iterations: int = DEFAULT_MAX_ITERATIONS,
            tol: float = DEFAULT_TOLERANCE, gamma: float | None = None,
            prior_strength: float = PRIOR_STRENGTH) -> CascadeFit:
    """Fit by EM; pass ``gamma`` to fix the continuation probability instead of estimating it."""
    require_sessions(sessions, "dbn")
    check_em_options(iterations, tol)
    pairs, cells = PairTable.from_sessions(sessions)
    impressions, clicks_per_pair = pair_counts(cells, sessions, len(pairs))
    shown = cells >= 0
    clicks = sessions.clicks & shown
    n_sessions, width = cells.shape
    last, has_click = last_click_rank(clicks, shown)
    last = np.where(has_click, last, -1)
    ranks = np.arange(width)[None, :]
    before_last = ranks < last[:, None]
    at_last = (ranks == last[:, None]) & has_click[:, None]
    safe_cells = np.maximum(cells, 0)
    transition = np.zeros_like(shown)
    transition[:, :-1] = shown[:, 1:]

    alpha = np.clip(smoothed_rate(clicks_per_pair, impressions, prior_strength)[0], 0.01, 0.99)
    sigma = np.full(len(pairs), 0.5)
    g = 0.9 if gamma is None else gamma
    previous, done, it, change = -np.inf, False, 0, float("inf")
    for it in range(1, iterations + 1):
        a = np.where(shown, alpha[safe_cells], 0.0)
        s = sigma[safe_cells]
        z = np.ones((n_sessions, width + 1))  # P(no click from r on | E_r = 1)
        for r in range(width - 1, -1, -1):
            z[:, r] = (1.0 - a[:, r]) * ((1.0 - g) + g * z[:, r + 1])
        rows = np.arange(n_sessions)
        s_last = s[rows, np.maximum(last, 0)]
        z_after = z[rows, last + 1]
        stop_last = (1.0 - g) + g * z_after
        satisfied = np.where(has_click, s_last / np.maximum(s_last + (1 - s_last) * stop_last, EPS), 0.0)
        from_last = (1.0 - s_last) * g * z_after / np.maximum(s_last + (1 - s_last) * stop_last, EPS)
        exam = np.ones((n_sessions, width))  # posterior P(E_r = 1 | clicks)
        for r in range(width - 1):
            after = exam[:, r] * (1.0 - a[:, r]) * g * z[:, r + 1] / np.maximum(z[:, r], EPS)
            exam[:, r + 1] = np.where(r < last, 1.0, np.where(r == last, from_last, after))

        post_attr = np.where(clicks, 1.0, a * (1.0 - exam))
        alpha = smoothed_rate(np.bincount(cells[shown], weights=post_attr[shown], minlength=len(pairs)),
                              impressions, prior_strength)[0]
        post_sat = np.where(at_last, satisfied[:, None], 0.0)
        sigma = smoothed_rate(np.bincount(cells[clicks], weights=post_sat[clicks], minlength=len(pairs)),
                              clicks_per_pair, prior_strength)[0]
        if gamma is None:
            could_go_on = np.where(before_last, 1.0, np.where(at_last, 1.0 - satisfied[:, None], exam))
            went_on = np.zeros_like(exam)
            went_on[:, :-1] = exam[:, 1:]
            g = float(np.clip(went_on[transition].sum() / max(could_go_on[transition].sum(), EPS), 0.01, 1.0))

        probs = cascade_click_probabilities(np.where(shown, alpha[safe_cells], 0.0), sigma[safe_cells], g,
                                            clicks)
        p = np.clip(probs, 1e-9, 1 - 1e-9)
        ll = float(np.sum(np.where(shown, np.where(clicks, np.log(p), np.log1p(-p)), 0.0)))
        change = abs(ll - previous) / max(abs(ll), EPS)
        if change <= tol:
            done = True
            break
        previous = ll
    if not done:
        log.warning("dbn: EM stopped at the cap of %d iterations without converging (last relative "
                    "change %.2e > %.0e)", iterations, change, tol)
    log.debug("dbn: %d EM iterations, gamma=%.3f, converged=%s", it, g, done)
    a0 = float(np.sum(alpha * impressions) / max(np.sum(impressions), 1))
    s0 = float(np.sum(sigma * clicks_per_pair) / max(np.sum(clicks_per_pair), 1))
    model = CascadeFit("dbn", pairs, alpha * sigma, impressions, clicks_per_pair,
                       FitReport("dbn", n_sessions, len(pairs), it, done, float("nan"), change, iterations, tol),
                       attractiveness=alpha, satisfaction=sigma, continuation=g,
                       prior_attractiveness=a0, prior_satisfaction=s0)
    return with_train_likelihood(model, sessions)
