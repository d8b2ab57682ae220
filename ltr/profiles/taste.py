"""Text and image taste: where in an embedding space a user's interactions sit.

The taste vector is the weighted mean of the unit-normalized vectors of the items a user interacted with,
normalized again, so ``taste . item`` is a cosine-like score (the ``taste_text``/``taste_image`` features).
Users with no vectorized interaction get the zero vector: every item scores 0, which is neutral.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def taste_vectors(user: np.ndarray, item_row: np.ndarray, weights: np.ndarray, vectors: np.ndarray,
                  n_users: int) -> np.ndarray:
    """``[n_users, d]`` unit (or zero) vectors; ``item_row`` indexes ``vectors`` (-1 or a NaN row: none)."""
    dim = vectors.shape[1]
    norms = np.linalg.norm(vectors, axis=1)
    usable = np.isfinite(norms) & (norms > 0)
    unit = np.where(usable[:, None], vectors / np.where(usable, norms, 1.0)[:, None], 0.0).astype(np.float32)
    has = (item_row >= 0) & usable[np.maximum(item_row, 0)]
    if not has.any():
        return np.zeros((n_users, dim), dtype=np.float32)
    mix = sp.csr_matrix((weights[has], (user[has], item_row[has])), shape=(n_users, len(vectors)))
    taste = np.asarray(mix @ unit, dtype=np.float32)
    length = np.linalg.norm(taste, axis=1, keepdims=True)
    return np.asarray(np.divide(taste, length, out=np.zeros_like(taste), where=length > 0))
