"""How a user behaves on one result list: a pure click model with position bias, satisfaction and
purchases, producing the repo's own event types (:class:`~ltr.types.SearchEvent`,
:class:`~ltr.types.Interaction`).

The user scans the list top-down. Rank ``r`` is examined with probability ``1 / (1 + r) ** decay`` (position
bias, as in a PBM) as long as the user is still browsing; an examined result is clicked with its
attractiveness; a click satisfies with its satisfaction (long dwell), and a satisfied user stops with
``stop_after_satisfied`` (the cascade / DBN part). A satisfied click goes to the cart with ``cart_rate`` and
a cart is bought with ``purchase_rate``. Timestamps advance with scanning and dwell.

Attractiveness and satisfaction come from :func:`appeal` (any catalogue: text match, taste, visual appeal)
or :func:`appeal_from_grades` (the generated world's true relevance).
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..types import Interaction, InteractionKind, SearchEvent, Session


@dataclass(frozen=True)
class Behaviour:
    """Parameters of the click model (defaults: a typical e-commerce search page)."""

    examination_decay: float = 0.9
    stop_after_satisfied: float = 0.7
    cart_rate: float = 0.45
    purchase_rate: float = 0.55
    depth: int = 20
    scan_s: float = 1.5
    satisfied_dwell_s: float = 60.0
    unsatisfied_dwell_s: float = 8.0

    def examination(self, width: int) -> np.ndarray:
        return 1.0 / (1.0 + np.arange(width)) ** self.examination_decay


@dataclass(frozen=True)
class ClickDetail:
    """What the click log formats do not carry: dwell time and whether the click satisfied."""

    position: int
    dwell_s: float
    satisfied: bool


@dataclass(frozen=True)
class SearchOutcome:
    """One simulated search: what was shown, what was done (time ordered) and the click details."""

    search: SearchEvent
    interactions: tuple[Interaction, ...]
    clicks: tuple[ClickDetail, ...]

    def to_session(self) -> Session:
        n = len(self.search.results)
        flags = {kind: [False] * n for kind in InteractionKind}
        for event in self.interactions:
            if event.position is not None and event.position < n:
                flags[event.kind][event.position] = True
        clicks = [c or a or p for c, a, p in zip(*(flags[k] for k in InteractionKind))]
        return Session(query=self.search.query, docs=self.search.results, clicks=tuple(clicks),
                       carts=tuple(flags[InteractionKind.ADD_TO_CART]),
                       purchases=tuple(flags[InteractionKind.PURCHASE]), user_id=self.search.user_id,
                       timestamp=self.search.timestamp, search_id=self.search.search_id)


def simulate_search(search_id: str, query: str, doc_ids: Sequence[str], attractiveness: np.ndarray,
                    satisfaction: np.ndarray, rng: np.random.Generator, *, timestamp: float,
                    user_id: str | None = None, session_id: str | None = None,
                    behaviour: Behaviour = Behaviour()) -> SearchOutcome:
    """Simulate one user on one ranked list (``attractiveness[r]``, ``satisfaction[r]`` in [0, 1] per rank).
    Only the first ``behaviour.depth`` ranks can be acted on; all of ``doc_ids`` is logged as shown."""
    doc_ids = tuple(str(d) for d in doc_ids)
    width = min(len(doc_ids), behaviour.depth)
    exam = behaviour.examination(width)
    draws = rng.random((5, width))
    events: list[Interaction] = []
    details: list[ClickDetail] = []
    t = timestamp
    for r in range(width):
        t += behaviour.scan_s
        if draws[0, r] >= exam[r] or draws[1, r] >= attractiveness[r]:
            continue
        satisfied = bool(draws[2, r] < satisfaction[r])
        mean = behaviour.satisfied_dwell_s if satisfied else behaviour.unsatisfied_dwell_s
        dwell = float(mean * rng.lognormal(0.0, 0.4))
        events.append(Interaction(search_id, doc_ids[r], InteractionKind.CLICK, round(t, 3), r, user_id))
        details.append(ClickDetail(r, round(dwell, 2), satisfied))
        if satisfied and draws[3, r] < behaviour.cart_rate:
            events.append(Interaction(search_id, doc_ids[r], InteractionKind.ADD_TO_CART,
                                      round(t + 0.8 * dwell, 3), r, user_id))
            if draws[4, r] < behaviour.purchase_rate:
                events.append(Interaction(search_id, doc_ids[r], InteractionKind.PURCHASE,
                                          round(t + dwell + 30.0, 3), r, user_id))
        t += dwell
        if satisfied and rng.random() < behaviour.stop_after_satisfied:
            break
    search = SearchEvent(search_id, query, doc_ids, round(timestamp, 3), user_id, session_id)
    return SearchOutcome(search, tuple(events), tuple(details))


@dataclass(frozen=True)
class AppealWeights:
    """How attractiveness mixes what the user sees: a floor (some clicks are noise), then the text match
    gates the rest, shared between the user's taste and the picture's visual appeal."""

    floor: float = 0.02
    taste: float = 0.55
    visual: float = 0.2


def appeal(text_score: np.ndarray, taste: np.ndarray, visual: np.ndarray,
           weights: AppealWeights = AppealWeights()) -> tuple[np.ndarray, np.ndarray]:
    """Attractiveness and satisfaction for any catalogue, from a text-match score (any scale, normalised
    here by its maximum: it says "is this what I searched for"), the user's taste match in [0, 1] and a
    visual appeal in [0, 1]. Satisfaction leans on taste: the snippet draws the click, the product page
    (brand, price) decides whether it was right."""
    text = np.clip(np.asarray(text_score, dtype=np.float64), 0.0, None)
    top = text.max() if text.size else 0.0
    text = text / top if top > 0 else text
    taste = np.clip(np.asarray(taste, dtype=np.float64), 0.0, 1.0)
    visual = np.clip(np.asarray(visual, dtype=np.float64), 0.0, 1.0)
    base = 1.0 - weights.taste - weights.visual
    mix = base + weights.taste * taste + weights.visual * visual
    attractiveness = weights.floor + (1.0 - weights.floor) * text ** 0.7 * mix
    satisfaction = np.sqrt(text) * (0.05 + 0.9 * taste ** 1.5 + 0.05 * visual)
    return np.clip(attractiveness, 0.0, 1.0), np.clip(satisfaction, 0.0, 1.0)


#: Attractiveness and satisfaction per true grade 0..4 in the generated world.
GRADE_ATTRACTIVENESS = np.array([0.03, 0.15, 0.35, 0.6, 0.85])
GRADE_SATISFACTION = np.array([0.0, 0.1, 0.3, 0.6, 0.9])


def appeal_from_grades(grades: np.ndarray, rng: np.random.Generator,
                       noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Attractiveness and satisfaction from true grades, with a little per-impression noise (an irrelevant
    item may draw a click, never satisfies)."""
    g = np.clip(np.asarray(grades, dtype=np.int64), 0, 4)
    jitter = noise * rng.normal(size=(2, len(g)))
    satisfaction = np.where(g > 0, np.clip(GRADE_SATISFACTION[g] + jitter[1], 0.0, 1.0), 0.0)
    return np.clip(GRADE_ATTRACTIVENESS[g] + jitter[0], 0.0, 1.0), satisfaction


def visual_appeal(doc_ids: Sequence[str], seed: int = 0) -> np.ndarray:
    """A stable per-item visual appeal in [0, 1] for catalogues without a known one (a hash of the id, so
    the same item looks equally good in every search)."""
    raw = np.array([zlib.crc32(f"{seed}:{d}".encode()) for d in doc_ids], dtype=np.float64) / 2.0 ** 32
    return raw ** 0.7  # most pictures look fine, a few look poor
