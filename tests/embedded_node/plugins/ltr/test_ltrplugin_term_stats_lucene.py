"""``match_explorer`` statistics against real Lucene's (Debian's liblucene8-java) on a generated corpus.

Pins the inputs the plugin's ``ExplorerQuery`` / ``TermStatSupplier`` read from Lucene: ``TermStates.docFreq``,
``totalTermFreq``, ``CollectionStatistics.docCount``, ``ClassicSimilarity.idf`` (float bits), and each document's
``PostingsEnum.freq`` and positions (the plugin reports position + 1), with OpenSearch's text analysis (standard
tokenizer, lowercase, no stop words) and ``position_increment_gap`` 100 between the values of a multi-valued
field. ``tests/lucene/TermStatsHarness.java`` indexes the same documents with Lucene 8 and prints the numbers;
the node answers the same terms through ``match_explorer`` queries via opensearch-py. Skipped without
javac / the Lucene jars, like the other ``lucene`` tests.
"""
from __future__ import annotations

import importlib.util
import random
import subprocess
from typing import Any

import numpy as np
import pytest

from support.paths import LUCENE

F32 = np.float32
VOCAB = ["red", "shoes", "blue", "Hat", "wool", "scarf", "usb-c", "cable", "4k", "tv", "it's", "e-mail"]

spec = importlib.util.spec_from_file_location("lucene_harness", LUCENE / "lucene_harness.py")
harness = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
assert spec is not None and spec.loader is not None
spec.loader.exec_module(harness)

pytestmark = pytest.mark.lucene


def _hex(text: str) -> str:
    return text.encode("utf-16-be", "surrogatepass").hex()


def corpus(seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    docs = {}
    for i in range(40):
        values = [" ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 7))) for _ in range(rng.choice([1, 1, 2, 3]))]
        docs[f"d{i}"] = values
    return docs


def lucene_stats(cp: str, docs: dict[str, list[str]], terms: list[str]) -> dict[str, Any]:
    lines = [str(len(docs))] + ["\t".join([doc_id] + [_hex(v) for v in values]) for doc_id, values in docs.items()]
    lines += [_hex(t) for t in terms]
    out = subprocess.run(["java", "-cp", cp, "TermStatsHarness"], input="\n".join(lines) + "\n", check=True,
                         capture_output=True, text=True).stdout
    stats: dict[str, Any] = {}
    blocks = iter(terms)
    current: dict[str, Any] = {}
    for line in out.splitlines():
        kind, *rest = line.split(" ")
        if kind == "T":
            current = {"df": int(rest[0]), "ttf": int(rest[1]), "doc_count": int(rest[2]),
                       "idf": np.int32(int(rest[3])).view(F32), "docs": {}}
        elif kind == "D":
            current["docs"][rest[0]] = (int(rest[1]), [int(p) for p in rest[2].split(",")])
        else:
            stats[next(blocks)] = current
    return stats


@pytest.fixture(scope="module")
def classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    reason = harness.missing_requirements()
    if reason:
        pytest.skip(f"Lucene harness unavailable: {reason}")
    return harness.compile_sources(tmp_path_factory.mktemp("lucene-termstats"), "TermStatsHarness.java")


def explorer(client: Any, kind: str, term: str) -> dict[str, np.float32]:
    body = {"size": 100, "query": {"match_explorer": {"type": kind, "query": {"term": {"title": term}}}}}
    return {h["_id"]: F32(h["_score"]) for h in client.search(index="c", body=body)["hits"]["hits"]}


@pytest.mark.parametrize("seed", [3, 17])
def test_explorer_statistics_equal_lucene(inproc_client: Any, classpath: str, seed: int) -> None:
    """df, ttf, classic idf (bits), tf and 1-based positions (min/max/avg) for every term and document."""
    docs = corpus(seed)
    inproc_client.indices.create(index="c", body={"mappings": {"properties": {"title": {"type": "text"}}}})
    for doc_id, values in docs.items():
        inproc_client.index(index="c", id=doc_id, body={"title": values if len(values) > 1 else values[0]})
    inproc_client.indices.refresh(index="c")
    terms = ["red", "shoes", "hat", "usb", "c", "4k", "it's", "e", "mail", "absent"]
    expected = lucene_stats(classpath, docs, terms)
    assert any(len(v) > 1 for v in docs.values())
    for term in terms:
        lucene = expected[term]
        for kind, value in (("sum_raw_df", lucene["df"]), ("sum_raw_ttf", lucene["ttf"])):
            assert set(explorer(inproc_client, kind, term).values()) == {F32(value)}, (term, kind)
        idf = set(explorer(inproc_client, "sum_classic_idf", term).values())
        assert [v.view(np.int32) for v in idf] == [lucene["idf"].view(np.int32)], term
        tf = explorer(inproc_client, "sum_raw_tf", term)
        assert tf == {d: F32(freq) for d, (freq, _) in lucene["docs"].items()}, term
        one_based = {d: np.asarray(p, dtype=F32) + F32(1) for d, (_, p) in lucene["docs"].items()}
        assert explorer(inproc_client, "min_raw_tp", term) == {d: p.min() for d, p in one_based.items()}
        assert explorer(inproc_client, "max_raw_tp", term) == {d: p.max() for d, p in one_based.items()}
        means = {}
        for d, p in one_based.items():
            total = F32(0)
            for x in p:
                total = F32(total + x)
            means[d] = F32(total / F32(len(p)))
        assert explorer(inproc_client, "avg_raw_tp", term) == means, term
