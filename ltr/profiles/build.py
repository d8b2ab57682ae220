"""Building every profile from one set of interactions: CF, affinities, price preference and taste."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..report import DataReport
from .affinity import DEFAULT_TOP_K, affinity_maps
from .cf import CFConfig, fit_cf
from .events import DEFAULT_EVENT_WEIGHTS, DEFAULT_HALF_LIFE_DAYS, UserItemEvents
from .items import ItemAttributes
from .model import ItemVectors, UserProfiles
from .price import price_preferences
from .taste import taste_vectors

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileConfig:
    cf: CFConfig = CFConfig()
    event_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_EVENT_WEIGHTS))
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS
    smoothing: float = 2.0
    top_k: int = DEFAULT_TOP_K


def build_profiles(events: UserItemEvents, items: ItemAttributes | None = None,
                   config: ProfileConfig = ProfileConfig()) -> tuple[UserProfiles, ItemVectors, DataReport]:
    """Profiles for every user in ``events`` and CF vectors for every item in it.

    Without ``items`` (no catalogue), affinities stay empty, price preference undefined (NaN) and taste
    vectors absent; CF needs only the interactions.
    """
    report = DataReport()
    weights = events.weights(config.event_weights, config.half_life_days)
    n_users = len(events.user_ids)
    cf = fit_cf(events.matrix(weights), config.cf)

    row = items.rows_for(events.item_ids) if items is not None else np.full(len(events.item_ids), -1)
    report.note("items_without_metadata", int(np.count_nonzero(row < 0)))
    event_row = row[events.item] if len(events) else np.zeros(0, dtype=np.int64)

    def per_event(values: np.ndarray | None, fill: float | None) -> np.ndarray:
        if values is None or len(events) == 0:
            return np.full(len(events), fill, dtype=object if fill is None else float)
        return np.asarray(np.where(event_row >= 0, values[np.maximum(event_row, 0)], fill))

    user = events.user
    category = affinity_maps(user, per_event(items.category if items else None, None), weights, n_users,
                             smoothing=config.smoothing, top_k=config.top_k)
    brand = affinity_maps(user, per_event(items.brand if items else None, None), weights, n_users,
                          smoothing=config.smoothing, top_k=config.top_k)
    price = price_preferences(user, per_event(items.price if items else None, np.nan).astype(float), weights,
                              n_users, smoothing=config.smoothing)

    def taste(vectors: np.ndarray | None) -> np.ndarray:
        if vectors is None:
            return np.zeros((n_users, 0), dtype=np.float32)
        return taste_vectors(user, event_row, weights, vectors, n_users)

    text = taste(items.text_vectors if items else None)
    image = taste(items.image_vectors if items else None)
    profiles = UserProfiles(events.user_ids, cf.user_factors, category, brand, price.centre, price.scale,
                            text, image, np.bincount(user, minlength=n_users), price.population_centre,
                            price.population_scale)
    report.count("profiles", n_users)
    report.count("item_vectors", len(events.item_ids))
    log.info("built %d profiles and %d item vectors (%d dims)", n_users, len(events.item_ids), cf.dim)
    return profiles, ItemVectors(events.item_ids, cf.item_factors, cf.default_item_vector()), report
