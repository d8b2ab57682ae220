"""Property tests over the click-log reader: any mix of good, odd and corrupt rows is read without an exception,
and every row is accounted for exactly once (read = searches + interactions + rejected) (issue 14).

Rows are drawn around the JSONL contract (DESIGN §4): valid searches and clicks whose fields are replaced by
hostile values (2^63 positions, floats, strings, nested objects, huge or odd timestamps, non-UTF-8 bytes). The
budget is fixed (``max_examples``) and derandomized in CI (the ``ci`` profile in ``tests/conftest.py``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from ltr.cli_common import DEFAULT_LOG_OPTIONS, load_log
from ltr.clicklog import NO_POSITION
from ltr.logs import read_click_log
from ltr.rowparse import MAX_POSITION, RowError, parse_position
from plugin_integration.cli import main

KINDS = ("click", "add_to_cart", "purchase")
DOCS = ("a", "b", "c", "d")

hostile = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    search_id = draw(st.sampled_from(("s1", "s2", "s3")))
    if draw(st.booleans()):
        row: dict[str, Any] = {"type": "search", "search_id": search_id, "user_id": "u1", "query": "tv",
                               "results": list(draw(st.permutations(DOCS))), "timestamp": 1_700_000_000}
    else:
        row = {"type": draw(st.sampled_from(KINDS)), "search_id": search_id, "user_id": "u1",
               "doc_id": draw(st.sampled_from(DOCS)), "position": draw(st.integers(0, 3)),
               "timestamp": 1_700_000_005}
    for name in draw(st.lists(st.sampled_from(sorted(row)), max_size=2, unique=True)):
        row[name] = draw(hostile)
    return row


def _dumps(row: dict[str, Any]) -> bytes:
    """The stdlib writes what orjson refuses (integers past 64 bits, lone surrogates): more hostile rows."""
    return json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass")


lines = st.lists(
    st.one_of(rows().map(_dumps), rows().map(_dumps),
              st.binary(max_size=20).filter(lambda b: b"\n" not in b and b.strip())),
    min_size=1, max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=lines)
def test_every_row_is_read_or_rejected_exactly_once(tmp_path: Path, body: list[bytes]) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(body) + b"\n")
    log = read_click_log(path)
    counts = log.report.counts
    used = counts["searches"] + sum(counts[k] for k in KINDS)
    assert counts["rows_read"] == len(body)
    assert used + log.report.n_rejected == len(body)
    assert sorted(r.line for r in log.report.rejects) == sorted(set(r.line for r in log.report.rejects))
    _, _, _, report = load_log(path, DEFAULT_LOG_OPTIONS)  # joining and sessions never raise either
    assert report.n_rejected >= log.report.n_rejected


@given(value=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(), st.text(max_size=4)))
def test_a_position_is_an_int32_rank_or_a_row_error(value: object) -> None:
    try:
        position = parse_position(value)
    except RowError as err:
        assert err.field == "position" and err.reason in ("invalid_field", "position_out_of_range")
        return
    assert isinstance(position, int) and -MAX_POSITION <= position <= MAX_POSITION
    assert position > NO_POSITION  # never mistaken for "no rank logged"


@pytest.mark.parametrize("position", [2**63, 2**63 - 1, -(2**63), 1e300, 2**31 - 1])
def test_an_absurd_position_is_a_reported_reject_with_its_line(tmp_path: Path, position: object) -> None:
    path = tmp_path / "log.jsonl"
    good = {"type": "click", "search_id": "s", "doc_id": "b", "position": 1, "timestamp": 1_700_000_002}
    path.write_bytes(b"\n".join([
        orjson.dumps({"type": "search", "search_id": "s", "query": "tv", "results": ["a", "b"],
                      "timestamp": 1_700_000_000}),
        orjson.dumps({**good, "doc_id": "a", "position": position}),
        orjson.dumps(good),
    ]) + b"\n")
    log = read_click_log(path)
    assert [(r.line, r.reason, r.field) for r in log.report.rejects] == [(2, "position_out_of_range", "position")]
    assert log.n_events == 1


def test_judgments_from_clicks_reports_a_2_pow_63_position_and_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [
        {"type": "search", "search_id": "s", "query": "tv", "results": ["a", "b"], "timestamp": 1_700_000_000},
        {"type": "click", "search_id": "s", "doc_id": "a", "position": 2**63, "timestamp": 1_700_000_001},
        {"type": "click", "search_id": "s", "doc_id": "b", "position": 1, "timestamp": 1_700_000_002},
    ]) + b"\n")
    out = tmp_path / "j.csv"
    result = CliRunner().invoke(main, ["judgments", "from-clicks", str(path), "-o", str(out)])
    assert result.exit_code == 3, result.output
    assert "OverflowError" not in result.output and out.exists()
    (reject,) = [orjson.loads(x) for x in (tmp_path / "j.csv.rejects.jsonl").read_bytes().splitlines()]
    assert (reject["row"], reject["kind"], reject["field"]) == (2, "position_out_of_range", "position")
