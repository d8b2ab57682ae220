"""True relevance in the generated world, graded 0..4, from the query's intent and the user's taste.

``score = intent * (0.2 + 0.7 * taste + 0.1 * quality)``, where ``intent`` is 0 unless the category (or,
for a bare brand query, the brand) matches, and is cut by a factor for every attribute the query names
that the item does not have. So for "sneakers" every sneaker is somewhat relevant and the user's taste
decides the grade; for "vintage lamp" a non-vintage lamp is at most marginal, and only the image says which
lamps are vintage. Grades are thresholds on the score (:data:`GRADE_CUTS`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .queries import Intent
from .vocab import PRICE_BANDS

#: Factor on the intent score for each named attribute the item lacks.
MISMATCH: dict[str, float] = {"color": 0.3, "material": 0.55, "brand": 0.3, "style": 0.3, "price_band": 0.45}
#: Score thresholds for grades 1, 2, 3 and 4.
GRADE_CUTS: tuple[float, ...] = (0.2, 0.45, 0.6, 0.72)


def intent_match(items: pd.DataFrame, intent: Intent) -> np.ndarray:
    """Per item, how well it fits what the query says, in [0, 1] (0: wrong category or brand)."""
    n = len(items)
    score = np.ones(n)
    if intent.category_key is not None:
        score *= items["category_key"].to_numpy() == intent.category_key
    elif intent.brand is not None:  # a bare brand query: the brand is what is asked for
        score *= items["brand"].to_numpy() == intent.brand
    for attribute, factor in MISMATCH.items():
        wanted = getattr(intent, attribute)
        if wanted is None or (attribute == "brand" and intent.category_key is None):
            continue
        values = items[attribute].to_numpy()
        if attribute == "price_band":
            distance = np.abs(pd.Series(values).map(PRICE_BANDS.index).to_numpy() - PRICE_BANDS.index(wanted))
            score *= np.where(distance == 0, 1.0, np.where(distance == 1, factor, factor * factor))
        else:
            score *= np.where(values == wanted, 1.0, factor)
    return score


def quality(items: pd.DataFrame) -> np.ndarray:
    """Item quality in [0, 1] from its rating."""
    return np.clip((items["rating"].to_numpy(dtype=np.float64) - 1.0) / 4.0, 0.0, 1.0)


def relevance_score(intent_score: np.ndarray, taste: np.ndarray, item_quality: np.ndarray) -> np.ndarray:
    return intent_score * (0.2 + 0.7 * taste + 0.1 * item_quality)


def grades(score: np.ndarray) -> np.ndarray:
    """Graded relevance 0..4 (int8) from :func:`relevance_score`."""
    return np.searchsorted(np.asarray(GRADE_CUTS), score, side="right").astype(np.int8)
