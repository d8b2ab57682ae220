"""Versioned indices behind an alias on the embedded node: numbering, atomic swaps, pruning, resolving."""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from indexer.errors import ClusterStateError
from indexer.versions import (
    create_version,
    list_versions,
    live_indices,
    prune_versions,
    resolve_version,
    swap_alias,
)
from support.faults import Faults


def _versions(client: OpenSearch, n: int) -> list[str]:
    return [create_version(client, "items", {"settings": {}}) for _ in range(n)]


def _aliases(client: OpenSearch) -> dict[str, list[str]]:
    """Every items-v* index with the aliases the node says it has."""
    response = client.indices.get_alias(index="items-v*")
    return {name: sorted(body["aliases"]) for name, body in response.items()}


def test_versions_are_numbered_after_the_highest_existing_one(node_client: OpenSearch) -> None:
    client = node_client
    assert _versions(client, 2) == ["items-v1", "items-v2"]
    client.indices.create(index="items-v9")
    client.indices.create(index="items-vx")  # not a version: ignored
    assert create_version(client, "items", {}) == "items-v10"
    assert [v.number for v in list_versions(client, "items")] == [1, 2, 9, 10]


def test_swap_moves_the_alias_in_one_request(node_client: OpenSearch, faults: Faults) -> None:
    client = node_client
    _versions(client, 2)
    assert swap_alias(client, "items", "items-v1") == []
    assert _aliases(client) == {"items-v1": ["items"], "items-v2": []}
    faults.requests.clear()
    assert swap_alias(client, "items", "items-v2") == ["items-v1"]
    assert [r for r in faults.requests if r[1] == "/_aliases"] == [("POST", "/_aliases")]
    assert _aliases(client) == {"items-v1": [], "items-v2": ["items"]}
    assert live_indices(client, "items") == ["items-v2"]
    assert [v.live for v in list_versions(client, "items")] == [False, True]


def test_prune_keeps_the_newest_idle_versions_and_never_the_live_one(node_client: OpenSearch) -> None:
    client = node_client
    _versions(client, 4)
    swap_alias(client, "items", "items-v2")
    assert prune_versions(client, "items", keep=1) == ["items-v1", "items-v3"]
    assert [v.name for v in list_versions(client, "items")] == ["items-v2", "items-v4"]
    assert prune_versions(client, "items", keep=0) == ["items-v4"]
    assert live_indices(client, "items") == ["items-v2"]
    assert sorted(row["index"] for row in client.cat.indices(format="json")) == ["items-v2"]


def test_resolve_version_understands_latest_previous_numbers_and_names(node_client: OpenSearch) -> None:
    client = node_client
    _versions(client, 3)
    swap_alias(client, "items", "items-v2")
    assert resolve_version(client, "items", "latest") == "items-v3"
    assert resolve_version(client, "items", "previous") == "items-v1"
    assert resolve_version(client, "items", "3") == "items-v3"
    assert resolve_version(client, "items", "items-v1") == "items-v1"
    with pytest.raises(ClusterStateError, match="existing: items-v1, items-v2, items-v3"):
        resolve_version(client, "items", "7")


def test_previous_without_an_older_version_is_an_error(node_client: OpenSearch) -> None:
    client = node_client
    _versions(client, 1)
    swap_alias(client, "items", "items-v1")
    with pytest.raises(ClusterStateError, match="no version older"):
        resolve_version(client, "items", "previous")
    with pytest.raises(ClusterStateError, match="no versions of 'other'"):
        resolve_version(client, "other", "latest")


def test_a_concrete_index_with_the_alias_name_is_refused_with_the_fix(node_client: OpenSearch) -> None:
    client = node_client
    client.indices.create(index="items")
    with pytest.raises(ClusterStateError, match="concrete index.*items-v1"):
        create_version(client, "items", {})
    assert sorted(row["index"] for row in client.cat.indices(format="json")) == ["items"]  # nothing created
