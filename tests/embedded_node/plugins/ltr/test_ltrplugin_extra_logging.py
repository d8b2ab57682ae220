"""``params.extra_logging`` in script features: puts are logged as one more ``extra_logging`` entry.

Pins o19s ``docs/advanced-functionality.rst`` ("Extra Logging": the map is non-null only in the logging fetch
phase; "if (and only if) the extra logging Map is accessed, it will be returned as an additional entry with the
logged features") and opensearch-learning-to-rank-base ``ScriptFeature.java`` / ``ExtraLoggingSupplier.java``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from opensearchpy import RequestError

from embedded_node.plugins.ltr import expressions as ex
from embedded_node.plugins.ltr.script_statements import parse

F32 = np.float32
SOURCE = ("def m = params.extra_logging.get(); if (m != null) { m.put('double_bm25', "
          "params.feature_vector.get('bm25') * 2); m.put('src', 'bm25'); } "
          "return params.feature_vector.get('bm25') + params.bonus")


@pytest.fixture
def store(client: Any) -> Any:
    client.indices.create(index="t", body={"mappings": {"properties": {"title": {"type": "text"}}}})
    for doc_id, title in {"1": "red red shoes", "2": "blue shoes"}.items():
        client.index(index="t", id=doc_id, body={"title": title})
    client.indices.refresh(index="t")
    client.plugins.ltr.create_default_store()
    return client


def featureset(client: Any, source: str, extra: list[dict[str, Any]] | None = None) -> None:
    features = [{"name": "bm25", "params": ["q"], "template": {"match": {"title": "{{q}}"}}},
                {"name": "scripted", "params": ["bonus"], "template_language": "script_feature",
                 "template": {"lang": "painless", "source": source}}] + (extra or [])
    client.plugins.ltr.create_featureset(id="fs", body={"featureset": {"features": features}})


def logged(client: Any) -> dict[str, list[dict[str, Any]]]:
    body = {"query": {"bool": {"filter": [{"sltr": {"_name": "l", "featureset": "fs",
                                                    "params": {"q": "red", "bonus": 3}}}]}},
            "ext": {"ltr_log": {"log_specs": {"name": "log", "named_query": "l"}}}}
    return {h["_id"]: h["fields"]["_ltrlog"][0]["log"] for h in client.search(index="t", body=body)["hits"]["hits"]}


def test_puts_are_logged_after_the_features(store: Any) -> None:
    """The map's entries (expressions over the feature vector, string literals) follow the features."""
    featureset(store, SOURCE)
    logs = logged(store)
    bm25 = F32(logs["1"][0]["value"])
    assert [e["name"] for e in logs["1"]] == ["bm25", "scripted", "extra_logging"]
    assert F32(logs["1"][1]["value"]) == F32(np.float64(bm25) + 3)
    assert logs["1"][2]["value"] == {"double_bm25": float(np.float64(bm25) * 2), "src": "bm25"}
    assert logs["2"][2]["value"] == {"double_bm25": 0.0, "src": "bm25"}  # unmatched bm25 reads 0.0 (2.19)


def test_no_extra_entry_when_no_script_reads_the_map(store: Any) -> None:
    """A script that never touches ``params.extra_logging`` adds nothing to the log."""
    featureset(store, "return params.feature_vector.get('bm25') + params.bonus")
    assert [e["name"] for e in logged(store)["1"]] == ["bm25", "scripted"]


def test_two_scripts_share_one_map_later_puts_win(store: Any) -> None:
    """One map per document for the whole set (``LogConsumer.getExtraLoggingMap``)."""
    second = {"name": "other", "params": [], "template_language": "script_feature", "template": {
        "lang": "painless", "source": "def m = params.extra_logging.get(); m.put('src', 'other'); "
                                      "m.put('k', 1.5); return 0"}}
    featureset(store, SOURCE, [second])
    extra = logged(store)["2"][-1]
    assert extra == {"name": "extra_logging", "value": {"double_bm25": 0.0, "src": "other", "k": 1.5}}


def test_scoring_with_such_a_script_ignores_the_puts(store: Any) -> None:
    """Outside logging the supplier returns null: the guarded puts do nothing and the score is the return."""
    featureset(store, SOURCE)
    hits = store.search(index="t", body={"query": {"sltr": {"featureset": "fs",
                                                            "params": {"q": "blue", "bonus": 3}}}})
    scores = {h["_id"]: F32(h["_score"]) for h in hits["hits"]["hits"]}
    assert scores["1"] == F32(3.0)  # bm25 0 + (0 + 3)


@pytest.mark.parametrize("source,message", [
    ("def m = params.extra_logging.get(); m.put('a', foo.bar()); return 1", "extra_logging"),
    ("def m = params.extra_logging.get(); n.put('a', 1); return 1", "[n] is not the extra_logging map"),
    ("def m = params.extra_logging.get(); m.put('a', params.x.y.z); return 1", "outside the evaluated subset"),
    ("def m = params.extra_logging.get(); for (x in m) {}; return 1", "extra_logging"),
])
def test_scripts_outside_the_subset_fail_at_upload(store: Any, source: str, message: str) -> None:
    """Forms the node does not evaluate are a 400 at upload naming the supported form, never a 500."""
    with pytest.raises(RequestError) as exc:
        featureset(store, source)
    assert message in str(exc.value.info)


def test_term_stat_injection_names_the_alternative(store: Any) -> None:
    """``params.term_stat`` injection is refused with the fix: a ``term_stat`` query feature."""
    with pytest.raises(RequestError) as exc:
        store.plugins.ltr.create_featureset(id="fs", body={"featureset": {"features": [
            {"name": "s", "params": [], "template_language": "script_feature", "template": {
                "lang": "painless", "source": "return params.matchCount.get()",
                "params": {"term_stat": {"analyzer": "!standard", "terms": ["red"], "fields": ["title"]}}}}]}})
    assert "use a term_stat query feature" in str(exc.value.info)


def test_statement_parser_shapes() -> None:
    """The accepted statement forms: typed or def map, direct put on the supplier, bare final expression."""
    script = parse("Map m = params['extra_logging'].get(); if (m != null) { m.put(\"a\", 2 * 3); } 4 + 1")
    assert script.puts[0][0] == "a" and isinstance(script.puts[0][1], ex.Binary)
    assert ex.evaluate(script.score, lambda v: 0.0) == 5.0
    direct = parse("params.extra_logging.get().put('s', 'x;y'); return 1")
    assert direct.puts == (("s", "x;y"),)
    with pytest.raises(ex.ExpressionError, match="unreachable"):
        parse("return 1; m.put('a', 1)")
