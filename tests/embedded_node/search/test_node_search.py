"""The search request: paging, sorting, source filtering, totals, named queries, rescore, msearch, errors."""
from __future__ import annotations

import pytest
from opensearchpy import RequestError

DOCS = [
    {"_id": "a", "title": "alpha", "price": 30.0, "brand": "acme", "n": 3, "tags": ["x", "y"]},
    {"_id": "b", "title": "beta", "price": 10.0, "brand": "zeta", "n": 1, "tags": ["y"]},
    {"_id": "c", "title": "gamma", "price": 20.0, "brand": "acme", "n": 2},
    {"_id": "d", "title": "delta", "brand": "beta", "n": 4, "nested": {"inner": 1, "other": 2}},
]


@pytest.fixture
def idx(client):
    client.indices.create(index="s", body={"mappings": {"properties": {
        "title": {"type": "text"}, "price": {"type": "float"}, "brand": {"type": "keyword"},
        "n": {"type": "integer"}, "tags": {"type": "keyword"}}}})
    for doc in DOCS:
        doc = dict(doc)
        client.index(index="s", id=doc.pop("_id"), body=doc)
    client.indices.refresh(index="s")
    return client


def ids(resp):
    return [h["_id"] for h in resp["hits"]["hits"]]


def test_match_all_order_paging_and_totals(idx):
    r = idx.search(index="s", body={"query": {"match_all": {"boost": 2}}})
    assert ids(r) == ["a", "b", "c", "d"]
    assert r["hits"]["total"] == {"value": 4, "relation": "eq"}
    assert r["hits"]["max_score"] == 2.0 and {h["_score"] for h in r["hits"]["hits"]} == {2.0}
    assert ids(idx.search(index="s", body={"from": 1, "size": 2})) == ["b", "c"]
    r = idx.search(index="s", body={"track_total_hits": 2})
    assert r["hits"]["total"] == {"value": 2, "relation": "gte"}
    r = idx.search(index="s", body={"track_total_hits": False})
    assert "total" not in r["hits"]
    r = idx.search(index="s", params={"rest_total_hits_as_int": "true"})
    assert r["hits"]["total"] == 4
    assert idx.count(index="s", body={"query": {"ids": {"values": ["a", "zz"]}}})["count"] == 1


def test_sorting_by_fields_missing_and_search_after(idx):
    r = idx.search(index="s", body={"sort": [{"price": "asc"}]})
    assert ids(r) == ["b", "c", "a", "d"]  # missing last
    assert [h["sort"] for h in r["hits"]["hits"]] == [[10.0], [20.0], [30.0], [None]]
    assert r["hits"]["max_score"] is None and r["hits"]["hits"][0]["_score"] is None
    r = idx.search(index="s", body={"sort": [{"price": {"order": "desc", "missing": "_first"}}]})
    assert ids(r) == ["d", "a", "c", "b"]
    r = idx.search(index="s", body={"sort": [{"brand": "asc"}, {"n": "desc"}]})
    assert ids(r) == ["a", "c", "d", "b"]
    assert r["hits"]["hits"][0]["sort"] == ["acme", 3]
    r = idx.search(index="s", body={"sort": [{"n": "asc"}], "search_after": [2], "size": 1})
    assert ids(r) == ["a"]
    r = idx.search(index="s", params={"sort": "n:desc"})
    assert ids(r) == ["d", "a", "c", "b"]
    with pytest.raises(RequestError) as err:
        idx.search(index="s", body={"sort": [{"title": "asc"}]})
    assert "Text fields are not optimised" in str(err.value.info)


def test_source_filtering(idx):
    hit = idx.search(index="s", body={"query": {"ids": {"values": ["d"]}}, "_source": ["nested.inner", "n"]})
    assert hit["hits"]["hits"][0]["_source"] == {"n": 4, "nested": {"inner": 1}}
    hit = idx.search(index="s", body={"query": {"ids": {"values": ["d"]}},
                                      "_source": {"excludes": ["nested", "title"]}})
    assert hit["hits"]["hits"][0]["_source"] == {"brand": "beta", "n": 4}
    hit = idx.search(index="s", body={"query": {"ids": {"values": ["d"]}}, "_source": False})
    assert "_source" not in hit["hits"]["hits"][0]
    hit = idx.search(index="s", body={"query": {"ids": {"values": ["a"]}}, "_source": "t*"})
    assert hit["hits"]["hits"][0]["_source"] == {"title": "alpha", "tags": ["x", "y"]}


def test_named_queries_and_versions(idx):
    r = idx.search(index="s", body={"query": {"ids": {"values": ["a", "b"], "_name": "picked"}},
                                    "version": True, "seq_no_primary_term": True})
    hit = r["hits"]["hits"][0]
    assert hit["matched_queries"] == ["picked"]
    assert hit["_version"] == 1 and hit["_primary_term"] == 1 and "_seq_no" in hit


def test_post_filter_and_min_score(idx):
    r = idx.search(index="s", body={"post_filter": {"ids": {"values": ["c", "d"]}}})
    assert ids(r) == ["c", "d"] and r["hits"]["total"]["value"] == 2
    assert ids(idx.search(index="s", body={"query": {"match_all": {}}, "min_score": 1.5})) == []


def test_rescore_window_and_weights(idx):
    body = {"query": {"match_all": {}}, "size": 4,
            "rescore": {"window_size": 2, "query": {"rescore_query": {"ids": {"values": ["b"], "boost": 5}},
                                                    "query_weight": 0.5, "rescore_query_weight": 2}}}
    r = idx.search(index="s", body=body)
    # window = [a, b]: b -> 1*0.5 + 5*2 = 10.5, a -> 1*0.5 (not matched); c, d outside -> 1*0.5; re-sorted
    assert ids(r) == ["b", "a", "c", "d"]
    assert [h["_score"] for h in r["hits"]["hits"]] == [10.5, 0.5, 0.5, 0.5]
    body["rescore"]["query"]["score_mode"] = "max"
    r = idx.search(index="s", body=body)
    assert r["hits"]["hits"][0]["_score"] == 10.0
    with pytest.raises(RequestError):
        idx.search(index="s", body={**body, "sort": [{"n": "asc"}]})


def test_msearch(idx):
    r = idx.msearch(body=[{"index": "s"}, {"query": {"ids": {"values": ["c"]}}},
                          {"index": "missing"}, {"query": {"match_all": {}}},
                          {}, {"query": {"match_all": {}}, "size": 1}], index="s")
    first, second, third = r["responses"]
    assert ids(first) == ["c"] and first["status"] == 200
    assert second["status"] == 404 and second["error"]["type"] == "index_not_found_exception"
    assert ids(third) == ["a"]


def test_multi_index_search_and_wildcards(idx):
    idx.index(index="s2", id="z", body={"title": "zeta"}, refresh=True)
    assert sorted(ids(idx.search(index="s,s2", body={"size": 10}))) == ["a", "b", "c", "d", "z"]
    assert sorted(ids(idx.search(index="s*", body={"size": 10}))) == ["a", "b", "c", "d", "z"]
    assert ids(idx.search(index="s*,-s", body={"size": 10})) == ["z"]


@pytest.mark.parametrize("body,kind", [
    ({"query": {"nope": {}}}, "parsing_exception"),
    ({"aggs": {"x": {"terms": {"field": "brand"}}}}, "illegal_argument_exception"),
    ({"highlight": {}}, "illegal_argument_exception"),
    ({"querry": {}}, "parsing_exception"),
    ({"size": -1}, "illegal_argument_exception"),
    ({"from": 9995, "size": 10}, "search_phase_execution_exception"),
    ({"query": {"match_all": {"foo": 1}}}, "parsing_exception"),
    ({"query": {"ids": {"values": ["a"]}, "match_all": {}}}, "parsing_exception"),
])
def test_bad_search_requests(idx, body, kind):
    with pytest.raises(RequestError) as err:
        idx.search(index="s", body=body)
    assert err.value.error == kind


def test_explain_shape(idx):
    r = idx.search(index="s", body={"query": {"match_all": {}}, "explain": True, "size": 1})
    hit = r["hits"]["hits"][0]
    assert hit["_explanation"]["value"] == 1.0 and hit["_shard"] == "[s][0]"


def test_scroll_with_helpers_scan(idx):
    from opensearchpy import helpers

    for i in range(25):
        idx.index(index="s", id=f"x{i}", body={"n": 100 + i})
    idx.indices.refresh(index="s")
    seen = [h["_id"] for h in helpers.scan(idx, index="s", query={"query": {"match_all": {}}}, size=7)]
    assert len(seen) == 29 and len(set(seen)) == 29
    r = idx.search(index="s", body={"size": 10}, scroll="1m")
    page2 = idx.scroll(body={"scroll_id": r["_scroll_id"], "scroll": "1m"})
    assert len(page2["hits"]["hits"]) == 10 and page2["hits"]["total"]["value"] == 29
    assert idx.clear_scroll(body={"scroll_id": [r["_scroll_id"]]})["num_freed"] == 1
    from opensearchpy import NotFoundError

    with pytest.raises(NotFoundError):
        idx.scroll(body={"scroll_id": r["_scroll_id"], "scroll": "1m"})


@pytest.mark.parametrize("query", [{"term": {"_id": "b"}}, {"terms": {"_id": ["b", "zz"]}}, {"match": {"_id": "b"}},
                                   {"bool": {"filter": [{"term": {"_id": "b"}}]}}, {"ids": {"values": ["b"]}}])
def test_id_field_queries(idx, query):
    assert ids(idx.search(index="s", body={"query": query})) == ["b"]


@pytest.mark.parametrize("msm", [None, 1])
def test_selective_filter_in_a_conjunction_gives_the_scores_of_the_full_evaluation(inproc_client, msm):
    # a bool whose ids filter matches few documents is evaluated on those documents only; hits and scores must
    # equal the same query evaluated over every document and filtered afterwards (post_filter scores nothing)
    client = inproc_client
    client.indices.create(index="c", body={"mappings": {"properties": {
        "title": {"type": "text"}, "tag": {"type": "keyword"}}}})
    words = ["red", "green", "blue", "shoe", "hat", "coat"]
    lines = []
    for i in range(400):
        title = " ".join(words[(i * k) % len(words)] for k in (1, 2, 3, 5)[: 1 + i % 4])
        lines += [{"index": {"_index": "c", "_id": f"d{i}"}}, {"title": title, "tag": "x" if i % 7 == 0 else "y"}]
    client.bulk(body=lines, refresh=True)
    client.delete(index="c", id="d3", refresh=True)  # a deleted document the ids filter names
    chosen = [f"d{i}" for i in range(0, 400, 13)] + ["d3", "missing"]
    clauses = {"must": [{"match": {"title": "red shoe"}}], "should": [{"match": {"title": "hat"}}],
               "must_not": [{"term": {"tag": "x"}}]}
    if msm is not None:
        clauses["minimum_should_match"] = msm
    narrowed = client.search(index="c", body={"size": 100, "query": {"bool": {
        **clauses, "filter": [{"ids": {"values": chosen}}]}}})
    reference = client.search(index="c", body={"size": 100, "query": {"bool": clauses},
                                                "post_filter": {"ids": {"values": chosen}}})
    got = [(h["_id"], h["_score"]) for h in narrowed["hits"]["hits"]]
    assert got and got == [(h["_id"], h["_score"]) for h in reference["hits"]["hits"]]
    assert "d3" not in dict(got)


def test_msearch_pauses_the_garbage_collector_and_restores_it(inproc_client, monkeypatch):
    import gc

    from embedded_node.search import executor

    inproc_client.index(index="g", id="1", body={"t": "x"}, refresh=True)
    seen = []
    search = executor.search

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return search(*args, **kwargs)

    monkeypatch.setattr(executor, "search", spy)
    assert gc.isenabled()
    responses = inproc_client.msearch(body=[{"index": "g"}, {"query": {"match_all": {}}},
                                            {"index": "missing"}, {"query": {"match_all": {}}}])["responses"]
    assert responses[0]["hits"]["total"]["value"] == 1 and "error" in responses[1]
    assert seen == [False, False] and gc.isenabled()
