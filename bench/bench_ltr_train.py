"""Conversion speed and ``ltr.train``'s overhead over plain ``lightgbm.train``, side by side in one run.

Run: ``.venv/bin/python bench/bench_ltr_train.py [--large] [--large-rows 1000000] [--large-rounds 50]``.

1. convert a 1,000-tree x 63-leaf model (random balanced trees, thresholds including the zero band and 1e300)
   to ``model/xgboost+json``: from the model text, from a ``Booster``, and the JSON text (target <= 2 s);
2. ``/work/shared/data/lightgbm-lambdarank`` (LightGBM's example) with its own ``train.conf`` parameters:
   ``ltr.train(..., defaults=False, folds=0)`` vs ``lightgbm.train`` on the same float32 matrix; NDCG@1/3/5 on
   ``rank.test`` printed for both (they must be equal);
3. with ``--large``: the same on a synthetic 1M-row matrix (25,000 queries x 40 docs, 20 features).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lightgbm as lgb  # noqa: E402

from ltr.convert import convert, definition_json  # noqa: E402
from ltr.train import ndcg_at, train  # noqa: E402

DATA = Path(os.environ.get("MMLTR_LAMBDARANK_DATA", ROOT.parent / "shared" / "data" / "lightgbm-lambdarank"))
F32 = np.float32


def synthetic_model_text(trees: int = 1000, leaves: int = 63, features: int = 12, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    specials = [1e300, -1.0000000180025095e-35, 1.0000000180025095e-35, 0.5]
    blocks = []
    for t in range(trees):
        n = leaves - 1
        # node i's children: a random binary tree built by splitting leaves
        left, right = [0] * n, [0] * n
        open_slots = [(0, "root")]
        slots: list[tuple[int, str]] = []
        for i in range(1, n):
            parent, side = slots.pop(rng.integers(len(slots))) if slots else (0, "l")
            if i == 1:
                slots = [(0, "l"), (0, "r")]
                parent, side = slots.pop(rng.integers(2))
            (left if side == "l" else right)[parent] = i
            slots += [(i, "l"), (i, "r")]
        for leaf, (parent, side) in enumerate(slots if n > 1 else [(0, "l"), (0, "r")]):
            (left if side == "l" else right)[parent] = ~leaf
        del open_slots
        thr = rng.normal(size=n) * 10
        mask = rng.random(n) < 0.05
        thr[mask] = rng.choice(specials, size=int(mask.sum()))
        blocks.append("\n".join([
            f"Tree={t}", f"num_leaves={leaves}", "num_cat=0",
            "split_feature=" + " ".join(map(str, rng.integers(0, features, size=n))),
            "threshold=" + " ".join(repr(float(x)) for x in thr),
            "decision_type=" + " ".join(map(str, rng.choice([0, 2, 8, 10], size=n))),
            "left_child=" + " ".join(map(str, left)), "right_child=" + " ".join(map(str, right)),
            "leaf_value=" + " ".join(repr(float(x)) for x in rng.normal(size=leaves) * 0.05),
            "shrinkage=0.1", "", ""]))
    header = ["tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0",
              f"max_feature_idx={features - 1}", "objective=lambdarank",
              "feature_names=" + " ".join(f"f{i}" for i in range(features)),
              "feature_infos=" + " ".join("[-100:100]" for _ in range(features)), "", ""]
    return "\n".join(header) + "\n".join(blocks) + "\nend of trees\n"


def bench_convert() -> None:
    text = synthetic_model_text()
    booster = lgb.Booster(model_str=text)
    timings = {}
    for label, source in (("model text", text), ("Booster", booster)):
        best = np.inf
        for _ in range(3):
            started = time.perf_counter()
            conv = convert(source)
            best = min(best, time.perf_counter() - started)
        timings[label] = best
    started = time.perf_counter()
    body = definition_json(conv.definition)
    dumped = time.perf_counter() - started
    print(f"[convert] 1000 trees x 63 leaves ({conv.splits} splits, {conv.zero_band_splits} in the zero band, "
          f"{conv.infinite_conditions} at 1e300): from text {timings['model text']:.2f} s, from Booster "
          f"{timings['Booster']:.2f} s, + JSON text {dumped:.2f} s ({len(body) / 1e6:.1f} MB); target <= 2 s")


def read_svmlight(path: Path, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    lines = path.read_text().splitlines()
    X = np.zeros((len(lines), n_features), dtype=F32)
    y = np.zeros(len(lines), dtype=np.int64)
    for i, line in enumerate(lines):
        parts = line.split()
        y[i] = int(float(parts[0]))
        for item in parts[1:]:
            k, v = item.split(":")
            X[i, int(k) - 1] = float(v)
    return X, y


def conf_params(path: Path) -> dict[str, str]:
    keep = {"objective", "metric", "ndcg_eval_at", "max_bin", "learning_rate", "num_leaves", "tree_learner",
            "feature_fraction", "bagging_freq", "bagging_fraction", "min_data_in_leaf", "min_sum_hessian_in_leaf",
            "is_enable_sparse", "boosting_type"}
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            if k in keep:
                out[k] = v
    return out


def side_by_side(label: str, X: np.ndarray, y: np.ndarray, groups: np.ndarray, params: dict, rounds: int,
                 X_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                 g_test: np.ndarray | None = None) -> None:
    names = [f"f{i}" for i in range(X.shape[1])]
    keep = np.repeat(groups > 1, groups)  # ltr.train drops single-document queries: both get the same matrix
    if not keep.all():
        print(f"        ({int((groups == 1).sum())} single-document queries dropped for both runs)")
        X, y, groups = X[keep], y[keep], groups[groups > 1]
    qid = np.repeat(np.arange(len(groups)), groups)
    frame = pd.DataFrame(X, columns=names)
    frame.insert(0, "grade", y)
    frame.insert(0, "doc_id", np.arange(len(y)))
    frame.insert(0, "qid", qid)
    params = {**params, "verbose": -1}
    times: dict[str, list[float]] = {"lightgbm.train": [], "ltr.train": []}
    boosters = {}
    for _ in range(2):  # alternate, best of two
        started = time.perf_counter()
        boosters["lightgbm.train"] = lgb.train(params, lgb.Dataset(X, y, group=groups), num_boost_round=rounds)
        times["lightgbm.train"].append(time.perf_counter() - started)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boosters["ltr.train"] = train(frame, names, params=params, defaults=False, folds=0,
                                          early_stopping_rounds=None, num_boost_round=rounds).booster
        times["ltr.train"].append(time.perf_counter() - started)
    plain, ours = min(times["lightgbm.train"]), min(times["ltr.train"])
    print(f"[train] {label}: {len(y)} rows, {len(groups)} queries, {X.shape[1]} features, {rounds} trees: "
          f"lightgbm.train {plain:.2f} s, ltr.train {ours:.2f} s, ratio {ours / plain:.3f} "
          f"(overhead {100 * (ours / plain - 1):+.1f}%, target <= +10%)")
    if X_test is not None:
        for name, booster in boosters.items():
            s = booster.predict(X_test)
            print(f"        {name:15s} rank.test NDCG@1 {ndcg_at(s, y_test, g_test, 1):.6f}  "
                  f"@3 {ndcg_at(s, y_test, g_test, 3):.6f}  @5 {ndcg_at(s, y_test, g_test, 5):.6f}")
        same = np.array_equal(boosters["lightgbm.train"].predict(X_test), boosters["ltr.train"].predict(X_test))
        print(f"        identical rank.test predictions: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", action="store_true", help="also the 1M-row synthetic matrix")
    parser.add_argument("--large-rows", type=int, default=1_000_000)
    parser.add_argument("--large-rounds", type=int, default=50)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, python "
          f"{platform.python_version()}, lightgbm {lgb.__version__}, numpy {np.__version__}")
    bench_convert()
    conf = conf_params(DATA / "train.conf")
    n_feat = 300
    X, y = read_svmlight(DATA / "rank.train", n_feat)
    Xt, yt = read_svmlight(DATA / "rank.test", n_feat)
    g = np.loadtxt(DATA / "rank.train.query", dtype=np.int64)
    gt = np.loadtxt(DATA / "rank.test.query", dtype=np.int64)
    side_by_side("lightgbm-lambdarank (train.conf)", X, y, g, conf, int(100), Xt, yt, gt)
    if args.large:
        rng = np.random.default_rng(0)
        docs = 40
        groups = np.full(args.large_rows // docs, docs)
        Xl = rng.normal(size=(int(groups.sum()), 20)).astype(F32)
        yl = np.clip((Xl[:, 0] + 0.5 * Xl[:, 1] + rng.normal(size=len(Xl))).round() + 1, 0, 4).astype(np.int64)
        side_by_side("synthetic", Xl, yl, groups, {"objective": "lambdarank", "num_leaves": 31,
                                                   "learning_rate": 0.1, "min_data_in_leaf": 50},
                     args.large_rounds)


if __name__ == "__main__":
    main()
