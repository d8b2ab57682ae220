"""Model evaluation speed: the embedded node's tree ensemble beside LightGBM's own C++ predict, same trees, same rows.

Run: ``.venv/bin/python bench/bench_tree_eval.py [--trees 300] [--docs 400] [--repeats 200]``.

The model is ``bench/bench_ltr.py``'s: an ``LGBMRanker`` (lambdarank, ``--trees`` trees, 31 leaves, 12 features,
10% NaN in training) converted exactly to ``model/xgboost+json`` (``ltr.convert``) and compiled by the node's
parser (``embedded_node.plugins.ltr.xgboost``, OpenSearch 3.8 semantics: NaN follows ``missing``). The rows are
``--docs`` x 12 float32 values from the training distribution with 10% NaN.

Printed, median of ``--repeats`` interleaved calls after warm-up (the machine may be shared), one thread each:

* the node: ``FlatEnsemble.score(X)``, the float32 sum of the plugin's ``NaiveAdditiveDecisionTree``;
* LightGBM: ``Booster.predict(X, raw_score=True, num_threads=1)`` (C++), on the same float32 rows;
* the node's generic walk (the previous evaluator, still the fallback), bit-identical, for comparison;
* the ratio node / LightGBM, and the largest score difference (float32 sum vs LightGBM's double sum, expected
  ~1e-6) as a check that both evaluated the same model.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedded_node.plugins.ltr.versions import PluginSemantics  # noqa: E402
from embedded_node.plugins.ltr.xgboost import parse_xgboost_json  # noqa: E402
from ltr.convert import convert_model  # noqa: E402

F32 = np.float32
FEATURES = [f"f{i}" for i in range(12)]


def train(trees: int):  # type: ignore[no-untyped-def]
    import lightgbm as lgb

    rng = np.random.default_rng(11)
    groups = np.full(500, 40)
    X = rng.gamma(2.0, 2.0, size=(int(groups.sum()), len(FEATURES))).astype(F32)
    X[rng.random(X.shape) < 0.1] = np.nan
    y = rng.integers(0, 5, size=X.shape[0])
    ranker = lgb.LGBMRanker(objective="lambdarank", n_estimators=trees, num_leaves=31, learning_rate=0.05,
                            min_child_samples=5, verbose=-1, n_jobs=1)
    ranker.fit(X, y, group=groups)
    return ranker.booster_


def interleaved_ms(fns: dict[str, object], repeats: int) -> dict[str, float]:
    """Median wall time of each function, the calls interleaved (a, b, a, b, ...) so that a shared machine's
    load falls on both alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(5):
        for fn in fns.values():
            fn()  # type: ignore[operator]
    for _ in range(repeats):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    booster = train(args.trees)
    definition = convert_model(booster, FEATURES)
    ensemble = parse_xgboost_json(definition, FEATURES, PluginSemantics("opensearch", (3, 8, 0))).ensemble
    rng = np.random.default_rng(2)
    X = rng.gamma(2.0, 2.0, size=(args.docs, len(FEATURES))).astype(F32)
    X[rng.random(X.shape) < 0.1] = np.nan
    X64 = X.astype(np.float64)

    def generic() -> np.ndarray:  # the walk every ensemble used before tree_eval (kept as the fallback)
        leaves = ensemble._leaves_generic(X)
        total = np.zeros(leaves.shape[0], dtype=F32)
        for column in np.asfortranarray(leaves).T:
            total += column
        return total

    assert np.array_equal(generic().view(np.int32), ensemble.score(X).view(np.int32))
    medians = interleaved_ms({"node": lambda: ensemble.score(X),
                              "lightgbm": lambda: booster.predict(X64, raw_score=True, num_threads=1),
                              "generic": generic}, args.repeats)
    node_ms, lgbm_ms = medians["node"], medians["lightgbm"]
    diff = float(np.max(np.abs(ensemble.score(X).astype(np.float64)
                               - booster.predict(X64, raw_score=True, num_threads=1))))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"model: {ensemble.num_trees} trees, {ensemble.feature.shape[0]} nodes; rows: {args.docs} x "
          f"{len(FEATURES)} float32 (10% NaN); median of {args.repeats}")
    print(f"{'embedded node (FlatEnsemble.score)':<42} {node_ms:8.3f} ms")
    print(f"{'LightGBM C++ predict, 1 thread':<42} {lgbm_ms:8.3f} ms")
    print(f"{'ratio node / LightGBM':<42} {node_ms / lgbm_ms:8.2f} x")
    print(f"{'node, generic walk (before tree_eval)':<42} {medians['generic']:8.3f} ms "
          f"({medians['generic'] / lgbm_ms:.2f} x LightGBM; same float32 bits)")
    print(f"{'max |node - LightGBM| score':<42} {diff:8.2e}")


if __name__ == "__main__":
    main()
