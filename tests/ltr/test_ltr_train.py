"""``ltr.train`` on synthetic feature tables: numbers, folds, the model directory and every error."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

lgb = pytest.importorskip("lightgbm")

from ltr.feature_table import TrainingError, validate  # noqa: E402
from ltr.folds import grouped_folds, qid_digest  # noqa: E402
from ltr.train import ndcg_at, train, write_model_dir  # noqa: E402


def table(n_queries: int = 60, docs: int = 12, seed: int = 0, **extra) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for q in range(n_queries):
        for d in range(docs):
            s = rng.uniform(0, 1)
            rows.append({"qid": f"q{q}", "doc_id": f"d{d}", "grade": int(s * 5), **extra,
                         "signal": s, "noise": rng.normal()})
    return pd.DataFrame(rows)


def test_a_determining_feature_gives_ndcg_near_one_and_beats_noise(tmp_path):
    result = train(table(), ["signal", "noise"], folds=3)
    assert len(result.record["folds"]) == 3
    assert result.record["mean"]["ndcg@10"] > 0.99
    noise = train(table()[["qid", "doc_id", "grade", "noise"]], ["noise"], folds=3)
    assert noise.record["mean"]["ndcg@10"] < 0.8
    assert result.booster.feature_name() == ["signal", "noise"]
    out = write_model_dir(result, tmp_path / "m", plugin_version="3.8.0")
    record = json.loads((out / "record.json").read_text())
    assert record["feature_names"] == ["signal", "noise"] and len(record["data"]["sha256"]) == 64
    assert record["versions"]["lightgbm"] == lgb.__version__ and record["plugin_version"] == "3.8.0"
    definition = json.loads((out / "model.json").read_text())
    assert definition["objective"] == "rank:pairwise"
    reloaded = lgb.Booster(model_file=str(out / "model.txt"))
    X = table(seed=1)[["signal", "noise"]].to_numpy(np.float32)
    np.testing.assert_array_equal(reloaded.predict(X), result.booster.predict(X))


def test_fold_assignment_is_independent_of_file_order():
    qids = [f"q{i}" for i in range(50)]
    a = dict(zip(qids, grouped_folds(qids, 5)))
    shuffled = list(reversed(qids))
    b = dict(zip(shuffled, grouped_folds(shuffled, 5)))
    assert a == b
    first = sorted(qids, key=qid_digest)[:5]
    assert [a[q] for q in first] == [0, 1, 2, 3, 4]
    df = table(20, 6)
    r1 = train(df, folds=4, early_stopping_rounds=None, num_boost_round=5)
    r2 = train(df.sample(frac=1.0, random_state=3), folds=4, early_stopping_rounds=None, num_boost_round=5)
    assert [m["test_queries"] for m in r1.record["folds"]] == [m["test_queries"] for m in r2.record["folds"]]


def test_time_split_trains_on_the_past_only():
    df = table(40, 8)
    df["timestamp"] = pd.to_datetime("2026-01-01") + pd.to_timedelta(df["qid"].str[1:].astype(int), unit="D")
    df = df[["qid", "doc_id", "grade", "timestamp", "signal", "noise"]]
    result = train(df, folds=4, num_boost_round=50)
    assert result.record["split"]["kind"] == "time"
    assert [m["train_queries"] for m in result.record["folds"]] == [10, 20, 30]


def test_position_column_trains_position_debiased():
    df = table(30, 10)
    df.insert(3, "position", df.groupby("qid").cumcount())
    result = train(df, folds=0, num_boost_round=20, early_stopping_rounds=None)
    assert result.record["position_debiased"] is True


def test_ndcg_matches_lightgbm_definition():
    scores = np.array([3.0, 2.0, 1.0, 1.0, 0.0, 5.0])
    grades = np.array([0, 2, 1, 0, 0, 0])
    sizes = np.array([4, 2])
    dcg = (3 / np.log2(3) + 1 / np.log2(4))
    idcg = 3 + 1 / np.log2(3)
    assert ndcg_at(scores, grades, sizes, 10) == pytest.approx((dcg / idcg + 1.0) / 2)


def test_single_document_queries_are_dropped_and_counted():
    df = pd.concat([table(10, 6), pd.DataFrame([{"qid": "lonely", "doc_id": "x", "grade": 3, "signal": 0.5,
                                                 "noise": 0.0}])], ignore_index=True)
    with pytest.warns(UserWarning, match="dropped 1 queries with a single judged document"):
        result = train(df, folds=0, num_boost_round=3, early_stopping_rounds=None)
    assert result.record["data"]["dropped_single_document_queries"] == 1
    with pytest.raises(TrainingError, match="no query has two or more judged documents"), \
            pytest.warns(UserWarning):
        validate(df[df.qid == "lonely"])


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.assign(grade=2), r"every query has all-equal grades .*judge documents of different relevance"),
    (lambda d: d.assign(grade=d.grade.astype(float).where(d.index != 5)), r"1 rows have no grade \(NaN\), in "
                                                                           r"qids \['q1'\]"),
    (lambda d: d.assign(grade=d.grade + 0.5), r"row 0 \(qid 'q0'\) has grade \d.5; grades must be integers 0..4"),
    (lambda d: d.assign(grade=d.grade + 5), r"has grade \d+.0; grades must be integers 0..4"),
    (lambda d: d.assign(grade="high"), r"row 0 \(qid 'q0'\) has grade 'high', not a number"),
    (lambda d: d.assign(noise=d.noise.astype(str)), r"feature column 'noise' is (object|str) .*not numeric.*never as "
                                                    r"LightGBM categorical"),
    (lambda d: d.assign(noise=d.noise.astype("category")), r"feature column 'noise' is category"),
    (lambda d: d.drop(columns="grade"), r"missing column\(s\) \['grade'\]"),
    (lambda d: d.rename(columns={"noise": "other"}), r"not in the featureset \['other'\], missing from the "
                                                     r"table \['noise'\]"),
    (lambda d: d[["qid", "doc_id", "grade", "noise", "signal"]], r"in the order \['noise', 'signal'\], the "
                                                                 r"featureset's is \['signal', 'noise'\]"),
])
def test_errors_name_the_input_and_the_fix(mutate, message):
    with pytest.raises(TrainingError, match=message):
        train(mutate(table(6, 5)), ["signal", "noise"], folds=0, num_boost_round=2, early_stopping_rounds=None)


def test_categorical_params_and_missing_positions_are_refused():
    with pytest.raises(TrainingError, match="categorical_feature.*encode categories as numeric"):
        train(table(6, 5), params={"categorical_feature": [0]}, folds=0)
    df = table(6, 5)
    df.insert(3, "position", 1.0)
    df.loc[2, "position"] = np.nan
    with pytest.raises(TrainingError, match=r"row 2 \(qid 'q0'\) has no position"):
        train(df, folds=0)
    with pytest.raises(TrainingError, match="no such feature table"):
        train("/nonexistent/features.parquet")


def test_parquet_input_and_data_hash_is_stable(tmp_path):
    df = table(8, 5)
    path = tmp_path / "features.parquet"
    df.to_parquet(path)
    a, b = validate(path), validate(df)
    assert a.sha256 == b.sha256 and a.source == str(path)
    assert validate(df.assign(noise=df.noise + 1)).sha256 != a.sha256
