"""Judgments CSV import against corrupt and hostile input (issue 14): a byte that is not UTF-8 rejects its row,
absurd grades are rejects (never an OverflowError), an unframeable row is a clear error; any file is read
without an unexpected exception, every row accepted, rejected or noted as a duplicate exactly once."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ltr.judgments import JudgmentsError, import_labels


def test_a_byte_that_is_not_utf8_rejects_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_bytes(b"qid,query,doc_id,grade\nq1,tv,a,3\nq1,tv,caf\xe9,2\nq2,radio,b,1e400\nq2,radio,c,"
                     b"99999999999999999999999\nq2,radio,d,1\n")
    rows, report = import_labels(path)
    assert [(j.qid, j.doc_id, j.grade) for j in rows] == [("q1", "a", 3), ("q2", "d", 1)]
    assert [(r.line, r.reason, r.field) for r in report.rejects] == [
        (3, "invalid_utf8", "doc_id"), (4, "invalid_grade", "grade"), (5, "invalid_grade", "grade")]


def test_an_oversized_cell_is_a_clear_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text("qid,query,doc_id,grade\nq1,tv,a,3\nq1," + "x" * (csv.field_size_limit() + 10) + ",b,1\n")
    with pytest.raises(JudgmentsError, match=r"row after line 2 is not a readable CSV row \(field larger"):
        import_labels(path)


cells = st.one_of(st.sampled_from(["q1", "q2", "tv", "a", "b", "0", "4", "2.0", "-1", "1e400", "nan", "",
                                   "99999999999999999999"]), st.text(max_size=6), st.binary(max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cells, cells, cells, cells), min_size=1, max_size=12))
def test_any_judgments_file_is_read_and_every_row_accounted_once(tmp_path: Path, rows: list[tuple]) -> None:
    def quoted(value: str | bytes) -> bytes:
        raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        return b'"' + raw.replace(b'"', b'""') + b'"'

    path = tmp_path / "j.csv"
    path.write_bytes(b"qid,query,doc_id,grade\n" + b"".join(b",".join(quoted(c) for c in row) + b"\n"
                                                          for row in rows))
    judgments, report = import_labels(path)
    accounted = len(judgments) + report.n_rejected + report.notes["duplicate_judgment"]
    assert report.counts["rows_read"] == accounted == len(rows)
    assert all(0 <= j.grade <= 4 for j in judgments)
