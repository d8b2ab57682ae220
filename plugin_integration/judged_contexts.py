"""Judgments -> one ``QueryContext`` per query group, with the ids to log: the input of feature logging.

A query group is a ``qid`` (or a ``(qid, user_id)`` pair for personalized judgments): its keywords, its query
vectors (given, computed by the caller with the index's own encoders), and its user's profile. Users without a
profile, and every group of an anonymous judgment set when the featureset is personal, get the neutral profile;
empty profile vectors become zero vectors of the index's dimensions (``UserContext.with_dimensions``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .params import QueryContext, UserContext

GROUP_SEPARATOR = "\x1f"  # unit separator: cannot appear in a CSV qid or user id by accident


def group_key(qid: str, user_id: str | None) -> str:
    return qid if user_id is None else f"{qid}{GROUP_SEPARATOR}{user_id}"


@dataclass
class JudgedGroups:
    """Per group key: the query, the user, and the judged documents with their grades (file order)."""

    query: dict[str, str] = field(default_factory=dict)
    qid: dict[str, str] = field(default_factory=dict)
    user: dict[str, str | None] = field(default_factory=dict)
    grades: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def from_judgments(cls, judgments: Sequence[Any]) -> JudgedGroups:
        """``judgments``: rows with ``qid``, ``query``, ``doc_id``, ``grade`` and ``user_id`` (``ltr.types.Judgment``)."""
        groups = cls()
        for j in judgments:
            key = group_key(str(j.qid), j.user_id)
            groups.query.setdefault(key, j.query)
            groups.qid.setdefault(key, str(j.qid))
            groups.user.setdefault(key, j.user_id)
            groups.grades.setdefault(key, {})[str(j.doc_id)] = int(j.grade)
        return groups

    @property
    def personalized(self) -> bool:
        return any(u is not None for u in self.user.values())

    def doc_ids(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.grades.items()}


def build_contexts(groups: JudgedGroups, text_vectors: Mapping[str, Sequence[float]] | None,
                   image_vectors: Mapping[str, Sequence[float]] | None,
                   user_context: Callable[[str | None], UserContext] | None) -> dict[str, QueryContext]:
    """One context per group; vectors are keyed by query text, users come from ``user_context(user_id)``."""
    contexts = {}
    for key, query in groups.query.items():
        user = user_context(groups.user[key]) if user_context is not None else None
        contexts[key] = QueryContext(
            query,
            text_vector=tuple(text_vectors[query]) if text_vectors is not None else None,
            image_vector=tuple(image_vectors[query]) if image_vectors is not None else None,
            user=user, qid=groups.qid[key])
    return contexts
