"""Evaluation folds: sort all qids by the sha256 hex digest of their UTF-8 bytes; the i-th gets fold ``i mod K``.

Deterministic and independent of the order the judgments arrive in. The rule itself lives in
:func:`ltr.folds.grouped_folds` (training uses the same one); this module gives it the shapes an evaluation needs.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..folds import grouped_folds


def fold_of(qids: Iterable[str], k: int) -> dict[str, int]:
    """``{qid: fold}`` for the distinct qids (compared as strings)."""
    if k < 2:
        raise ValueError(f"folds must be at least 2 (got {k})")
    distinct = sorted(set(map(str, qids)))
    if len(distinct) < k:
        raise ValueError(f"{k} folds need at least {k} queries (got {len(distinct)}); use fewer folds")
    return dict(zip(distinct, map(int, grouped_folds(distinct, k))))


def held_out_queries(qids: Iterable[str], k: int) -> list[list[str]]:
    """Fold ``i``'s held-out qids (sorted) for ``i`` in ``0..k-1``; each qid is in exactly one."""
    folds: list[list[str]] = [[] for _ in range(k)]
    for qid, fold in sorted(fold_of(qids, k).items()):
        folds[fold].append(qid)
    return folds


def splits(qids: Iterable[str], k: int) -> list[tuple[list[str], list[str]]]:
    """``(train_qids, test_qids)`` per fold: every choice for fold ``i`` is made on its train qids only."""
    held_out = held_out_queries(qids, k)
    return [([q for j, fold in enumerate(held_out) if j != i for q in fold], held_out[i]) for i in range(k)]
