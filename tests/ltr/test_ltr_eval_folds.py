"""The fold rule of the issue: qids sorted by the sha256 hex digest of their UTF-8 bytes, the i-th in fold i mod K;
independent of input order and of duplicates."""
from __future__ import annotations

import hashlib
import random

import pytest

from ltr.evaluation import fold_of, held_out_queries, splits

QIDS = [f"query {i}" for i in range(23)] + ["café", "日本語", "42"]


def test_the_rule_as_written() -> None:
    by_digest = sorted(QIDS, key=lambda q: hashlib.sha256(q.encode("utf-8")).hexdigest())
    assert fold_of(QIDS, 5) == {q: i % 5 for i, q in enumerate(by_digest)}


def test_independent_of_input_order_and_duplicates() -> None:
    shuffled = QIDS * 3
    random.Random(0).shuffle(shuffled)
    assert fold_of(shuffled, 5) == fold_of(QIDS, 5)
    assert held_out_queries(shuffled, 4) == held_out_queries(list(reversed(QIDS)), 4)


def test_held_out_folds_partition_the_queries_and_are_balanced() -> None:
    folds = held_out_queries(QIDS, 5)
    assert sorted(q for fold in folds for q in fold) == sorted(QIDS)
    assert sorted(len(f) for f in folds) == [5, 5, 5, 5, 6]
    for i, (train, test) in enumerate(splits(QIDS, 5)):
        assert test == folds[i] and not set(train) & set(test) and len(train) + len(test) == len(QIDS)


def test_too_few_queries_or_folds() -> None:
    with pytest.raises(ValueError, match="at least 5 queries"):
        fold_of(["a", "b"], 5)
    with pytest.raises(ValueError, match="at least 2"):
        fold_of(QIDS, 1)
