"""What the ``ltr`` commands share: click-log options, loading a log into sessions with one report, and the
rejects file plus exit code at the end (error translation, exit codes and the rejects writer are every
group's: :mod:`plugin_integration.cli_support`)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from plugin_integration.cli_support import EXIT_REJECTED, RejectsFile

from .cli_render import console
from .clicklog import ClickLog
from .join import DEFAULT_CLOCK_SKEW_S, DEFAULT_JOIN_WINDOW_S, JoinedEvents, join_events
from .logs import read_click_log
from .report import DataReport
from .sessions import DEFAULT_MAX_RANK, SessionLog, build_sessions

F = TypeVar("F", bound=Callable[..., Any])


def log_options(command: F) -> F:
    """Options shared by every command that reads a click log."""
    options = [
        click.option("--format", "log_format", type=click.Choice(["auto", "jsonl", "ubi"]), default="auto",
                     show_default=True, help="Log format; auto: a directory or ubi_queries* file is UBI."),
        click.option("--ubi-ordinal-base", type=click.IntRange(0, 1), default=1, show_default=True,
                     help="Ordinal of the first result in UBI event_attributes.position.ordinal."),
        click.option("--clock-skew", type=float, default=DEFAULT_CLOCK_SKEW_S, show_default=True,
                     help="Seconds an event may precede its search (clock skew) and still count."),
        click.option("--join-window", type=float, default=DEFAULT_JOIN_WINDOW_S, show_default=True,
                     help="Seconds after a search within which its events count."),
        click.option("--max-rank", type=click.IntRange(1), default=DEFAULT_MAX_RANK, show_default=True,
                     help="Deepest rank click models look at."),
        click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Where rejected rows go (JSONL; default: next to the output)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


#: What :func:`log_options` gives when none is set: for commands that read a log without those options
#: (``mmltr evaluate --clicks``).
DEFAULT_LOG_OPTIONS: dict[str, Any] = {"log_format": "auto", "ubi_ordinal_base": 1, "clock_skew": DEFAULT_CLOCK_SKEW_S,
                                       "join_window": DEFAULT_JOIN_WINDOW_S, "max_rank": DEFAULT_MAX_RANK}


def load_log(path: Path, options: dict[str, Any]) -> tuple[ClickLog, JoinedEvents, SessionLog, DataReport]:
    """Read, join and sessionize a log; one report covers all three steps."""
    click_log = read_click_log(path, options["log_format"], ordinal_base=options["ubi_ordinal_base"])
    joined, join_report = join_events(click_log, clock_skew_s=options["clock_skew"],
                                      join_window_s=options["join_window"])
    sessions, session_report = build_sessions(click_log, joined, max_rank=options["max_rank"])
    return click_log, joined, sessions, click_log.report.merge(join_report).merge(session_report)


def finish(report: DataReport, rejects: Path | None, default: Path) -> None:
    """Write the rejects file when anything was rejected, and exit 3 so scripts notice."""
    if report.n_rejected:
        path = rejects or default
        with RejectsFile(path) as rejects_file:
            rejects_file.write_all(report.rejects)
        console.print(f"[yellow]{report.n_rejected:,} rows rejected; details in {path}[/yellow]")
        raise click.exceptions.Exit(EXIT_REJECTED)
