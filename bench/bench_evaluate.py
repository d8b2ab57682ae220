"""``mmltr evaluate --folds 5`` on Icecat after indexing (the issue's budget: <= 60 s on the 2-core machine), and
what the base-score choice costs, side by side in one run.

Run (after ``mmltr --data-dir DIR index load tests/data/icecat/catalog.jsonl.gz``)::

    .venv/bin/python bench/bench_evaluate.py --data-dir DIR

1. the command itself, ``evaluate tests/data/icecat/judgments.csv --folds 5`` for ``rerank`` and ``retrieval``
   (subprocess, wall time; MiniLM is loaded in each);
2. on the judged pools' logged features (``features log``): the 5 fold models with the base-score choice
   (``ltr.base_choice``, the default) against plain trees, the same folds, with the NDCG@10 of each: the ratio is
   what the choice costs.
The load average is printed with each figure: on a shared machine the wall times are not comparable otherwise.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ltr import cv_ranking  # noqa: E402
from ltr.evaluation import Qrels, Run, evaluate_run, splits  # noqa: E402

JUDGMENTS = ROOT / "tests" / "data" / "icecat" / "judgments.csv"
MMLTR = ROOT / ".venv" / "bin" / "mmltr"


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode not in (0, 4):
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    args = parser.parse_args()
    env_cli = [str(MMLTR), "--data-dir", str(args.data_dir)]
    with tempfile.TemporaryDirectory() as tmp:
        for protocol in ("rerank", "retrieval"):
            seconds = timed(env_cli + ["evaluate", str(JUDGMENTS), "--folds", "5", "--protocol", protocol,
                                       "--evals-index", "", "--report", f"{tmp}/{protocol}"])
            print(f"evaluate --folds 5 --protocol {protocol}: {seconds:.1f} s ({load()})", flush=True)
        table_path = f"{tmp}/table.parquet"
        timed(env_cli + ["features", "log", str(JUDGMENTS), "-o", table_path])
        table = pd.read_parquet(table_path)
        table.attrs.clear()
    names = [c for c in table.columns if c not in ("qid", "doc_id", "grade", "user_id")]
    folds = splits(sorted(set(table["qid"].astype(str))), 5)
    qrels = Qrels.from_frame(table)
    seconds = {}
    for label, base in (("plain trees", False), ("base-score choice", True)):
        started = time.perf_counter()
        models = cv_ranking.fold_models(table, names, folds, base=base)
        seconds[label] = time.perf_counter() - started
        scores = cv_ranking.held_out_scores(models, table, names)
        ndcg = evaluate_run(Run.from_scores(zip(table["qid"], table["doc_id"].astype(str), scores)), qrels)
        print(f"5 fold models, {label}: {seconds[label]:.1f} s, NDCG@10 {ndcg['ndcg@10'].mean():.4f} ({load()})",
              flush=True)
    print(f"ratio base-score choice / plain trees: {seconds['base-score choice'] / seconds['plain trees']:.2f}")


if __name__ == "__main__":
    main()
