"""Judgments: click-model estimates turned into grades 0..4, and the CSV contract ``qid,query,doc_id,grade``
(optional ``user_id``), read, written and imported from human labels with row-level validation.

A grade needs evidence: a (query, doc) pair shown fewer than ``min_evidence`` times gets no judgment (counted
as ``below_min_evidence``), because a doc clicked once in two impressions is noise, not a 4. Per-user pairs are
shown a few times each (one user rarely repeats a query often), so a hard cut keeps almost nothing (0.6% of
(user, query, doc) pairs at 5 impressions on a simulated log) and a cut at 1 grades an unclicked impression by the
click model's prior (grade 2). ``shrinkage`` handles weak evidence instead: the relevance is shrunk towards 0 ("not
relevant") as if ``shrinkage`` unclicked impressions had been seen too, ``relevance * n / (n + shrinkage)``, so one
impression grades low and repeated clicks still reach the top grades.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .clickmodels.base import FittedModel
from .report import DataReport
from .types import Judgment, Reject

log = logging.getLogger(__name__)

MAX_GRADE = 4
#: relevance cut points for grades 1..4: below 0.05 is 0, [0.05, 0.15) is 1, ..., 0.5 and above is 4.
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.05, 0.15, 0.30, 0.50)
DEFAULT_MIN_EVIDENCE = 5
PER_USER_MIN_EVIDENCE = 1
PER_USER_SHRINKAGE = 1.0
COLUMNS = ("qid", "query", "doc_id", "grade")


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, read with surrogateescape


class JudgmentsError(Exception):
    """A judgments file that cannot be used at all (missing, no header, missing columns)."""


def qid_for(query: str) -> str:
    """A stable query id from the normalized query text: the same query gets the same qid in every log."""
    return "q" + hashlib.blake2b(query.encode("utf-8"), digest_size=5).hexdigest()


def grades(relevance: np.ndarray, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> np.ndarray:
    """Grade = number of thresholds at or below the relevance (thresholds ascending, 4 of them for 0..4)."""
    cuts = np.asarray(thresholds, dtype=float)
    if len(cuts) != MAX_GRADE or np.any(np.diff(cuts) <= 0):
        raise ValueError(f"give {MAX_GRADE} strictly ascending thresholds (grades 1..{MAX_GRADE}), "
                         f"got {thresholds}")
    return np.searchsorted(cuts, np.asarray(relevance, dtype=float), side="right").astype(np.int64)


def judgments_from_model(model: FittedModel, *, min_evidence: int = DEFAULT_MIN_EVIDENCE,
                         thresholds: Sequence[float] = DEFAULT_THRESHOLDS, shrinkage: float = 0.0,
                         ) -> tuple[list[Judgment], DataReport]:
    """Grade every (query, doc) pair with at least ``min_evidence`` impressions, its relevance shrunk by
    ``shrinkage`` pseudo-impressions towards 0 (see the module doc); sorted by qid, then grade."""
    if shrinkage < 0:
        raise ValueError(f"shrinkage must be >= 0, got {shrinkage}")
    report = DataReport()
    table = model.estimates()
    impressions = table["impressions"].to_numpy()
    enough = impressions >= min_evidence
    report.note("below_min_evidence", int(np.count_nonzero(~enough)))
    relevance = table["relevance"].to_numpy() * impressions / (impressions + shrinkage)
    table = table[enough].assign(grade=grades(relevance[enough], thresholds))
    table = table.assign(qid=[qid_for(q) for q in table["query"]])
    table = table.sort_values(["qid", "user_id", "grade", "doc_id"], ascending=[True, True, False, True],
                              na_position="first")
    columns = (table[c] for c in ("qid", "query", "doc_id", "grade", "user_id"))
    out = [Judgment(qid, query, doc, int(grade), user if isinstance(user, str) else None)
           for qid, query, doc, grade, user in zip(*columns)]
    for g in range(MAX_GRADE + 1):
        report.count(f"grade_{g}", sum(1 for j in out if j.grade == g))
    report.count("judgments", len(out))
    return out, report


def write_judgments(path: str | Path, judgments: Iterable[Judgment]) -> int:
    """Write the CSV contract; the ``user_id`` column appears only when some judgment is personalized."""
    rows = list(judgments)
    personal = any(j.user_id is not None for j in rows)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS + (("user_id",) if personal else ()))
        for j in rows:
            writer.writerow((j.qid, j.query, j.doc_id, j.grade) + ((j.user_id or "",) if personal else ()))
    return len(rows)


def read_judgments(path: str | Path) -> tuple[list[Judgment], DataReport]:
    """Read a judgments CSV strictly: integer grades 0..4, every row checked, bad rows rejected."""
    return import_labels(path)


def import_labels(path: str | Path, *, grade_map: Mapping[str, int] | None = None,
                  scale: tuple[float, float] | None = None,
                  columns: Mapping[str, str] | None = None) -> tuple[list[Judgment], DataReport]:
    """Import human labels into the judgments contract.

    ``columns`` renames input columns to ours (``{"rating": "grade"}``); ``grade_map`` maps label text to
    grades (``{"Exact": 4, "Irrelevant": 0}``); ``scale=(low, high)`` maps numbers linearly onto 0..4
    (``(0, 3)`` sends 0, 1, 2, 3 to 0, 1, 3, 4). A missing ``qid`` is derived from the query
    (:func:`qid_for`).
    """
    path = Path(path)
    if not path.is_file():
        raise JudgmentsError(f"judgments file {path} does not exist")
    table = _LabelTable(str(path))
    # surrogateescape: a byte that is not UTF-8 rejects its row (invalid_utf8) instead of aborting the import
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.DictReader(handle)
        try:
            header = [(columns or {}).get(c, c) for c in (reader.fieldnames or [])]
            missing = [c for c in ("query", "doc_id", "grade") if c not in header]
            if missing:
                raise JudgmentsError(f"{path}: missing column(s) {', '.join(missing)}; the header must have "
                                     f"qid,query,doc_id,grade[,user_id] (found {', '.join(header) or 'nothing'})")
            if any(_ESCAPED_BYTE.search(c) for c in header):
                raise JudgmentsError(f"{path}: the header row has a byte that is not UTF-8; save the file as UTF-8")
            reader.fieldnames = header
            for raw in reader:
                table.add(raw, reader.line_num, grade_map, scale)
        except csv.Error as exc:  # e.g. a cell over csv.field_size_limit(): the rest cannot be framed
            raise JudgmentsError(
                f"{path}: the row after line {reader.line_num} is not a readable CSV row ({exc}); fix it") from None
    table.report.count("judgments", len(table.rows))
    log.info("read %d judgments from %s (%d rejected)", len(table.rows), path, table.report.n_rejected)
    return table.rows, table.report


class _LabelTable:
    """Accepted judgments so far, with the checks that need them: one query per qid, one grade per key."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.report = DataReport()
        self.rows: list[Judgment] = []
        self._index: dict[tuple[str, str, str | None], int] = {}
        self._queries: dict[str, str] = {}

    def add(self, raw: dict[str, str | None], line: int, grade_map: Mapping[str, int] | None,
            scale: tuple[float, float] | None) -> None:
        self.report.count("rows_read")
        bad = next((k for k, v in raw.items() if isinstance(v, str) and _ESCAPED_BYTE.search(v)), False)
        if bad is not False:
            self.report.reject(Reject(self.file, line, "invalid_utf8", f"column {bad!r} has a byte that is not "
                                      "UTF-8; save the file as UTF-8", bad, None))
            return
        try:
            judgment = _judgment(raw, grade_map, scale)
        except ValueError as exc:
            field, message = exc.args
            self.report.reject(Reject(self.file, line, f"invalid_{field}", message, field, raw))
            return
        known_query = self._queries.setdefault(judgment.qid, judgment.query)
        if known_query != judgment.query:
            message = f"qid {judgment.qid!r} is already used for query {known_query!r}; one qid per query"
            self.report.reject(Reject(self.file, line, "qid_query_mismatch", message, "qid", raw))
            return
        key = (judgment.qid, judgment.doc_id, judgment.user_id)
        if key not in self._index:
            self._index[key] = len(self.rows)
            self.rows.append(judgment)
            return
        first = self.rows[self._index[key]].grade
        if first == judgment.grade:
            self.report.note("duplicate_judgment", example=f"{self.file}:{line}: {key}")
        else:
            self.report.reject(Reject(self.file, line, "conflicting_grade", f"{key} already graded {first}, "
                                      f"here {judgment.grade}; the first is kept", "grade", raw))


def _judgment(raw: Mapping[str, str | None], grade_map: Mapping[str, int] | None,
              scale: tuple[float, float] | None) -> Judgment:
    query = " ".join((raw.get("query") or "").split())
    doc_id = (raw.get("doc_id") or "").strip()
    if not query:
        raise ValueError("query", "'query' is empty; every judgment needs its query text")
    if not doc_id:
        raise ValueError("doc_id", "'doc_id' is empty; every judgment needs the judged document's id")
    qid = (raw.get("qid") or "").strip() or qid_for(query.lower())
    user = (raw.get("user_id") or "").strip() or None
    return Judgment(qid, query, doc_id, _grade((raw.get("grade") or "").strip(), grade_map, scale), user)


def _grade(text: str, grade_map: Mapping[str, int] | None, scale: tuple[float, float] | None) -> int:
    if grade_map is not None:
        if text not in grade_map:
            raise ValueError("grade",
                             f"grade {text!r} is not in the grade map ({', '.join(grade_map)}); add it "
                             "to --grade-map")
        value = float(grade_map[text])
    else:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("grade", f"grade {text!r} is not a number; use an integer 0..{MAX_GRADE} "
                             "(or --grade-map for text labels)") from None
    if scale is not None:
        low, high = scale
        if not low <= value <= high:
            raise ValueError("grade", f"grade {text} is outside the declared scale {low:g}..{high:g}")
        value = float(round((value - low) / (high - low) * MAX_GRADE))
    if not value.is_integer() or not 0 <= value <= MAX_GRADE:
        raise ValueError("grade",
                         f"grade {text!r} must be an integer 0..{MAX_GRADE} (use --scale LOW HIGH to "
                         "map another range onto 0..4)")
    return int(value)
