"""Judgments: grades from estimates with minimum evidence, the CSV contract, and importing human labels."""
from __future__ import annotations


import numpy as np
import pytest

from ltr.clickmodels import fit_click_model
from ltr.judgments import (
    DEFAULT_THRESHOLDS,
    JudgmentsError,
    grades,
    import_labels,
    judgments_from_model,
    qid_for,
    read_judgments,
    write_judgments,
)
from ltr.sessions import SessionLog, per_user_sessions
from ltr.types import Judgment, Session
from support.paths import ICECAT_JUDGMENTS

ICECAT = ICECAT_JUDGMENTS


def test_grade_thresholds():
    relevance = np.array([0.0, 0.049, 0.05, 0.1, 0.15, 0.29, 0.3, 0.49, 0.5, 1.0])
    assert grades(relevance).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert grades(relevance, (0.1, 0.2, 0.3, 0.4)).tolist() == [0, 0, 0, 1, 1, 2, 3, 4, 4, 4]
    for bad in ((0.1, 0.2, 0.3), (0.1, 0.3, 0.2, 0.4), (0.1, 0.1, 0.2, 0.3)):
        with pytest.raises(ValueError, match="ascending"):
            grades(relevance, bad)


def test_judgments_need_minimum_evidence_and_track_the_truth(dbn_log):
    model = fit_click_model("dbn", dbn_log.session_log())
    judged, report = judgments_from_model(model, min_evidence=5)
    truth = dbn_log.truth().set_index(["query", "doc_id"])["relevance"]
    true_grades = grades(truth.loc[[(j.query, j.doc_id) for j in judged]].to_numpy())
    agreement = float(np.mean(np.abs(true_grades - np.array([j.grade for j in judged])) <= 1))
    print(f"\ngrades within one of the true grade: {agreement:.3f} of {len(judged)}")
    assert agreement > 0.95
    assert report.counts["judgments"] == len(judged)
    assert sum(report.counts[f"grade_{g}"] for g in range(5)) == len(judged)
    strict, strict_report = judgments_from_model(model, min_evidence=1500)
    assert len(strict) + strict_report.notes["below_min_evidence"] == len(model.pairs)
    assert 0 < len(strict) < len(judged)
    assert all(j.qid == qid_for(j.query) for j in judged)


def test_qids_are_stable_and_distinct():
    assert qid_for("red shoes") == qid_for("red shoes") != qid_for("blue shoes")
    assert qid_for("red shoes").startswith("q") and len(qid_for("x")) == 11


def test_csv_round_trip(tmp_path):
    rows = [Judgment("q1", "red shoes", "d1", 4), Judgment("q1", "red shoes", "d2", 0)]
    path = tmp_path / "j.csv"
    assert write_judgments(path, rows) == 2
    assert path.read_text().splitlines()[0] == "qid,query,doc_id,grade"
    back, report = read_judgments(path)
    assert back == rows and report.n_rejected == 0


def test_personalized_csv_round_trip(tmp_path):
    rows = [Judgment("q1", "shoes, red", "d1", 3, "u1"), Judgment("q1", "shoes, red", "d1", 1, "u2"),
            Judgment("q1", "shoes, red", "d2", 2)]
    write_judgments(tmp_path / "j.csv", rows)
    assert (tmp_path / "j.csv").read_text().splitlines()[0] == "qid,query,doc_id,grade,user_id"
    assert read_judgments(tmp_path / "j.csv")[0] == rows


def test_per_user_judgments_from_clicks():
    rows = []
    for user, liked in (("u1", "a"), ("u2", "b")):
        for docs in (("a", "b"), ("b", "a")):
            rows += [Session("q", docs, tuple(d == liked for d in docs), user_id=user)] * 6
    keyed, _ = per_user_sessions(SessionLog.from_sessions(rows))
    judged, _ = judgments_from_model(fit_click_model("sdbn", keyed), min_evidence=5)
    grade = {(j.user_id, j.doc_id): j.grade for j in judged}
    assert grade[("u1", "a")] > grade[("u1", "b")] and grade[("u2", "b")] > grade[("u2", "a")]
    assert {j.qid for j in judged} == {qid_for("q")}


def test_import_validation_names_row_and_field(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("qid,query,doc_id,grade\n"
                    "q1,red shoes,d1,4\n"
                    "q1,red shoes,d2,five\n"
                    "q1,red shoes,d3,7\n"
                    "q1,red shoes,d4,2.5\n"
                    "q1,,d5,1\n"
                    "q1,red shoes,,1\n"
                    "q1,blue shoes,d6,1\n"
                    "q1,red shoes,d1,4\n"
                    "q1,red shoes,d1,3\n"
                    ",green shoes,d7,2\n")
    rows, report = import_labels(path)
    assert [(j.qid, j.doc_id, j.grade) for j in rows] == [("q1", "d1", 4), (qid_for("green shoes"), "d7", 2)]
    assert report.rejected == {"invalid_grade": 3, "invalid_query": 1, "invalid_doc_id": 1,
                               "qid_query_mismatch": 1, "conflicting_grade": 1}
    assert report.notes["duplicate_judgment"] == 1
    assert [r.line for r in report.rejects] == [3, 4, 5, 6, 7, 8, 10]
    assert "integer 0..4" in report.rejects[0].message and report.rejects[0].field == "grade"


def test_import_rescales_maps_labels_and_renames_columns(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("query,product,rating\nlaptop,d1,0\nlaptop,d2,1\nlaptop,d3,2\nlaptop,d4,3\nlaptop,d5,4\n")
    rows, report = import_labels(path, scale=(0, 3), columns={"product": "doc_id", "rating": "grade"})
    assert [j.grade for j in rows] == [0, 1, 3, 4] and report.rejected == {"invalid_grade": 1}
    assert "outside the declared scale" in report.rejects[0].message
    path.write_text("query,doc_id,grade\nlaptop,d1,Exact\nlaptop,d2,Irrelevant\nlaptop,d3,Meh\n")
    rows, report = import_labels(path, grade_map={"Exact": 4, "Irrelevant": 0})
    assert [j.grade for j in rows] == [4, 0] and report.rejected == {"invalid_grade": 1}


def test_import_refuses_files_without_the_contract_columns(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(JudgmentsError, match="missing column.*query, doc_id, grade"):
        import_labels(path)
    with pytest.raises(JudgmentsError, match="does not exist"):
        import_labels(tmp_path / "nope.csv")


@pytest.mark.skipif(not ICECAT.exists(), reason="shared Icecat data not mounted")
def test_import_icecat_human_labels():
    rows, report = import_labels(ICECAT, scale=(0, 3))
    assert len(rows) == 3668 and report.n_rejected == 0
    assert {j.grade for j in rows} == {0, 1, 3, 4}
    assert rows[0].qid == "icecat-q001"
    assert DEFAULT_THRESHOLDS == (0.05, 0.15, 0.30, 0.50)


class _Estimates:
    """A fitted click model's estimates table, as ``FittedModel.estimates`` returns it."""

    def __init__(self, rows):
        import pandas as pd
        self.frame = pd.DataFrame(rows, columns=["query", "user_id", "doc_id", "relevance", "impressions", "clicks"])

    def estimates(self):
        return self.frame


def test_shrinkage_pulls_weak_evidence_towards_not_relevant():
    from ltr.judgments import judgments_from_model

    model = _Estimates([("shoes", "u1", "a", 0.5, 1, 0),     # one unclicked impression: the model's prior
                        ("shoes", "u1", "b", 0.6, 12, 7),    # clicked again and again
                        ("shoes", "u1", "c", 0.2, 2, 1)])
    plain, _ = judgments_from_model(model, min_evidence=1)
    shrunk, report = judgments_from_model(model, min_evidence=1, shrinkage=1.0)
    grade = {j.doc_id: j.grade for j in plain}
    assert grade == {"a": 4, "b": 4, "c": 2}                 # the prior alone made "a" a 4
    grade = {j.doc_id: j.grade for j in shrunk}
    assert grade == {"a": 2, "b": 4, "c": 1}                 # 0.5*1/2 = 0.25; 0.6*12/13 = 0.55; 0.2*2/3 = 0.13
    assert report.counts["judgments"] == 3 and all(j.user_id == "u1" for j in shrunk)
    with pytest.raises(ValueError, match="shrinkage"):
        judgments_from_model(model, shrinkage=-1)
