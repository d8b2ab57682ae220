"""Lucene's query rewrite rules and OpenSearch's minimum_should_match arithmetic, on query values alone."""
from __future__ import annotations

import pytest

from embedded_node.search.queries.lucene_boolean import BooleanQuery, DisjunctionMaxQuery
from embedded_node.search.queries.lucene_clauses import FILTER, MUST, MUST_NOT, SHOULD
from embedded_node.search.queries.lucene_queries import (BoostQuery,
                                                         ConstantScoreQuery, MatchAllDocsQuery,
                                                         MatchNoDocsQuery, TermQuery, key, rewrite_fully,
                                                         to_string)
from embedded_node.search.queries.msm import calculate_min_should_match
from embedded_node.search.queries.text import apply_msm


def t(term: str, field: str = "title") -> TermQuery:
    return TermQuery(field, term)


def should(*queries, msm: int = 0) -> BooleanQuery:
    return BooleanQuery(tuple((SHOULD, q) for q in queries), msm)


def rw(query):
    return rewrite_fully(query, None)


@pytest.mark.parametrize("count, spec, expected", [
    (3, "1", 1), (3, "2", 2), (3, "5", 5), (3, "-1", 2), (3, "-5", 0), (3, "75%", 2), (4, "75%", 3),
    (3, "-25%", 3), (4, "-25%", 3), (5, "-25%", 4), (7, "50%", 3), (3, "100%", 3), (0, "75%", 0),
    (3, "2<75%", 2), (4, "2<75%", 3), (2, "2<75%", 2), (5, "3<-1 5<80%", 4), (6, "3<-1 5<80%", 4),
    (3, "3<-1 5<80%", 3), (10, " 2 < 50% ", 5), (9, "33%", 2),
])
def test_calculate_min_should_match(count: int, spec: str, expected: int) -> None:
    assert calculate_min_should_match(count, spec) == expected


def test_invalid_msm_spec_is_an_error() -> None:
    from embedded_node.errors import EngineError

    with pytest.raises(EngineError, match="Invalid minimum_should_match"):
        calculate_min_should_match(3, "abc")


def test_duplicate_should_terms_merge_with_summed_boost() -> None:
    q = rw(should(t("coffee"), t("coffee"), t("maker")))
    assert isinstance(q, BooleanQuery)
    assert {key(c) for _, c in q.clauses} == {key(BoostQuery(t("coffee"), 2.0)), key(t("maker"))}
    three = rw(should(t("a"), t("a"), t("a"), BoostQuery(t("a"), 2.0), t("b")))
    assert key(BoostQuery(t("a"), 5.0)) in {key(c) for _, c in three.clauses}


def test_duplicates_are_not_merged_when_msm_above_one() -> None:
    q = rw(should(t("a"), t("a"), t("b"), msm=2))
    assert [key(c) for _, c in q.clauses] == [key(t("a")), key(t("a")), key(t("b"))]


def test_must_duplicates_merge_too() -> None:
    q = rw(BooleanQuery(((MUST, t("a")), (MUST, t("a")), (MUST, t("b")))))
    assert {key(c) for _, c in q.clauses} == {key(BoostQuery(t("a"), 2.0)), key(t("b"))}


def test_nested_pure_disjunctions_are_flattened_but_boosted_ones_are_not() -> None:
    title = should(t("x"), t("y"))
    desc = should(t("x", "description"), t("y", "description"))
    flat = rw(should(title, desc))
    assert len(flat.clauses) == 4 and all(isinstance(c, TermQuery) for _, c in flat.clauses)
    kept = rw(should(BoostQuery(title, 2.0), desc))
    assert len(kept.clauses) == 3 and isinstance(kept.clauses[0][1], BoostQuery)
    with_msm = rw(should(should(t("x"), t("y"), t("z"), msm=2), t("w")))
    assert len(with_msm.clauses) == 2


def test_single_clause_and_filter_rewrites() -> None:
    assert key(rw(should(t("a")))) == key(t("a"))
    assert key(rw(BooleanQuery(((MUST, t("a")),)))) == key(t("a"))
    only_filter = rw(BooleanQuery(((FILTER, t("a")),)))
    assert key(only_filter) == key(BoostQuery(ConstantScoreQuery(t("a")), 0.0))
    assert isinstance(rw(BooleanQuery(((MUST_NOT, t("a")),))), MatchNoDocsQuery)
    assert isinstance(rw(BooleanQuery(())), MatchNoDocsQuery)


def test_required_and_prohibited_conflicts() -> None:
    assert isinstance(rw(BooleanQuery(((MUST, t("a")), (MUST_NOT, t("a"))))), MatchNoDocsQuery)
    assert isinstance(rw(BooleanQuery(((SHOULD, t("a")), (MUST_NOT, MatchAllDocsQuery())))), MatchNoDocsQuery)


def test_filter_that_is_also_should_becomes_must() -> None:
    q = rw(BooleanQuery(((SHOULD, t("a")), (SHOULD, t("b")), (FILTER, t("a"))), 1))
    assert sorted((o, key(c)) for o, c in q.clauses) == sorted([(MUST, key(t("a"))), (SHOULD, key(t("b")))])
    assert q.minimum_should_match == 0


def test_dismax_and_boost_rewrites() -> None:
    assert isinstance(rw(DisjunctionMaxQuery((t("a"), t("b")), 1.0)), BooleanQuery)
    assert key(rw(DisjunctionMaxQuery((t("a"),), 0.3))) == key(t("a"))
    assert key(rw(BoostQuery(BoostQuery(t("a"), 3.0), 0.5))) == key(BoostQuery(t("a"), 1.5))
    assert key(rw(BoostQuery(t("a"), 1.0))) == key(t("a"))


def test_apply_msm_only_counts_should_clauses() -> None:
    q = apply_msm(should(t("a"), t("b"), t("c")), "2")
    assert q.minimum_should_match == 2
    conj = BooleanQuery(((MUST, t("a")), (MUST, t("b"))))
    assert apply_msm(conj, "-1") is conj  # 0 optional clauses: 0 - 1 -> 0, unchanged
    assert apply_msm(conj, "75%") is conj
    # an absolute count is not capped by the number of optional clauses (Queries.calculateMinShouldMatch),
    # so operator "and" with minimum_should_match 2 matches nothing, as in OpenSearch
    assert apply_msm(conj, "2").minimum_should_match == 2
    assert apply_msm(t("a"), "2").key() == t("a").key()


def test_lucene_to_string() -> None:
    q = BooleanQuery(((MUST, t("a")), (SHOULD, should(t("b"), t("c"))), (FILTER, t("d")),
                      (MUST_NOT, BoostQuery(t("e"), 2.0))), 1)
    assert to_string(q) == "(+title:a (title:b title:c) #title:d -(title:e)^2.0)~1"
    assert to_string(DisjunctionMaxQuery((t("a"), t("b", "d")), 0.3)) == "(title:a | d:b)~0.3"
    assert to_string(ConstantScoreQuery(t("a"))) == "ConstantScore(title:a)"
