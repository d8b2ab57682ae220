"""The value types of behaviour data: what was shown (searches), what users did (interactions), and what we
conclude (sessions for click models, judgments for training).

They are frozen so that a record read from a log can be passed around without anyone editing it; bulk data is
held column-wise elsewhere (``ltr.clicklog.ClickLog``, ``ltr.sessions.SessionLog``) and these types are the
row views and the parse results.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class InteractionKind(IntEnum):
    """Interaction types, ordered by strength of relevance signal: purchase > add-to-cart > click."""

    CLICK = 0
    ADD_TO_CART = 1
    PURCHASE = 2

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> InteractionKind:
        return _KINDS_BY_LABEL[label]


_KIND_LABELS = {InteractionKind.CLICK: "click", InteractionKind.ADD_TO_CART: "add_to_cart",
                InteractionKind.PURCHASE: "purchase"}
_KINDS_BY_LABEL = {label: kind for kind, label in _KIND_LABELS.items()}
INTERACTION_LABELS: tuple[str, ...] = tuple(_KINDS_BY_LABEL)


@dataclass(frozen=True, slots=True)
class SearchEvent:
    """One search and the ranked list it showed (metarank's ranking event; UBI's ``ubi_queries`` document).

    ``results`` are document ids in shown order; ``timestamp`` is epoch seconds (UTC).
    """

    search_id: str
    query: str
    results: tuple[str, ...]
    timestamp: float
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    """A click, add-to-cart or purchase on one result of one search. ``position`` is the 0-based shown rank,
    or None when the log did not record it (it is then taken from where ``doc_id`` sits in the results)."""

    search_id: str
    doc_id: str
    kind: InteractionKind
    timestamp: float
    position: int | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """One search joined with what happened on it: the unit a click model learns from (hello-ltr's Session,
    metarank's clickthrough). Flags are per shown position and imply nothing beyond ``len(docs)``."""

    query: str
    docs: tuple[str, ...]
    clicks: tuple[bool, ...]
    carts: tuple[bool, ...] = ()
    purchases: tuple[bool, ...] = ()
    user_id: str | None = None
    timestamp: float = 0.0
    search_id: str = ""

    def __post_init__(self) -> None:
        for name in ("clicks", "carts", "purchases"):
            flags = getattr(self, name)
            if flags and len(flags) != len(self.docs):
                raise ValueError(f"Session {self.search_id or self.query!r}: {name} has {len(flags)} flags "
                                 f"for {len(self.docs)} docs; give one flag per shown doc")


@dataclass(frozen=True, slots=True)
class Judgment:
    """A graded relevance label, 0 (irrelevant) to 4 (perfect); ``user_id`` set for personalized judgments."""

    qid: str
    query: str
    doc_id: str
    grade: int
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """A row that was not used, with where it came from and why: the unit of the rejects file."""

    file: str
    line: int
    reason: str
    message: str
    field: str | None = None
    row: object = None

    def location(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where} field {self.field!r}" if self.field else where
