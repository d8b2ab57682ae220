"""The ``mmltr-evals`` index: one document per (evaluation run, ranker), for Dashboards.

Why per (run, ranker): "NDCG@10 per model version over time" is then one line chart with no scripting:
x = ``timestamp`` (date histogram), y = average of ``ndcg@10``, split series by ``ranker`` (or by ``model`` for
the ``ltr`` rows), filtered by ``protocol`` and ``alias``. Run-level fields (``run_id``, model, featureset,
best baseline, verdict) repeat on each of a run's documents, so any row can be filtered on them; ``run_id``
groups the rows of one run.

The mapping is explicit (``dynamic: false``): ``timestamp`` date; ``run_id``, ``protocol``, ``ranker``, ``alias``,
``featureset``, ``model``, ``judgments``, ``best_baseline`` keyword; ``folds``, ``queries``, ``exit_code``
integer; ``better``, ``is_best_baseline``, ``is_candidate`` boolean; ``verdict`` text; per metric ``<m>``,
``<m>_ci_low``, ``<m>_ci_high`` float (``ndcg@10``, ``ndcg@10_ci_low``, ...) and, on candidate rows, ``<m>_diff``
and ``<m>_p`` (the paired comparison with the best baseline); ``hybrid_weights`` float (per fold).

Besides these ``record: ranker`` documents, a run writes to ``mmltr-evals-details`` (:data:`DETAILS_INDEX`, same
mapping; a second index so that ``mmltr-evals`` stays one document per (run, ranker)) (:func:`query_records`,
:func:`feature_records`):
``record: query``, one per (candidate ranker, query): ``qid``, the candidate's and the best baseline's
per-query value of the primary metric (``<m>``, ``<m>_baseline``), their difference ``<m>_diff`` and the
``outcome`` (``win``/``loss``/``tie``), so "per-query wins and losses" is a terms aggregation; and
``record: feature``, one per feature of the candidate model: ``feature``, ``gain`` and ``gain_share`` (its
share of the model's total gain), so "feature importance" is a bar chart. Charts filter on ``record``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from opensearchpy.exceptions import RequestError

from ltr.evaluation import JUDGED_AT, METRICS, Evaluation, Verdict

from .errors import translated
from .records_bulk import index_records

EVALS_INDEX = "mmltr-evals"
DETAILS_SUFFIX = "-details"
DETAILS_INDEX = EVALS_INDEX + DETAILS_SUFFIX
KEYWORDS = ("run_id", "protocol", "ranker", "alias", "featureset", "model", "judgments", "best_baseline", "record",
            "qid", "outcome", "feature")
RANKER, QUERY, FEATURE = "ranker", "query", "feature"  # the values of ``record``
PRIMARY = "ndcg@10"


def mapping() -> dict[str, Any]:
    props: dict[str, Any] = {"timestamp": {"type": "date"}, "verdict": {"type": "text"},
                             "hybrid_weights": {"type": "float"}}
    props |= {k: {"type": "keyword"} for k in KEYWORDS}
    props |= {k: {"type": "integer"} for k in ("folds", "queries", "exit_code")}
    props |= {k: {"type": "boolean"} for k in ("better", "is_best_baseline", "is_candidate")}
    props |= {k: {"type": "float"} for k in ("gain", "gain_share", f"{PRIMARY}_baseline")}
    for metric in (*METRICS, f"judged@{JUDGED_AT}"):
        for suffix in ("", "_ci_low", "_ci_high", "_diff", "_p"):
            props[metric + suffix] = {"type": "float"}
    return {"dynamic": False, "properties": props}


def records(evaluation: Evaluation, verdict: Verdict | None, *, run_id: str, timestamp: dt.datetime | None = None,
            **context: Any) -> list[dict[str, Any]]:
    """The run's documents, one per ranker (``context``: alias, featureset, model, judgments, hybrid_weights...)."""
    when = (timestamp or dt.datetime.now(dt.timezone.utc)).isoformat()
    run = {"run_id": run_id, "timestamp": when, "protocol": evaluation.protocol, "folds": evaluation.folds,
           "queries": evaluation.queries, "best_baseline": evaluation.best_baseline, **context}
    if verdict is not None:
        run |= {"verdict": verdict.text, "exit_code": verdict.exit_code, "better": verdict.better}
    docs = []
    for ranker, metrics in evaluation.summary.items():
        doc = dict(run, record=RANKER, ranker=ranker, is_best_baseline=ranker == evaluation.best_baseline,
                   is_candidate=ranker not in evaluation.baselines)
        for metric, interval in metrics.items():
            doc |= {metric: interval.mean, f"{metric}_ci_low": interval.ci_low, f"{metric}_ci_high": interval.ci_high}
        for c in evaluation.comparisons:
            if c.ranker == ranker:
                doc |= {f"{c.metric}_diff": c.test.mean_diff, f"{c.metric}_p": c.test.p_value}
        docs.append(doc)
    return docs


def query_records(evaluation: Evaluation, *, run_id: str, timestamp: dt.datetime | None = None,
                  metric: str = PRIMARY, **context: Any) -> list[dict[str, Any]]:
    """Per (candidate ranker, query): the candidate's ``metric`` against the best baseline's, and the outcome.
    Nothing when there is no baseline to compare with."""
    best = evaluation.best_baseline
    if best is None or metric not in evaluation.metrics:
        return []
    when = (timestamp or dt.datetime.now(dt.timezone.utc)).isoformat()
    docs = []
    for ranker in evaluation.rankers:
        if ranker in evaluation.baselines:
            continue
        diff = evaluation.differences(ranker, best, metric)
        for qid, d in diff.items():
            value = float(evaluation.per_query[ranker][metric][qid])
            base = float(evaluation.per_query[best][metric][qid])
            outcome = "win" if d > 1e-12 else "loss" if d < -1e-12 else "tie"
            docs.append({"run_id": run_id, "timestamp": when, "protocol": evaluation.protocol, **context,
                         "record": QUERY, "ranker": ranker, "best_baseline": best, "qid": str(qid), metric: value,
                         f"{metric}_baseline": base, f"{metric}_diff": float(d), "outcome": outcome})
    return docs


def feature_records(gain: Mapping[str, float] | None, *, run_id: str, timestamp: dt.datetime | None = None,
                    **context: Any) -> list[dict[str, Any]]:
    """Per feature of the candidate model: its total gain and its share of the model's gain."""
    if not gain:
        return []
    when = (timestamp or dt.datetime.now(dt.timezone.utc)).isoformat()
    total = sum(gain.values())
    return [{"run_id": run_id, "timestamp": when, **context, "record": FEATURE, "feature": name,
             "gain": float(value), "gain_share": float(value) / total if total > 0 else 0.0}
            for name, value in gain.items()]


def ensure_index(client: Any, index: str = EVALS_INDEX) -> None:
    """Create the index unless it exists. "Already exists" from the create is fine: another run made it
    meanwhile, or the client retried a create whose first answer was lost (a dropped connection)."""
    with translated(f"could not create the evaluations index {index!r}"):
        if not client.indices.exists(index=index):
            try:
                client.indices.create(index=index, body={"mappings": mapping()})
            except RequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise


def record_id(doc: Mapping[str, Any]) -> str:
    kind = doc.get("record", RANKER)
    if kind == QUERY:
        return f"{doc['run_id']}:{doc['ranker']}:q:{doc['qid']}"
    if kind == FEATURE:
        return f"{doc['run_id']}:f:{doc['feature']}"
    return f"{doc['run_id']}:{doc['ranker']}"


def write(client: Any, docs: list[Mapping[str, Any]], index: str = EVALS_INDEX) -> None:
    """Index the run's documents (ids ``<run_id>:<ranker>``, ``<run_id>:<ranker>:q:<qid>``,
    ``<run_id>:f:<feature>``) in one bulk request and refresh, so Dashboards sees them at once."""
    ensure_index(client, index)
    index_records(client, index, ((record_id(doc), doc) for doc in docs))
