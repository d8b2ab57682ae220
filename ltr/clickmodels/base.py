"""The contract every click model keeps: fit sessions, estimate relevance per (query, doc), predict clicks.

``fit(sessions) -> FittedModel``. A fitted model exposes per-pair ``relevance`` (in [0, 1], what judgments
grade) with its evidence (``impressions``, ``clicks``), and predicts click probabilities for any sessions,
which gives the two held-out metrics of the click-model literature (Chuklin, Markov & de Rijke, *Click Models
for Web Search*, 2015, ch. 4): log-likelihood (conditional click probabilities, mean per session, natural log)
and perplexity (unconditional click probabilities, per rank, averaged over ranks; 1 is perfect, 2 is a coin).
Pairs unseen in training get the model's prior, so models can be compared on any held-out log.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import pandas as pd

from ..sessions import SessionLog

PROB_FLOOR = 1e-6


class EmptyLogError(ValueError):
    """No sessions to fit or evaluate on; the message says which input was empty."""


@dataclass(frozen=True)
class PairTable:
    """The (query key, doc) pairs a model was fitted on, as sorted keys ``query * n_docs + doc`` over the
    fitting log's vocabularies; :meth:`cells` maps the ranks of any session log onto pair indices."""

    keys: np.ndarray
    queries: tuple[str, ...]
    query_users: tuple[str | None, ...] | None
    doc_ids: tuple[str, ...]

    @classmethod
    def from_sessions(cls, sessions: SessionLog) -> tuple[PairTable, np.ndarray]:
        """The pairs shown in ``sessions`` and the ``[n, K]`` pair index of every rank (-1: not shown)."""
        n_docs = max(len(sessions.doc_ids), 1)
        shown = sessions.shown
        raw = sessions.query.astype(np.int64)[:, None] * n_docs + sessions.docs
        keys, inverse = np.unique(raw[shown], return_inverse=True)
        cells = np.full(sessions.docs.shape, -1, dtype=np.int64)
        cells[shown] = inverse.reshape(-1)
        return cls(keys, sessions.queries, sessions.query_users, sessions.doc_ids), cells

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def query_index(self) -> np.ndarray:
        return self.keys // max(len(self.doc_ids), 1)

    @property
    def doc_index(self) -> np.ndarray:
        return self.keys % max(len(self.doc_ids), 1)

    def cells(self, sessions: SessionLog) -> np.ndarray:
        """Pair index per rank of ``sessions`` (``-1`` where nothing is shown or the pair is unknown)."""
        query, docs = sessions.query.astype(np.int64), sessions.docs.astype(np.int64)
        if not (sessions.queries is self.queries and sessions.doc_ids is self.doc_ids
                and sessions.query_users is self.query_users):
            query = _remap(_query_labels(sessions.queries, sessions.query_users),
                           _query_labels(self.queries, self.query_users))[query]
            doc_map = _remap(sessions.doc_ids, self.doc_ids)
            docs = np.where(docs >= 0, doc_map[np.maximum(docs, 0)], -1)
        if len(self.keys) == 0:
            return np.full(docs.shape, -1, dtype=np.int64)
        raw = query[:, None] * max(len(self.doc_ids), 1) + docs
        position = np.minimum(np.searchsorted(self.keys, raw), len(self.keys) - 1)
        found = (docs >= 0) & (query[:, None] >= 0) & (self.keys[position] == raw)
        return np.where(found, position, -1)


def _query_labels(queries: tuple[str, ...], users: tuple[str | None, ...] | None) -> list[str]:
    if users is None:
        return list(queries)
    return [f"{u}\x1f{q}" for u, q in zip(users, queries)]


def _remap(source: tuple[str, ...] | list[str], target: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.asarray(pd.Index(list(target)).get_indexer(list(source)), dtype=np.int64)


#: EM stops when the training log-likelihood changes by at most ``DEFAULT_TOLERANCE`` (relative) between two
#: iterations, or after ``DEFAULT_MAX_ITERATIONS`` (PBM needed ~430 on the Yandex WSCD-2012 sample).
DEFAULT_MAX_ITERATIONS = 1000
DEFAULT_TOLERANCE = 1e-7


@dataclass(frozen=True)
class FitReport:
    """How a fit went: sizes, EM iterations (0 for closed-form models) and training log-likelihood.

    For EM models, ``final_change`` is the relative change of the training log-likelihood at the last
    iteration, ``|LL_t - LL_{t-1}| / |LL_t|``; ``converged`` says it fell to ``tolerance`` or below before
    ``max_iterations`` ran out (a fit that hit the cap says so: ``converged`` is False)."""

    model: str
    n_sessions: int
    n_pairs: int
    iterations: int
    converged: bool
    log_likelihood: float
    final_change: float = 0.0
    max_iterations: int = 0
    tolerance: float = 0.0

    @property
    def iterative(self) -> bool:
        return self.max_iterations > 0

    def convergence(self) -> str:
        """One line for people: ``closed form``, or the iterations, the last change and the verdict."""
        if not self.iterative:
            return "closed form"
        if self.converged:
            return (f"converged after {self.iterations:,} EM iterations (last relative change "
                    f"{self.final_change:.1e} <= {self.tolerance:.0e})")
        return (f"NOT converged: stopped at the cap of {self.max_iterations:,} EM iterations (last relative "
                f"change {self.final_change:.1e} > {self.tolerance:.0e}); raise --max-iterations")


@dataclass(frozen=True)
class Perplexity:
    overall: float
    per_rank: np.ndarray
    sessions_per_rank: np.ndarray


@dataclass(frozen=True)
class FittedModel(ABC):
    """A fitted click model: relevance per pair plus the click predictions that evaluate it."""

    name: str
    pairs: PairTable
    relevance: np.ndarray
    impressions: np.ndarray
    clicks: np.ndarray
    report: FitReport

    @abstractmethod
    def click_probabilities(self, sessions: SessionLog, conditional: bool = False) -> np.ndarray:
        """``[n, K]`` click probabilities: unconditional ``P(C_r = 1)``, or given the clicks above ``r``."""

    def log_likelihood(self, sessions: SessionLog) -> float:
        """Mean per-session log-likelihood of the observed clicks (natural log; higher is better)."""
        _require(sessions, "log-likelihood")
        p = np.clip(self.click_probabilities(sessions, conditional=True), PROB_FLOOR, 1 - PROB_FLOOR)
        ll = np.where(sessions.clicks, np.log(p), np.log1p(-p))
        return float(np.where(sessions.shown, ll, 0.0).sum() / len(sessions))

    def perplexity(self, sessions: SessionLog) -> Perplexity:
        """Click perplexity per rank, ``2 ** -mean(log2 P(observed click))``, and its mean over ranks."""
        _require(sessions, "perplexity")
        p = np.clip(self.click_probabilities(sessions, conditional=False), PROB_FLOOR, 1 - PROB_FLOOR)
        shown = sessions.shown
        bits = np.where(shown, np.where(sessions.clicks, np.log2(p), np.log2(1 - p)), 0.0)
        counts = shown.sum(axis=0)
        ranks = counts > 0
        per_rank = np.full(shown.shape[1], np.nan)
        per_rank[ranks] = 2.0 ** (-bits.sum(axis=0)[ranks] / counts[ranks])
        return Perplexity(float(per_rank[ranks].mean()), per_rank, counts)

    def estimates(self) -> pd.DataFrame:
        """One row per (query, doc) pair: relevance and evidence, for judgments and inspection."""
        q, d = self.pairs.query_index, self.pairs.doc_index
        users = self.pairs.query_users
        return pd.DataFrame({
            "query": np.asarray(self.pairs.queries, dtype=object)[q] if len(q) else [],
            "user_id": np.asarray(users, dtype=object)[q] if users is not None and len(q) else None,
            "doc_id": np.asarray(self.pairs.doc_ids, dtype=object)[d] if len(d) else [],
            "relevance": self.relevance, "impressions": self.impressions, "clicks": self.clicks})


def _require(sessions: SessionLog, what: str) -> None:
    if len(sessions) == 0:
        raise EmptyLogError(f"cannot compute {what} on an empty session log")


def pair_counts(cells: np.ndarray, sessions: SessionLog, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Impressions and clicks per pair (the evidence behind every estimate)."""
    shown = cells >= 0
    impressions = np.bincount(cells[shown], minlength=n_pairs)
    clicks = np.bincount(cells[shown & sessions.clicks], minlength=n_pairs)
    return impressions, clicks


def check_em_options(max_iterations: int, tolerance: float) -> None:
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, got {max_iterations}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")


def require_sessions(sessions: SessionLog, model: str) -> None:
    if len(sessions) == 0 or not sessions.shown.any():
        raise EmptyLogError(f"cannot fit {model}: the log has no sessions with results (check the read "
                            "report)")


Fitted = TypeVar("Fitted", bound=FittedModel)


def with_train_likelihood(model: Fitted, sessions: SessionLog) -> Fitted:
    """Record the training log-likelihood in the fit report (the same metric as held-out, for comparison)."""
    return replace(model, report=replace(model.report, log_likelihood=model.log_likelihood(sessions)))
