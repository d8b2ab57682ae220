"""LightGBM ``lambdarank`` training on a feature table (:mod:`ltr.feature_table`), and the model directory.

``train(table, feature_names)``:

1. validates the table (errors name the column/qid and the fix; single-document queries are dropped, counted);
2. with ``folds >= 2``: query-grouped cross-validation (:mod:`ltr.folds`; by time when a ``timestamp`` column
   exists). In each fold, the number of trees is chosen by early stopping on NDCG@10 of an *inner* validation
   split of that fold's training queries; the held-out fold is only measured;
3. the final model is fitted on every query with the median of the folds' chosen tree counts (with
   ``folds < 2``: early stopping on an inner split of all queries, then a refit on all of them; with
   ``early_stopping_rounds=None``: exactly ``num_boost_round`` trees, nothing held out);
4. rows that carry ``position`` train position-debiased: ``lightgbm.Dataset(position=...)`` (LightGBM >= 4.1,
   unbiased LambdaMART, Wang et al. 2018), which learns a per-position bias jointly with relevance.

Defaults (:data:`DEFAULT_PARAMS`) are regularized for small judgment sets; each is explained beside it.
"""
from __future__ import annotations

import inspect
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .base_score import BaseScore, predict
from .convert import convert, definition_json
from .feature_table import Table, TrainingError, validate
from .folds import grouped_folds, inner_validation, time_blocks, timestamps_as_float

DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "learning_rate": 0.05,  # small steps; early stopping picks the count, so a low rate costs only time
    "num_leaves": 15,  # shallow trees: a few hundred judged queries cannot support 31+ leaf interactions
    "min_data_in_leaf": 20,  # no leaf fitted to a handful of documents of one query
    "min_sum_hessian_in_leaf": 1e-3,
    "lambda_l2": 1.0,  # shrinks the values of small leaves towards 0
    "min_gain_to_split": 0.0,
    "max_bin": 255,
    "feature_fraction": 1.0,  # few, mostly informative features: keep them all in every tree
    "lambdarank_truncation_level": 20,  # the pairs that matter for NDCG@10, with some margin
    "zero_as_missing": False,  # exact conversion refuses zero_as_missing (exponential JSON)
    "linear_tree": False,  # leaves must be constants for model/xgboost+json
    "deterministic": True,  # the same table and seed give the same model
    "force_row_wise": True,  # with deterministic: no timing-dependent histogram choice
    "seed": 0,
    "verbose": -1,
}
NUM_BOOST_ROUND = 1000
SMALL_TABLE_ROWS = 50_000
EARLY_STOPPING_ROUNDS = 50
INNER_FRACTION = 0.2


@dataclass
class TrainResult:
    booster: Any
    record: dict[str, Any]
    table: Table = field(repr=False)


def ndcg_at(scores: np.ndarray, grades: np.ndarray, sizes: np.ndarray, k: int) -> float:
    """Mean NDCG@k over groups, LightGBM's definition: gain 2^g - 1, discount log2(rank + 1), a group whose
    ideal DCG is 0 counts 1; ties in score broken by row order (stable sort)."""
    total, start = 0.0, 0
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    for n in sizes:
        s, g = scores[start:start + n], grades[start:start + n]
        start += n
        gains = 2.0 ** g - 1.0
        ideal = np.sort(gains)[::-1][:k]
        idcg = float((ideal * disc[:ideal.size]).sum())
        if idcg <= 0:
            total += 1.0
            continue
        got = gains[np.argsort(-s, kind="stable")][:k]
        total += float((got * disc[:got.size]).sum()) / idcg
    return total / max(len(sizes), 1)


def _dataset(lgb: Any, table: Table, groups: np.ndarray, use_position: bool, base: BaseScore | None) -> Any:
    rows = np.concatenate([np.arange(s, s + n) for s, n in zip(table.group_starts()[groups],
                                                                table.group_sizes[groups])]) \
        if len(groups) != len(table.group_sizes) else slice(None)
    kwargs: dict[str, Any] = {"label": table.grade[rows], "group": table.group_sizes[groups],
                              "free_raw_data": True}
    if use_position:
        kwargs["position"] = table.frame["position"].to_numpy(np.int64)[rows]
    if base is not None:
        kwargs["init_score"] = base.values(table.X[rows], table.feature_names)
    return lgb.Dataset(table.X[rows], feature_name=table.feature_names, **kwargs)


def _fit(lgb: Any, params: dict[str, Any], table: Table, groups: np.ndarray, rounds: int,
         stopping: int | None, times: np.ndarray | None, use_position: bool,
         base: BaseScore | None = None) -> tuple[Any, int]:
    """Train on ``groups``; with ``stopping``, choose the tree count on an inner split of them, then refit."""
    if stopping is None:
        return lgb.train(params, _dataset(lgb, table, groups, use_position, base), num_boost_round=rounds), rounds
    qids = [table.group_qids()[g] for g in groups]
    inner = inner_validation(qids, INNER_FRACTION, None if times is None else times[groups])
    train_set = _dataset(lgb, table, groups[~inner], use_position, base)
    valid_set = _dataset(lgb, table, groups[inner], False, base)
    p = {**params, "metric": "ndcg", "eval_at": [10]}
    booster = lgb.train(p, train_set, num_boost_round=rounds, valid_sets=[valid_set],
                        callbacks=[lgb.early_stopping(stopping, first_metric_only=True, verbose=False)])
    best = max(int(booster.best_iteration or booster.current_iteration()), 1)
    return lgb.train(params, _dataset(lgb, table, groups, use_position, base), num_boost_round=best), best


def train(table: pd.DataFrame | str | Path, feature_names: Sequence[str] | None = None, *,
          params: dict[str, Any] | None = None, folds: int = 5, num_boost_round: int = NUM_BOOST_ROUND,
          early_stopping_rounds: int | None = EARLY_STOPPING_ROUNDS, plugin_version: str | None = None,
          max_grade: int = 4, defaults: bool = True, base: BaseScore | None = None) -> TrainResult:
    """Train a LambdaMART ranker; ``params`` override :data:`DEFAULT_PARAMS` (LightGBM names); with
    ``defaults=False`` only ``params`` are used (plus ``objective=lambdarank`` when absent). With ``base``, the
    trees boost from ``base.weight * base.feature`` (:mod:`ltr.base_score`); fold metrics score trees + base."""
    import lightgbm as lgb

    data = validate(table, feature_names, max_grade=max_grade)
    merged = {**(DEFAULT_PARAMS if defaults else {"objective": "lambdarank"}), **(params or {})}
    merged.pop("num_iterations", None)
    if not any(k in merged for k in ("num_threads", "num_thread", "nthread", "nthreads", "n_jobs")):
        # one thread for small tables: OpenMP's threads cost more than they give there, and on a shared
        # machine they spin (measured: 48 fits of a 300-row table took 53 s with 2 threads, 18 s with 1)
        merged["num_threads"] = 1 if len(data.frame) < SMALL_TABLE_ROWS else 0
    for key in ("categorical_feature", "categorical_column"):
        if merged.get(key) not in (None, "", []):
            raise TrainingError(f"params set {key}={merged[key]!r}; categorical splits cannot be converted for "
                                "the plugin: encode categories as numeric features")
    if merged.get("zero_as_missing") or merged.get("linear_tree"):
        raise TrainingError("params set zero_as_missing or linear_tree, which the plugin cannot evaluate "
                            "exactly; leave them false")
    use_position = "position" in data.frame
    if use_position and "position" not in inspect.signature(lgb.Dataset).parameters:
        raise TrainingError(f"the table has a position column but LightGBM {lgb.__version__} has no position "
                            "support; install lightgbm>=4.1 (setup.cfg asks for >=4.5) or drop the column")
    n_groups = len(data.group_sizes)
    qids = data.group_qids()
    raw_times = data.group_column("timestamp")
    times = None if raw_times is None else timestamps_as_float(raw_times)
    fold_metrics: list[dict[str, Any]] = []
    chosen: list[int] = []
    if folds >= 2:
        if times is not None:
            blocks = time_blocks(qids, times, folds)
            plan = [(np.flatnonzero(blocks < i), np.flatnonzero(blocks == i)) for i in range(1, folds)]
        else:
            assign = grouped_folds(qids, folds)
            plan = [(np.flatnonzero(assign != i), np.flatnonzero(assign == i)) for i in range(folds)]
        for i, (tr, te) in enumerate(plan):
            if len(tr) < 2 or not len(te):
                raise TrainingError(f"fold {i} has {len(tr)} training and {len(te)} test queries; use fewer "
                                    f"folds than --folds {folds} for {len(set(qids))} queries")
            booster, best = _fit(lgb, merged, data, tr, num_boost_round, early_stopping_rounds, times,
                                 use_position, base)
            chosen.append(best)
            rows = np.concatenate([np.arange(s, s + n) for s, n in zip(data.group_starts()[te],
                                                                      data.group_sizes[te])])
            scores = predict(booster, data.X[rows], data.feature_names, base)
            grades, sizes = data.grade[rows], data.group_sizes[te]
            fold_metrics.append({"fold": i, "train_queries": int(len(tr)), "test_queries": int(len(te)),
                                 "trees": best, **{f"ndcg@{k}": ndcg_at(scores, grades, sizes, k)
                                                   for k in (1, 3, 5, 10)}})
    everything = np.arange(n_groups)
    if chosen:
        final_rounds = int(np.median(chosen))
        booster, _ = _fit(lgb, merged, data, everything, final_rounds, None, times, use_position, base)
    elif early_stopping_rounds is not None and n_groups >= 2:
        booster, final_rounds = _fit(lgb, merged, data, everything, num_boost_round, early_stopping_rounds,
                                     times, use_position, base)
    else:
        final_rounds = num_boost_round
        booster, _ = _fit(lgb, merged, data, everything, num_boost_round, None, times, use_position, base)
    record = {
        "data": {"sha256": data.sha256, "source": data.source, "rows": int(data.X.shape[0]),
                 "queries": n_groups, "dropped_single_document_queries": len(data.dropped_single),
                 "dropped_examples": data.dropped_single[:20]},
        "feature_names": data.feature_names,
        "params": merged, "num_boost_round": final_rounds,
        "split": {"kind": "time" if times is not None else "grouped_sha256", "folds": folds,
                  "early_stopping": None if early_stopping_rounds is None else
                  {"metric": "ndcg@10", "rounds": early_stopping_rounds, "inner_fraction": INNER_FRACTION}},
        "position_debiased": use_position,
        "base_score": None if base is None else base.to_dict(),
        "folds": fold_metrics,
        "mean": {k: float(np.mean([m[k] for m in fold_metrics])) for k in ("ndcg@1", "ndcg@3", "ndcg@5",
                                                                             "ndcg@10")} if fold_metrics else {},
        "versions": {"lightgbm": lgb.__version__, "numpy": np.__version__, "pandas": pd.__version__,
                     "python": platform.python_version()},
        "plugin_version": plugin_version,
    }
    return TrainResult(booster, record, data)


def write_model_dir(result: TrainResult, out_dir: str | Path, *, plugin_version: str | None = None,
                    distribution: str = "opensearch", assume_no_missing: bool = False) -> Path:
    """``model.txt``, the converted ``model.json`` and ``record.json`` (with the conversion's target)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conv = convert(result.booster, result.record["feature_names"], plugin_version=plugin_version,
                   distribution=distribution, assume_no_missing=assume_no_missing)
    result.booster.save_model(str(out / "model.txt"))
    (out / "model.json").write_text(definition_json(conv.definition), encoding="utf-8")
    record = {**result.record, "conversion": {
        "plugin_version": plugin_version, "distribution": distribution, "missing_semantics": conv.semantics,
        "assume_no_missing": assume_no_missing, "trees": conv.trees, "splits": conv.splits,
        "zero_band_splits": conv.zero_band_splits, "missing_types": conv.missing_types}}
    record["plugin_version"] = plugin_version
    (out / "record.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return out
