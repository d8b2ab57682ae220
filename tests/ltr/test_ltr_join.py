"""Joining events to searches: every bad case has a defined, counted outcome."""
from __future__ import annotations

import numpy as np
from ltr_rows import T0, event, search

from ltr.logs import read_click_log
from ltr.join import join_events


def _join(write_lines, rows, **options):
    log = read_click_log(write_lines(rows))
    joined, report = join_events(log, **options)
    return log, joined, report


def test_clean_events_join_with_their_rank(write_lines):
    log, joined, report = _join(write_lines, [search("s1", ["a", "b", "c"]), event("click", "s1", "c", 2),
                                              event("purchase", "s1", "c", 2, t=T0 + 60)])
    assert joined.position.tolist() == [2, 2] and joined.kind.tolist() == [0, 2]
    assert report.n_rejected == 0 and not any(report.notes.values())


def test_events_before_their_search_in_the_file_still_join(write_lines):
    _, joined, report = _join(write_lines, [event("click", "s1", "b", 1), search("s1", ["a", "b"])])
    assert len(joined) == 1 and report.n_rejected == 0


def test_unknown_search_is_rejected_with_its_id(write_lines):
    _, joined, report = _join(write_lines, [search("s1", ["a"]), event("click", "nope", "a", 0)])
    assert len(joined) == 0
    assert report.rejected == {"unknown_search": 1}
    reject = report.rejects[0]
    assert reject.line == 2 and reject.field == "search_id" and reject.row["search_id"] == "nope"
    assert "'nope'" in reject.message


def test_positions_out_of_range_wrong_or_missing(write_lines):
    _, joined, report = _join(write_lines, [
        search("s1", ["a", "b", "c"]),
        event("click", "s1", "x", 7),      # out of range, doc not shown -> rejected
        event("click", "s1", "x", 1),      # in range, doc not shown -> rejected
        event("click", "s1", "c", 9),      # out of range, but the doc is shown at 2 -> corrected
        event("add_to_cart", "s1", "b", 0),  # wrong rank -> corrected to 1
        event("purchase", "s1", "a", None),  # no rank -> taken from the results
        event("click", "s1", "a", -1),     # negative rank, doc shown -> corrected
    ])
    assert report.rejected == {"position_out_of_range": 1, "doc_not_in_results": 1}
    assert report.notes["position_corrected"] == 3 and report.notes["position_missing"] == 1
    assert sorted(zip(joined.doc.tolist(), joined.position.tolist())) == [(0, 0), (0, 0), (1, 1), (2, 2)]


def test_clock_skew_tolerance_and_join_window(write_lines):
    _, joined, report = _join(write_lines, [
        search("s1", ["a", "b", "c"], t=T0),
        event("click", "s1", "a", 0, t=T0 - 10),    # within the 30 s tolerance: kept
        event("click", "s1", "b", 1, t=T0 - 300),   # 5 min early: rejected
        event("click", "s1", "c", 2, t=T0 + 2 * 86400),  # two days later: rejected
    ])
    assert len(joined) == 1
    assert report.notes["clock_skew_tolerated"] == 1
    assert report.rejected == {"before_search": 1, "after_join_window": 1}
    assert "--clock-skew" in report.rejects[0].message
    # the tolerance is an option
    early = event("click", "s1", "a", 0, t=T0 - 300)
    _, joined, report = _join(write_lines, [search("s1", ["a"], t=T0), early],
                              clock_skew_s=600)
    assert len(joined) == 1 and report.n_rejected == 0


def test_duplicate_events_keep_the_earliest(write_lines):
    _, joined, report = _join(write_lines, [
        search("s1", ["a", "b"]), event("click", "s1", "a", 0, t=T0 + 9),
        event("click", "s1", "a", 0, t=T0 + 3),
        event("click", "s1", "a", 0, t=T0 + 5), event("purchase", "s1", "a", 0, t=T0 + 20)])
    assert report.notes["duplicate_event"] == 2
    assert sorted(zip(joined.kind.tolist(), joined.time.tolist())) == [(0, T0 + 3), (2, T0 + 20)]


def test_the_searching_user_owns_the_events(write_lines):
    log, joined, report = _join(write_lines, [
        search("s1", ["a"], user="u1"), event("click", "s1", "a", 0, user="u2"),
        search("s2", ["a"], user=None), event("click", "s2", "a", 0, user="u3")])
    assert report.notes["user_mismatch"] == 1
    users = sorted(log.user_ids[u] for u in joined.user)
    assert users == ["u1", "u3"]  # an anonymous search takes the event's user


def test_empty_log_joins_to_nothing(write_lines):
    _, joined, report = _join(write_lines, [])
    assert len(joined) == 0 and report.n_rejected == 0
    assert joined.position.dtype == np.int32
