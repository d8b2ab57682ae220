"""Sessions: searches joined with their events as rank matrices."""
from __future__ import annotations

import numpy as np
import pytest
from ltr_rows import T0, event, search

from ltr.logs import read_click_log
from ltr.join import join_events
from ltr.sessions import SessionLog, build_sessions, per_user_sessions, split_sessions
from ltr.simulate import write_jsonl
from ltr.types import Session


def _sessions(write_lines, rows, **options):
    log = read_click_log(write_lines(rows))
    joined, _ = join_events(log)
    return build_sessions(log, joined, **options)


def test_sessionize_a_simulated_log_reproduces_it(small_log, tmp_path):
    write_jsonl(small_log, str(tmp_path / "log.jsonl"))
    log = read_click_log(tmp_path / "log.jsonl")
    joined, _ = join_events(log)
    sessions, report = build_sessions(log, joined)
    truth = small_log.session_log()
    assert len(sessions) == len(truth) and report.counts["sessions"] == len(truth)
    assert (sessions.clicks == truth.clicks).all() and (sessions.purchases == truth.purchases).all()
    assert [sessions.doc_ids[d] for d in sessions.docs[7]] == [truth.doc_ids[d] for d in truth.docs[7]]


def test_purchase_implies_click_and_flags_land_on_their_rank(write_lines):
    sessions, report = _sessions(write_lines, [search("s1", ["a", "b", "c"]), event("purchase", "s1", "b", 1),
                                               event("add_to_cart", "s1", "c", 2),
                                               event("click", "s1", "c", 2)])
    assert sessions.clicks.tolist() == [[False, True, True]]
    assert sessions.carts.tolist() == [[False, False, True]]
    assert sessions.purchases.tolist() == [[False, True, False]]
    assert report.notes["implied_clicks"] == 1


def test_max_rank_truncates_lists_and_counts_deeper_events(write_lines):
    sessions, report = _sessions(write_lines, [search("s1", list("abcdef")), search("s2", ["a"]),
                                               search("s3", []), event("click", "s1", "f", 5),
                                               event("click", "s1", "b", 1)], max_rank=3)
    assert sessions.docs.shape == (2, 3)
    assert sessions.docs[1].tolist() == [0, -1, -1]
    assert report.notes["searches_truncated_at_max_rank"] == 1
    assert report.notes["events_below_max_rank"] == 1
    assert report.notes["searches_without_results"] == 1
    assert sessions.clicks[0].tolist() == [False, True, False]


def test_empty_log_gives_empty_sessions(write_lines):
    sessions, _ = _sessions(write_lines, [])
    assert len(sessions) == 0 and sessions.docs.shape[0] == 0


def test_from_sessions_and_iteration_round_trip():
    rows = [Session("q1", ("a", "b"), (False, True), (False, True), (False, False), "u1", T0, "s1"),
            Session("q2", ("c",), (True,), user_id=None, timestamp=T0 + 1, search_id="s2")]
    log = SessionLog.from_sessions(rows)
    back = list(log)
    assert back[0] == rows[0]
    assert back[1].docs == ("c",) and back[1].clicks == (True,) and back[1].user_id is None
    assert log.docs.tolist() == [[0, 1], [2, -1]]


def test_session_flags_must_match_docs():
    with pytest.raises(ValueError, match="one flag per shown doc"):
        Session("q", ("a", "b"), (True,))


def test_time_split_puts_the_latest_sessions_in_test(dbn_log):
    sessions = dbn_log.session_log()
    train, test = split_sessions(sessions, 0.25)
    assert len(test) == round(len(sessions) * 0.25) and len(train) + len(test) == len(sessions)
    assert train.time.max() <= test.time.min()
    a, b = split_sessions(sessions, 0.25, "random", seed=4)
    assert len(b) == len(test) and not (a.time.max() <= b.time.min())
    with pytest.raises(ValueError):
        split_sessions(sessions, 1.5)


def test_per_user_sessions_key_queries_by_user():
    rows = [Session("q", ("a",), (True,), user_id="u1"), Session("q", ("a",), (False,), user_id="u2"),
            Session("q", ("a",), (True,), user_id="u1"), Session("q", ("a",), (True,))]
    keyed, anonymous = per_user_sessions(SessionLog.from_sessions(rows))
    assert anonymous == 1 and len(keyed) == 3
    assert sorted(zip(keyed.query_users, keyed.queries)) == [("u1", "q"), ("u2", "q")]
    assert np.unique(keyed.query).size == 2
