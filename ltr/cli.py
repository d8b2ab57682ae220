"""``mmltr judgments``, ``mmltr clickmodel`` and ``mmltr profiles``: behaviour in, judgments and profiles out.

The ``ltr.cli*`` modules are the only part of ``ltr`` that may talk to a cluster, through the opensearch-py
client of the root ``CliContext`` (``profiles build`` writes the ``users`` index and the items' CF vectors,
see ``ltr.cli_profiles``). The root group in ``plugin_integration.cli`` mounts the three groups defined here.
Exit codes: 0 done; 3 done, but rows were rejected (see the rejects file); 1 failed (message on stderr).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from plugin_integration.cli_support import friendly_errors

from .cli_common import finish, load_log, log_options
from .cli_profiles import profiles
from .cli_render import console, render_comparison, render_counterfactual, render_grades, render_report
from .clickmodels import (CLICK_MODELS, COMPARABLE_MODELS, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE,
                          POSITION_BASELINES, fit_click_model)
from .clickmodels.compare import compare_models
from .evaluation.counterfactual import estimate_from_clicks
from .evaluation.runs import Run
from .judgments import (
    DEFAULT_MIN_EVIDENCE,
    DEFAULT_THRESHOLDS,
    PER_USER_MIN_EVIDENCE,
    PER_USER_SHRINKAGE,
    import_labels,
    judgments_from_model,
    write_judgments,
)
from .sessions import per_user_sessions, split_sessions
from .training_input import positioned_rows

__all__ = ["clickmodel", "judgments", "profiles"]


def em_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--max-iterations`` and ``--tolerance``: when EM (pbm, dbn) stops."""
    command = click.option("--tolerance", type=click.FloatRange(0), default=DEFAULT_TOLERANCE, show_default=True,
                           help="EM stops when the training log-likelihood changes by at most this (relative).")(
        command)
    return click.option("--max-iterations", type=click.IntRange(1), default=DEFAULT_MAX_ITERATIONS,
                        show_default=True, help="EM iteration cap (pbm, dbn); a fit that hits it is reported "
                        "as not converged.")(command)


def _thresholds(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[float, ...]:
    try:
        cuts = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("give four comma-separated numbers, e.g. 0.05,0.15,0.3,0.5") from None
    if len(cuts) != 4 or list(cuts) != sorted(set(cuts)):
        raise click.BadParameter("give four strictly ascending numbers, e.g. 0.05,0.15,0.3,0.5")
    return cuts


@click.group()
def judgments() -> None:
    """Graded judgments (qid,query,doc_id,grade[,user_id]) from click logs or human labels."""


@judgments.command("from-clicks")
@click.argument("log_path", metavar="LOG", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Judgments CSV to write.")
@click.option("--model", type=click.Choice(sorted(CLICK_MODELS)), default="sdbn", show_default=True)
@click.option("--min-evidence", type=click.IntRange(1), default=None,
              help=f"Impressions a (query, doc) needs before it is graded [default: {DEFAULT_MIN_EVIDENCE}; "
                   f"{PER_USER_MIN_EVIDENCE} with --per-user].")
@click.option("--shrinkage", type=click.FloatRange(0), default=None,
              help="Unclicked pseudo-impressions that pull weak evidence towards grade 0: relevance * n / (n + "
                   f"this) [default: 0; {PER_USER_SHRINKAGE:g} with --per-user].")
@click.option("--thresholds", default=",".join(map(str, DEFAULT_THRESHOLDS)), show_default=True,
              callback=_thresholds, help="Relevance cut points of grades 1..4.")
@click.option("--per-user", is_flag=True, help="Grade (user, query, doc) instead of (query, doc).")
@click.option("--positions-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write position-debiased training rows (Parquet: one row per judged impression).")
@em_options
@log_options
@friendly_errors
def from_clicks(log_path: Path, output: Path, model: str, min_evidence: int | None, shrinkage: float | None,
                thresholds: tuple[float, ...], per_user: bool, positions_out: Path | None, max_iterations: int,
                tolerance: float, **options: Any) -> None:
    """Fit a click model on LOG and write graded judgments.

    Grades 0..4 come from the click model's relevance of each (query, doc) (per user with --per-user): the
    probability that a user who examines the document clicks it (and, for dbn/sdbn, is satisfied), cut at
    --thresholds: below the first is 0 (not relevant), at or above the last is 4."""
    if min_evidence is None:
        min_evidence = PER_USER_MIN_EVIDENCE if per_user else DEFAULT_MIN_EVIDENCE
    if shrinkage is None:
        shrinkage = PER_USER_SHRINKAGE if per_user else 0.0
    _, _, sessions, report = load_log(log_path, options)
    fit_on = sessions
    if per_user:
        fit_on, anonymous = per_user_sessions(sessions)
        report.note("anonymous_sessions_not_personalized", anonymous)
        if len(fit_on) == 0:
            raise click.ClickException(f"{log_path}: --per-user needs searches with a user_id; all "
                                       f"{anonymous:,} sessions are anonymous")
    fitted = fit_click_model(model, fit_on, max_iterations=max_iterations, tolerance=tolerance)
    graded, grade_report = judgments_from_model(fitted, min_evidence=min_evidence, thresholds=thresholds,
                                                shrinkage=shrinkage)
    report = report.merge(grade_report)
    written = write_judgments(output, graded)
    if positions_out is not None:
        rows, rows_report = positioned_rows(sessions, graded)
        rows.frame.to_parquet(positions_out, index=False)
        report = report.merge(rows_report)
    render_report(report, f"{log_path}")
    render_grades(report)
    cuts = ", ".join(f"{g} >= {t:g}" for g, t in enumerate(thresholds, start=1))
    console.print(f"grades: the {model} relevance" + (f" shrunk by {shrinkage:g} pseudo-impressions" if shrinkage
                                                      else "") + f", cut at {cuts} (else 0); pairs with fewer "
                  f"than {min_evidence} impressions are not graded")
    console.print(f"{written:,} judgments ({model}, {fitted.report.n_pairs:,} pairs, "
                  f"{fitted.report.n_sessions:,} sessions) -> {output}")
    style = "" if fitted.report.converged else "[yellow]"
    console.print(f"{style}{model}: {fitted.report.convergence()}{'[/yellow]' if style else ''}")
    finish(report, options["rejects"], output.with_name(output.name + ".rejects.jsonl"))


@judgments.command("import")
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--scale", nargs=2, type=float, default=None, metavar="LOW HIGH",
              help="Map grades from LOW..HIGH linearly onto 0..4 (e.g. --scale 0 3).")
@click.option("--grade-map", default=None, metavar="LABEL=GRADE,...",
              help="Map text labels to grades, e.g. 'Exact=4,Substitute=2,Irrelevant=0'.")
@click.option("--column", "columns", multiple=True, metavar="THEIRS=OURS",
              help="Rename an input column, e.g. --column rating=grade (repeatable).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None)
@friendly_errors
def import_command(labels: Path, output: Path, scale: tuple[float, float] | None, grade_map: str | None,
                   columns: tuple[str, ...], rejects: Path | None) -> None:
    """Validate human labels and write them in the judgments format."""
    mapping = _pairs(grade_map.split(",") if grade_map else (), "--grade-map", int) if grade_map else None
    renames = _pairs(columns, "--column", str)
    if scale is not None and not scale[0] < scale[1]:
        raise click.BadParameter("LOW must be below HIGH", param_hint="--scale")
    rows, report = import_labels(labels, grade_map=mapping, scale=scale, columns=renames)
    written = write_judgments(output, rows)
    render_report(report, str(labels))
    console.print(f"{written:,} judgments -> {output}")
    finish(report, rejects, output.with_name(output.name + ".rejects.jsonl"))


def _pairs(items: Any, option: str, cast: Callable[[str], Any]) -> dict[str, Any]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key.strip():
                raise ValueError
            out[key.strip()] = cast(value.strip())
        except ValueError:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=option) from None
    return out


@click.group()
def clickmodel() -> None:
    """Click models: fit and compare on held-out sessions."""


@clickmodel.command("compare")
@click.argument("log_path", metavar="LOG", type=click.Path(exists=True, path_type=Path))
@click.option("--models", default=",".join(COMPARABLE_MODELS), show_default=True,
              help="Comma-separated models to compare.")
@click.option("--split", "split_method", type=click.Choice(["time", "random"]), default="time",
              show_default=True)
@click.option("--test-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.2,
              show_default=True)
@click.option("--per-rank/--no-per-rank", default=True, show_default=True, help="Perplexity per rank too.")
@click.option("--test", "test_path", type=click.Path(exists=True, path_type=Path), default=None, metavar="LOG",
              help="A separate held-out log: fit on all of LOG, score this one (no split; read with the same "
                   "options).")
@click.option("--baselines/--no-baselines", default=True, show_default=True,
              help=f"Also score the position-only baselines ({', '.join(POSITION_BASELINES)}).")
@em_options
@log_options
@friendly_errors
def compare(log_path: Path, models: str, split_method: str, test_fraction: float, per_rank: bool,
            test_path: Path | None, baselines: bool, max_iterations: int, tolerance: float,
            **options: Any) -> None:
    """Fit each click model on the earlier sessions of LOG and score the later ones (or --test LOG)."""
    names = [m.strip() for m in models.split(",") if m.strip()]
    unknown = [m for m in names if m not in CLICK_MODELS]
    if unknown:
        raise click.BadParameter(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(CLICK_MODELS)}",
                                 param_hint="--models")
    _, _, sessions, report = load_log(log_path, options)
    if test_path is None:
        train, test = split_sessions(sessions, test_fraction, split_method)
        source = f"the latest {test_fraction:.0%} of {log_path.name}" if split_method == "time" else \
            f"a random {test_fraction:.0%} of {log_path.name}"
    else:
        _, _, test, test_report = load_log(test_path, options)
        train, source = sessions, str(test_path)
    results = compare_models(train, test, names, tuple(POSITION_BASELINES) if baselines else (),
                             max_iterations=max_iterations, tolerance=tolerance)
    render_report(report, str(log_path))
    if test_path is not None:
        render_report(test_report, f"{test_path} (test)")
        report = report.merge(test_report)
    render_comparison(results, per_rank, len(train), len(test), source)
    finish(report, options["rejects"], Path(log_path.name + ".rejects.jsonl"))


@clickmodel.command("evaluate")
@click.argument("log_path", metavar="LOG", type=click.Path(exists=True, path_type=Path))
@click.option("--run", "run_paths", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              required=True, metavar="RUN.csv",
              help="A ranking to estimate: CSV with qid,doc_id,score (qid as written by judgments from-clicks, "
                   "or the query text). Repeatable.")
@click.option("-k", "--k", "k", type=click.IntRange(1), default=10, show_default=True, help="Cut-off.")
@click.option("--min-propensity", type=click.FloatRange(0, 1, min_open=True), default=0.05, show_default=True,
              help="Clip: a click weighs at most 1 / this.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the estimates as JSON.")
@em_options
@log_options
@friendly_errors
def evaluate_command(log_path: Path, run_paths: tuple[Path, ...], k: int, min_propensity: float,
                     json_out: Path | None, max_iterations: int, tolerance: float, **options: Any) -> None:
    """Estimate rankings' quality from the clicks of LOG (clipped IPS with PBM examination; the share of each
    ranking never shown in the log is always reported)."""
    runs = {}
    for path in run_paths:
        frame = pd.read_csv(path, dtype={"qid": str, "doc_id": str})
        missing = {"qid", "doc_id", "score"} - set(frame.columns)
        if missing:
            raise click.BadParameter(f"{path} lacks column(s) {', '.join(sorted(missing))}; give qid,doc_id,score",
                                     param_hint="--run")
        runs[path.stem if path.stem not in runs else str(path)] = Run.from_frame(frame)
    _, _, sessions, report = load_log(log_path, options)
    pbm = fit_click_model("pbm", sessions, max_iterations=max_iterations, tolerance=tolerance)
    results = estimate_from_clicks(sessions, runs, model=pbm, k=k, min_propensity=min_propensity)
    render_report(report, str(log_path))
    style = "" if pbm.report.converged else "[yellow]"
    console.print(f"{style}pbm propensities: {pbm.report.convergence()}{'[/yellow]' if style else ''}")
    render_counterfactual(results, k)
    if json_out is not None:
        json_out.write_text(json.dumps({"log": str(log_path), "click_model": "pbm",
                                        "converged": pbm.report.converged,
                                        "rankers": {n: r.as_dict() for n, r in results.items()}}, indent=2))
    finish(report, options["rejects"], Path(log_path.name + ".rejects.jsonl"))
