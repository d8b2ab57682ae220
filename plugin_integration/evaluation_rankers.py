"""The runs ``mmltr evaluate`` compares: ``bm25``, ``dense``, ``hybrid``, ``ltr`` (and ``ltr_nonpersonal``), per
protocol, from the cluster's scores (:mod:`.evaluation_runs`) and the fold models (:mod:`ltr.cv_ranking`).

Keys are query groups (``judged_contexts.group_key``: the qid, or qid + user for personalized judgments); folds
are by qid (``ltr.evaluation.splits``), so every group of a qid is held out together. With folds, each key's
``hybrid`` weight and ``ltr`` score come from its held-out fold's choices (made on the other folds' queries
only); with a given model there are no folds and the hybrid weight is chosen on all judged queries (said so in
the output).

* ``rerank``: each key's judged pool (the judged documents the index holds), scored by each ranker.
* ``retrieval``: ``bm25`` and ``dense`` take the top ``depth`` of the whole index; ``hybrid`` fuses those two
  lists; ``ltr`` re-scores the serving first stage's top ``window`` (the cluster's rescore for a given model;
  the fold models on the candidates' logged features for cross-validation). Unjudged documents count as not
  relevant.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ltr import cv_ranking, hybrid
from ltr.evaluation import Qrels, Run

from . import evaluation_runs as er
from .feature_logging import log_features
from .featuresets import FeatureSet
from .judged_contexts import JudgedGroups, group_key
from .params import QueryContext
from .queries import BaseClause

#: User features: ``ltr_nonpersonal`` is trained without them.
PERSONAL_FEATURES = ("cf_score", "price_fit")
PERSONAL_PREFIXES = ("affinity_", "taste_")
BASELINES = ("bm25", "dense", "hybrid")


def personal_features(names: Sequence[str]) -> list[str]:
    return [n for n in names if n in PERSONAL_FEATURES or n.startswith(PERSONAL_PREFIXES)]


@dataclass
class Plan:
    """What every ranker needs: the cluster, the featureset and contexts, the judged table and the folds."""

    client: Any
    alias: str
    featureset: FeatureSet
    groups: JudgedGroups
    contexts: dict[str, QueryContext]
    table: pd.DataFrame                      # the logged judged pools (ltr.feature_table), column ``key`` added
    qrels: Qrels                             # keyed by group key
    protocol: str
    splits: list[tuple[list[str], list[str]]] | None  # by qid; None with a given model
    model: str | None = None
    base: BaseClause | None = None           # the given model's base clause (its local record), if any
    params: Mapping[str, Any] | None = None  # LightGBM params of the fold models
    store: str | None = None
    depth: int = 100
    window: int = 100
    flavour: str = "opensearch"
    dense: bool = True                       # the index has a text vector
    batch_size: int = 32
    progress: Callable[[str], None] = lambda message: None

    @property
    def keys(self) -> list[str]:
        return list(self.contexts)

    def fold_keys(self) -> list[tuple[list[str], list[str]]]:
        """The splits in keys: (train keys, test keys) per fold."""
        assert self.splits is not None
        return [([k for k in self.keys if self.groups.qid[k] in set(tr)],
                 [k for k in self.keys if self.groups.qid[k] in set(te)]) for tr, te in self.splits]


@dataclass
class Rankers:
    runs: dict[str, Run] = field(default_factory=dict)
    hybrid_weights: dict[str, float] = field(default_factory=dict)  # fold number (or "all") -> weight
    hybrid_training: dict[str, dict[str, float]] = field(default_factory=dict)  # fold -> mean ndcg@10 per ranker
    gain: dict[str, float] | None = None
    fold_models: list[cv_ranking.FoldModel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build(plan: Plan) -> Rankers:
    out = Rankers()
    kw = {"batch_size": plan.batch_size}
    contexts = plan.contexts
    if plan.protocol == "rerank":
        pools = {k: list(g.doc_id) for k, g in plan.table.groupby("key", sort=False)}
        plan.progress("bm25: multi_match on each judged pool")
        bm25 = er.pool_scores(plan.client, plan.alias, {k: er.bm25_query(contexts[k].keywords) for k in pools},
                              pools, **kw)
        dense = None
        if plan.dense:
            plan.progress("dense: exact cosine on each judged pool")
            dense = er.pool_scores(plan.client, plan.alias,
                                   {k: er.cosine_query(contexts[k].text_vector, flavour=plan.flavour) for k in pools},
                                   pools, **kw)
    else:
        plan.progress(f"bm25: multi_match top {plan.depth} of the index")
        bm25 = er.top_scores(plan.client, plan.alias, {k: er.bm25_query(c.keywords) for k, c in contexts.items()},
                             plan.depth, **kw)
        dense = None
        if plan.dense:
            plan.progress(f"dense: exact cosine top {plan.depth} of the index")
            dense = er.top_scores(plan.client, plan.alias, {k: er.cosine_query(c.text_vector, flavour=plan.flavour)
                                                            for k, c in contexts.items()}, plan.depth, **kw)
    out.runs["bm25"] = Run.from_scores(bm25)
    if dense is not None:
        out.runs["dense"] = Run.from_scores(dense)
        out.runs["hybrid"] = _hybrid(plan, bm25, dense, out)
    else:
        out.notes.append("the index has no text vector: no dense or hybrid ranker")
    _ltr(plan, out)
    return out


def _hybrid(plan: Plan, bm25: er.Scores, dense: er.Scores, out: Rankers) -> Run:
    plan.progress("hybrid: choosing the weight on the training queries")
    if plan.splits is None:
        w, means = hybrid.choose_weight(bm25, dense, plan.qrels, plan.keys, protocol=plan.protocol)
        out.hybrid_weights["all"] = w
        out.hybrid_training["all"] = _training_means(plan, bm25, dense, plan.keys, means[w])
        out.notes.append(f"hybrid weight {w:.1f} (on BM25) chosen on all judged queries: with a given model there "
                         "are no folds, so the hybrid baseline is tuned on the queries it is measured on")
        return hybrid.fused_run(bm25, dense, w)
    weights: dict[str, float] = {}
    for i, (train_keys, test_keys) in enumerate(plan.fold_keys()):
        w, means = hybrid.choose_weight(bm25, dense, plan.qrels, train_keys, protocol=plan.protocol)
        out.hybrid_weights[str(i)] = w
        out.hybrid_training[str(i)] = _training_means(plan, bm25, dense, train_keys, means[w])
        weights.update(dict.fromkeys(test_keys, w))
    return hybrid.fused_run(bm25, dense, {k: weights[k] for k in set(bm25) | set(dense)})


def _training_means(plan: Plan, bm25: er.Scores, dense: er.Scores, keys: Sequence[str],
                    chosen: float) -> dict[str, float]:
    """Mean NDCG@10 on the training keys of the bm25 and dense rankers themselves, and of the chosen hybrid."""
    return {"bm25": hybrid.mean_ndcg(Run.from_scores(bm25), plan.qrels, keys, protocol=plan.protocol),
            "dense": hybrid.mean_ndcg(Run.from_scores(dense), plan.qrels, keys, protocol=plan.protocol),
            "hybrid": chosen}


def _ltr(plan: Plan, out: Rankers) -> None:
    names = list(plan.featureset.feature_names)
    if plan.model is not None:
        out.runs["ltr"] = _served_model(plan)
        personal = personal_features(names)
        if personal:
            out.notes.append("ltr_nonpersonal needs fold models: run with --folds K to compare without "
                             f"{', '.join(personal)}")
        return
    assert plan.splits is not None
    candidates = _candidates(plan) if plan.protocol == "retrieval" else plan.table
    training = plan.table if plan.protocol == "rerank" else _with_unjudged(plan, candidates)
    variants = [("ltr", names)]
    personal = personal_features(names)
    if personal:
        variants.append(("ltr_nonpersonal", [n for n in names if n not in personal]))
    for ranker, features in variants:
        plan.progress(f"{ranker}: training {len(plan.splits)} fold models on {len(features)} features")
        models = cv_ranking.fold_models(training.drop(columns=["key"]), features, plan.splits, params=plan.params)
        scores = cv_ranking.held_out_scores(models, candidates, features)
        out.runs[ranker] = Run.from_scores(zip(candidates["key"], candidates["doc_id"].astype(str), scores))
        if ranker == "ltr":
            out.fold_models = models
            out.gain = cv_ranking.total_gain(models)


def _served_model(plan: Plan) -> Run:
    assert plan.model is not None
    kw = {"batch_size": plan.batch_size}
    if plan.protocol == "rerank":
        plan.progress(f"ltr: the cluster's sltr score of {plan.model} on each judged pool")
        pools = {k: list(g.doc_id) for k, g in plan.table.groupby("key", sort=False)}
        scores = er.pool_scores(plan.client, plan.alias, {k: er.model_query(plan.contexts[k], plan.model, plan.store, plan.base)
                                                          for k in pools}, pools, **kw)
    else:
        plan.progress(f"ltr: first stage top {plan.window} rescored by {plan.model}")
        scores = er.served_top(plan.client, plan.alias, plan.contexts, plan.model, k=plan.depth, window=plan.window,
                               store=plan.store, flavour=plan.flavour, base=plan.base, **kw)
    return Run.from_scores(scores)


def _candidates(plan: Plan) -> pd.DataFrame:
    """The first stage's top ``window`` per key with their logged features (qid and key columns)."""
    plan.progress(f"ltr: first stage top {plan.window} per query, then their features")
    top = er.first_stage_top(plan.client, plan.alias, plan.contexts, plan.window, plan.flavour,
                             batch_size=plan.batch_size)
    logged = log_features(plan.client, plan.alias, plan.featureset, plan.contexts, {k: list(v) for k, v in top.items()},
                          store=plan.store, batch_size=plan.batch_size)
    frame = pd.DataFrame([(r.qid, r.doc_id, *r.values) for r in logged.rows],
                         columns=["key", "doc_id", *logged.feature_names])
    frame["qid"] = frame["key"].map(plan.groups.qid)
    return frame


def _with_unjudged(plan: Plan, candidates: pd.DataFrame) -> pd.DataFrame:
    """The judged table plus every first-stage candidate that was not judged, as grade 0: what a retrieval
    model must learn to push down is what the first stage brings, not only the judged pools (the fold models
    trained on the pools alone ranked Icecat's candidates at 0.510 NDCG@10, below BM25's 0.657)."""
    judged = set(zip(plan.table["key"], plan.table["doc_id"].astype(str)))
    extra = candidates[[(k, str(d)) not in judged for k, d in zip(candidates["key"], candidates["doc_id"])]].copy()
    extra["grade"] = 0
    if "user_id" in plan.table:
        extra["user_id"] = extra["key"].map(plan.groups.user)
    columns = [c for c in plan.table.columns if c in extra.columns]
    return pd.concat([plan.table, extra[columns]], ignore_index=True).sort_values(["key"], kind="stable")


def keyed_table(table: pd.DataFrame) -> pd.DataFrame:
    """The feature table with each row's group key (qid, or qid + user)."""
    users = table["user_id"] if "user_id" in table else pd.Series([None] * len(table), index=table.index)
    keyed = table.copy()
    keyed["key"] = [group_key(str(q), None if u is None or (isinstance(u, float) and u != u) else str(u))
                    for q, u in zip(table["qid"], users)]
    return keyed
