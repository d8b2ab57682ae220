"""A base score the trees boost from (``ltr.base_score``, ``ltr.base_choice``): the model's score is trees plus
``weight * feature``, the base feature is the training table's strongest, and the model it yields never ranks
far below that feature alone on held-out queries, where plain trees on few noisy queries do."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("lightgbm")

from ltr import cv_ranking  # noqa: E402
from ltr.base_choice import strongest_feature, train_with_base  # noqa: E402
from ltr.base_score import BaseScore, predict  # noqa: E402
from ltr.evaluation import Qrels, Run, evaluate_run, splits  # noqa: E402
from ltr.train import train  # noqa: E402


def table(n_queries: int = 60, docs: int = 12, seed: int = 0) -> pd.DataFrame:
    """A smooth strong signal (grade follows it with noise) and three noise features that trees overfit."""
    rng = np.random.default_rng(seed)
    rows = []
    for q in range(n_queries):
        for d in range(docs):
            s = rng.uniform(0, 1)
            grade = int(np.clip(np.round(4 * s + rng.normal(0, 0.9)), 0, 4))
            rows.append({"qid": f"q{q}", "doc_id": f"d{d}", "grade": grade, "cosine": s,
                         "n1": rng.normal(), "n2": rng.normal(), "n3": rng.normal()})
    return pd.DataFrame(rows)


def test_base_values_and_predict_add_weight_times_the_feature():
    base = BaseScore("b", 2.5)
    X = np.array([[1.0, 0.2], [3.0, 0.4]])
    np.testing.assert_allclose(base.values(X, ["a", "b"]), [0.5, 1.0])

    class Trees:
        def predict(self, X):
            return np.full(len(X), 10.0)

    np.testing.assert_allclose(predict(Trees(), X, ["a", "b"], base), [10.5, 11.0])
    np.testing.assert_allclose(predict(Trees(), X, ["a", "b"], None), [10.0, 10.0])
    assert BaseScore.from_dict(base.to_dict()) == base and BaseScore.from_dict(None) is None
    with pytest.raises(ValueError, match="'c' is not among the model's features"):
        BaseScore("c", 1.0).values(X, ["a", "b"])


def test_training_with_a_base_boosts_from_it():
    t = table()
    result = train(t, ["cosine", "n1", "n2", "n3"], folds=3, base=BaseScore("cosine", 50.0))
    assert result.record["base_score"] == {"feature": "cosine", "weight": 50.0}
    X = t[["cosine", "n1", "n2", "n3"]].to_numpy(np.float64)
    trees = result.booster.predict(X)
    full = predict(result.booster, X, ["cosine", "n1", "n2", "n3"], BaseScore("cosine", 50.0))
    np.testing.assert_allclose(full - trees, 50.0 * t["cosine"].to_numpy())
    # the trees are corrections: a strong base dominates the order
    assert np.corrcoef(full, t["cosine"])[0, 1] > 0.95


def test_the_strongest_feature_is_found_and_constant_features_never_win():
    t = table().assign(constant=1.0).drop(columns=["n3"])
    name, ndcg, std = strongest_feature(t, ["cosine", "n1", "n2", "constant"])
    assert name == "cosine" and ndcg > 0.85 and std == pytest.approx(t["cosine"].std(ddof=0), rel=1e-5)
    with pytest.raises(ValueError, match="constant"):
        strongest_feature(t[["qid", "doc_id", "grade", "constant"]], ["constant"])


def test_fold_models_with_a_base_do_not_lose_to_the_feature_where_plain_trees_do():
    t = table(n_queries=30, docs=10, seed=3)
    features = ["cosine", "n1", "n2", "n3"]
    qrels = Qrels.from_frame(t)
    folds = splits(sorted(set(t["qid"])), 3)
    fast = {"learning_rate": 0.2}

    def ndcg(scores) -> float:
        return float(evaluate_run(Run.from_scores(zip(t["qid"], t["doc_id"], scores)), qrels)["ndcg@10"].mean())

    alone = ndcg(t["cosine"].to_numpy())
    plain = ndcg(cv_ranking.held_out_scores(cv_ranking.fold_models(t, features, folds, base=False, params=fast), t, features))
    models = cv_ranking.fold_models(t, features, folds, base=True, params=fast)
    based = ndcg(cv_ranking.held_out_scores(models, t, features))
    assert plain < alone - 0.01          # trees on 20 noisy training queries lose to the feature
    assert based > plain + 0.01 and based >= alone - 0.01
    for m in models:
        choice = m.record["base_choice"]
        assert choice["feature"] == "cosine" and len(choice["tried"]) == 4
        assert m.base is not None and m.base.feature == "cosine"


def test_train_with_base_needs_inner_folds_and_trains_plain_trees_on_constant_features():
    with pytest.raises(ValueError, match="folds >= 2"):
        train_with_base(table(10, 5), ["cosine"], folds=0)
    t = table(12, 5).assign(constant=1.0)[["qid", "doc_id", "grade", "constant"]]
    result = train_with_base(t, ["constant"], folds=2, params={"learning_rate": 0.3})
    assert result.record["base_score"] is None
    assert result.record["base_choice"]["feature"] is None and result.record["base_choice"]["chosen"] is None
    assert "each is constant, negative or missing" in result.record["base_choice"]["reason"]


def test_features_that_can_be_negative_or_missing_are_never_the_base():
    """Serving adds weight * feature to trees lifted to stay positive; a base that can go negative (or be
    missing, read as 0 by the featureset's sltr) could make served scores negative or differ from training."""
    t = table(n_queries=20, docs=8, seed=5)
    t = t.assign(weak=t["n1"].abs())[["qid", "doc_id", "grade", "cosine", "n1", "weak"]]
    features = ["cosine", "n1", "weak"]
    assert strongest_feature(t, features)[0] == "cosine"
    shifted = t.assign(cosine=t["cosine"] - 0.5)  # the strongest feature, now partly negative
    assert strongest_feature(shifted, features)[0] == "weak"  # n1 is negative somewhere too
    holed = t.assign(cosine=t["cosine"].where(t.index % 7 != 0))  # the strongest feature, sometimes missing
    assert strongest_feature(holed, features)[0] == "weak"


def test_fold_models_are_the_same_trained_in_parallel_threads():
    """Folds train in threads on large tables (LightGBM releases the GIL); the models must not depend on it."""
    t = table(n_queries=15, docs=6, seed=4)[["qid", "doc_id", "grade", "cosine", "n1"]]
    folds = splits(sorted(set(t["qid"])), 3)
    kwargs = {"base": True, "params": {"learning_rate": 0.3}}
    one = cv_ranking.fold_models(t, ["cosine", "n1"], folds, workers=1, **kwargs)
    two = cv_ranking.fold_models(t, ["cosine", "n1"], folds, workers=2, **kwargs)
    assert [m.booster.model_to_string() for m in one] == [m.booster.model_to_string() for m in two]
    assert [m.record["base_score"] for m in one] == [m.record["base_score"] for m in two]
    assert [m.test_qids for m in one] == [m.test_qids for m in two] == [tuple(te) for _, te in folds]
