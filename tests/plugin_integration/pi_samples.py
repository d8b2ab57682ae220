"""Sample values for the plugin_integration tests: a featureset shaped like the fused one (DESIGN §5) and a
small model over it."""
from __future__ import annotations

from typing import Any

from plugin_integration.featuresets import Feature, FeatureSet

KNN_TEXT = ('{"script_score":{"query":{"match_all":{}},"script":{"lang":"knn","source":"knn_score","params":'
            '{"field":"text_vector","query_value":{{#toJson}}query_text_vector{{/toJson}},'
            '"space_type":"cosinesimil"}}}}')
AFFINITY = ('{"function_score":{"query":{"match_all":{}},"functions":'
            '{{#toJson}}category_affinity_functions{{/toJson}},"score_mode":"max","boost_mode":"replace"}}')


def sample_featureset(name: str = "mm_features") -> FeatureSet:
    return FeatureSet(name, (
        Feature("bm25_title", {"match": {"title": "{{keywords}}"}}, ("keywords",)),
        Feature("knn_text", KNN_TEXT, ("query_text_vector",)),
        Feature("affinity_category", AFFINITY, ("category_affinity_functions",)),
        Feature("popularity", {"function_score": {"query": {"match_all": {}}, "field_value_factor": {
            "field": "popularity", "modifier": "log1p", "missing": 0}}}),
    ))


def sample_definition(split: str = "bm25_title", second: str = "knn_text") -> dict[str, Any]:
    return {"objective": "rank:pairwise", "splits": [
        {"nodeid": 0, "depth": 0, "split": split, "split_condition": 2.5, "yes": 1, "no": 2, "missing": 2,
         "children": [
             {"nodeid": 1, "leaf": -0.12},
             {"nodeid": 2, "depth": 1, "split": second, "split_condition": 0.83, "yes": 3, "no": 4, "missing": 3,
              "children": [{"nodeid": 3, "leaf": 0.05}, {"nodeid": 4, "leaf": 0.31}]}]},
        {"nodeid": 0, "leaf": 0.01}]}
