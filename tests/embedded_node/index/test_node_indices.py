"""Index lifecycle, mappings, settings and aliases through opensearch-py (both transports)."""
from __future__ import annotations

import pytest
from opensearchpy import NotFoundError, RequestError

MAPPING = {
    "properties": {
        "title": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
        "price": {"type": "float"},
        "tags": {"type": "keyword"},
        "vec": {"type": "knn_vector", "dimension": 4, "space_type": "cosinesimil",
                "method": {"name": "hnsw", "engine": "faiss", "parameters": {"m": 16, "ef_construction": 100}}},
    }
}


def test_create_get_exists_delete(client):
    resp = client.indices.create(index="items-v1", body={"settings": {"index": {"knn": True, "number_of_shards": 1,
                                                                                 "number_of_replicas": 0}},
                                                          "mappings": MAPPING})
    assert resp == {"acknowledged": True, "shards_acknowledged": True, "index": "items-v1"}
    assert client.indices.exists(index="items-v1") is True
    assert client.indices.exists(index="nope") is False
    got = client.indices.get(index="items-v1")["items-v1"]
    assert got["mappings"]["properties"]["vec"]["dimension"] == 4
    assert got["settings"]["index"]["knn"] == "true"
    assert got["settings"]["index"]["number_of_replicas"] == "0"
    assert got["settings"]["index"]["provided_name"] == "items-v1"
    assert client.indices.delete(index="items-v1") == {"acknowledged": True}
    assert client.indices.exists(index="items-v1") is False


def test_create_twice_is_a_conflict(client):
    client.indices.create(index="a")
    with pytest.raises(RequestError) as err:
        client.indices.create(index="a")
    assert err.value.error == "resource_already_exists_exception"
    assert err.value.status_code == 400


@pytest.mark.parametrize("name,reason", [("UPPER", "must be lowercase"), ("_x", "must not start with"),
                                         ("a b", "must not contain"), ("a*b", "must not contain")])
def test_invalid_index_names(client, name, reason):
    with pytest.raises(RequestError) as err:
        client.indices.create(index=name)
    assert err.value.error == "invalid_index_name_exception"
    assert reason in err.value.info["error"]["reason"]


def test_unknown_field_type_and_param_are_rejected(client):
    with pytest.raises(RequestError) as err:
        client.indices.create(index="a", body={"mappings": {"properties": {"x": {"type": "strang"}}}})
    assert err.value.error == "mapper_parsing_exception"
    assert "No handler for type [strang]" in err.value.info["error"]["reason"]
    with pytest.raises(RequestError) as err:
        client.indices.create(index="b", body={"mappings": {"properties": {"x": {"type": "text", "bogus": 1}}}})
    assert "unknown parameter [bogus]" in err.value.info["error"]["reason"]
    with pytest.raises(RequestError) as err:
        client.indices.create(index="c", body={"settings": {"index": {"knn": "maybe"}}})
    assert err.value.error == "illegal_argument_exception"
    with pytest.raises(RequestError) as err:
        client.indices.create(index="d", body={"settings": {"index": {"frobnicate": 1}}})
    assert "unknown setting [index.frobnicate]" in err.value.info["error"]["reason"]
    assert not any(client.indices.exists(index=i) for i in "abcd")


def test_knn_vector_mapping_validation(client):
    with pytest.raises(RequestError) as err:
        client.indices.create(index="v", body={"mappings": {"properties": {"v": {"type": "knn_vector"}}}})
    assert "Dimension value missing" in err.value.info["error"]["reason"]
    with pytest.raises(RequestError):
        client.indices.create(index="v", body={"mappings": {"properties": {"v": {
            "type": "knn_vector", "dimension": 3, "method": {"name": "hnsw", "engine": "faiss", "space_type": "l1"}}}}})


def test_put_mapping_is_additive_and_rejects_type_changes(client):
    client.indices.create(index="m", body={"mappings": MAPPING})
    client.indices.put_mapping(index="m", body={"properties": {"brand": {"type": "keyword"}}})
    props = client.indices.get_mapping(index="m")["m"]["mappings"]["properties"]
    assert props["brand"] == {"type": "keyword"} and props["title"]["type"] == "text"
    with pytest.raises(RequestError) as err:
        client.indices.put_mapping(index="m", body={"properties": {"price": {"type": "keyword"}}})
    assert "cannot be changed from type [float] to [keyword]" in err.value.info["error"]["reason"]


def test_settings_update_and_final_settings(client):
    client.indices.create(index="s")
    client.indices.put_settings(index="s", body={"index": {"refresh_interval": "-1", "number_of_replicas": 0}})
    got = client.indices.get_settings(index="s")["s"]["settings"]["index"]
    assert got["refresh_interval"] == "-1" and got["number_of_replicas"] == "0"
    with pytest.raises(RequestError) as err:
        client.indices.put_settings(index="s", body={"index": {"number_of_shards": 3}})
    assert "final index setting [index.number_of_shards]" in err.value.info["error"]["reason"]


def test_aliases_swap_atomically(client):
    client.indices.create(index="items-v1")
    client.indices.create(index="items-v2")
    client.index(index="items-v1", id="old", body={"t": "one"}, refresh=True)
    client.index(index="items-v2", id="new", body={"t": "two"}, refresh=True)
    client.indices.update_aliases(body={"actions": [{"add": {"index": "items-v1", "alias": "items"}}]})
    assert [h["_id"] for h in client.search(index="items")["hits"]["hits"]] == ["old"]
    client.indices.update_aliases(body={"actions": [
        {"remove": {"index": "items-v1", "alias": "items"}},
        {"add": {"index": "items-v2", "alias": "items"}}]})
    assert [h["_id"] for h in client.search(index="items")["hits"]["hits"]] == ["new"]
    assert client.indices.get_alias(name="items") == {"items-v2": {"aliases": {"items": {}}}}
    # a failing action leaves everything as it was (all or nothing)
    with pytest.raises(NotFoundError):
        client.indices.update_aliases(body={"actions": [
            {"remove": {"index": "items-v2", "alias": "items"}},
            {"add": {"index": "missing-index", "alias": "items"}}]})
    assert client.indices.get_alias(name="items") == {"items-v2": {"aliases": {"items": {}}}}
    # writes through a single-index alias go to that index
    client.index(index="items", id="via-alias", body={"t": "three"}, refresh=True)
    assert client.get(index="items-v2", id="via-alias")["found"] is True


def test_remove_index_action_and_wildcards(client):
    for name in ("logs-1", "logs-2", "other"):
        client.indices.create(index=name)
    client.indices.update_aliases(body={"actions": [{"add": {"index": "logs-*", "alias": "logs"}}]})
    assert sorted(client.indices.get_alias(name="logs")) == ["logs-1", "logs-2"]
    client.indices.update_aliases(body={"actions": [{"remove_index": {"index": "logs-1"}}]})
    assert client.indices.exists(index="logs-1") is False
    client.indices.delete(index="logs-*")
    assert sorted(i["index"] for i in client.cat.indices(format="json")) == ["other"]


def test_cluster_endpoints(client):
    info = client.info()
    assert info["version"]["distribution"] == "opensearch"
    assert info["version"]["number"] == "2.19.0"
    client.indices.create(index="h", body={"settings": {"number_of_replicas": 0}})
    health = client.cluster.health(wait_for_status="yellow")
    assert health["status"] == "green" and health["number_of_nodes"] == 1
    plugins = {p["component"] for p in client.cat.plugins(format="json")}
    assert plugins == {"opensearch-knn", "opensearch-ltr"}
    rows = client.cat.indices(index="h", format="json")
    assert rows[0]["index"] == "h" and rows[0]["docs.count"] == "0" and rows[0]["health"] == "green"


def test_dynamic_mapping(client):
    client.index(index="dyn", id="1", body={"title": "Red shoe", "price": 12, "rating": 4.5, "ok": True,
                                            "when": "2024-05-01T10:00:00Z", "attrs": {"size": "42"}},
                 refresh=True)
    props = client.indices.get_mapping(index="dyn")["dyn"]["mappings"]["properties"]
    assert props["title"] == {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
    assert props["price"] == {"type": "long"}
    assert props["rating"] == {"type": "float"}
    assert props["ok"] == {"type": "boolean"}
    assert props["when"] == {"type": "date"}
    assert props["attrs"]["properties"]["size"]["type"] == "text"


def test_strict_dynamic_rejects_unknown_fields(client):
    client.indices.create(index="st", body={"mappings": {"dynamic": "strict", "properties": {"a": {"type": "keyword"}}}})
    with pytest.raises(RequestError) as err:
        client.index(index="st", id="1", body={"a": "x", "b": 1})
    assert err.value.error == "strict_dynamic_mapping_exception"
    assert client.count(index="st")["count"] == 0
