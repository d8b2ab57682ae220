"""Category and brand affinity: the share of a user's (decayed, weighted) activity that went to each value.

``affinity[c] = w_c / (sum(w) + smoothing)``: a user with one click on "Audio" gets 1 / (1 + smoothing), not
1.0, and a heavy user's shares approach their true proportions. Shrinking toward zero, not toward the
population, keeps the neutral profile (an empty map) consistent: an unknown user has affinity 0 for
everything. Only the ``top_k`` values are kept, since the maps travel as query parameters.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

DEFAULT_SMOOTHING = 2.0
DEFAULT_TOP_K = 20


def affinity_maps(user: np.ndarray, values: np.ndarray, weights: np.ndarray, n_users: int, *,
                  smoothing: float = DEFAULT_SMOOTHING, top_k: int = DEFAULT_TOP_K) -> list[dict[str, float]]:
    """One ``{value: affinity}`` map per user; ``values`` holds each event's category (or brand), or None.

    Events on items with no value still count in the denominator: they are activity spent elsewhere.
    """
    labels = pd.Series(values, dtype=object)
    known = labels.notna().to_numpy()
    codes, names = pd.factorize(labels[known])
    total = np.bincount(user, weights=weights, minlength=n_users) + smoothing
    matrix = sp.csr_matrix((weights[known], (user[known], codes)), shape=(n_users, len(names)))
    matrix.sum_duplicates()
    out: list[dict[str, float]] = []
    for u in range(n_users):
        start, end = matrix.indptr[u], matrix.indptr[u + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end] / total[u]
        if len(vals) > top_k:
            keep = np.argsort(-vals, kind="stable")[:top_k]
            cols, vals = cols[keep], vals[keep]
        ranked = sorted(zip(cols, vals), key=lambda cv: -cv[1])
        out.append({str(names[c]): round(float(v), 6) for c, v in ranked})
    return out
