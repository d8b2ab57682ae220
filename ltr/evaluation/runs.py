"""Runs and qrels as plain values: what every ranker produced, and what the judges said.

* A :class:`Run` maps each qid to its ranking, an ordered tuple of ``(doc_id, score)``. Order is by score
  descending, ties broken by ``doc_id`` ascending (string order), so every metric reproduces whatever order the
  scores arrived in. A document appears at most once per query (the highest score is kept).
* :class:`Qrels` map each qid to ``{doc_id: grade}`` (integer grades, e.g. 0..4). The queries that count are
  those with at least one document at or above the relevance threshold (:meth:`Qrels.evaluated_queries`).

qids and doc ids are compared as strings.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

Ranking = tuple[tuple[str, float], ...]


def rank(scores: Mapping[str, float] | Iterable[tuple[str, float]]) -> Ranking:
    """Order documents by score descending, ties by doc id ascending; duplicates keep their best score."""
    best: dict[str, float] = {}
    items = scores.items() if isinstance(scores, Mapping) else scores
    for doc, score in items:
        value = float(score)
        if math.isnan(value):
            raise ValueError(f"document {doc!r} has a NaN score; give it a number (e.g. -inf to rank it last)")
        key = str(doc)
        if key not in best or value > best[key]:
            best[key] = value
    return tuple(sorted(best.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class Run(Mapping[str, Ranking]):
    """One ranker's rankings: qid -> ordered ``(doc_id, score)`` pairs (see the module docstring)."""

    rankings: Mapping[str, Ranking] = field(default_factory=dict)

    @classmethod
    def from_scores(cls, scores: Mapping[str, Mapping[str, float] | Iterable[tuple[str, float]]]
                    | Iterable[tuple[str, str, float]]) -> Run:
        """Build from ``{qid: {doc_id: score}}``, ``{qid: [(doc_id, score), ...]}`` or ``(qid, doc_id, score)``
        triples (any order; ties broken by doc id)."""
        grouped: dict[str, list[tuple[str, float]]] = {}
        if isinstance(scores, Mapping):
            for qid, docs in scores.items():
                grouped.setdefault(str(qid), []).extend(
                    docs.items() if isinstance(docs, Mapping) else docs)
        else:
            for qid, doc, score in scores:
                grouped.setdefault(str(qid), []).append((doc, score))
        return cls({qid: rank(docs) for qid, docs in grouped.items()})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, score: str = "score") -> Run:
        """Build from a frame with columns ``qid``, ``doc_id`` and ``score`` (or the named score column)."""
        return cls.from_scores(zip(frame["qid"].astype(str), frame["doc_id"].astype(str), frame[score]))

    def __getitem__(self, qid: str) -> Ranking:
        return self.rankings[qid]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rankings)

    def __len__(self) -> int:
        return len(self.rankings)

    def doc_ids(self, qid: str, k: int | None = None) -> list[str]:
        """The ranked doc ids of a query (top ``k`` if given; empty when the run has no such query)."""
        ranking = self.rankings.get(qid, ())
        return [doc for doc, _ in (ranking if k is None else ranking[:k])]


@dataclass(frozen=True)
class Qrels(Mapping[str, Mapping[str, int]]):
    """Judgments: qid -> ``{doc_id: grade}``."""

    grades: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[str, str, int]]) -> Qrels:
        """Build from ``(qid, doc_id, grade)``; a pair judged twice with different grades is an error."""
        grades: dict[str, dict[str, int]] = {}
        for qid, doc, grade in triples:
            q, d, g = str(qid), str(doc), int(grade)
            seen = grades.setdefault(q, {}).get(d)
            if seen is not None and seen != g:
                raise ValueError(f"qid {q!r}, doc_id {d!r} is judged twice with grades {seen} and {g}; "
                                 "keep one judgment per (qid, doc_id)")
            grades[q][d] = g
        return cls(grades)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, qid: str = "qid") -> Qrels:
        """Build from a judgments or feature table (columns ``qid``, ``doc_id``, ``grade``). Personalized
        judgments: pass the column that holds the group key (e.g. one made of qid and user_id)."""
        return cls.from_triples(zip(frame[qid], frame["doc_id"], frame["grade"]))

    @classmethod
    def from_judgments(cls, judgments: Iterable[object]) -> Qrels:
        """Build from objects with ``qid``, ``doc_id`` and ``grade`` attributes (``ltr.types.Judgment``)."""
        return cls.from_triples((j.qid, j.doc_id, j.grade) for j in judgments)  # type: ignore[attr-defined]

    def __getitem__(self, qid: str) -> Mapping[str, int]:
        return self.grades[qid]

    def __iter__(self) -> Iterator[str]:
        return iter(self.grades)

    def __len__(self) -> int:
        return len(self.grades)

    def evaluated_queries(self, threshold: int = 2) -> list[str]:
        """The qids with at least one document graded ``>= threshold``, sorted: the queries that are scored
        (a query with nothing relevant has no ideal ranking, so every metric would be undefined)."""
        return sorted(q for q, docs in self.grades.items() if any(g >= threshold for g in docs.values()))

    def subset(self, qids: Iterable[str]) -> Qrels:
        """The judgments of these qids only (e.g. one fold's test queries)."""
        wanted = set(map(str, qids))
        return Qrels({q: docs for q, docs in self.grades.items() if q in wanted})
