"""Terminal output of the ``index`` commands: live progress with throughput, and the final summary tables.

Kept apart from ``cli.py`` so the commands stay short; nothing here talks to a cluster or reads files.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .pipeline import LoadReport
from .update_vectors import UpdateReport
from .versions import IndexVersion

STAGES = (("read", "read + validate"), ("embedded", "embed"), ("indexed", "index"))


class RateColumn(ProgressColumn):
    """The stage's average rate since it started (rows done / seconds). rich's own ``speed`` averages the last
    few updates only, which for a bursty stage (the index stage gets 500 documents at once after each embedded
    batch) showed rates like 319,924/s."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("-/s", style="cyan")
        return Text(f"{task.completed / elapsed:,.0f}/s", style="cyan")


class CountColumn(ProgressColumn):
    """``done/total`` when the total is known, else ``done``."""

    def render(self, task: Task) -> Text:
        done = f"{int(task.completed):>9,}"
        return Text(done if task.total is None else f"{done}/{int(task.total):,}")


@contextmanager
def load_progress(console: Console, enabled: bool, total: int | None = None) -> Iterator[Any]:
    """Yield a ``progress(stage, n)`` callback driving one bar per pipeline stage (a no-op when disabled);
    ``total``: the catalogue's rows when known (:func:`indexer.readers.count_rows`), so bars show ``done/total``."""
    if not enabled:
        yield lambda stage, n: None
        return
    progress = Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        CountColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    tasks = {stage: progress.add_task(label, total=total) for stage, label in STAGES}
    tasks["rejected"] = progress.add_task("rejected", total=None)
    lock = threading.Lock()

    def advance(stage: str, n: int) -> None:
        task = tasks.get("indexed" if stage == "failed" else stage)
        if task is not None:
            with lock:
                progress.advance(task, n)

    with progress:
        yield advance


def load_summary(report: LoadReport, rejects_path: str | None) -> Table:
    rate = report.indexed / report.seconds if report.seconds else 0.0
    table = Table(title=f"index load -> {report.index}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows: list[tuple[str, str]] = [
        ("rows read", f"{report.rows_read:,}"),
        ("indexed", f"{report.indexed:,}"),
        ("rejected", f"{report.rejected:,}"),
        ("  of which failed at the cluster", f"{len(report.failed):,}"),
        ("text vectors cached / embedded", f"{report.embed.text_cached:,} / {report.embed.text_embedded:,}"),
        (
            "image vectors cached / embedded",
            f"{report.embed.image_cached:,} / {report.embed.image_embedded:,}",
        ),
    ]
    if report.embed.image_url_skipped:
        rows.append(("image URLs not embedded", f"{report.embed.image_url_skipped:,}"))
    if report.cf_updated or report.cf_failed:
        rows.append(("cf vectors set / failed", f"{report.cf_updated:,} / {report.cf_failed:,}"))
    carried = report.carried
    if carried.fields:
        rows.append(
            (
                f"carried from {carried.source}",
                f"{', '.join(carried.fields)}: {carried.copied:,} copied, {carried.dropped:,} dropped "
                f"(left the catalogue)",
            )
        )
    rows += [
        ("time", f"{report.seconds:,.1f} s ({rate:,.0f} docs/s)"),
        (
            "alias",
            (
                f"{report.alias} -> {report.index}"
                + (f" (was {', '.join(report.previous)})" if report.previous else "")
                if report.swapped
                else f"{report.alias} unchanged (--no-swap)"
            ),
        ),
    ]
    if report.deleted:
        rows.append(("old versions deleted", ", ".join(report.deleted)))
    for reason, count in report.reasons.most_common():
        rows.append((f"  reject: {reason}", f"{count:,}"))
    if rejects_path and report.rejected:
        rows.append(("rejects file", rejects_path))
    for label, value in rows:
        table.add_row(label, value)
    return table


def status_table(
    alias: str, versions: list[IndexVersion], counts: dict[str, int], metas: dict[str, dict[str, Any]]
) -> Table:
    table = Table(title=f"alias {alias}", title_justify="left")
    for column in ("version", "live", "docs", "text encoder", "image encoder", "created"):
        table.add_column(column, overflow="fold", justify="right" if column == "docs" else "left")
    for version in reversed(versions):
        meta = metas.get(version.name, {})
        table.add_row(
            version.name,
            "yes" if version.live else "",
            f"{counts.get(version.name, 0):,}",
            str(meta.get("text_encoder") or "-"),
            str(meta.get("image_encoder") or "-"),
            _minute(meta.get("created")),
        )
    return table


def _minute(created: Any) -> str:
    """``2026-12-07T21:45:10.123+00:00`` -> ``2026-12-07 21:45`` (what a reader compares between versions)."""
    text = str(created or "-")
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10:11] == "T" else text


def update_summary(report: UpdateReport, rejects_path: str | None) -> Table:
    table = Table(
        title=f"update-vectors -> {report.index}.{report.field}", show_header=False, title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("rows read", f"{report.rows_read:,}")
    table.add_row("updated", f"{report.updated:,}")
    table.add_row("rejected (bad rows)", f"{report.rejected:,}")
    table.add_row("failed (e.g. unknown id)", f"{len(report.failed):,}")
    table.add_row("dimension", str(report.dim))
    table.add_row("mapping added", "yes" if report.mapping_added else "no (already mapped)")
    if rejects_path and (report.rejected or report.failed):
        table.add_row("rejects file", rejects_path)
    return table
