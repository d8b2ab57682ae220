"""Conformance against real Lucene: random corpora and queries, every score compared bit for bit.

``tests/lucene/ConformanceHarness.java`` indexes each generated corpus with Lucene 8.8.1 (StandardAnalyzer
without stop words, ``LegacyBM25Similarity``, the same segments and deletions) and runs every query translated
as OpenSearch's builders translate it; the embedded node gets the same documents and the same DSL through
opensearch-py. Every hit (id and float32 score bits) must agree. The harness is compiled by this test with
the Debian jars (``openjdk-17-jdk-headless liblucene8-java``); without them the test is skipped.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opensearchpy import OpenSearch, helpers

from plugin_integration.client import make_client
from support.paths import LUCENE

SEEDS = [11, 23, 37, 41, 59, 67]
QUERIES_PER_CORPUS = 150


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, LUCENE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


harness = _module("lucene_harness")
gen = _module("conformance_gen")

pytestmark = pytest.mark.lucene


@pytest.fixture(scope="module")
def classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    reason = harness.missing_requirements()
    if reason:
        pytest.skip(f"Lucene harness unavailable: {reason}")
    return harness.compile_sources(tmp_path_factory.mktemp("lucene-build"), "ConformanceHarness.java")


def run_lucene(cp: str, corpus: dict[str, Any], queries: list[dict[str, Any]], work: Path) -> list[dict[str, str]]:
    source, target = work / "input.json", work / "output.txt"
    source.write_text(json.dumps({**corpus, "queries": queries}), encoding="utf-8")
    subprocess.run(["java", "-cp", cp, "ConformanceHarness", str(source), str(target)], check=True,
                   capture_output=True, text=True)
    results = []
    for line in target.read_text(encoding="utf-8").split("\n")[: len(queries)]:
        if line.startswith("ERROR"):
            raise AssertionError(f"Lucene harness failed on a generated query: {line}")
        results.append(dict(item.split("=", 1) for item in line.split(" ") if item))
    return results


def load_embedded(client: OpenSearch, corpus: dict[str, Any]) -> None:
    properties = {f: (t if isinstance(t, dict) else {"type": t}) for f, t in corpus["mappings"].items()}
    client.indices.create(index="c", body={"settings": {"index": {"refresh_interval": "-1"}},
                                           "mappings": {"properties": properties}})
    for segment in corpus["segments"]:
        actions = [{"_index": "c", "_id": d["_id"], "_source": {k: v for k, v in d.items() if k != "_id"}}
                   for d in segment]
        helpers.bulk(client, actions)
        client.indices.refresh(index="c")
    for doc_id in corpus["deletes"]:
        client.delete(index="c", id=doc_id)
    client.indices.refresh(index="c")


def run_embedded(client: OpenSearch, queries: list[dict[str, Any]], size: int) -> list[dict[str, str]]:
    out = []
    for q in queries:
        hits = client.search(index="c", body={"query": q, "size": size})["hits"]["hits"]
        out.append({h["_id"]: f"{int(np.float32(h['_score']).view(np.uint32)):08x}" for h in hits})
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_random_corpus_and_queries_match_lucene(classpath: str, seed: int, tmp_path: Path) -> None:
    corpus = gen.make_corpus(seed)
    queries = gen.make_queries(seed, QUERIES_PER_CORPUS)
    expected = run_lucene(classpath, corpus, queries, tmp_path)
    client = make_client(None, tmp_path / "node")
    try:
        load_embedded(client, corpus)
        n_docs = sum(len(s) for s in corpus["segments"])
        got = run_embedded(client, queries, n_docs)
    finally:
        client.close()
    mismatches = [(q, g, e) for q, g, e in zip(queries, got, expected) if g != e]
    scores = sum(len(e) for e in expected)
    assert scores > 0
    assert not mismatches, (f"{len(mismatches)}/{len(queries)} queries differ ({scores} scores compared); first: "
                            f"{json.dumps(mismatches[0][0])}\n embedded: {mismatches[0][1]}\n lucene:   "
                            f"{mismatches[0][2]}")


def _segment_structure_corpus(seed: int) -> dict[str, Any]:
    """Two segments; "delta" occurs only in the first, so a SHOULD clause on it has no scorer in the second."""
    import random

    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "filler", "other", "more"]

    def doc(i: int, allow_delta: bool) -> dict[str, Any]:
        pool = words if allow_delta else [w for w in words if w != "delta"]
        return {"_id": f"s{i}", "title": " ".join(rng.choice(pool) for _ in range(rng.randint(3, 60)))}

    return {"mappings": {"title": "text"}, "segments": [[doc(i, True) for i in range(30)],
                                                        [doc(100 + i, False) for i in range(150)]], "deletes": []}


def test_segment_dependent_boolean_structure(classpath: str, tmp_path: Path) -> None:
    """Lucene drops SHOULD clauses without a scorer per segment; when the rest equals minimum_should_match they
    become required and the score is one conjunction sum ``(float)(a+b+c)`` instead of ``(float)(a +
    (float)(b+c))``. The two differ by one ulp on many documents of the second segment."""
    queries = []
    for msm in (2, 3, "2", "67%"):
        for boost in (1.0, 1.5, 3.0):
            queries.append({"bool": {"must": [{"match": {"title": "alpha"}}], "minimum_should_match": msm,
                                     "should": [{"term": {"title": "beta"}},
                                                {"term": {"title": {"value": "gamma", "boost": boost}}},
                                                {"term": {"title": "delta"}}]}})
            queries.append({"bool": {"must": [{"match": {"title": "alpha more"}}], "minimum_should_match": msm,
                                     "should": [{"term": {"title": "beta"}},
                                                {"match": {"title": {"query": "gamma other", "boost": boost}}},
                                                {"term": {"title": "delta"}}]}})
    for seed in range(3):
        corpus = _segment_structure_corpus(seed)
        work = tmp_path / str(seed)
        work.mkdir()
        expected = run_lucene(classpath, corpus, queries, work)
        client = make_client(None, work / "node")
        try:
            load_embedded(client, corpus)
            got = run_embedded(client, queries, 200)
        finally:
            client.close()
        for q, g, e in zip(queries, got, expected):
            assert g == e, json.dumps(q)


def test_text_field_without_norms(classpath: str, tmp_path: Path) -> None:
    """``"norms": false`` on a text field: every doc scores with ``cache[1]``, and avgdl still uses the real
    sumTotalTermFreq (frequencies are indexed)."""
    corpus = gen.make_corpus(5)
    corpus["mappings"] = {**corpus["mappings"], "description": "text_no_norms"}
    queries = [{"match": {"description": text}} for text in ("wireless", "the", "usb-c charger", "coffee coffee maker")]
    queries += gen.make_queries(5, 60)
    expected = run_lucene(classpath, corpus, queries, tmp_path)
    client = make_client(None, tmp_path / "node")
    try:
        mappings = {f: ({"type": "text", "norms": False} if t == "text_no_norms" else {"type": t})
                    for f, t in corpus["mappings"].items()}
        load_embedded(client, {**corpus, "mappings": mappings})
        got = run_embedded(client, queries, 200)
    finally:
        client.close()
    for q, g, e in zip(queries, got, expected):
        assert g == e, json.dumps(q)
