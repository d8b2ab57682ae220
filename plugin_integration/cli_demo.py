"""``mmltr demo``: the whole personal, multimodal LTR loop on a generated world, judged by its true relevance.

The stages are functions in :mod:`.demo_pipeline`, :mod:`.demo_models`, :mod:`.demo_evaluation` and
:mod:`.demo_users`; this module runs them in order and prints each with its counts and seconds, the NDCG@10 table
with intervals, ``ltr``'s gain over every other ranker, and one query for two users side by side. Files go
under ``<data-dir>/demo/<size>/`` (the world, the training click log, judgments, profiles, models) and the report
(``mmltr evaluate``'s format) to ``--report``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.cli_render import load_progress
from indexer.encoders.base import quiet_model_loading

from . import demo_evaluation as de
from . import demo_models as dm
from . import demo_pipeline as dp
from . import eval_records
from . import served_models
from .cli_serve import serve
from .cluster_info import detect
from .demo_users import TwoUsers, two_users
from .featuresets import fetch

STAGES = 7


def _stage(console: Console, i: int, title: str, detail: str, seconds: float) -> None:
    console.print(f"[bold][{i}/{STAGES}][/bold] {title}: {detail} [dim]({seconds:.1f} s)[/dim]")


def _ndcg_table(stage: de.EvaluationStage) -> Table:
    ev = stage.evaluation
    table = Table(title=f"NDCG@10, true relevance, {stage.evaluated} pairs", title_justify="left")
    table.add_column("ranker")
    table.add_column("NDCG@10", justify="right")
    table.add_column("95% CI", justify="right")
    for name in de.RANKERS:
        iv = ev.summary[name][de.PRIMARY]
        table.add_row(name, f"{iv.mean:.4f}", f"[{iv.ci_low:.4f}, {iv.ci_high:.4f}]")
    return table


def _gains(console: Console, stage: de.EvaluationStage) -> None:
    for gain in stage.gains:
        t = gain.test
        if gain.significant:
            verdict = "significant"
        elif t.p_value < 0.05 and t.ci_high < 0:
            verdict = f"[red]ltr is significantly WORSE than {gain.other}[/red]"
        else:
            verdict = "[yellow]NOT significant[/yellow]"
        console.print(f"  ltr - {gain.other:<16} {t.mean_diff:+.4f} [{t.ci_low:+.4f}, {t.ci_high:+.4f}] "
                      f"p={t.p_value:.3g}  {verdict}")


def _user_table(view: Any) -> Table:
    table = Table(title=f"user {view.user_id}: likes {view.taste}", title_justify="left", show_lines=False)
    for column, justify in (("#", "right"), ("title", "left"), ("price", "right"), ("colour", "left"),
                            ("score", "right"), ("true", "right"), ("top contributions", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for rank, hit in enumerate(view.hits, start=1):
        contributions = "\n".join(f"{n} {v:+.2f}" for n, v in hit.contributions[:2])
        table.add_row(str(rank), hit.title[:28], f"{hit.price:.0f}" if hit.price is not None else "-",
                      hit.color or "-", f"{hit.score:.3f}", str(hit.grade), contributions)
    return table


def _two_users(console: Console, result: TwoUsers) -> None:
    console.print(f"\nOne query, two users: {result.query!r} ranked by {result.model}")
    for view in result.users:
        console.print(_user_table(view))


@click.command()
@click.option("--size", type=click.Choice(list(dp.PLANS)), default="tiny", show_default=True,
              help="World size: tiny (600 items, 40 users) | small (3,000, 200) | medium (12,000, 1,000).")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Report directory [default: <data-dir>/demo/<size>/report].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the world and its traffic.")
@click.option("--searches", type=click.IntRange(100), default=None,
              help="Simulated searches [default: per size, tiny 12,000].")
@click.option("--no-progress", is_flag=True, help="No live progress bars.")
@click.option("--serve", "serve_after", is_flag=True, help="Keep serving the node over HTTP afterwards.")
@click.option("--port", default=9200, show_default=True, type=int)
@click.pass_obj
def demo(obj: Any, size: str, report_dir: Path | None, seed: int, searches: int | None, no_progress: bool,
         serve_after: bool, port: int) -> None:
    """Generate a world, learn from its clicks, and judge bm25, hybrid and the LTR models by its true relevance."""
    started = time.perf_counter()
    console = Console(highlight=False, width=min(Console().width, 100) if Console().is_terminal else 80)
    plan = dp.PLANS[size] if searches is None else dp.Plan(searches, dp.PLANS[size].days, dp.PLANS[size].train_days,
                                                            dp.PLANS[size].factors, dp.PLANS[size].window)
    root = obj.data_dir / "demo" / size
    root.mkdir(parents=True, exist_ok=True)
    report_dir = report_dir or root / "report"
    client = obj.client()
    info = detect(client)
    console.print(f"mmltr demo ({size}, seed {seed}) on {info.flavour} {info.version_text}; files in {root}")

    w = dp.make_world(size, seed, root)
    world = w.world
    _stage(console, 1, "world", f"{len(world.items):,} items with images, {len(world.users):,} users, "
           f"{len(world.queries):,} queries -> {w.directory}", w.seconds)

    if no_progress:
        quiet_model_loading()
    with load_progress(console, enabled=not no_progress, total=len(world.items)) as progress:
        ix = dp.index_world(client, w.directory, obj.data_dir, progress=progress)
    _stage(console, 2, "index", f"{ix.indexed:,} items into {ix.index} behind {dp.ALIAS!r} (text {dp.TEXT_ENCODER}, "
           f"image {ix.image_encoder}; {ix.rejected} rejected)", ix.seconds)

    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=no_progress) as bar:
        task = bar.add_task("simulate", total=plan.searches)
        tr = dp.simulate(client, world, plan, root, seed, tick=lambda: bar.advance(task))
    _stage(console, 3, "clicks", f"{plan.searches:,} bm25 searches over {plan.days:g} days, {tr.clicks:,} clicks; "
           f"training days 1-{plan.train_days:g}: {len(tr.training):,} searches, evaluation: "
           f"{len(tr.evaluation):,}", tr.seconds)

    us = dp.learn_users(client, tr.log_path, root, plan)
    _stage(console, 4, "judgments + profiles (training period)",
           f"{us.judgments:,} per-user judgments in {us.groups:,} (user, query) groups; {us.profiles} profiles, "
           f"{us.cf_items:,} CF item vectors", us.seconds)

    ms = dm.train_models(client, dp.ALIAS, obj.data_dir, us.judgments_path, us.profiles_path, root)
    detail = (f"logged {ms.logged_rows:,} rows ({ms.judged:,} judged + first-stage candidates as 0) in "
              f"{ms.groups:,} groups")
    for label, m in (("ltr", ms.personal), ("ltr_nonpersonal", ms.plain)):
        check = "verify OK" if m.verified else "[red]verify FAILED[/red]"
        detail += (f"\n      {label}: {len(m.features)} features, {m.trees} trees -> {m.name}; {check} "
                   f"({m.verified_rows:,} rows, max |served - LightGBM| {m.max_error:.2g})")
    _stage(console, 5, "train + upload + verify", detail, ms.seconds)

    gain = _gain(obj.data_dir, ms.personal.name)
    ev = de.evaluate_truth(client, dp.ALIAS, world, tr.evaluation, fetch(client, dm.PERSONAL_SET),
                           us.profiles_path, {"ltr": ms.personal.name, "ltr_nonpersonal": ms.plain.name},
                           report_dir, window=plan.window, feature_gain=gain)
    _stage(console, 6, "evaluate", f"{ev.pairs:,} (user, query) pairs of the evaluation period, "
           f"{ev.evaluated:,} with a relevant item; report -> {report_dir}", ev.seconds)
    recorded = _record(client, ev, ms.personal.name, gain)
    console.print(f"      recorded in {eval_records.EVALS_INDEX} as run {recorded} (mmltr dashboards install charts it)")
    console.print(_ndcg_table(ev))
    console.print("gain of ltr on NDCG@10 (paired; 95% CI; randomization p):")
    _gains(console, ev)

    t0 = time.perf_counter()
    pair = two_users(client, dp.ALIAS, obj.data_dir, world, tr.evaluation, ms.personal.name)
    _stage(console, 7, "two users", f"{pair.query!r}", time.perf_counter() - t0)
    _two_users(console, pair)
    console.print(f"\ndone in {time.perf_counter() - started:.1f} s; report: {report_dir / 'report.html'}")
    if not (ms.personal.verified and ms.plain.verified):
        raise click.exceptions.Exit(1)
    if serve_after:
        ctx = click.get_current_context()
        client.close()
        obj._client = None
        ctx.invoke(serve, host="127.0.0.1", port=port, data_dir_opt=None, allow_remote=False)


def _record(client: Any, ev: de.EvaluationStage, model: str, gain: dict[str, float]) -> str:
    """The evaluation in ``mmltr-evals`` (and its per-query outcomes and feature importance in
    ``mmltr-evals-details``), as ``mmltr evaluate`` records its runs, so the dashboards have a first run."""
    run_id = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-demo"
    context = dict(alias=dp.ALIAS, featureset=dm.PERSONAL_SET, model=model, judgments="demo: true relevance")
    eval_records.write(client, eval_records.records(ev.evaluation, ev.verdict, run_id=run_id, **context))
    eval_records.write(client, [*eval_records.query_records(ev.evaluation, run_id=run_id, **context),
                                *eval_records.feature_records(gain, run_id=run_id, **context)],
                       eval_records.DETAILS_INDEX)
    return run_id


def _gain(data_dir: Path, model: str) -> dict[str, float]:
    import lightgbm as lgb  # deferred: heavy

    _, path = served_models.load(data_dir, model)
    booster = lgb.Booster(model_file=str(path))
    return {n: float(g) for n, g in zip(booster.feature_name(), booster.feature_importance("gain"))}
