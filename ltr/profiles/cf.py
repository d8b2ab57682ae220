"""Collaborative-filtering vectors from implicit feedback: the ``implicit`` library's ALS (default) or BPR.

The user x item matrix holds summed, decayed event weights (confidence, Hu, Koren & Volinsky 2008). The
``cf_score`` feature is the inner product of a user's and an item's vector. Users and items unseen in training
get defined vectors: users a zero vector (neutral: every item scores 0), items the mean item vector (an
"average item": it scores what the user likes on average, so new items are neither buried nor boosted).

``implicit`` is an optional dependency (extra ``cf``); it is imported when a model is fitted.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

CF_METHODS = ("als", "bpr")


@dataclass(frozen=True)
class CFConfig:
    factors: int = 64
    method: str = "als"
    iterations: int = 15
    regularization: float = 0.05
    alpha: float = 2.0
    learning_rate: float = 0.05
    random_state: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.method not in CF_METHODS:
            raise ValueError(f"unknown CF method {self.method!r}; use {' or '.join(CF_METHODS)}")
        if self.factors < 2:
            raise ValueError(f"factors must be at least 2, got {self.factors}")


@dataclass(frozen=True)
class CFModel:
    """Row ``i`` of ``user_factors`` is the vector of user ``i`` of the matrix; same for items."""

    user_factors: np.ndarray
    item_factors: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.item_factors.shape[1])

    def default_item_vector(self) -> np.ndarray:
        if len(self.item_factors) == 0:
            return np.zeros(self.dim, dtype=np.float32)
        return np.asarray(self.item_factors.mean(axis=0), dtype=np.float32)


def fit_cf(matrix: sp.csr_matrix, config: CFConfig = CFConfig()) -> CFModel:
    """Factorize a user x item confidence matrix. ALS is deterministic for a given ``random_state`` (each
    user's solve is independent of thread scheduling); BPR's SGD is too only with one thread, so BPR runs on
    one thread. BPR's item bias is folded into the vectors, which keeps their dimension at ``factors``."""
    try:
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking
        from threadpoolctl import threadpool_limits
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("CF profiles need the 'implicit' package: pip install 'mmltr[cf]'") from exc
    n_users, n_items = matrix.shape
    if matrix.nnz == 0:
        zeros = np.zeros((n_users + n_items, config.factors), np.float32)
        return CFModel(zeros[:n_users], zeros[n_users:])
    threads = config.threads or os.cpu_count() or 1
    with threadpool_limits(1, "blas"):  # implicit parallelizes itself; nested BLAS threads only slow it down
        if config.method == "als":
            model = AlternatingLeastSquares(factors=config.factors, regularization=config.regularization,
                                            alpha=config.alpha, iterations=config.iterations,
                                            num_threads=threads,
                                            random_state=config.random_state)
        else:
            model = BayesianPersonalizedRanking(factors=config.factors - 1,
                                                learning_rate=config.learning_rate,
                                                regularization=config.regularization,
                                                iterations=config.iterations * 7, num_threads=1,
                                                random_state=config.random_state)
        model.fit(matrix.tocsr().astype(np.float32), show_progress=False)
    users = np.ascontiguousarray(model.user_factors, dtype=np.float32)
    items = np.ascontiguousarray(model.item_factors, dtype=np.float32)
    log.info("%s: %d users x %d items, %d interactions, %d factors", config.method, n_users, n_items,
             matrix.nnz, items.shape[1])
    return CFModel(users, items)
