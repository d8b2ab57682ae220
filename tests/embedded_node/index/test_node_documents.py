"""Documents: index/get/delete/update, bulk with per-item errors, mget, count, bad input (both transports)."""
from __future__ import annotations

import pytest
from opensearchpy import ConflictError, NotFoundError, RequestError, TransportError, helpers

MAPPING = {"properties": {"title": {"type": "text"}, "price": {"type": "float"},
                          "vec": {"type": "knn_vector", "dimension": 3, "space_type": "l2"}}}


@pytest.fixture
def items(client):
    client.indices.create(index="items", body={"mappings": MAPPING})
    return client


def test_index_get_update_delete_roundtrip(items):
    c = items
    r = c.index(index="items", id="1", body={"title": "Red shoe", "price": 10})
    assert (r["result"], r["_version"], r["_seq_no"], r["_primary_term"]) == ("created", 1, 0, 1)
    r = c.index(index="items", id="1", body={"title": "Red shoe v2", "price": 11})
    assert (r["result"], r["_version"], r["_seq_no"]) == ("updated", 2, 1)
    got = c.get(index="items", id="1")
    assert got["_source"] == {"title": "Red shoe v2", "price": 11} and got["_version"] == 2
    assert c.get(index="items", id="1", _source_includes="price")["_source"] == {"price": 11}
    r = c.update(index="items", id="1", body={"doc": {"price": 12, "color": "red"}})
    assert r["result"] == "updated" and r["_version"] == 3
    assert c.get_source(index="items", id="1") == {"title": "Red shoe v2", "price": 12, "color": "red"}
    r = c.update(index="items", id="1", body={"doc": {"price": 12}})
    assert r["result"] == "noop"
    r = c.delete(index="items", id="1")
    assert r["result"] == "deleted"
    with pytest.raises(NotFoundError):
        c.get(index="items", id="1")
    with pytest.raises(NotFoundError) as err:
        c.delete(index="items", id="1")
    assert err.value.info["result"] == "not_found"


def test_create_conflicts_and_optimistic_concurrency(items):
    c = items
    c.create(index="items", id="a", body={"title": "x"})
    with pytest.raises(ConflictError) as err:
        c.create(index="items", id="a", body={"title": "y"})
    assert err.value.error == "version_conflict_engine_exception"
    seq = c.get(index="items", id="a")["_seq_no"]
    c.index(index="items", id="a", body={"title": "z"}, if_seq_no=seq, if_primary_term=1)
    with pytest.raises(ConflictError):
        c.index(index="items", id="a", body={"title": "w"}, if_seq_no=seq, if_primary_term=1)
    assert c.get_source(index="items", id="a") == {"title": "z"}


def test_update_missing_doc_and_upserts(items):
    c = items
    with pytest.raises(NotFoundError) as err:
        c.update(index="items", id="nope", body={"doc": {"price": 1}})
    assert err.value.error == "document_missing_exception"
    r = c.update(index="items", id="u", body={"doc": {"price": 3}, "doc_as_upsert": True})
    assert r["result"] == "created"
    with pytest.raises(RequestError) as err:
        c.update(index="items", id="u", body={"script": {"source": "ctx._source.price += 1"}})
    assert err.value.error == "illegal_argument_exception"


def test_auto_generated_ids(items):
    r = items.index(index="items", body={"title": "auto"}, refresh=True)
    assert r["result"] == "created" and len(r["_id"]) == 20
    assert items.get(index="items", id=r["_id"])["_source"] == {"title": "auto"}


def test_bulk_per_item_results_and_errors(items):
    c = items
    body = [
        {"index": {"_index": "items", "_id": "1"}}, {"title": "one", "price": 1, "vec": [1, 2, 3]},
        {"create": {"_index": "items", "_id": "1"}}, {"title": "dup"},
        {"index": {"_index": "items", "_id": "2"}}, {"title": "bad vec", "vec": [1, 2]},
        {"index": {"_index": "items", "_id": "3"}}, {"title": "bad price", "price": "cheap"},
        {"update": {"_index": "items", "_id": "1"}}, {"doc": {"price": 5}},
        {"update": {"_index": "items", "_id": "missing"}}, {"doc": {"price": 5}},
        {"delete": {"_index": "items", "_id": "nothere"}},
        {"index": {"_index": "items", "_id": "4"}}, {"title": "four", "vec": [0.5, 0.5, 0.5]},
    ]
    r = c.bulk(body=body, refresh=True)
    assert r["errors"] is True
    statuses = [(next(iter(i)), next(iter(i.values()))["status"]) for i in r["items"]]
    assert statuses == [("index", 201), ("create", 409), ("index", 400), ("index", 400), ("update", 200),
                        ("update", 404), ("delete", 404), ("index", 201)]
    errs = [next(iter(i.values())).get("error", {}) for i in r["items"]]
    assert errs[1]["type"] == "version_conflict_engine_exception"
    assert errs[2]["type"] == "mapper_parsing_exception"
    assert "Vector dimension mismatch. Expected: 3, Given: 2" in errs[2]["caused_by"]["reason"]
    assert errs[3]["type"] == "mapper_parsing_exception" and "price" in errs[3]["reason"]
    assert errs[5]["type"] == "document_missing_exception"
    assert c.count(index="items")["count"] == 2
    assert c.get_source(index="items", id="1")["price"] == 5


def test_bulk_helpers_report_every_failed_id(items):
    actions = [{"_index": "items", "_id": str(i), "_source": {"title": f"t{i}", "price": "x" if i % 7 == 0 else i}}
               for i in range(50)]
    ok, failed = helpers.bulk(items, actions, raise_on_error=False, refresh=True)
    assert ok == 42
    assert sorted(int(f["index"]["_id"]) for f in failed) == list(range(0, 50, 7))


def test_malformed_bulk_fails_whole_request(items):
    with pytest.raises(RequestError) as err:
        items.bulk(body='{"index": {"_index": "items"}}\n{"title": "ok"}\nnot json\n{"a": 1}\n')
    assert err.value.error == "illegal_argument_exception"
    assert items.count(index="items")["count"] == 0


def test_bulk_restores_the_garbage_collector_state(items):
    """The node pauses the cyclic collector during a bulk request; it must come back as it was, even on error."""
    import gc
    assert gc.isenabled()
    items.bulk(body=[{"index": {"_index": "items", "_id": "g1"}}, {"title": "a"}], refresh=True)
    assert gc.isenabled()
    with pytest.raises(RequestError):
        items.bulk(body='{"index": {"_index": "items"}}\n{"title": "ok"}\nnot json\n{"a": 1}\n')
    assert gc.isenabled()
    gc.disable()
    try:
        items.bulk(body=[{"index": {"_index": "items", "_id": "g2"}}, {"title": "b"}], refresh=True)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert items.count(index="items")["count"] == 2


def test_nan_and_bad_vectors_are_rejected(items):
    with pytest.raises(RequestError):
        items.index(index="items", id="n", body='{"title": "x", "vec": [1, NaN, 2]}')
    with pytest.raises(RequestError) as err:
        items.index(index="items", id="n", body={"title": "x", "vec": [1, "a", 2]})
    assert err.value.error == "mapper_parsing_exception"
    with pytest.raises(RequestError) as err:
        items.index(index="items", id="n", body={"title": "x", "vec": [1e39, 0, 0]})
    assert "NaN or Infinity" in err.value.info["error"]["caused_by"]["reason"]
    assert items.count(index="items")["count"] == 0


def test_malformed_json_body_is_400(items):
    with pytest.raises(RequestError) as err:
        items.index(index="items", id="x", body='{"title": ')
    assert err.value.status_code == 400


def test_body_over_limit_is_413(items, monkeypatch):
    from embedded_node.rest import router

    monkeypatch.setattr(router, "MAX_CONTENT_LENGTH", 1000)
    with pytest.raises(TransportError) as err:
        items.index(index="items", id="big", body={"title": "x" * 2000})
    assert err.value.status_code == 413
    assert items.count(index="items")["count"] == 0


def test_mget_and_realtime_get(items):
    items.indices.put_settings(index="items", body={"index": {"refresh_interval": "-1"}})
    items.index(index="items", id="1", body={"title": "one"})
    items.index(index="items", id="2", body={"title": "two"})
    # realtime get sees unrefreshed docs; search does not until refresh (refresh disabled)
    assert items.get(index="items", id="2")["found"] is True
    assert items.search(index="items")["hits"]["total"]["value"] == 0
    items.indices.refresh(index="items")
    assert items.search(index="items")["hits"]["total"]["value"] == 2
    r = items.mget(body={"docs": [{"_index": "items", "_id": "1"}, {"_index": "items", "_id": "zz"}]})
    assert [d["found"] for d in r["docs"]] == [True, False]
    r = items.mget(index="items", body={"ids": ["2"]})
    assert r["docs"][0]["_source"] == {"title": "two"}


def test_unknown_index_errors(client):
    with pytest.raises(NotFoundError) as err:
        client.search(index="missing")
    assert err.value.error == "index_not_found_exception"
    with pytest.raises(NotFoundError):
        client.get(index="missing", id="1")
    with pytest.raises(NotFoundError):
        client.indices.delete(index="missing")
    assert client.search(index="missing", ignore_unavailable=True)["hits"]["hits"] == []


def test_bulk_update_noop_reports_the_current_version(items):
    items.index(index="items", id="n", body={"title": "same", "price": 1}, refresh=True)
    r = items.bulk(body=[{"update": {"_index": "items", "_id": "n"}}, {"doc": {"price": 1}}])
    item = r["items"][0]["update"]
    assert r["errors"] is False
    assert (item["result"], item["status"], item["_version"], item["_seq_no"]) == ("noop", 200, 1, 0)
