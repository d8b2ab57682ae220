"""Position-debiased training rows: one per judged impression, with the rank it was shown at."""
from __future__ import annotations

import numpy as np
import pytest

from ltr.sessions import SessionLog
from ltr.training_input import positioned_rows
from ltr.types import Judgment, Session


def _log():
    return SessionLog.from_sessions([
        Session("red shoes", ("a", "b", "c"), (True, False, False), user_id="u1", search_id="s1"),
        Session("red shoes", ("b", "a", "x"), (False, True, False), user_id="u2", search_id="s2"),
        Session("boots", ("c",), (False,), search_id="s3"),
    ])


def test_rows_keep_positions_and_group_by_search():
    judged = [Judgment("q1", "Red  Shoes", "a", 4), Judgment("q1", "red shoes", "b", 1),
              Judgment("q1", "red shoes", "c", 0), Judgment("q2", "boots", "zzz", 3)]
    rows, report = positioned_rows(_log(), judged)
    frame = rows.frame
    assert frame[["search_id", "doc_id", "position", "grade"]].values.tolist() == [
        ["s1", "a", 0, 4], ["s1", "b", 1, 1], ["s1", "c", 2, 0], ["s2", "b", 0, 1], ["s2", "a", 1, 4]]
    assert rows.group_sizes().tolist() == [3, 2]
    assert set(frame["qid"]) == {"q1"}
    assert report.notes["unjudged_impressions"] == 2 and report.notes["judgments_not_in_log"] == 1


def test_a_users_own_grade_wins():
    judged = [Judgment("q1", "red shoes", "a", 4), Judgment("q1", "red shoes", "a", 0, "u2")]
    frame = positioned_rows(_log(), judged)[0].frame
    assert dict(zip(frame["search_id"], frame["grade"])) == {"s1": 4, "s2": 0}


def test_lightgbm_trains_with_positions():
    lightgbm = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(0)
    docs = [f"d{i}" for i in range(8)]
    grade_of = {d: i % 5 for i, d in enumerate(docs)}
    sessions = [Session("q", tuple(rng.permutation(docs)[:5]), (False,) * 5,
                        search_id=f"s{i}") for i in range(60)]
    rows, _ = positioned_rows(SessionLog.from_sessions(sessions),
                              [Judgment("q1", "q", d, g) for d, g in grade_of.items()])
    features = np.array([[grade_of[d] + rng.normal(0, 0.1)] for d in rows.frame["doc_id"]])
    dataset = lightgbm.Dataset(features, **rows.lightgbm_args())
    booster = lightgbm.train({"objective": "lambdarank", "verbose": -1, "min_data_in_leaf": 1,
                              "lambdarank_position_bias_regularization": 0.1}, dataset, num_boost_round=5)
    scores = booster.predict(np.array([[0.0], [4.0]]))
    assert scores[1] > scores[0]
