"""The k-NN plugin of the embedded node through opensearch-py: the ``knn`` query (exact and HNSW), filters,
deletes, segments, radial search, ``script_score`` with ``knn_score``, and the plugin's errors."""
from __future__ import annotations

import numpy as np
import pytest
from opensearchpy import RequestError, helpers

from embedded_node.plugins.knn import ann, scoring
from embedded_node.node import open_node, release_node
from embedded_node.plugins import PLUGINS
from embedded_node.plugins_service import PluginsService

from support.scores import as_f32

F32 = np.float32


def registered() -> list[str]:
    """The query names a node with the mounted plugins parses."""
    return PluginsService(PLUGINS).queries.names()


def _vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(F32)


def _create(client, name: str, dim: int, space: str = "l2", engine: str = "faiss", threshold: int | None = None,
            extra: dict | None = None) -> None:
    settings: dict = {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0}}
    if threshold is not None:
        settings["index"]["embedded.ann_threshold"] = threshold
    props = {"vec": {"type": "knn_vector", "dimension": dim, "space_type": space,
                     "method": {"name": "hnsw", "engine": engine,
                                "parameters": {"m": 16, "ef_construction": 100}}},
             "cat": {"type": "keyword"}, "title": {"type": "text"}}
    props.update(extra or {})
    client.indices.create(index=name, body={"settings": settings, "mappings": {"properties": props}})


def _load(client, name: str, matrix: np.ndarray, skip_vector: set[int] = frozenset(), refresh: bool = True) -> None:
    actions = []
    for i, vec in enumerate(matrix):
        doc = {"cat": f"c{i % 4}", "title": f"item {i} {'even' if i % 2 == 0 else 'odd'}"}
        if i not in skip_vector:
            doc["vec"] = vec.tolist()
        actions.append({"_index": name, "_id": str(i), "_source": doc})
    helpers.bulk(client, actions, refresh=refresh, chunk_size=2000)


def _knn(client, name: str, q: np.ndarray, k: int, size: int | None = None, **extra) -> dict:
    body = {"size": size or k, "query": {"knn": {"vec": {"vector": q.tolist(), "k": k, **extra}}}}
    return client.search(index=name, body=body)


def _exact(matrix: np.ndarray, q: np.ndarray, k: int, space: str = "l2", allowed: np.ndarray | None = None):
    idx = np.arange(matrix.shape[0]) if allowed is None else np.flatnonzero(allowed)
    scores = scoring.query_scores(space, "faiss", matrix[idx], q)
    order = np.lexsort((idx, -scores.astype(np.float64)))[:k]
    return idx[order], scores[order]


def _ref_score(space: str, v: np.ndarray, q: np.ndarray) -> float:
    x, y = v.astype(np.float64), q.astype(np.float64)
    if space == "l2":
        return 1 / (1 + ((x - y) ** 2).sum())
    if space == "innerproduct":
        d = x @ y
        return 1 + d if d > 0 else 1 / (1 - d)
    cos = (x @ y) / np.linalg.norm(x) / np.linalg.norm(y)
    return max((1 + cos) / 2, 0)


@pytest.mark.parametrize("space", ["l2", "innerproduct", "cosinesimil"])
def test_knn_exact_below_threshold_matches_numpy(client, space):
    matrix = _vectors(300, 16, seed=1)
    _create(client, "items", 16, space)
    _load(client, "items", matrix)
    q = _vectors(1, 16, seed=99)[0]
    resp = _knn(client, "items", q, 10, size=20)
    hits = resp["hits"]["hits"]
    assert resp["hits"]["total"]["value"] == 10  # only the top k match
    ids = [int(h["_id"]) for h in hits]
    want_ids, _ = _exact(matrix, q, 10, space)
    assert ids == want_ids.tolist()
    for h in hits:
        assert as_f32(h["_score"]) == pytest.approx(_ref_score(space, matrix[int(h["_id"])], q), rel=1e-6)


def test_hnsw_recall_at_10(inproc_client, tmp_path):
    client = inproc_client
    matrix = _vectors(3000, 32, seed=2)
    _create(client, "big", 32, "l2", threshold=1000)
    _load(client, "big", matrix)
    queries = _vectors(40, 32, seed=3)
    recalls = []
    for q in queries:
        got = [int(h["_id"]) for h in _knn(client, "big", q, 10)["hits"]["hits"]]
        want, want_scores = _exact(matrix, q, 10)
        recalls.append(len(set(got) & set(want.tolist())) / 10)
        for h in _knn(client, "big", q, 10)["hits"]["hits"]:
            assert as_f32(h["_score"]) == pytest.approx(_ref_score("l2", matrix[int(h["_id"])], q), rel=1e-6)
    assert np.mean(recalls) >= 0.98
    node = open_node(str(tmp_path / "node"))
    try:
        segments = node.indices["big"].segments
        assert any(key[0] == "knn-hnsw" for seg in segments for key in seg.cache)  # the graph was used
    finally:
        release_node(node)


def test_knn_filter_restricts_candidates_and_still_returns_k(client):
    matrix = _vectors(400, 8, seed=4)
    _create(client, "items", 8)
    _load(client, "items", matrix)
    q = _vectors(1, 8, seed=5)[0]
    resp = _knn(client, "items", q, 5, filter={"terms": {"cat": ["c1"]}})
    ids = [int(h["_id"]) for h in resp["hits"]["hits"]]
    allowed = np.arange(400) % 4 == 1
    want, _ = _exact(matrix, q, 5, allowed=allowed)
    assert ids == want.tolist()
    assert resp["hits"]["total"]["value"] == 5


def test_filtered_graph_search_uses_the_filter_as_selector(inproc_client, tmp_path, monkeypatch):
    monkeypatch.setattr(ann, "MAX_DISTANCE_COMPUTATIONS", 0)  # never prefer exact search for a filter
    client = inproc_client
    matrix = _vectors(2000, 16, seed=6)
    _create(client, "big", 16, threshold=100)
    _load(client, "big", matrix)
    allowed = np.arange(2000) % 4 == 2
    recalls = []
    for q in _vectors(20, 16, seed=7):
        got = [int(h["_id"]) for h in _knn(client, "big", q, 10, filter={"term": {"cat": "c2"}}
                                           if "term" in registered() else {"terms": {"cat": ["c2"]}})["hits"]["hits"]]
        assert len(got) == 10 and all(i % 4 == 2 for i in got)
        want, _ = _exact(matrix, q, 10, allowed=allowed)
        recalls.append(len(set(got) & set(want.tolist())) / 10)
    assert np.mean(recalls) >= 0.98


def test_deleted_docs_are_excluded_from_graph_results(inproc_client):
    client = inproc_client
    matrix = _vectors(1500, 16, seed=8)
    _create(client, "big", 16, threshold=100)
    _load(client, "big", matrix)
    q = _vectors(1, 16, seed=9)[0]
    first = [h["_id"] for h in _knn(client, "big", q, 10)["hits"]["hits"]]
    for doc_id in first[:3]:
        client.delete(index="big", id=doc_id, refresh=True)
    after = [h["_id"] for h in _knn(client, "big", q, 10)["hits"]["hits"]]
    assert len(after) == 10
    assert not set(first[:3]) & set(after)
    assert set(first[3:]) <= set(after)


def test_boost_and_named_knn(client):
    matrix = _vectors(50, 4, seed=10)
    _create(client, "items", 4)
    _load(client, "items", matrix)
    q = matrix[7]
    plain = _knn(client, "items", q, 3)["hits"]["hits"]
    boosted = _knn(client, "items", q, 3, boost=2.0, _name="vec_hit")["hits"]["hits"]
    assert [h["_id"] for h in plain] == [h["_id"] for h in boosted]
    assert plain[0]["_id"] == "7" and as_f32(plain[0]["_score"]) == 1.0
    for a, b in zip(plain, boosted):
        assert as_f32(b["_score"]) == float(F32(as_f32(a["_score"])) * F32(2.0))
        assert b["matched_queries"] == ["vec_hit"]


def test_knn_top_k_is_per_segment_for_faiss_and_per_shard_for_lucene(client):
    for engine in ("faiss", "lucene"):
        name = f"seg-{engine}"
        matrix = _vectors(90, 4, seed=11)
        _create(client, name, 4, engine=engine)
        for part in range(3):  # three refreshes -> three segments
            actions = [{"_index": name, "_id": str(i), "_source": {"vec": matrix[i].tolist()}}
                       for i in range(part * 30, part * 30 + 30)]
            helpers.bulk(client, actions, refresh=True)
        resp = _knn(client, name, _vectors(1, 4, seed=12)[0], 3, size=20)
        assert resp["hits"]["total"]["value"] == (9 if engine == "faiss" else 3)


def test_radial_search_min_score_and_max_distance(client):
    matrix = _vectors(200, 4, seed=13)
    _create(client, "items", 4)
    _load(client, "items", matrix)
    q = _vectors(1, 4, seed=14)[0]
    d2 = ((matrix.astype(np.float64) - q) ** 2).sum(axis=1)
    body = {"size": 200, "query": {"knn": {"vec": {"vector": q.tolist(), "min_score": 0.25}}}}
    ids = {int(h["_id"]) for h in client.search(index="items", body=body)["hits"]["hits"]}
    assert ids == set(np.flatnonzero(1 / (1 + d2) >= 0.25).tolist())
    body = {"size": 200, "query": {"knn": {"vec": {"vector": q.tolist(), "max_distance": 2.0}}}}
    ids = {int(h["_id"]) for h in client.search(index="items", body=body)["hits"]["hits"]}
    assert ids == set(np.flatnonzero(d2 <= 2.0).tolist())


def test_knn_in_bool_should_next_to_multi_match(client):
    if not {"bool", "multi_match"} <= set(registered()):
        pytest.skip("bool/multi_match are not registered yet (text queries in progress)")
    matrix = _vectors(100, 4, seed=15)
    _create(client, "items", 4)
    _load(client, "items", matrix)
    q = matrix[3] + F32(0.01)
    knn = {"knn": {"vec": {"vector": q.tolist(), "k": 5}}}
    text = {"multi_match": {"query": "odd", "fields": ["title"]}}
    both = client.search(index="items", body={"size": 100, "query": {"bool": {"should": [text, knn]}}})
    text_only = {h["_id"]: as_f32(h["_score"]) for h in client.search(index="items", body={"size": 100, "query": text})
                 ["hits"]["hits"]}
    knn_only = {h["_id"]: as_f32(h["_score"]) for h in client.search(index="items", body={"query": knn})["hits"]["hits"]}
    got = {h["_id"]: as_f32(h["_score"]) for h in both["hits"]["hits"]}
    assert set(got) == set(text_only) | set(knn_only)
    for doc_id, score in got.items():
        want = float(F32(np.float64(text_only.get(doc_id, 0.0)) + np.float64(knn_only.get(doc_id, 0.0))))
        assert score == pytest.approx(want, rel=1e-6)
    assert "3" in got and got["3"] > text_only.get("3", 0.0)


# --- script_score + knn_score -------------------------------------------------------------------------------
def _script(field: str, q: np.ndarray, space: str, query: dict | None = None, **extra) -> dict:
    return {"script_score": {"query": query or {"match_all": {}},
                             "script": {"lang": "knn", "source": "knn_score",
                                        "params": {"field": field, "query_value": q.tolist(), "space_type": space}},
                             **extra}}


@pytest.mark.parametrize("space", ["l2", "l1", "linf", "innerproduct", "cosinesimil"])
def test_script_score_exact_scores(client, space):
    matrix = _vectors(60, 12, seed=16)
    _create(client, "items", 12, "l2")
    _load(client, "items", matrix, skip_vector={5})
    q = _vectors(1, 12, seed=17)[0]
    resp = client.search(index="items", body={"size": 100, "query": _script("vec", q, space)})
    assert resp["hits"]["total"]["value"] == 60  # a doc without the vector still matches, with score 0
    got = {int(h["_id"]): as_f32(h["_score"]) for h in resp["hits"]["hits"]}
    assert got[5] == 0.0
    want = scoring.script_scores(space, np.delete(matrix, 5, axis=0), q)
    x, y = np.delete(matrix, 5, axis=0).astype(np.float64), q.astype(np.float64)
    ref = {"l2": 1 / (1 + ((x - y) ** 2).sum(1)), "l1": 1 / (1 + np.abs(x - y).sum(1)),
           "linf": 1 / (1 + np.abs(x - y).max(1))}.get(space)
    if space == "innerproduct":
        d = x @ y
        ref = np.where(d > 0, 1 + d, 1 / (1 - d))
    elif space == "cosinesimil":
        ref = np.maximum((1 + (x @ y) / np.linalg.norm(x, axis=1) / np.linalg.norm(y)) / 2, 0)
    ids = [i for i in range(60) if i != 5]
    np.testing.assert_allclose([got[i] for i in ids], ref, rtol=2e-6, atol=1e-7)
    np.testing.assert_array_equal(np.asarray([got[i] for i in ids], dtype=F32), want)


def test_script_score_boost_min_score_and_inner_query(client):
    matrix = _vectors(40, 6, seed=18)
    _create(client, "items", 6, "cosinesimil")
    _load(client, "items", matrix)
    q = matrix[0]
    base = {int(h["_id"]): as_f32(h["_score"]) for h in client.search(
        index="items", body={"size": 100, "query": _script("vec", q, "cosinesimil")})["hits"]["hits"]}
    boosted = client.search(index="items", body={"size": 100, "query": _script(
        "vec", q, "cosinesimil", query={"terms": {"cat": ["c0"]}}, boost=3.0, min_score=1.5)})["hits"]["hits"]
    assert boosted and all(int(h["_id"]) % 4 == 0 for h in boosted)
    for h in boosted:
        assert as_f32(h["_score"]) == float(F32(base[int(h["_id"])]) * F32(3.0)) and as_f32(h["_score"]) >= 1.5
    expected = {i for i in range(0, 40, 4) if float(F32(base[i]) * F32(3)) >= 1.5}
    assert {int(h["_id"]) for h in boosted} == expected
    assert base[0] == 1.0


def test_script_cosine_on_an_index_created_before_2_19(tmp_path, monkeypatch):
    monkeypatch.setenv("MMLTR_EMBEDDED_VERSION", "2.17.0")
    from plugin_integration.client import make_client

    client = make_client(None, tmp_path / "old")
    try:
        matrix = _vectors(20, 5, seed=19)
        _create(client, "items", 5, "cosinesimil")
        _load(client, "items", matrix)
        q = _vectors(1, 5, seed=20)[0]
        hits = client.search(index="items", body={"size": 20, "query": _script("vec", q, "cosinesimil")})
        for h in hits["hits"]["hits"]:
            v = matrix[int(h["_id"])].astype(np.float64)
            cos = v @ q.astype(np.float64) / np.linalg.norm(v) / np.linalg.norm(q.astype(np.float64))
            assert as_f32(h["_score"]) == pytest.approx(1 + cos, rel=1e-6)  # 1 + cos, range 0..2
    finally:
        client.close()


# --- errors ---------------------------------------------------------------------------------------------------
def _shard_error(err: RequestError) -> tuple[dict, dict]:
    info = err.info["error"]
    assert err.status_code == 400
    assert info["type"] == "search_phase_execution_exception"
    return info["root_cause"][0], info["failed_shards"][0]["reason"]


@pytest.fixture
def small(client):
    _create(client, "items", 3, "cosinesimil", extra={"price": {"type": "float"}})
    _load(client, "items", _vectors(5, 3, seed=21))
    return client


def test_knn_dimension_mismatch(small):
    with pytest.raises(RequestError) as err:
        _knn(small, "items", np.ones(4, F32), 2)
    root, reason = _shard_error(err.value)
    assert root["type"] == "query_shard_exception"
    assert root["reason"] == "failed to create query: Query vector has invalid dimension: 4. Dimension should be: 3"
    assert reason["caused_by"]["type"] == "illegal_argument_exception"


def test_knn_on_a_non_vector_field_and_zero_cosine_vector(small):
    with pytest.raises(RequestError) as err:
        small.search(index="items", body={"query": {"knn": {"price": {"vector": [1, 2, 3], "k": 2}}}})
    assert _shard_error(err.value)[0]["reason"] == "failed to create query: Field 'price' is not knn_vector type."
    with pytest.raises(RequestError) as err:
        _knn(small, "items", np.zeros(3, F32), 2)
    assert _shard_error(err.value)[1]["caused_by"]["reason"] == \
        "zero vector is not supported when space type is [cosinesimil]"


@pytest.mark.parametrize("spec,reason", [
    ({"vector": [1, 2, 3], "k": 0}, "[knn] requires k to be in the range (0, 10000]"),
    ({"vector": [1, 2, 3], "k": 10001}, "[knn] requires k to be in the range (0, 10000]"),
    ({"vector": [1, 2, 3]}, "[knn] requires exactly one of k, distance or score to be set"),
    ({"vector": [1, 2, 3], "k": 2, "min_score": 0.5}, "[knn] requires exactly one of k, distance or score to be set"),
    ({"k": 2}, "[knn] requires query vector"),
])
def test_knn_request_validation(small, spec, reason):
    with pytest.raises(RequestError) as err:
        small.search(index="items", body={"query": {"knn": {"vec": spec}}})
    assert err.value.error == "illegal_argument_exception"
    assert err.value.info["error"]["reason"] == reason


def test_knn_unknown_parameter_is_a_parsing_error(small):
    with pytest.raises(RequestError) as err:
        small.search(index="items", body={"query": {"knn": {"vec": {"vector": [1, 2, 3], "k": 2, "kk": 1}}}})
    assert err.value.error == "parsing_exception"


@pytest.mark.parametrize("params,cause_type,reason", [
    ({"field": "vec", "query_value": [1, 2], "space_type": "l2"}, "illegal_state_exception",
     "Object's dimension=2 does not match the expected dimension=3."),
    ({"field": "vec", "query_value": [1, 2, 3], "space_type": "l3"}, "illegal_argument_exception",
     "Invalid space type. Please refer to the available space types."),
    ({"field": "price", "query_value": [1, 2, 3], "space_type": "l2"}, "illegal_argument_exception",
     "Incompatible field_type for l2 space. The field type must be knn_vector."),
    ({"field": "vec", "query_value": [0, 0, 0], "space_type": "cosinesimil"}, "illegal_argument_exception",
     "zero vector is not supported when space type is [cosinesimil]"),
    ({"field": "vec", "space_type": "l2"}, "illegal_argument_exception", "Missing parameter [query_value]"),
])
def test_knn_score_script_errors(small, params, cause_type, reason):
    body = {"query": {"script_score": {"query": {"match_all": {}}, "script": {
        "lang": "knn", "source": "knn_score", "params": params}}}}
    with pytest.raises(RequestError) as err:
        small.search(index="items", body=body)
    root, shard_reason = _shard_error(err.value)
    assert root["type"] == "query_shard_exception"
    assert root["reason"] == f"failed to create query: {reason}"
    assert shard_reason["caused_by"] == {"type": cause_type, "reason": reason}


def test_painless_is_refused_not_ignored(small):
    body = {"query": {"script_score": {"query": {"match_all": {}}, "script": {"source": "_score * 2"}}}}
    with pytest.raises(RequestError) as err:
        small.search(index="items", body=body)
    assert "painless" in _shard_error(err.value)[0]["reason"]


def test_knn_rescore_oversamples_the_first_pass(inproc_client):
    client = inproc_client
    matrix = _vectors(2000, 16, seed=22)
    _create(client, "big", 16, threshold=100)
    _load(client, "big", matrix)
    q = _vectors(1, 16, seed=23)[0]
    want, _ = _exact(matrix, q, 10)
    hits = _knn(client, "big", q, 10, rescore={"oversample_factor": 3.0},
                method_parameters={"ef_search": 10})["hits"]["hits"]
    assert len(hits) == 10
    assert len({int(h["_id"]) for h in hits} & set(want.tolist())) >= 9
    with pytest.raises(RequestError) as err:
        _knn(client, "big", q, 10, rescore={"oversample_factor": 0.5})
    assert err.value.info["error"]["reason"] == "Oversample factor [0.5] cannot be less than 1.0"


def test_hnsw_graph_is_persisted_and_reused_after_reopen(tmp_path):
    from plugin_integration.client import make_client

    vectors = _vectors(300, 8, seed=3)
    c = make_client(None, tmp_path)
    _create(c, "g", 8, threshold=100)
    helpers.bulk(c, ({"_index": "g", "_id": str(i), "_source": {"vec": v.tolist()}} for i, v in enumerate(vectors)),
                 refresh=True)
    query = {"size": 5, "query": {"knn": {"vec": {"vector": vectors[7].tolist(), "k": 5}}}}
    first = [h["_id"] for h in c.search(index="g", body=query)["hits"]["hits"]]
    c.close()
    graphs = list((tmp_path / "indices").rglob("*.faiss"))
    assert len(graphs) == 1
    stamp = graphs[0].stat().st_mtime_ns
    c = make_client(None, tmp_path)
    assert [h["_id"] for h in c.search(index="g", body=query)["hits"]["hits"]] == first
    assert graphs[0].stat().st_mtime_ns == stamp  # loaded, not rebuilt
    c.close()


def test_hnsw_graphs_are_built_when_a_segment_is_written_not_at_the_first_query(tmp_path):
    """As the plugin builds native graphs at refresh/merge: a segment over the threshold has its graph once the
    refresh returns; segments under it, fields with -1, and segments merged away get none."""
    from plugin_integration.client import make_client

    c = make_client(None, tmp_path)
    _create(c, "g", 8, threshold=100)
    _create(c, "never", 8, extra={"vec": {"type": "knn_vector", "dimension": 8}})
    c.indices.put_settings(index="never", body={"index": {"knn.advanced.approximate_threshold": -1}})
    vectors = _vectors(300, 8, seed=5)
    for name, rows in (("g", vectors[:50]), ("never", vectors)):
        helpers.bulk(c, ({"_index": name, "_id": str(i), "_source": {"vec": v.tolist()}} for i, v in enumerate(rows)),
                     refresh=True)
    directory = tmp_path / "indices"
    assert list(directory.rglob("*.faiss")) == []  # 50 vectors < 100; "never" has no threshold
    c.indices.put_settings(index="g", body={"index": {"refresh_interval": "-1"}})
    helpers.bulk(c, ({"_index": "g", "_id": str(i), "_source": {"vec": v.tolist()}} for i, v in enumerate(vectors)
                     if i >= 50))
    assert list(directory.rglob("*.faiss")) == []  # not refreshed yet
    c.indices.refresh(index="g")
    graphs = list(directory.rglob("*.faiss"))
    assert len(graphs) == 1 and ".vec.l2.m16.ef100." in graphs[0].name  # the 250-vector segment only
    c.indices.forcemerge(index="g", max_num_segments=1)
    live = {p.name for p in directory.rglob("*.faiss")}
    assert len(live) == 1 and live != {graphs[0].name}  # the merged segment's graph, built by the merge
    query = {"size": 5, "query": {"knn": {"vec": {"vector": vectors[7].tolist(), "k": 5}}}}
    assert c.search(index="g", body=query)["hits"]["hits"][0]["_id"] == "7"
    assert {p.name for p in directory.rglob("*.faiss")} == live
    c.close()
