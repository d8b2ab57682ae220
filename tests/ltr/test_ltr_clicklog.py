"""Reading click logs: JSONL and UBI, row-level validation with file, line and field in every reject."""
from __future__ import annotations

import gzip

import orjson
import pytest
from ltr_rows import T0, event, search

from ltr.clicklog import ClickLogError
from ltr.logs import read_click_log
from ltr.rowparse import RowError, parse_timestamp
from ltr.simulate import write_jsonl, write_ubi


def test_jsonl_round_trip_of_a_simulated_log(small_log, tmp_path):
    path = tmp_path / "log.jsonl"
    write_jsonl(small_log, str(path))
    log = read_click_log(path)
    assert log.n_searches == len(small_log.query)
    n_events = int(small_log.clicks.sum() + small_log.carts.sum() + small_log.purchases.sum())
    assert log.n_events == n_events
    assert log.report.n_rejected == 0
    assert log.results(0) == small_log.catalog["id"].to_numpy()[small_log.shown[0]].tolist()


def test_ubi_export_reads_like_the_jsonl(small_log, tmp_path):
    write_jsonl(small_log, str(tmp_path / "log.jsonl"))
    write_ubi(small_log, str(tmp_path / "ubi"))
    jsonl, ubi = read_click_log(tmp_path / "log.jsonl"), read_click_log(tmp_path / "ubi")
    assert ubi.n_searches == jsonl.n_searches and ubi.n_events == jsonl.n_events
    assert ubi.report.n_rejected == 0
    assert (ubi.event_position == jsonl.event_position).all()  # ordinal 1-based -> rank 0-based
    assert ubi.search_time[:5] == pytest.approx(jsonl.search_time[:5], abs=1e-3)
    # the queries file can be given instead of the directory
    assert read_click_log(tmp_path / "ubi" / "ubi_queries.ndjson").n_events == jsonl.n_events


def test_ubi_hits_bulk_lines_objects_ids_and_impressions(tmp_path):
    root = tmp_path / "ubi"
    root.mkdir()
    queries = [
        {"index": {"_index": "ubi_queries"}},
        {"_source": {"query_id": "q1", "client_id": "c1", "user_query": "tv",
                     "timestamp": "2024-05-01T10:00:00Z",
                     "query_response_objects_ids": ["a", "b", "c"]}},
        {"query_id": "q2", "client_id": "c2", "user_query": "radio", "timestamp": 1714557600000},
    ]
    events = [
        {"action_name": "impression", "query_id": "q2", "timestamp": 1714557601000,
         "event_attributes": {"object": {"object_id": "y"}, "position": {"ordinal": 2}}},
        {"action_name": "impression", "query_id": "q2", "timestamp": 1714557601000,
         "event_attributes": {"object": {"object_id": "x"}, "position": {"ordinal": 1}}},
        {"action_name": "click", "query_id": "q2", "client_id": "c2", "timestamp": 1714557605000,
         "event_attributes": {"object": {"object_id": "y"}, "position": {"ordinal": 2}}},
        {"action_name": "click", "query_id": "q1", "client_id": "c1", "timestamp": "2024-05-01T10:00:09Z",
         "event_attributes": {"object": {"object_id": "c"}, "position": {"ordinal": 3}}},
        {"action_name": "hover", "query_id": "q1", "timestamp": "2024-05-01T10:00:09Z"},
        {"query_id": "q1", "timestamp": "2024-05-01T10:00:09Z"},
    ]
    (root / "ubi_queries.ndjson").write_bytes(b"\n".join(orjson.dumps(r) for r in queries))
    (root / "ubi_events.ndjson").write_bytes(b"\n".join(orjson.dumps(r) for r in events))
    log = read_click_log(root)
    assert log.n_searches == 2
    by_id = {log.search_ids[i]: log.results(i) for i in range(log.n_searches)}
    assert by_id == {"q1": ["a", "b", "c"], "q2": ["x", "y"]}
    assert sorted(log.event_position.tolist()) == [1, 2]
    assert log.report.counts["bulk_action_lines"] == 1
    assert log.report.notes["ignored_action"] == 1
    assert log.report.notes["results_from_impressions"] == 1
    assert log.report.rejected == {"missing_field": 1}
    assert log.report.rejects[0].field == "action_name" and log.report.rejects[0].line == 6


def test_every_bad_row_is_rejected_with_its_line_and_field(write_lines):
    path = write_lines([
        search("s1", ["a", "b"]),
        "{not json",
        "[1, 2]",
        {"type": "view", "search_id": "s1"},
        {"type": "search", "query": "x", "results": [], "timestamp": T0},
        {"type": "search", "search_id": "s2", "query": "  ", "results": ["a"], "timestamp": T0},
        {"type": "search", "search_id": "s3", "query": "x", "results": "a,b", "timestamp": T0},
        {"type": "search", "search_id": "s4", "query": "x", "results": ["a"], "timestamp": "yesterday"},
        event("click", "s1", "a", 1.5),
        {"type": "click", "search_id": "s1", "timestamp": T0},
        "",
    ])
    log = read_click_log(path)
    assert log.n_searches == 1 and log.n_events == 0
    assert log.report.rejected == {"invalid_json": 1, "not_an_object": 1, "unknown_type": 1,
                                   "missing_field": 2,
                                   "invalid_field": 4}
    assert [(r.line, r.field) for r in log.report.rejects] == [
        (2, None), (3, None), (4, "type"), (5, "search_id"), (6, "query"), (7, "results"), (8, "timestamp"),
        (9, "position"), (10, "doc_id")]
    assert all(r.file == str(path) for r in log.report.rejects)
    assert "ISO 8601" in log.report.rejects[6].message


def test_duplicate_and_conflicting_searches(write_lines):
    log = read_click_log(write_lines([search("s1", ["a", "b"]), search("s1", ["a", "b"]),
                                      search("s1", ["b", "a"]), search("s2", ["a", "b", "a"])]))
    assert log.n_searches == 2
    assert log.report.notes["duplicate_search"] == 1
    assert log.report.rejected == {"conflicting_search": 1}
    assert log.report.notes["duplicate_result_doc"] == 1
    assert log.results(1) == ["a", "b", ""]  # the repeated doc leaves a hole; ranks keep their meaning


def test_empty_and_gzipped_logs(tmp_path, write_lines):
    empty = read_click_log(write_lines([]))
    assert empty.n_searches == 0 and empty.n_events == 0 and empty.report.n_rejected == 0
    gz = tmp_path / "log.jsonl.gz"
    with gzip.open(gz, "wb") as out:
        out.write(orjson.dumps(search("s1", ["a"])) + b"\n")
    assert read_click_log(gz).n_searches == 1


def test_unreadable_inputs_raise_a_click_log_error(tmp_path):
    with pytest.raises(ClickLogError, match="does not exist"):
        read_click_log(tmp_path / "missing.jsonl")
    (tmp_path / "ubi").mkdir()
    (tmp_path / "ubi" / "ubi_queries.ndjson").write_text("")
    with pytest.raises(ClickLogError, match="ubi_events"):
        read_click_log(tmp_path / "ubi")
    with pytest.raises(ClickLogError, match="unknown click log format"):
        read_click_log(tmp_path / "ubi", "csv")


@pytest.mark.parametrize("value,expected", [
    (1_700_000_000, 1_700_000_000.0), (1_700_000_000_500, 1_700_000_000.5),
    ("2023-11-14T22:13:20Z", 1_700_000_000.0), ("2023-11-14T22:13:20", 1_700_000_000.0),
    ("2023-11-14T23:13:20+01:00", 1_700_000_000.0), ("1700000000", 1_700_000_000.0)])
def test_timestamps(value, expected):
    assert parse_timestamp(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", [None, True, "soon", [1]])
def test_bad_timestamps(value):
    with pytest.raises(RowError):
        parse_timestamp(value)
