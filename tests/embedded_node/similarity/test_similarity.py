"""Legacy (OpenSearch) and plain Lucene BM25 recomputed from the oracle's own statistics, bit for bit.

Every per-term, per-field and final score of every oracle query is rebuilt with the similarity functions and
Lucene's combination rules: a match query's duplicate terms become one clause with boost = count
(BooleanQuery.rewrite), a boolean sum is ``(float)`` of a double sum over the flattened term clauses
(nested pure disjunctions are inlined; a boosted field stays one clause), and dis_max is
``(float)(max + tie * others)``.
"""
from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from embedded_node import similarity as sim

F32 = np.float32
from support.paths import BM25_VECTORS

ORACLE = BM25_VECTORS
SIMILARITIES = {"opensearch_legacy_bm25": True, "lucene_bm25": False}


@pytest.fixture(scope="module")
def oracle() -> dict:
    if not ORACLE.exists():
        pytest.skip(f"oracle file not found at {ORACLE}")
    return json.loads(ORACLE.read_text(encoding="utf-8"))


def bits(value) -> str:
    return f"{int(np.asarray(value, dtype=F32).view(np.uint32)):08x}"


def _term_score(oracle: dict, field: str, term: str, doc: str, boost: float, legacy: bool) -> np.float32 | None:
    """One TermQuery's score on one doc, from the oracle's statistics and tokens (None if no match)."""
    stats = oracle["field_stats"][field]
    freq = oracle["doc_tokens"][doc].get(field, []).count(term)
    if freq == 0:
        return None
    q_stats = _TERM_STATS[(field, term)]
    scorer = sim.bm25_scorer(boost, q_stats["docFreq"], stats["docCount"], stats["sumTotalTermFreq"], legacy)
    norm = oracle["doc_field_lengths"][field][doc]["norm_byte"]
    return scorer.score(np.asarray([freq]), np.asarray([norm], dtype=np.uint8))[0]


_TERM_STATS: dict[tuple[str, str], dict] = {}


def _field_clauses(oracle: dict, query: dict, field: str, legacy: bool, doc: str) -> list[np.float32]:
    """Scores of the (deduplicated) term clauses of ``match`` on ``field`` for ``doc``, field boost applied."""
    boost = F32((query.get("boosts") or {}).get(field, 1.0))
    out = []
    for term, count in Counter(query["analyzed_terms"]).items():
        s = _term_score(oracle, field, term, doc, F32(boost * F32(count)), legacy)
        if s is not None:
            out.append(s)
    return out


def _sum(values) -> np.float32:
    acc = 0.0
    for v in values:
        acc += float(v)
    return F32(acc)


def _final(oracle: dict, query: dict, legacy: bool, doc: str) -> np.float32 | None:
    boosts = query.get("boosts") or {}
    per_field = {f: _field_clauses(oracle, query, f, legacy, doc) for f in query["fields"]}
    if not any(per_field.values()):
        return None
    if query["mode"] == "single":
        return _sum(per_field[query["fields"][0]])
    if query["mode"] == "dis_max":
        tie = F32(query["tie_breaker"])
        score_max, others = F32(0), 0.0
        for f in query["fields"]:
            if not per_field[f]:
                continue
            s = _sum(per_field[f])
            if s >= score_max:
                others += float(score_max)
                score_max = s
            else:
                others += float(s)
        return F32(float(score_max) + others * float(tie))
    flat: list = []
    for f in query["fields"]:
        if not per_field[f]:
            continue
        if boosts.get(f, 1.0) != 1.0:
            flat.append(_sum(per_field[f]))  # BoostQuery(BooleanQuery) is not a pure disjunction: one clause
        else:
            flat.extend(per_field[f])  # inlined into the outer disjunction
    return _sum(flat)


@pytest.fixture(scope="module", autouse=True)
def _load_term_stats(oracle: dict) -> None:
    for q in oracle["queries"]:
        for field, terms in q["term_stats"].items():
            for term, st in terms.items():
                _TERM_STATS[(field, term)] = st


# --- SmallFloat, statistics --------------------------------------------------------------------------------

def test_smallfloat_tables(oracle: dict) -> None:
    table = oracle["smallfloat"]
    assert [sim.int_to_byte4_scalar(n) for n in range(301)] == table["intToByte4_for_lengths_0_to_300"]
    assert sim.int_to_byte4(np.arange(301)).tolist() == table["intToByte4_for_lengths_0_to_300"]
    assert [sim.byte4_to_int(b) for b in range(256)] == table["byte4ToInt_for_bytes_0_to_255"]
    assert sim.LENGTH_TABLE.dtype == np.float32
    # Java casts the decoded int to float: large lengths round like (float) int
    assert sim.LENGTH_TABLE.tolist() == [float(F32(v)) for v in table["byte4ToInt_for_bytes_0_to_255"]]


def test_avgdl_bits(oracle: dict) -> None:
    for field, st in oracle["field_stats"].items():
        avg = sim.avgdl(st["sumTotalTermFreq"], st["docCount"])
        assert bits(avg) == st["avgdl_bits"], field


def test_norm_bytes_of_every_doc(oracle: dict) -> None:
    checked = 0
    for field, per_doc in oracle["doc_field_lengths"].items():
        for doc, entry in per_doc.items():
            length = len(oracle["doc_tokens"][doc][field])
            assert sim.int_to_byte4_scalar(length) == entry["norm_byte"], (field, doc)
            assert sim.byte4_to_int(entry["norm_byte"]) == entry["decoded_length"]
            checked += 1
    assert checked == 98  # 50 titles + 48 descriptions


def test_worked_example_from_fidelity() -> None:
    scorer = sim.bm25_scorer(1.0, doc_freq=2, doc_count=50, sum_total_term_freq=165)
    assert float(scorer.idf) == 3.0155348777770996
    assert float(scorer.avgdl) == 3.299999952316284
    assert float(scorer.cache[3]) == 0.8943089246749878
    assert float(scorer.weight) == 6.634176731109619
    assert bits(scorer.score(np.asarray([1]), np.asarray([3], dtype=np.uint8))[0]) == "404872ee"


# --- every oracle score ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sim_name", list(SIMILARITIES))
def test_every_per_term_score(oracle: dict, sim_name: str) -> None:
    legacy = SIMILARITIES[sim_name]
    checked = 0
    for q in oracle["queries"]:
        for key, per_doc in q[sim_name]["per_term_scores_unboosted"].items():
            field, term = key.split(":", 1)
            expected_docs = set(per_doc)
            got_docs = {d for d in oracle["doc_tokens"] if term in oracle["doc_tokens"][d].get(field, [])}
            assert got_docs == expected_docs, (q["id"], key)
            for doc, expected in per_doc.items():
                assert bits(_term_score(oracle, field, term, doc, 1.0, legacy)) == expected["bits"], (q["id"], key, doc)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("sim_name", list(SIMILARITIES))
def test_every_per_field_score(oracle: dict, sim_name: str) -> None:
    legacy = SIMILARITIES[sim_name]
    for q in oracle["queries"]:
        for field, per_doc in q[sim_name]["per_field_scores"].items():
            got = {d: _sum(c) for d in oracle["doc_tokens"] if (c := _field_clauses(oracle, q, field, legacy, d))}
            assert set(got) == set(per_doc), (q["id"], field)
            for doc, expected in per_doc.items():
                assert bits(got[doc]) == expected["bits"], (q["id"], field, doc)


@pytest.mark.parametrize("sim_name", list(SIMILARITIES))
def test_every_final_score(oracle: dict, sim_name: str) -> None:
    legacy = SIMILARITIES[sim_name]
    total = 0
    for q in oracle["queries"]:
        expected = q[sim_name]["scores"]
        got = {d: s for d in oracle["doc_tokens"] if (s := _final(oracle, q, legacy, d)) is not None}
        assert set(got) == set(expected), q["id"]
        for doc, exp in expected.items():
            assert bits(got[doc]) == exp["bits"], (q["id"], doc)
            total += 1
    assert total == 68  # 136 over both similarities, as in reference/fidelity.md


def test_duplicate_terms_merge_into_one_boosted_clause(oracle: dict) -> None:
    """q07 "coffee coffee maker": one clause coffee^2 (equal to adding twice for two copies)."""
    q = next(q for q in oracle["queries"] if q["id"] == "q07")
    merged = _term_score(oracle, "title", "coffee", "p12", 2.0, True)
    once = _term_score(oracle, "title", "coffee", "p12", 1.0, True)
    assert float(merged) == float(F32(float(once) + float(once)))
    assert q["opensearch_legacy_bm25"]["scores"]["p12"]["float32"] == "8.175077438354492"


def test_deleted_doc_keeps_statistics(oracle: dict) -> None:
    effect = oracle["deleted_doc_effect"]
    st = effect["stats"]
    assert (st["docCount"], st["sumTotalTermFreq"], st["docFreq_wireless"]) == (50, 165, 2)
    q01 = next(q for q in oracle["queries"] if q["id"] == "q01")
    for doc, exp in effect["scores"].items():
        assert bits(_final(oracle, q01, True, doc)) == exp["bits"]


# --- explanation and helpers ---------------------------------------------------------------------------------

def test_explanation_shape_and_values() -> None:
    scorer = sim.bm25_scorer(1.0, doc_freq=2, doc_count=50, sum_total_term_freq=165)
    expl = scorer.explain(1, 3)
    assert expl.description == "score(freq=1.0), computed as boost * idf * tf from:"
    assert bits(expl.value) == "404872ee"
    boost, idf, tf = expl.details
    assert (boost.description, boost.value) == ("boost", float(F32(2.2)))
    assert idf.description == "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:"
    assert [(d.value, d.description) for d in idf.details] == [
        (2, "n, number of documents containing term"), (50, "N, total number of documents with field")]
    assert tf.description == "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:"
    assert [d.description for d in tf.details] == [
        "freq, occurrences of term within document", "k1, term saturation parameter",
        "b, length normalization parameter", "dl, length of field", "avgdl, average length of field"]
    assert [d.value for d in tf.details][:4] == [1.0, float(F32(1.2)), 0.75, 3.0]
    # boost * idf * tf reproduces the score up to float rounding
    assert abs(float(F32(boost.value) * F32(idf.value) * F32(tf.value)) - expl.value) < 1e-5


def test_explanation_plain_lucene_has_no_boost_and_approximate_dl() -> None:
    scorer = sim.bm25_scorer(1.0, doc_freq=3, doc_count=48, sum_total_term_freq=599, legacy=False)
    expl = scorer.explain(2, 52)  # norm byte 52 decodes to 72 (length 78 rounded down)
    assert [d.description.split(",")[0] for d in expl.details] == ["idf", "tf"]
    dl = expl.details[1].details[3]
    assert (dl.description, dl.value) == ("dl, length of field (approximate)", 72.0)
    assert expl.description == "score(freq=2.0), computed as boost * idf * tf from:"


def test_no_norms_uses_cache_slot_one() -> None:
    scorer = sim.bm25_scorer(1.0, doc_freq=5, doc_count=40, sum_total_term_freq=40)
    without = scorer.score(np.asarray([1, 1]), None)
    with_one = scorer.score(np.asarray([1, 1]), np.asarray([1, 1], dtype=np.uint8))
    assert without.dtype == np.float32 and with_one.tolist() == without.tolist()


def test_vectorized_score_is_float32_and_matches_scalar_java_order() -> None:
    cache = sim.norm_inverse_cache(sim.avgdl(599, 48))
    weight = sim.term_weight(3.0, sim.idf(7, 48))
    freqs = np.arange(1, 40)
    norms = (np.arange(39) * 6 % 256).astype(np.uint8)
    got = sim.score(weight, cache, freqs, norms)
    for f, n, g in zip(freqs.tolist(), norms.tolist(), got.tolist()):
        inv = F32(1) / (F32(1.2) * ((F32(1) - F32(0.75)) + F32(0.75) * F32(sim.byte4_to_int(n)) / sim.avgdl(599, 48)))
        assert g == float(weight - weight / (F32(1) + F32(f) * inv))


@pytest.mark.parametrize("value, text", [(1, "1.0"), (2.0, "2.0"), (0.3, "0.3"), (2.2, "2.2"), (0.0, "0.0"),
                                         (1e7, "1.0E7"), (12345678, "1.2345678E7"), (0.0001, "1.0E-4"),
                                         (100, "100.0"), (0.5, "0.5")])
def test_java_float_str(value: float, text: str) -> None:
    assert sim.java_float_str(value) == text
