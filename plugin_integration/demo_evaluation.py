"""Stage 6 of ``mmltr demo``: every ranker against the world's TRUE relevance of the evaluation period.

The evaluated query groups are the (user, query) pairs searched in the evaluation period (after the training
split); their judgments are ``World.truth(pairs)`` (graded 0..4 by the user's taste and the query's intent) plus
every first-stage candidate as grade 0 (exact: the truth is known, an absent item is not relevant). Each ranker
is scored by the cluster as it serves (:mod:`.evaluation_runs`, the retrieval protocol of ``mmltr evaluate``):
``bm25`` (the first stage's ``multi_match``), ``hybrid`` (BM25 and the text vector's exact cosine, min-max fused
with BM25 weight 0.5, as ``clicks simulate --ranker hybrid`` serves it), and ``ltr_nonpersonal`` and ``ltr``
(the first stage's top ``window`` rescored with ``sltr`` by each uploaded model, with each user's profile built
from the training period). Metrics, intervals and paired tests come from :mod:`ltr.evaluation`; the report is
``mmltr evaluate``'s (``metrics.json``, ``per_query.csv``, ``report.html``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ltr import hybrid
from ltr.evaluation import (DEFAULT_THRESHOLD, Evaluation, PairedTest, Qrels, Run, Verdict, evaluate_run, randomization_test,
                            summarize, verdict, write_outputs)
from ltr.world import SimulatedSearches, World

from . import evaluation_runs as er
from .cluster_info import detect
from .cli_features import query_vectors, user_contexts
from .featuresets import FeatureSet
from .fused_featureset import index_fields
from .judged_contexts import JudgedGroups, build_contexts, group_key
from .params import QueryContext

RANKERS = ("bm25", "hybrid", "ltr_nonpersonal", "ltr")
HYBRID_WEIGHT = 0.5
PRIMARY = "ndcg@10"


@dataclass(frozen=True)
class Gain:
    """``ltr`` minus ``other`` on NDCG@10 over the same query groups (paired)."""

    other: str
    test: PairedTest

    @property
    def significant(self) -> bool:
        return self.test.p_value < 0.05 and self.test.ci_low > 0


@dataclass(frozen=True)
class EvaluationStage:
    evaluation: Evaluation
    verdict: Verdict
    gains: tuple[Gain, ...]
    pairs: int            # (user, query) pairs searched in the evaluation period
    evaluated: int        # of them with a relevant item (grade >= the threshold)
    report_dir: Path
    seconds: float


@dataclass(frozen=True)
class TruthJudgment:
    qid: str
    query: str
    doc_id: str
    grade: int
    user_id: str | None


def evaluation_pairs(world: World, period: SimulatedSearches) -> list[tuple[str, str]]:
    """The distinct (user_id, qid) pairs searched in ``period``, in first-search order."""
    qid_of = {q.text: q.qid for q in world.queries}
    return list(dict.fromkeys((str(o.search.user_id), qid_of[o.search.query]) for o in period.outcomes))


def truth_groups(world: World, pairs: list[tuple[str, str]]) -> JudgedGroups:
    truth = world.truth(pairs)
    text = {q.qid: q.text for q in world.queries}
    rows = [TruthJudgment(str(q), text[str(q)], str(d), int(g), str(u))
            for u, q, d, g in truth[["user_id", "qid", "doc_id", "grade"]].itertuples(index=False)]
    groups = JudgedGroups.from_judgments(rows)
    for user_id, qid in pairs:  # pairs without any relevant item keep a (query, user) for their context
        key = group_key(qid, user_id)
        groups.query.setdefault(key, text[qid])
        groups.qid.setdefault(key, qid)
        groups.user.setdefault(key, user_id)
        groups.grades.setdefault(key, {})
    return groups


def evaluate_truth(client: Any, alias: str, world: World, period: SimulatedSearches, featureset: FeatureSet,
                   profiles_path: Path, models: dict[str, str], report_dir: Path, *, window: int = 100,
                   depth: int = 100, feature_gain: dict[str, float] | None = None) -> EvaluationStage:
    """``models``: ranker name (``ltr``, ``ltr_nonpersonal``) -> uploaded model name."""
    started = time.perf_counter()
    pairs = evaluation_pairs(world, period)
    groups = truth_groups(world, pairs)
    fields = index_fields(client, alias)
    queries = sorted(set(groups.query.values()))
    text, image = query_vectors(client, alias, fields, featureset, queries, None)
    contexts: dict[str, QueryContext] = build_contexts(groups, text, image, user_contexts(profiles_path, fields))
    flavour = detect(client).flavour  # the knn and exact-vector syntax of the cluster
    candidates = er.first_stage_top(client, alias, contexts, window, flavour)
    grades = {k: {**{d: 0 for d in candidates.get(k, {})}, **groups.grades[k]} for k in contexts}
    qrels = Qrels(grades)
    bm25 = er.top_scores(client, alias, {k: er.bm25_query(c.keywords) for k, c in contexts.items()}, depth)
    dense = er.top_scores(client, alias, {k: er.cosine_query(c.text_vector, flavour=flavour)
                                            for k, c in contexts.items()}, depth)
    runs: dict[str, Run] = {"bm25": Run.from_scores(bm25), "hybrid": hybrid.fused_run(bm25, dense, HYBRID_WEIGHT)}
    for ranker in ("ltr_nonpersonal", "ltr"):
        runs[ranker] = Run.from_scores(er.served_top(client, alias, contexts, models[ranker], k=depth,
                                                     window=window, flavour=flavour))
    keys = qrels.evaluated_queries(DEFAULT_THRESHOLD)
    per_query = {name: evaluate_run(runs[name], qrels, protocol="retrieval", queries=keys) for name in RANKERS}
    evaluation = summarize(per_query, protocol="retrieval")
    v = verdict(evaluation)
    write_outputs(report_dir, evaluation, v, feature_gain=feature_gain,
                  title=f"mmltr demo: {world.size} world (seed {world.seed}), true relevance of the evaluation "
                        "period")
    gains = tuple(Gain(other, randomization_test(per_query["ltr"][PRIMARY].to_numpy(),
                                                 per_query[other][PRIMARY].to_numpy()))
                  for other in RANKERS if other != "ltr")
    return EvaluationStage(evaluation, v, gains, len(pairs), len(keys), report_dir, time.perf_counter() - started)
