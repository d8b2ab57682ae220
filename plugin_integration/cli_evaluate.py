"""``mmltr evaluate``: rankers compared on judged queries, with intervals, a verdict and an exit code.

Composes the judgments (``ltr``), the index's encoders and users' profiles (as ``features log`` does), feature
logging (once), the cluster's scores of every ranker (:mod:`.evaluation_rankers`) and the pure evaluation
library (:mod:`ltr.evaluation`). Writes ``DIR/metrics.json``, ``DIR/per_query.csv`` and ``DIR/report.html``,
prints the table of rankers x metrics, ``ltr`` against the best baseline and the verdict, records the run in the
``mmltr-evals`` index (:mod:`.eval_records`), and exits 4 (``EXIT_NOT_BETTER``) when ``ltr`` does not beat the
best baseline. The protocol is in ``docs/quality.md``.
"""
from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table

from indexer.query_encoders import QueryEncoders
from ltr.cli_common import DEFAULT_LOG_OPTIONS, load_log
from ltr.cli_render import render_counterfactual
from ltr.clickmodels import fit_click_model
from ltr.evaluation import Evaluation, Qrels, Run, evaluate_run, splits, summarize, verdict, write_outputs
from ltr.evaluation.counterfactual import estimate_from_clicks
from ltr.judgments import read_judgments

from . import eval_records
from . import models as models_mod
from . import served_models
from .cli_features import USER_PARAMS, ensure_featureset, feature_frame, query_vectors, user_contexts
from .cli_support import EXIT_NOT_BETTER, friendly_errors
from .cluster_info import detect
from .evaluation_rankers import Plan, build, keyed_table
from .feature_logging import log_features
from .fused_featureset import CF_VECTOR, TEXT_VECTOR, index_fields
from .judged_contexts import JudgedGroups, build_contexts
from .queries import BaseClause

__all__ = ["evaluate", "EXIT_NOT_BETTER"]


def _read_params(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path}: expected a mapping of LightGBM parameters", param_hint="--params")
    return data


def print_table(console: Console, evaluation: Evaluation) -> None:
    table = Table(title=f"{evaluation.protocol}: {evaluation.queries} queries "
                        f"({evaluation.settings.confidence:.0%} bootstrap intervals)")
    table.add_column("ranker")
    for metric in evaluation.metrics:
        table.add_column(metric, justify="right")
    for name in evaluation.rankers:
        label = name + (" (best baseline)" if name == evaluation.best_baseline else "")
        table.add_row(label, *(f"{iv.mean:.4f} [{iv.ci_low:.3f}, {iv.ci_high:.3f}]"
                               for iv in (evaluation.summary[name][m] for m in evaluation.metrics)))
    console.print(table)
    for c in evaluation.comparisons:
        console.print(f"{c.ranker} vs {c.baseline} {c.metric}: {c.ranker_mean:.4f} vs {c.baseline_mean:.4f}, "
                      f"diff {c.test.mean_diff:+.4f} [{c.test.ci_low:+.4f}, {c.test.ci_high:+.4f}], "
                      f"p = {c.test.p_value:.3g}")


@click.command("evaluate")
@click.argument("judgments_path", metavar="JUDGMENTS", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--alias", default="items", show_default=True)
@click.option("--featureset", "featureset_name", default=None,
              help="Stored featureset (default: the model's, or <alias>_fused, created if absent).")
@click.option("--model", default=None, help="Evaluate this uploaded model (scored by the cluster).")
@click.option("--folds", type=click.IntRange(2), default=None,
              help="Cross-validate: per fold a model trained on the other folds' queries.")
@click.option("--protocol", type=click.Choice(["rerank", "retrieval"]), default="rerank", show_default=True,
              help="rerank: re-rank each query's judged pool; retrieval: top k of the whole index.")
@click.option("--profiles", "profiles_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="User profiles for personal features.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for metrics.json, per_query.csv and report.html.")
@click.option("--params", "params_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="LightGBM parameters (YAML/JSON) overriding ltr.train's defaults for the fold models.")
@click.option("--depth", type=click.IntRange(10), default=100, show_default=True,
              help="retrieval: candidates each of bm25 and dense returns (the hybrid fuses them).")
@click.option("--window", type=click.IntRange(10), default=100, show_default=True,
              help="retrieval: first-stage hits the ltr model re-scores.")
@click.option("--store", default=None, help="Named feature store.")
@click.option("--evals-index", default=eval_records.EVALS_INDEX, show_default=True,
              help="Index recording each run (one document per ranker; per-query outcomes and feature importance "
                   "go to <index>-details); '' records nothing.")
@click.option("--device", default=None, help="Device of the query encoders (cpu, cuda).")
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True, help="Searches per _msearch.")
@click.option("--clicks", "clicks_path", type=click.Path(exists=True, path_type=Path), default=None, metavar="LOG",
              help="Also estimate every ranker from this click log (JSONL or UBI): clipped IPS with the PBM's "
                   "examination, and the share of each ranking the log never showed.")
@click.pass_obj
@friendly_errors
def evaluate(obj: Any, judgments_path: Path, alias: str, featureset_name: str | None, model: str | None,
             folds: int | None, protocol: str, profiles_path: Path | None, report_dir: Path, params_path: Path | None,
             depth: int, window: int, store: str | None, evals_index: str, device: str | None,
             batch_size: int, clicks_path: Path | None) -> None:
    """Compare bm25, dense, hybrid and ltr on JUDGMENTS; exit 4 when ltr does not beat the best baseline."""
    if (model is None) == (folds is None):
        raise click.UsageError("give exactly one of --model NAME (an uploaded model) or --folds K (cross-validate)")
    started = time.perf_counter()
    console = Console(highlight=False, soft_wrap=True)
    err = Console(highlight=False, soft_wrap=True, stderr=True)
    client = obj.client()
    judgments, report = read_judgments(judgments_path)
    if not judgments:
        raise click.ClickException(f"{judgments_path}: no judgments to evaluate")
    groups = JudgedGroups.from_judgments(judgments)
    fields = index_fields(client, alias)
    if model is not None and featureset_name is None:
        stored = models_mod.get_model(client, model, store)
        featureset_name = stored.featureset.name if stored.featureset is not None else None
    fs = ensure_featureset(client, alias, fields, featureset_name, store,
                           personal=profiles_path is not None and CF_VECTOR in fields.vectors)
    queries = sorted(set(groups.query.values()))
    text, image = query_vectors(client, alias, fields, fs, queries, device)
    has_dense = TEXT_VECTOR in fields.vectors
    if text is None and has_dense:
        vectors = QueryEncoders.for_index(fields.meta, device=device).text_vectors(queries)
        text = None if vectors is None else {q: tuple(float(x) for x in v) for q, v in zip(queries, vectors)}
    users = user_contexts(profiles_path, fields) if any(p in fs.params for p in USER_PARAMS) else None
    contexts = build_contexts(groups, text, image, users)
    err.print(f"{len(judgments):,} judgments, {len(groups.query):,} query groups, featureset {fs.name!r} "
              f"({len(fs.features)} features); logging the judged pools once")
    logged = log_features(client, alias, fs, contexts, groups.doc_ids(), store=store, batch_size=batch_size)
    table = keyed_table(feature_frame(groups, logged))
    qrels = Qrels(groups.grades)
    all_qids = sorted(set(groups.qid.values()))
    fold_splits = splits(all_qids, folds) if folds is not None else None
    plan = Plan(client=client, alias=alias, featureset=fs, groups=groups, contexts=contexts, table=table,
                qrels=qrels, protocol=protocol, splits=fold_splits, model=model,
                base=_served_base(obj.data_dir, model), params=_read_params(params_path),
                store=store, depth=depth, window=window, flavour=detect(client).flavour, dense=has_dense,
                batch_size=batch_size, progress=lambda m: err.print(f"[dim]{m}[/dim]"))
    rankers = build(plan)
    per_query = {name: evaluate_run(run, qrels, protocol=protocol) for name, run in rankers.runs.items()}
    evaluation = summarize(per_query, protocol=protocol, folds=folds)
    v = verdict(evaluation)
    features = table.drop(columns=["key"])
    gain = rankers.gain or _served_gain(obj.data_dir, model)
    write_outputs(report_dir, evaluation, v, feature_gain=gain,
                  features=features, title=f"mmltr evaluate: {judgments_path.name} on {alias} ({protocol})")
    details = {"judgments": str(judgments_path), "alias": alias, "featureset": fs.name, "model": model,
               "hybrid_weights": rankers.hybrid_weights, "hybrid_training_ndcg@10": rankers.hybrid_training,
               "fold_assignment": {q: i for i, (_, test) in enumerate(fold_splits or []) for q in test},
               "depth": depth if protocol == "retrieval" else None,
               "window": window if protocol == "retrieval" else None,
               "judged_missing_from_index": logged.missing_count, "notes": rankers.notes,
               "verdict": v.text, "exit_code": v.exit_code}
    metrics_path = report_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) | {"details": details}
    if clicks_path is not None:
        err.print(f"[dim]clicks: estimating every ranker from {clicks_path}[/dim]")
        metrics["clicks"] = click_estimates(clicks_path, rankers.runs, groups, console)
    metrics_path.write_text(json.dumps(metrics, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    print_table(console, evaluation)
    for note in rankers.notes:
        console.print(f"note: {note}")
    if logged.missing_count:
        console.print(f"note: {logged.missing_count:,} judged documents are not in {alias}; they stay in the ideal "
                      "ranking (a ranker cannot find them)")
    if report.n_rejected:
        console.print(f"note: {report.n_rejected:,} judgment rows were rejected while reading")
    if evals_index:
        run_id = f"{dt.datetime.now(dt.timezone.utc):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        context = dict(alias=alias, featureset=fs.name, model=model, judgments=str(judgments_path))
        eval_records.write(client, eval_records.records(
            evaluation, v, run_id=run_id, hybrid_weights=list(rankers.hybrid_weights.values()), **context), evals_index)
        eval_records.write(client, [*eval_records.query_records(evaluation, run_id=run_id, **context),
                                    *eval_records.feature_records(gain, run_id=run_id, **context)],
                           evals_index + eval_records.DETAILS_SUFFIX)
        console.print(f"recorded run {run_id} in {evals_index}")
    console.print(f"report: {report_dir} ({time.perf_counter() - started:.1f} s)")
    console.print(f"verdict: {v.text}")
    if v.exit_code:
        raise click.exceptions.Exit(v.exit_code)


def click_estimates(log_path: Path, runs: dict[str, Run], groups: JudgedGroups, console: Console) -> dict[str, Any]:
    """Each ranker's counterfactual estimate from the click log (``ltr.evaluation.counterfactual``), printed and
    returned for ``metrics.json``. Rankings are matched to the log's searches by query text; a query judged for
    several users is estimated with its first user's ranking (click estimates are per query)."""
    _, _, sessions, report = load_log(log_path, DEFAULT_LOG_OPTIONS)
    by_query: dict[str, str] = {}
    for key in groups.query:
        by_query.setdefault(groups.query[key], key)
    per_query = {name: Run({q: run[k] for q, k in by_query.items() if k in run}) for name, run in runs.items()}
    pbm = fit_click_model("pbm", sessions)
    results = estimate_from_clicks(sessions, per_query, model=pbm)
    render_counterfactual(results, 10)
    if report.n_rejected:
        console.print(f"note: {report.n_rejected:,} click-log rows were rejected while reading {log_path} "
                      "(mmltr clickmodel fit LOG writes the details)")
    return {"log": str(log_path), "click_model": "pbm", "propensities": pbm.report.convergence(),
            "rejected_rows": report.n_rejected, "rankers": {n: r.as_dict() for n, r in results.items()}}


def _served_base(data_dir: Path, model: str | None) -> BaseClause | None:
    """The given model's base clause from its local record (``model upload`` keeps one), when there is one."""
    if model is None or not served_models.exists(data_dir, model):
        return None
    return served_models.load(data_dir, model)[0].base_clause()


def _served_gain(data_dir: Path, model: str | None) -> dict[str, float] | None:
    """Gain of the given model from its local LightGBM copy (``model upload`` keeps one), when there is one."""
    if model is None or not served_models.exists(data_dir, model):
        return None
    import lightgbm as lgb  # deferred: heavy

    _, path = served_models.load(data_dir, model)
    booster = lgb.Booster(model_file=str(path))
    return {n: float(g) for n, g in zip(booster.feature_name(), booster.feature_importance("gain"))}
