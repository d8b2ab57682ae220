"""``match_explorer`` and ``term_stat``: the LTR plugin's term-statistics queries, against hand-computed numbers.

Pins opensearch-learning-to-rank-base ``src/main/java/com/o19s/es/explore/{ExplorerQuery,ExplorerScorer,
PostingsExplorerQuery,StatisticsHelper}.java`` and ``src/main/java/com/o19s/es/termstat/{TermStatQuery,
TermStatScorer,TermStatSupplier,TermStatQueryBuilder}.java`` (docs: ``docs/advanced-functionality.rst``).

Corpus (``title``, standard analyzer), query terms ``red`` and ``shoes``:

=====  =====================  ==============================  =====================
 doc    title                  red: tf / positions (1-based)   shoes: tf / positions
=====  =====================  ==============================  =====================
 1      red red shoes          2 / 1, 2                        1 / 3
 2      blue shoes             -                               1 / 2
 3      red hat red red        3 / 1, 3, 4                     -
 4      green scarf            -                               -
=====  =====================  ==============================  =====================

docCount(title) = 4; df(red) = df(shoes) = 2; ttf(red) = 5, ttf(shoes) = 2;
classic idf = ln(5 / 3) + 1 = 1.5108256 for both.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
import pytest
from opensearchpy import RequestError

from plugin_integration.client import make_client

F32 = np.float32
IDF = float(F32(math.log(5 / 3) + 1.0))
DOCS = {"1": "red red shoes", "2": "blue shoes", "3": "red hat red red", "4": "green scarf"}


def _index_corpus(client: Any) -> Any:
    client.indices.create(index="t", body={"mappings": {"properties": {"title": {"type": "text"}}}})
    for doc_id, title in DOCS.items():
        client.index(index="t", id=doc_id, body={"title": title})
    client.indices.refresh(index="t")
    return client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One in-process node for the read-only statistic checks (the transports are covered by the feature and
    logging test below, which runs through both doors)."""
    client = make_client(None, tmp_path_factory.mktemp("termstats") / "node")
    try:
        yield _index_corpus(client)
    finally:
        client.close()


@pytest.fixture
def fresh_corpus(client: Any) -> Any:
    return _index_corpus(client)


def scores(client: Any, query: dict[str, Any]) -> dict[str, np.float32]:
    """Hit scores as float32 (the response writes the shortest decimal of each float32)."""
    hits = client.search(index="t", body={"query": query, "size": 10})["hits"]["hits"]
    return {h["_id"]: F32(h["_score"]) for h in hits}


def explorer(kind: str, text: str = "red shoes") -> dict[str, Any]:
    return {"match_explorer": {"type": kind, "query": {"match": {"title": text}}}}


@pytest.mark.parametrize("kind,value", [
    ("sum_raw_df", 4.0), ("mean_raw_df", 2.0), ("max_raw_df", 2.0), ("min_raw_df", 2.0), ("stddev_raw_df", 0.0),
    ("sum_raw_ttf", 7.0), ("mean_raw_ttf", 3.5), ("max_raw_ttf", 5.0), ("min_raw_ttf", 2.0),
    ("stddev_raw_ttf", 1.5), ("mean_classic_idf", IDF), ("sum_classic_idf", float(F32(IDF) + F32(IDF))),
    ("unique_terms_count", 2.0),
])
def test_explorer_collection_statistics_score_every_document(corpus: Any, kind: str, value: float) -> None:
    """Collection-scoped types: one constant over the query's unique terms, on all 4 documents (even doc 4)."""
    assert scores(corpus, explorer(kind)) == {d: value for d in DOCS}


def test_explorer_collection_statistics_of_a_missing_term_and_no_terms(corpus: Any) -> None:
    """A term the index lacks contributes 0 (``min_raw_df`` 0, mean halves); a query without terms scores 0."""
    assert scores(corpus, explorer("min_raw_df", "red nothere")) == {d: 0.0 for d in DOCS}
    assert scores(corpus, explorer("mean_raw_df", "red nothere")) == {d: 1.0 for d in DOCS}
    assert scores(corpus, {"match_explorer": {"type": "sum_raw_df", "query": {"match_all": {}}}}) == \
        {d: 0.0 for d in DOCS}


@pytest.mark.parametrize("kind,expected", [
    ("sum_raw_tf", {"1": 3.0, "2": 1.0, "3": 3.0}),
    ("mean_raw_tf", {"1": 1.5, "2": 1.0, "3": 3.0}),
    ("max_raw_tf", {"1": 2.0, "2": 1.0, "3": 3.0}),
    ("min_raw_tf", {"1": 1.0, "2": 1.0, "3": 3.0}),  # over the terms the document has: never 0
    ("stddev_raw_tf", {"1": 0.5, "2": 0.0, "3": 0.0}),
    ("avg_raw_tp", {"1": 2.25, "2": 2.0, "3": float(F32(F32(8) / F32(3)))}),
    ("max_raw_tp", {"1": 3.0, "2": 2.0, "3": 4.0}),
    ("min_raw_tp", {"1": 1.0, "2": 2.0, "3": 1.0}),
])
def test_explorer_document_statistics_over_present_terms(corpus: Any, kind: str, expected: dict[str, float]) -> None:
    """tf/tp types match only documents with a query term (doc 4 is not a hit) and aggregate the present ones."""
    assert scores(corpus, explorer(kind)) == expected


def test_explorer_ignores_boost_and_must_not_terms(corpus: Any) -> None:
    """The plugin's weights never read ``boost``; ``must_not`` terms are not collected (termCollector)."""
    boosted = {"match_explorer": {"type": "sum_raw_tf", "boost": 5, "query": {"match": {"title": "red shoes"}}}}
    assert scores(corpus, boosted) == {"1": 3.0, "2": 1.0, "3": 3.0}
    q = {"match_explorer": {"type": "unique_terms_count", "query": {"bool": {
        "should": [{"match": {"title": "red"}}], "must_not": [{"match": {"title": "hat"}}]}}}}
    assert set(scores(corpus, q).values()) == {1.0}


@pytest.mark.parametrize("body,message", [
    ({"type": "sum_raw_df"}, "Field [query] is mandatory."),
    ({"query": {"match_all": {}}}, "Field [type] is mandatory."),
    ({"type": "sum_raw_df", "query": {"match_all": {}}, "nope": 1}, "[match_explorer] unknown field [nope]"),
])
def test_explorer_parse_errors(corpus: Any, body: dict[str, Any], message: str) -> None:
    """Parse errors are 400 ``parsing_exception`` with the plugin's messages."""
    with pytest.raises(RequestError) as exc:
        scores(corpus, {"match_explorer": body})
    assert message in str(exc.value.info)


@pytest.mark.parametrize("kind,message", [
    ("avg_raw_df", "Invalid stat type specified."), ("sum_raw_tp", "Invalid stat type specified."),
    ("median_raw_tf", "Invalid stat type specified."), ("tf", "Unknown ExplorerQuery type [tf]")])
def test_explorer_invalid_types_are_400(corpus: Any, kind: str, message: str) -> None:
    """Unknown statistic names fail with the plugin's messages, as a 400 (never a 500)."""
    with pytest.raises(RequestError) as exc:
        scores(corpus, explorer(kind))
    assert message in str(exc.value.info)


def term_stat(expr: str, aggr: str = "avg", **extra: Any) -> dict[str, Any]:
    return {"term_stat": {"expr": expr, "aggr": aggr, "terms": ["red", "shoes"], "fields": ["title"], **extra}}


@pytest.mark.parametrize("query,expected", [
    (term_stat("tf * idf", "max"), {"1": float(F32(2 * IDF)), "2": IDF, "3": float(F32(3 * np.float64(F32(IDF)))),
                                     "4": 0.0}),
    (term_stat("df", "sum"), {d: 4.0 for d in DOCS}),
    (term_stat("ttf", "min"), {d: 2.0 for d in DOCS}),
    (term_stat("matches / unique"), {"1": 1.0, "2": 0.5, "3": 0.5, "4": 0.0}),
    (term_stat("tf", "stddev"), {"1": 0.5, "2": 0.5, "3": 1.5, "4": 0.0}),
    (term_stat("tp", "avg", pos_aggr="max"), {"1": 2.5, "2": 1.0, "3": 2.0, "4": 0.0}),
    (term_stat("tp", "max", pos_aggr="min"), {"1": 3.0, "2": 2.0, "3": 1.0, "4": 0.0}),
    (term_stat("tf", "matches"), {d: 0.0 for d in DOCS}),
    ({"term_stat": {"expr": "tf", "terms": ["RED Shoes"], "fields": ["title"], "aggr": "sum"}},
     {"1": 3.0, "2": 1.0, "3": 3.0, "4": 0.0}),
])
def test_term_stat_hand_computed(corpus: Any, query: dict[str, Any], expected: dict[str, float]) -> None:
    """Per term: df/idf/ttf (shard), tf/tp (document, 0 when absent), matches, unique; expr in double, cast to
    float, aggregated with ``aggr``; every document matches. Terms are analyzed with the field's analyzer."""
    assert scores(corpus, query) == expected


def test_term_stat_zeroes_collection_stats_of_a_term_missing_from_the_segment(client: Any) -> None:
    """``TermStatSupplier.bump``: a term with no postings in the document's segment contributes 0 to df too."""
    client.indices.create(index="t", body={"mappings": {"properties": {"title": {"type": "text"}}}})
    client.index(index="t", id="1", body={"title": "red shoes"}, refresh=True)  # segment A: red, shoes
    client.index(index="t", id="2", body={"title": "red hat"}, refresh=True)  # segment B: red, hat
    assert scores(client, term_stat("df", "sum")) == {"1": 3.0, "2": 2.0}  # B: df(red)=2 + 0 for shoes


@pytest.mark.parametrize("body,message", [
    ({"expr": "tf", "fields": ["title"]}, "Field [terms] is mandatory"),
    ({"terms": ["red"]}, "Field [expr] is mandatory"),
    ({"expr": "tf", "terms": ["red"], "aggr": "median"}, "AggrType.MEDIAN"),
    ({"expr": "tf * boost", "terms": ["red"]}, "unknown variable(s) ['boost']"),
    ({"expr": "tf *", "terms": ["red"]}, "cannot compile expression"),
    ({"expr": "tf", "terms": ["red"], "analyzer": "nope"}, "No analyzer found for [nope]"),
])
def test_term_stat_errors_are_400(corpus: Any, body: dict[str, Any], message: str) -> None:
    """Missing fields, unknown aggregations, variables, analyzers and bad expressions: 400 naming the input."""
    with pytest.raises(RequestError) as exc:
        scores(corpus, {"term_stat": body})
    assert message in str(exc.value.info)


def test_term_statistics_as_features_in_a_featureset_and_in_logging(fresh_corpus: Any) -> None:
    """Both queries work as mustache features: ``sltr`` scores them and ``ltr_log`` logs them per document."""
    corpus = fresh_corpus
    ltr = corpus.plugins.ltr
    ltr.create_default_store()
    features = [
        {"name": "mean_tf", "params": ["keywords"], "template": {"match_explorer": {
            "type": "mean_raw_tf", "query": {"match": {"title": "{{keywords}}"}}}}},
        {"name": "idf", "params": ["keywords"], "template": {"match_explorer": {
            "type": "max_classic_idf", "query": {"match": {"title": "{{keywords}}"}}}}},
        {"name": "tfidf", "params": ["keywords"], "template": {"term_stat": {
            "expr": "tf * idf", "aggr": "sum", "terms": ["{{keywords}}"], "fields": ["title"]}}},
    ]
    ltr.create_featureset(id="ts", body={"featureset": {"features": features}})
    body = {"query": {"bool": {"filter": [{"sltr": {"_name": "logged", "featureset": "ts",
                                                    "params": {"keywords": "red shoes"}}}]}},
            "ext": {"ltr_log": {"log_specs": {"name": "log", "named_query": "logged"}}}}
    hits = {h["_id"]: h for h in corpus.search(index="t", body=body)["hits"]["hits"]}
    logged = {d: {e["name"]: None if "value" not in e else F32(e["value"]) for e in h["fields"]["_ltrlog"][0]["log"]}
              for d, h in hits.items()}
    assert logged["1"] == {"mean_tf": 1.5, "idf": IDF, "tfidf": float(F32(F32(2 * IDF) + F32(IDF)))}
    assert logged["4"] == {"mean_tf": None, "idf": IDF, "tfidf": 0.0}  # mean_tf did not match doc 4: no value
    ranked = corpus.search(index="t", body={"query": {"sltr": {"featureset": "ts", "params": {"keywords": "red"}}}})
    assert ranked["hits"]["hits"][0]["_id"] == "3"  # 3 x red: the largest tf and tf*idf
