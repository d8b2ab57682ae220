"""From per-query metrics to an evaluation: means with bootstrap intervals per ranker, the best baseline, and
paired randomization tests of each candidate (``ltr``, ``ltr_nonpersonal``) against it.

The best baseline is the baseline with the highest mean on the primary metric (``ndcg@10``; ties by name). The
``metrics.json`` layout (:meth:`Evaluation.metrics_json`)::

    {"protocol": "rerank" | "retrieval", "folds": K | null, "queries": N,
     "rankers": {NAME: {"ndcg@10": {"mean", "ci_low", "ci_high"}, "mrr@10": {...}, ...}},
     "comparisons": [{"ranker", "baseline", "metric", "ranker_mean", "baseline_mean",
                      "mean_diff", "ci_low", "ci_high", "p_value"}, ...]}

``folds`` is null when a given model was evaluated rather than cross-validated; ``mean_diff`` is
``ranker - baseline`` per query, averaged, with its bootstrap interval; ``p_value`` is two-sided.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .metrics import DEFAULT_THRESHOLD, check_protocol
from .stats import CONFIDENCE, N_PERMUTATIONS, N_RESAMPLES, Interval, PairedTest, bootstrap_ci, randomization_test

CANDIDATES: tuple[str, ...] = ("ltr", "ltr_nonpersonal")
PRIMARY = "ndcg@10"


@dataclass(frozen=True)
class Settings:
    """How the numbers were made (shown in the report so a reader can reproduce them)."""

    threshold: int = DEFAULT_THRESHOLD
    confidence: float = CONFIDENCE
    n_resamples: int = N_RESAMPLES
    n_permutations: int = N_PERMUTATIONS
    seed: int = 0
    primary: str = PRIMARY


@dataclass(frozen=True)
class Comparison:
    ranker: str
    baseline: str
    metric: str
    ranker_mean: float
    baseline_mean: float
    test: PairedTest

    def as_dict(self) -> dict[str, Any]:
        return {"ranker": self.ranker, "baseline": self.baseline, "metric": self.metric,
                "ranker_mean": self.ranker_mean, "baseline_mean": self.baseline_mean,
                "mean_diff": self.test.mean_diff, "ci_low": self.test.ci_low, "ci_high": self.test.ci_high,
                "p_value": self.test.p_value}


@dataclass(frozen=True)
class Evaluation:
    protocol: str
    folds: int | None
    per_query: Mapping[str, pd.DataFrame]          # ranker -> per-query metrics (index qid, same for all)
    summary: Mapping[str, Mapping[str, Interval]]  # ranker -> metric -> mean and interval
    baselines: tuple[str, ...]
    best_baseline: str | None
    comparisons: tuple[Comparison, ...] = ()
    settings: Settings = field(default_factory=Settings)

    @property
    def queries(self) -> int:
        return len(next(iter(self.per_query.values())))

    @property
    def metrics(self) -> list[str]:
        return list(next(iter(self.per_query.values())).columns)

    @property
    def rankers(self) -> list[str]:
        return list(self.per_query)

    def comparison(self, ranker: str, metric: str) -> Comparison | None:
        return next((c for c in self.comparisons if c.ranker == ranker and c.metric == metric), None)

    def differences(self, ranker: str, baseline: str, metric: str) -> pd.Series:
        """Per-query ``ranker - baseline`` on ``metric`` (index qid)."""
        return self.per_query[ranker][metric] - self.per_query[baseline][metric]

    def metrics_json(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "folds": self.folds, "queries": self.queries,
                "rankers": {name: {m: iv.as_dict() for m, iv in metrics.items()}
                            for name, metrics in self.summary.items()},
                "comparisons": [c.as_dict() for c in self.comparisons]}


def summarize(per_query: Mapping[str, pd.DataFrame], *, protocol: str, folds: int | None = None,
              baselines: Sequence[str] | None = None, candidates: Sequence[str] = CANDIDATES,
              settings: Settings = Settings()) -> Evaluation:
    """Intervals for every ranker and metric; each candidate present is compared on every metric (but
    ``judged@k``, which describes the pool) with the best baseline. ``baselines`` defaults to every ranker
    that is not a candidate."""
    check_protocol(protocol)
    if not per_query:
        raise ValueError("no ranker to summarize")
    first_name, first = next(iter(per_query.items()))
    for name, frame in per_query.items():
        if list(frame.index) != list(first.index) or list(frame.columns) != list(first.columns):
            raise ValueError(f"ranker {name!r} is scored on other queries or metrics than {first_name!r}; "
                             "evaluate every ranker on the same queries")
    if settings.primary not in first.columns:
        raise ValueError(f"primary metric {settings.primary!r} is not among {list(first.columns)}")
    names = list(per_query)
    base = tuple(baselines) if baselines is not None else tuple(n for n in names if n not in candidates)
    unknown = [b for b in base if b not in per_query]
    if unknown:
        raise ValueError(f"baseline(s) {', '.join(unknown)} were not evaluated (rankers: {', '.join(names)})")
    summary = {name: {m: bootstrap_ci(frame[m].to_numpy(), confidence=settings.confidence,
                                      n_resamples=settings.n_resamples, seed=settings.seed)
                      for m in frame.columns}
               for name, frame in per_query.items()}
    best = max(sorted(base), key=lambda b: summary[b][settings.primary].mean) if base else None
    comparisons: list[Comparison] = []
    if best is not None:
        for ranker in (c for c in candidates if c in per_query and c not in base):
            for metric in (m for m in first.columns if not m.startswith("judged@")):
                test = randomization_test(per_query[ranker][metric].to_numpy(), per_query[best][metric].to_numpy(),
                                          confidence=settings.confidence, n_permutations=settings.n_permutations,
                                          n_resamples=settings.n_resamples, seed=settings.seed)
                comparisons.append(Comparison(ranker, best, metric, summary[ranker][metric].mean,
                                              summary[best][metric].mean, test))
    return Evaluation(protocol, folds, dict(per_query), summary, base, best, tuple(comparisons), settings)
