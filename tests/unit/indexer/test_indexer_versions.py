from __future__ import annotations

from typing import Any

import pytest

from indexer.errors import ClusterStateError
from indexer.versions import (
    create_version,
    list_versions,
    live_indices,
    prune_versions,
    resolve_version,
    swap_alias,
)
from indexer_fakecluster import FakeCluster


def _versions(client: Any, n: int) -> list[str]:
    return [create_version(client, "items", {"settings": {}}) for _ in range(n)]


def test_versions_are_numbered_after_the_highest_existing_one(client: Any) -> None:
    assert _versions(client, 2) == ["items-v1", "items-v2"]
    client.indices.create(index="items-v9")
    client.indices.create(index="items-vx")  # not a version: ignored
    assert create_version(client, "items", {}) == "items-v10"
    assert [v.number for v in list_versions(client, "items")] == [1, 2, 9, 10]


def test_swap_moves_the_alias_in_one_request(client: Any, cluster: FakeCluster) -> None:
    _versions(client, 2)
    assert swap_alias(client, "items", "items-v1") == []
    cluster.requests.clear()
    assert swap_alias(client, "items", "items-v2") == ["items-v1"]
    assert [r for r in cluster.requests if r[1] == "/_aliases"] == [("POST", "/_aliases")]
    assert live_indices(client, "items") == ["items-v2"]
    assert [v.live for v in list_versions(client, "items")] == [False, True]


def test_prune_keeps_the_newest_idle_versions_and_never_the_live_one(client: Any) -> None:
    _versions(client, 4)
    swap_alias(client, "items", "items-v2")
    assert prune_versions(client, "items", keep=1) == ["items-v1", "items-v3"]
    assert [v.name for v in list_versions(client, "items")] == ["items-v2", "items-v4"]
    assert prune_versions(client, "items", keep=0) == ["items-v4"]
    assert live_indices(client, "items") == ["items-v2"]


def test_resolve_version_understands_latest_previous_numbers_and_names(client: Any) -> None:
    _versions(client, 3)
    swap_alias(client, "items", "items-v2")
    assert resolve_version(client, "items", "latest") == "items-v3"
    assert resolve_version(client, "items", "previous") == "items-v1"
    assert resolve_version(client, "items", "3") == "items-v3"
    assert resolve_version(client, "items", "items-v1") == "items-v1"
    with pytest.raises(ClusterStateError, match="existing: items-v1, items-v2, items-v3"):
        resolve_version(client, "items", "7")


def test_previous_without_an_older_version_is_an_error(client: Any) -> None:
    _versions(client, 1)
    swap_alias(client, "items", "items-v1")
    with pytest.raises(ClusterStateError, match="no version older"):
        resolve_version(client, "items", "previous")
    with pytest.raises(ClusterStateError, match="no versions of 'other'"):
        resolve_version(client, "other", "latest")


def test_a_concrete_index_with_the_alias_name_is_refused_with_the_fix(client: Any) -> None:
    client.indices.create(index="items")
    with pytest.raises(ClusterStateError, match="concrete index.*items-v1"):
        create_version(client, "items", {})
