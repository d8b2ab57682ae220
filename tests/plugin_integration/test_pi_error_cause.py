"""Cluster errors name the innermost cause: a feature that cannot be built says why, not only which."""
from __future__ import annotations

from plugin_integration.errors import from_body

ZERO_VECTOR = {"error": {
    "root_cause": [{"type": "query_shard_exception", "reason": "Cannot create query while parsing feature [taste]"}],
    "type": "search_phase_execution_exception", "reason": "all shards failed", "phase": "query",
    "failed_shards": [{"shard": 0, "index": "items", "reason": {
        "type": "query_shard_exception", "reason": "Cannot create query while parsing feature [taste]",
        "caused_by": {"type": "script_exception", "reason": "compile error", "caused_by": {
            "type": "illegal_argument_exception",
            "reason": "zero vector is not supported when space type is [cosinesimil]"}}}}]},
    "status": 400}


def test_the_innermost_cause_is_in_the_message() -> None:
    error = from_body(400, ZERO_VECTOR)
    assert str(error).startswith("[400 search_phase_execution_exception] all shards failed: query_shard_exception: "
                                 "Cannot create query while parsing feature [taste]; caused by "
                                 "illegal_argument_exception: zero vector is not supported when space type is "
                                 "[cosinesimil]")


def test_a_cause_already_in_the_reason_is_not_repeated() -> None:
    body = {"error": {"type": "x", "reason": "outer", "caused_by": {"type": "y", "reason": "inner"}}, "status": 400}
    assert from_body(400, body).reason == "outer: inner"


def test_a_cyclic_or_deep_body_is_walked_with_a_bound() -> None:
    node: dict = {"type": "t", "reason": "r0"}
    top = node
    for i in range(100):
        node["caused_by"] = {"type": "t", "reason": f"r{i + 1}"}
        node = node["caused_by"]
    error = from_body(500, {"error": top, "status": 500})
    assert "caused by t: r" in error.reason
