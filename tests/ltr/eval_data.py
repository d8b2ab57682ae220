"""Small judged worlds for the evaluation tests: graded qrels and rankers of known quality."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ltr.evaluation import Qrels, Run, Settings, evaluate_run, summarize


def world(n_queries: int = 40, n_docs: int = 12, seed: int = 0) -> Qrels:
    rng = np.random.default_rng(seed)
    grades = {f"q{i:03d}": {f"d{j:02d}": int(rng.integers(0, 5)) for j in range(n_docs)} for i in range(n_queries)}
    return Qrels(grades)


def noisy_run(qrels: Qrels, noise: float, seed: int) -> Run:
    """Grades plus Gaussian noise: the smaller the noise, the better the ranker."""
    rng = np.random.default_rng(seed)
    return Run.from_scores({q: {d: g + rng.normal(0, noise) for d, g in docs.items()} for q, docs in qrels.items()})


def evaluation(ltr_noise: float = 0.3, protocol: str = "rerank", folds: int | None = 5, n_resamples: int = 2000,
               n_permutations: int = 2000):
    qrels = world()
    runs = {"bm25": noisy_run(qrels, 3.0, 1), "dense": noisy_run(qrels, 1.0, 2), "ltr": noisy_run(qrels, ltr_noise, 3)}
    per_query = {name: evaluate_run(run, qrels, protocol=protocol) for name, run in runs.items()}
    return summarize(per_query, protocol=protocol, folds=folds,
                     settings=Settings(n_resamples=n_resamples, n_permutations=n_permutations))


def feature_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.integers(0, 5, n)
    cosine = np.clip(0.2 * grade + rng.normal(0, 0.2, n), -1, 1)
    bm25 = np.where(rng.random(n) < 0.1, np.nan, 3 * grade + rng.normal(0, 4, n))
    return pd.DataFrame({"qid": [f"q{i // 10}" for i in range(n)], "doc_id": [f"d{i}" for i in range(n)],
                         "grade": grade, "cosine_title": cosine, "bm25_title": bm25,
                         "price": rng.lognormal(3, 1, n), "constant": np.ones(n)})
