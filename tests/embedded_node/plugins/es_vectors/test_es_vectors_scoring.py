"""Elasticsearch's vector scores on the node: ``knn`` per similarity and the painless vector functions.

Expected values are computed here with numpy from the formulas of Elasticsearch's reference (``dense_vector``
``similarity``: l2_norm ``1 / (1 + d^2)``, dot_product and cosine ``(1 + x) / 2``, max_inner_product
``dot < 0 ? 1 / (1 - dot) : dot + 1``; painless functions return the plain cosine / dot / distances).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from plugin_integration.client import make_client

RNG = np.random.default_rng(7)
VECTORS = RNG.normal(size=(12, 4))
UNIT = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
QUERY = np.array([0.5, -0.2, 0.1, 0.8])
UNIT_QUERY = QUERY / np.linalg.norm(QUERY)


def _expected(similarity: str, docs: np.ndarray, q: np.ndarray) -> np.ndarray:
    dot = docs @ q
    if similarity == "l2_norm":
        return 1 / (1 + ((docs - q) ** 2).sum(axis=1))
    if similarity == "cosine":
        return (1 + dot / np.linalg.norm(docs, axis=1) / np.linalg.norm(q)) / 2
    if similarity == "dot_product":
        return (1 + dot) / 2
    return np.where(dot < 0, 1 / (1 - dot), dot + 1)


@pytest.fixture(scope="module")
def es(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    client = make_client(None, tmp_path_factory.mktemp("es") / "node", node_options={"distribution": "elasticsearch"})
    props = {f"v_{s}": {"type": "dense_vector", "dims": 4, "similarity": s}
             for s in ("l2_norm", "cosine", "dot_product", "max_inner_product")}
    props.update({"t": {"type": "text"}, "n": {"type": "float"}})
    client.indices.create(index="i", body={"mappings": {"properties": props}})
    for i in range(12):
        doc: dict[str, Any] = {"t": "even" if i % 2 == 0 else "odd", "n": float(i)}
        if i != 11:  # doc 11 has no vector
            doc.update({f"v_{s}": (UNIT[i] if s == "dot_product" else VECTORS[i]).tolist()
                        for s in ("l2_norm", "cosine", "dot_product", "max_inner_product")})
        client.index(index="i", id=str(i), body=doc)
    client.indices.refresh(index="i")
    yield client
    client.close()


def _scores(client: Any, body: dict[str, Any]) -> dict[int, float]:
    hits = client.search(index="i", body={"size": 20, **body})["hits"]["hits"]
    return {int(h["_id"]): h["_score"] for h in hits}


@pytest.mark.parametrize("similarity", ["l2_norm", "cosine", "dot_product", "max_inner_product"])
def test_knn_scores_follow_the_similarity(es: Any, similarity: str) -> None:
    docs = UNIT if similarity == "dot_product" else VECTORS
    q = UNIT_QUERY if similarity == "dot_product" else QUERY
    expected = _expected(similarity, docs[:11], q)
    got = _scores(es, {"knn": {"field": f"v_{similarity}", "query_vector": q.tolist(), "k": 5,
                               "num_candidates": 20}})
    top = np.argsort(-expected, kind="stable")[:5]
    assert sorted(got) == sorted(top.tolist())  # exact search: the true top 5, doc 11 (no vector) never
    for doc in top:
        assert got[int(doc)] == pytest.approx(expected[doc], rel=1e-6)


def test_knn_section_and_query_add_up_and_k_defaults_to_size(es: Any) -> None:
    knn = {"field": "v_cosine", "query_vector": QUERY.tolist(), "k": 3, "num_candidates": 10}
    alone = _scores(es, {"knn": knn})
    text = _scores(es, {"query": {"match": {"t": "even"}}})
    both = _scores(es, {"query": {"match": {"t": "even"}}, "knn": knn})
    assert set(both) == set(alone) | set(text)
    for doc, score in both.items():
        assert score == pytest.approx(alone.get(doc, 0.0) + text.get(doc, 0.0), rel=1e-6)
    no_k = es.search(index="i", body={"size": 4, "knn": {"field": "v_cosine", "query_vector": QUERY.tolist()}})
    assert no_k["hits"]["total"]["value"] == 4
    filtered = _scores(es, {"knn": {**knn, "filter": {"term": {"t": "odd"}}}})
    assert len(filtered) == 3 and all(doc % 2 == 1 for doc in filtered)


def test_knn_query_inside_bool_and_its_errors(es: Any) -> None:
    query = {"knn": {"field": "v_l2_norm", "query_vector": QUERY.tolist(), "k": 2, "num_candidates": 5}}
    assert len(_scores(es, {"query": {"bool": {"should": [query]}}})) == 2
    with pytest.raises(Exception) as fewer:
        es.search(index="i", body={"query": {"knn": {**query["knn"], "num_candidates": 1}}})
    assert "[num_candidates] cannot be less than [k]" in str(fewer.value.info)
    with pytest.raises(Exception) as dims:
        es.search(index="i", body={"query": {"knn": {**query["knn"], "query_vector": [1.0, 2.0]}}})
    assert "different number of dimensions [2] than the document vectors [4]" in str(dims.value.info)


def _script(es: Any, source: str, query: Any = None, **params: Any) -> dict[int, float]:
    body = {"script_score": {"query": query or {"exists": {"field": "v_cosine"}},
                             "script": {"source": source, "params": {"qv": QUERY.tolist(), **params}}}}
    return _scores(es, {"query": body})


def test_painless_vector_functions_return_plain_values(es: Any) -> None:
    docs = VECTORS[:11]
    cos = docs @ QUERY / np.linalg.norm(docs, axis=1) / np.linalg.norm(QUERY)
    got = _script(es, "cosineSimilarity(params.qv, 'v_cosine') + 1.0")
    assert len(got) == 11
    np.testing.assert_allclose([got[i] for i in range(11)], cos + 1, rtol=1e-6)
    dots = _script(es, "double d = dotProduct(params.qv, doc['v_cosine']); return d < 0 ? 1 / (1 - d) : 1 + d;")
    np.testing.assert_allclose([dots[i] for i in range(11)], _expected("max_inner_product", docs, QUERY), rtol=1e-6)
    l1 = _script(es, "l1norm(params.qv, params.f)", f="v_cosine")
    np.testing.assert_allclose([l1[i] for i in range(11)], np.abs(docs - QUERY).sum(axis=1), rtol=1e-6)
    l2 = _script(es, "1 / (1 + l2norm(params.qv, 'v_cosine'))")
    np.testing.assert_allclose([l2[i] for i in range(11)], 1 / (1 + np.linalg.norm(docs - QUERY, axis=1)), rtol=1e-6)


def test_guards_make_documents_without_a_vector_read_a_defined_value(es: Any) -> None:
    guarded = _script(es, "doc['v_cosine'].size() == 0 ? 0.25 : (1.0 + cosineSimilarity(params.qv, 'v_cosine')) / 2",
                      query={"match_all": {}})
    assert len(guarded) == 12 and guarded[11] == 0.25 and all(0 <= s <= 1 for s in guarded.values())
    empty = _script(es, "doc['v_cosine'].isEmpty() ? 1 : 2", query={"match_all": {}})
    assert empty[11] == 1 and empty[0] == 2


@pytest.mark.parametrize("source, query, fragment", [
    ("cosineSimilarity(params.qv, 'v_cosine')", {"match_all": {}}, "doesn't have a value for a vector field"),
    ("cosineSimilarity(params.qv, 'v_cosine') - 2", None, "Must be a non-negative score"),
    ("_score * 2", None, "cannot resolve symbol [_score]"),
    ("for (int i = 0; i < 3; i++) {}", None, "painless subset"),
    ("cosineSimilarity(params.qv, 't')", None, "field [t] is not a [dense_vector] field"),
])
def test_scripts_outside_the_subset_or_invalid_fail_clearly(es: Any, source: str, query: Any, fragment: str) -> None:
    with pytest.raises(Exception) as failed:
        _script(es, source, query=query)
    assert failed.value.status_code == 400 and fragment in str(failed.value.info)


@pytest.mark.parametrize("version, body, fragment", [
    ("8.11.4", {"query": {"knn": {"field": "v", "query_vector": [1.0, 0.0], "num_candidates": 5}}},
     "unknown query [knn]"),
    ("8.14.3", {"query": {"knn": {"field": "v", "query_vector": [1.0, 0.0], "k": 1, "num_candidates": 5}}},
     "[knn] unknown field [k]"),
])
def test_older_versions_refuse_the_knn_query_or_its_k(tmp_path: Path, version: str, body: dict,
                                                       fragment: str) -> None:
    client = make_client(None, tmp_path / "node", node_options={"distribution": "elasticsearch", "version": version})
    try:
        client.indices.create(index="i", body={"mappings": {"properties": {"v": {"type": "dense_vector", "dims": 2}}}})
        client.index(index="i", id="1", body={"v": [1, 0]}, refresh=True)
        with pytest.raises(Exception) as refused:
            client.search(index="i", body=body)
        assert refused.value.status_code == 400 and fragment in str(refused.value.info)
        section = {"knn": {"field": "v", "query_vector": [1.0, 0.0], "k": 1, "num_candidates": 5}}
        assert client.search(index="i", body=section)["hits"]["total"]["value"] == 1  # the section is in all 8.x
    finally:
        client.close()
