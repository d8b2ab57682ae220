"""The input of every profile: who interacted with which item, how (click, add-to-cart, purchase) and when.

Each interaction gets a weight, its event weight (a purchase says more than a click) decayed by age with a
half-life (last month's taste says more than last year's). Age is measured from the newest event in the log,
not from the wall clock, so a profile build is reproducible.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..clicklog import ClickLog
from ..join import JoinedEvents
from ..report import DataReport
from ..types import InteractionKind

DEFAULT_EVENT_WEIGHTS: Mapping[str, float] = {"click": 1.0, "add_to_cart": 3.0, "purchase": 5.0}
DEFAULT_HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True)
class UserItemEvents:
    """Interactions of known users over compact user and item vocabularies."""

    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    user: np.ndarray
    item: np.ndarray
    kind: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return len(self.user)

    @classmethod
    def from_arrays(cls, user_ids: tuple[str, ...], item_ids: tuple[str, ...], user: np.ndarray,
                    item: np.ndarray, kind: np.ndarray,
                    time: np.ndarray) -> tuple[UserItemEvents, DataReport]:
        """Drop anonymous events (``user < 0``, counted) and compact both vocabularies to what is used."""
        report = DataReport()
        known = np.asarray(user) >= 0
        report.note("anonymous_interactions", int(np.count_nonzero(~known)))
        used_users, user_index = np.unique(np.asarray(user)[known], return_inverse=True)
        used_items, item_index = np.unique(np.asarray(item)[known], return_inverse=True)
        events = cls(tuple(np.asarray(user_ids, dtype=object)[used_users]) if len(used_users) else (),
                     tuple(np.asarray(item_ids, dtype=object)[used_items]) if len(used_items) else (),
                     user_index.astype(np.int32).reshape(-1), item_index.astype(np.int32).reshape(-1),
                     np.asarray(kind, dtype=np.int8)[known], np.asarray(time, dtype=np.float64)[known])
        per_user = np.bincount(events.user, minlength=len(events.user_ids))
        report.count("users", len(events.user_ids))
        report.count("items", len(events.item_ids))
        report.count("interactions", len(events))
        report.note("single_interaction_users", int(np.count_nonzero(per_user == 1)))
        return events, report

    @classmethod
    def from_log(cls, log: ClickLog, joined: JoinedEvents) -> tuple[UserItemEvents, DataReport]:
        return cls.from_arrays(log.user_ids, log.doc_ids, joined.user, joined.doc, joined.kind, joined.time)

    def weights(self, event_weights: Mapping[str, float] = DEFAULT_EVENT_WEIGHTS,
                half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS) -> np.ndarray:
        """Event weight times ``0.5 ** (age / half_life)``; ``half_life_days=None`` switches decay off."""
        table = np.array([event_weights[k.label] for k in InteractionKind], dtype=np.float64)
        weight = table[self.kind]
        if half_life_days is not None and len(self):
            age_days = (self.time.max() - self.time) / 86400.0
            weight = weight * 0.5 ** (age_days / half_life_days)
        return np.asarray(weight, dtype=np.float64)

    def matrix(self, weights: np.ndarray) -> sp.csr_matrix:
        """User x item CSR of summed weights (the implicit-feedback confidence matrix)."""
        shape = (len(self.user_ids), len(self.item_ids))
        return sp.csr_matrix((weights.astype(np.float32), (self.user, self.item)), shape=shape)

    def subset(self, rows: np.ndarray) -> UserItemEvents:
        """Some interactions over the same vocabularies (for held-out splits)."""
        return UserItemEvents(self.user_ids, self.item_ids, self.user[rows], self.item[rows], self.kind[rows],
                              self.time[rows])
