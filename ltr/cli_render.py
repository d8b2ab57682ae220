"""Rich rendering for the ``judgments``, ``clickmodel`` and ``profiles`` commands (output lives in CLIs)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

from .clickmodels.compare import ModelComparison
from .evaluation.counterfactual import CounterfactualResult
from .report import DataReport

console = Console(stderr=False, highlight=False, soft_wrap=True)

_EXPLAIN = {
    "duplicate_search": "same search_id logged again; first kept",
    "duplicate_result_doc": "a doc shown twice in one list; later copies ignored",
    "duplicate_event": "same (search, doc, action) repeated; earliest kept",
    "clock_skew_tolerated": "event slightly before its search; kept",
    "position_corrected": "logged rank disagreed with the results; rank of the doc used",
    "position_missing": "no rank logged; rank of the doc used",
    "user_mismatch": "event names another user than its search; search's user used",
    "implied_clicks": "cart/purchase without a click; counted as a click",
    "events_below_max_rank": "events deeper than --max-rank; used by profiles, not click models",
    "searches_truncated_at_max_rank": "lists longer than --max-rank; cut",
    "searches_without_results": "searches with an empty list; no session",
    "below_min_evidence": "pairs shown fewer than --min-evidence times; not graded",
    "anonymous_interactions": "events without a user; not in profiles",
    "single_interaction_users": "users with one interaction; profiled, never held out",
    "ignored_action": "UBI actions other than click/add_to_cart/purchase/impression",
}


def render_report(report: DataReport, title: str) -> None:
    table = Table(title=title, show_lines=False)
    table.add_column("kind")
    table.add_column("what")
    table.add_column("rows", justify="right")
    table.add_column("note / first example", overflow="fold")
    for name, n in sorted(report.counts.items()):
        if not name.startswith("grade_"):
            table.add_row("count", name, f"{n:,}", "")
    for name, n in sorted(report.notes.items()):
        if n:
            example = (report.examples.get(name) or [""])[0]
            note = _EXPLAIN.get(name, "") + (f"  e.g. {example}" if example else "")
            table.add_row("rule", name, f"{n:,}", note)
    for name, n in sorted(report.rejected.items()):
        table.add_row("[red]rejected[/red]", name, f"{n:,}", (report.examples.get(name) or [""])[0])
    console.print(table)


def render_comparison(results: Sequence[ModelComparison], per_rank: bool, n_train: int, n_test: int,
                      test_source: str = "") -> None:
    title = f"Click models, held-out (train {n_train:,} sessions, test {n_test:,}"
    table = Table(title=title + (f": {test_source})" if test_source else ")"))
    table.add_column("model", no_wrap=True, min_width=10)
    for column in ("perplexity", "log-likelihood", "train LL", "pairs", "EM iter.", "converged", "last change"):
        table.add_column(column, justify="right")
    for result in results:
        report = result.model.report
        iterative = report.iterative
        converged = ("yes" if report.converged else "[red]no[/red]") if iterative else "-"
        table.add_row(result.name, f"{result.perplexity.overall:.4f}", f"{result.log_likelihood:.4f}",
                      f"{report.log_likelihood:.4f}", f"{report.n_pairs:,}",
                      f"{report.iterations:,}" if iterative else "-", converged,
                      f"{report.final_change:.1e}" if iterative else "-")
    console.print(table)
    for result in results:
        if result.model.report.iterative and not result.model.report.converged:
            console.print(f"[yellow]{result.name}: {result.model.report.convergence()}[/yellow]")
    if any(r.name in ("global_ctr", "rank_ctr") for r in results):
        console.print("Baselines: global_ctr (one CTR for every result), rank_ctr (a CTR per rank, whatever "
                      "the document); a model that does not beat rank_ctr learns nothing from the documents.")
    console.print("Perplexity: 1 is perfect, 2 is a coin flip (lower is better); log-likelihood per session "
                  "(higher is better).")
    if per_rank and results:
        ranks = Table(title="Perplexity per rank (held-out)")
        ranks.add_column("rank", justify="right")
        ranks.add_column("sessions", justify="right")
        for result in results:
            ranks.add_column(result.name, justify="right")
        first = results[0].perplexity
        for r in range(len(first.per_rank)):
            if first.sessions_per_rank[r]:
                ranks.add_row(str(r + 1), f"{int(first.sessions_per_rank[r]):,}",
                              *(f"{res.perplexity.per_rank[r]:.4f}" for res in results))
        console.print(ranks)


def render_counterfactual(results: Mapping[str, CounterfactualResult], k: int) -> None:
    table = Table(title=f"Counterfactual estimate from clicks (clipped IPS, PBM examination), nDCG@{k}")
    table.add_column("ranking", no_wrap=True)
    for column in ("estimate", "95% CI", f"unshown@{k}", "unshown as 0", "unshown as 1", "queries"):
        table.add_column(column, justify="right")
    for name, r in results.items():
        table.add_row(name, f"{r.estimate.mean:.3f}", f"{r.estimate.ci_low:.3f}-{r.estimate.ci_high:.3f}",
                      f"{r.unshown:.1%}", f"{r.lower.mean:.3f}", f"{r.upper.mean:.3f}", f"{r.scored_queries:,}")
    console.print(table)
    console.print(f"estimate: the ranking with documents never shown in the log removed (condensed); unshown@{k}: "
                  f"share of the top {k} never shown for the query, with the bounds it allows (unshown as 0 / "
                  "as 1). A large unshown share means the log cannot judge the ranking: judge those documents or "
                  "test online.")
    for name, r in results.items():
        skipped = r.queries_not_in_log + r.queries_without_clicks
        if skipped:
            console.print(f"[yellow]{name}: {skipped:,} queries not scored ({r.queries_not_in_log:,} not in the "
                          f"log, {r.queries_without_clicks:,} without clicks)[/yellow]")


def render_grades(report: DataReport) -> None:
    table = Table(title="Grades")
    table.add_column("grade")
    table.add_column("judgments", justify="right")
    for grade in range(5):
        table.add_row(str(grade), f"{report.counts.get(f'grade_{grade}', 0):,}")
    console.print(table)
