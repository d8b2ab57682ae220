"""``ignore_unavailable`` / ``allow_no_indices`` / ``expand_wildcards`` on the index APIs, as OpenSearch resolves them.

Pins ``IndicesOptions`` (OpenSearch ``server/src/main/java/org/opensearch/action/support/IndicesOptions.java``,
``IndexNameExpressionResolver``; REST parameters documented for ``DELETE /<index>``, ``GET /<index>``,
``HEAD /<index>``, ``POST /<index>/_refresh`` at opensearch.org/docs/latest/api-reference/index-apis/): a missing
concrete index is a 404 unless ``ignore_unavailable=true``; a wildcard matching nothing is fine unless
``allow_no_indices=false``; ``expand_wildcards`` chooses open/hidden/none/all; an invalid value is a 400.
"""
from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError, RequestError


@pytest.fixture
def two(client: Any) -> Any:
    client.indices.create(index="items-v1")
    client.indices.create(index="items-v2")
    client.indices.create(index="secret", body={"settings": {"index.hidden": True}})
    return client


def test_delete_missing_index_with_ignore_unavailable_succeeds(two: Any) -> None:
    """``DELETE /missing?ignore_unavailable=true`` answers acknowledged (it was a 404); without it, a 404."""
    assert two.indices.delete(index="missing", ignore_unavailable=True) == {"acknowledged": True}
    assert two.indices.delete(index="items-v1,missing", ignore_unavailable=True) == {"acknowledged": True}
    assert not two.indices.exists(index="items-v1")
    with pytest.raises(NotFoundError) as exc:
        two.indices.delete(index="missing")
    assert exc.value.info["error"]["type"] == "index_not_found_exception"
    assert exc.value.info["error"]["reason"] == "no such index [missing]"


def test_allow_no_indices(two: Any) -> None:
    """A wildcard matching nothing: fine by default, 404 "no such index [nope-*]" with allow_no_indices=false."""
    assert two.indices.delete(index="nope-*") == {"acknowledged": True}
    with pytest.raises(NotFoundError) as exc:
        two.indices.delete(index="nope-*", allow_no_indices=False)
    assert exc.value.info["error"]["reason"] == "no such index [nope-*]"
    assert two.indices.refresh(index="nope-*")["_shards"]["successful"] == 0
    with pytest.raises(NotFoundError):
        two.indices.refresh(index="nope-*", allow_no_indices=False)
    assert two.indices.get(index="nope-*") == {}


def test_expand_wildcards(two: Any) -> None:
    """``open`` (default) skips hidden indices, ``all``/``open,hidden`` include them, ``none`` matches nothing."""
    assert sorted(two.indices.get(index="*")) == ["items-v1", "items-v2"]
    assert sorted(two.indices.get(index="*", expand_wildcards="all")) == ["items-v1", "items-v2", "secret"]
    assert sorted(two.indices.get(index="*", expand_wildcards="open,hidden")) == ["items-v1", "items-v2",
                                                                                  "secret"]
    assert two.indices.get(index="items-*", expand_wildcards="none") == {}
    assert two.indices.get_mapping(index="secret") == {"secret": {"mappings": {}}}  # a concrete name always works
    two.indices.delete(index="*", expand_wildcards="open")
    assert two.indices.exists(index="secret")
    assert not two.indices.exists(index="items-v1")


def test_invalid_option_values_are_400(two: Any) -> None:
    """An unknown ``expand_wildcards`` value or a non-boolean flag is a 400 naming the value."""
    with pytest.raises(RequestError) as exc:
        two.indices.get(index="*", expand_wildcards="opne")
    assert exc.value.info["error"]["reason"] == "No valid expand wildcard value [opne]"
    with pytest.raises(RequestError) as exc:
        two.indices.delete(index="missing", ignore_unavailable="yes")
    assert "[yes]" in exc.value.info["error"]["reason"]


def test_exists_honours_the_options(two: Any) -> None:
    """``HEAD`` answers 404 for a missing name, 200 when it is ignored and another name exists."""
    assert two.indices.exists(index="items-v2")
    assert not two.indices.exists(index="items-v2,missing")
    assert two.indices.exists(index="items-v2,missing", ignore_unavailable=True)
    assert not two.indices.exists(index="nope-*", allow_no_indices=False)
