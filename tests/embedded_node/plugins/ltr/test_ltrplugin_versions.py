"""The version matrix of ``reference/ltr-plugin.md`` §1.7 as the emulated node applies it."""
from __future__ import annotations

import math

import pytest

from embedded_node.plugins.ltr.versions import (DENSE, NAN_MISSING, NAN_NO, PluginSemantics,
                                                      parse_version)


@pytest.mark.parametrize("distribution,version,tree,raw,mz,ranking", [
    ("opensearch", "2.11.0", DENSE, DENSE, False, False),
    ("opensearch", "2.19.0", DENSE, DENSE, False, False),
    ("opensearch", "3.1.0", DENSE, DENSE, False, False),
    ("opensearch", "3.2.0", NAN_NO, NAN_NO, False, True),
    ("opensearch", "3.7.2", NAN_NO, NAN_NO, False, True),
    ("opensearch", "3.8.0", NAN_MISSING, NAN_MISSING, False, True),
    ("opensearch", "3.8.1", NAN_MISSING, NAN_MISSING, True, True),
    ("opensearch", "3.9.0-SNAPSHOT", NAN_MISSING, NAN_MISSING, True, True),
    ("elasticsearch", "8.11.3", DENSE, DENSE, False, True),
    ("elasticsearch", "8.11.4", NAN_MISSING, NAN_NO, False, True),
    ("elasticsearch", "9.0.8", NAN_MISSING, NAN_MISSING, False, True),
])
def test_version_matrix(distribution: str, version: str, tree: str, raw: str, mz: bool,
                        ranking: bool) -> None:
    sem = PluginSemantics(distribution, parse_version(version))
    assert (sem.tree_missing, sem.raw_tree_missing, sem.model_missing_as_zero, sem.ranking_objectives) == \
        (tree, raw, mz, ranking)
    assert (sem.logging_fill == 0.0) if tree == DENSE else math.isnan(sem.logging_fill)


def test_semantics_come_from_the_node() -> None:
    class FakeNode:
        version = "3.8.0"
        distribution = "opensearch"

    sem = PluginSemantics.of(FakeNode())
    assert sem.version == (3, 8, 0) and sem.xgboost_missing_validated and not sem.xgboost_missing_required
    assert parse_version("2.19") == (2, 19, 0)
