"""``mmltr clicks simulate``: simulated search traffic on a real index, written as a click log.

Users search the alias through a real ranker (:class:`.simulated_traffic.ClusterRanker`: ``bm25``,
``hybrid`` or a stored LTR model served with ``sltr``) and act on what it shows by the click model of
:mod:`ltr.world` (position bias, attractiveness, satisfaction, add-to-cart, purchase). With ``--world DIR``
(written by ``ltr.world.World.write``) the world is regenerated from its ``world.json``, checked against the
index, and its users, queries and true relevance drive the clicks; without it any catalogue works: its items
are read from the index, users generated for it (or read from ``--users-file``), queries from its categories
and brands. The log is our JSONL or a UBI export, readable by ``ltr.logs.read_click_log``.
"""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ltr.types import InteractionKind
from ltr.world import (Query, SimulatedSearches, User, World, generate_users_for_catalog, generate_world,
                       queries_for_catalog, simulate_searches)

from .cli_support import friendly_errors
from .simulated_traffic import ClusterRanker, catalogue_items, check_world, counting

CTR_RANKS = 5
DEFAULT_USERS = 200  # generated for a catalogue
DEFAULT_START = datetime.fromtimestamp(1_700_000_000, tz=UTC)


@click.group("clicks")
def clicks() -> None:
    """Click logs: simulated search traffic on an index."""


def load_world(directory: Path) -> World:
    """The world ``directory`` was written from, regenerated from its ``world.json`` (size and seed) and
    checked against the counts and ids written beside it."""
    meta_path = directory / "world.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        size, seed = str(meta["size"]), int(meta["seed"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"--world {directory}: cannot read size and seed from {meta_path} ({exc}); pass a "
                         "directory written by ltr.world's World.write") from None
    world = generate_world(size, seed)
    expected = {("users", "user_id"): [u.user_id for u in world.users],
                ("queries", "qid"): [q.qid for q in world.queries]}
    mismatch = [name for (name, key), ids in expected.items() if (directory / f"{name}.jsonl").exists()
                and _column(directory / f"{name}.jsonl", key) != ids]
    if len(world.items) != meta.get("items", len(world.items)) or mismatch:
        raise ValueError(f"--world {directory}: its files differ from the world ({size}, seed {seed}) this "
                         f"version of ltr.world generates ({', '.join(mismatch) or 'items'}); write it again")
    return world


def _column(path: Path, key: str) -> list[Any]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line).get(key) for line in lines if line.strip()]


def read_users(path: Path) -> list[User]:
    """Users from JSON Lines (one ``User.to_dict()`` per line, as ``users.jsonl`` of a world)."""
    users = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                users.append(User.from_dict(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"--users-file {path} line {number}: not a user ({exc}); each line is a "
                                 "JSON object with user_id, categories, brands, ... (a world's users.jsonl)"
                                 ) from None
    if not users:
        raise ValueError(f"--users-file {path} holds no users")
    return users


def summary(sims: SimulatedSearches) -> dict[str, Any]:
    """Counts of the simulated traffic: searches, active users, clicks, CTR by rank 1..5, carts, purchases,
    first and last search time."""
    outcomes = sims.outcomes
    shown = np.array([len(o.search.results) for o in outcomes], dtype=np.int64)
    counts = {kind: 0 for kind in InteractionKind}
    at_rank = np.zeros(CTR_RANKS)
    for o in outcomes:
        for e in o.interactions:
            counts[e.kind] += 1
            if e.kind is InteractionKind.CLICK and e.position is not None and e.position < CTR_RANKS:
                at_rank[e.position] += 1
    seen = np.array([(shown > r).sum() for r in range(CTR_RANKS)], dtype=np.float64)
    times = [o.search.timestamp for o in outcomes]
    return {"searches": len(outcomes), "users": len({o.search.user_id for o in outcomes}),
            "no_results": int((shown == 0).sum()), "clicks": counts[InteractionKind.CLICK],
            "ctr_by_rank": [float(c / s) if s else 0.0 for c, s in zip(at_rank, seen)],
            "add_to_cart": counts[InteractionKind.ADD_TO_CART], "purchases": counts[InteractionKind.PURCHASE],
            "first": min(times, default=None), "last": max(times, default=None)}


def _iso(t: float | None) -> str:
    return "-" if t is None else datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M")


def summary_table(stats: dict[str, Any], *, ranker: str, alias: str, source: str, output: str,
                  cluster_searches: int, seconds: float) -> Table:
    table = Table(title=f"clicks simulate -> {output}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    n = stats["searches"]
    span = (stats["last"] - stats["first"]) / 86400 if n else 0.0
    rows = [("ranker", f"{ranker} on {alias}"), ("users and queries", source),
            ("searches", f"{n:,}" + (f" ({stats['no_results']:,} without results)" if stats["no_results"]
                                     else "")),
            ("active users", f"{stats['users']:,}"),
            ("clicks", f"{stats['clicks']:,} ({stats['clicks'] / n if n else 0:.2f} per search)"),
            ("CTR by rank 1..5", "  ".join(f"{c:.3f}" for c in stats["ctr_by_rank"])),
            ("add to cart", f"{stats['add_to_cart']:,}"), ("purchases", f"{stats['purchases']:,}"),
            ("time span", f"{_iso(stats['first'])} .. {_iso(stats['last'])} UTC ({span:.1f} days)"),
            ("cluster searches", f"{cluster_searches:,}"), ("time", f"{seconds:.1f} s")]
    for label, value in rows:
        table.add_row(label, value)
    return table


@clicks.command("simulate")
@click.option("--alias", default="items", show_default=True, help="The items alias searched.")
@click.option("--users", "n_users", type=click.IntRange(1), default=None,
              help="Users [default: the world's; 200 for a catalogue; all of --users-file].")
@click.option("--searches", "n_searches", type=click.IntRange(1), default=1000, show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The click log: a JSONL file, or a UBI export directory with --format ubi.")
@click.option("--ranker", default="bm25", show_default=True,
              help="bm25 | hybrid (BM25 + text-vector cosine, min-max fused) | a stored LTR model's name.")
@click.option("--world", "world_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="A generated world (World.write): its users, queries and true relevance "
              "drive the clicks.")
@click.option("--users-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Users as JSON Lines (a world's users.jsonl) instead of generated ones.")
@click.option("--queries", "n_queries", type=click.IntRange(1), default=50, show_default=True,
              help="Query templates generated for a catalogue (without --world).")
@click.option("--days", type=click.FloatRange(min=0.0, min_open=True), default=30.0, show_default=True,
              help="Searches spread uniformly over this many days.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), default=None,
              help=f"Time of the first day (UTC) [default: {DEFAULT_START:%Y-%m-%dT%H:%M:%S}].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--format", "log_format", type=click.Choice(["jsonl", "ubi"]), default="jsonl",
              show_default=True)
@click.option("-k", "--size", "k", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Results shown per search.")
@click.option("--window", type=click.IntRange(1), default=100, show_default=True,
              help="Candidates per ranker: the sltr rescore window, the hybrid's per-side depth.")
@click.option("--hybrid-weight", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="BM25's weight in the hybrid fusion.")
@click.option("--store", default=None, help="Named feature store of the model.")
@click.option("--no-progress", is_flag=True, help="No live progress bar.")
@click.pass_obj
@friendly_errors
def simulate(obj: Any, alias: str, n_users: int | None, n_searches: int, output: Path, ranker: str,
             world_dir: Path | None, users_file: Path | None, n_queries: int, days: float,
             start: datetime | None, seed: int, log_format: str, k: int, window: int, hybrid_weight: float,
             store: str | None, no_progress: bool) -> None:
    """Simulate N searches by users on ALIAS ranked by --ranker, and write what they clicked, carted and
    bought as a click log."""
    started = time.perf_counter()
    out, err = Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False)
    client = obj.client()
    cluster = ClusterRanker(client, alias, ranker, k=k, window=window, store=store, data_dir=obj.data_dir,
                            hybrid_weight=hybrid_weight)  # checks the alias, the model, the text vector
    population, users, queries, source = _population(client, alias, world_dir, users_file, n_users, n_queries,
                                                     seed, err)
    cluster.prepare(queries)
    t0 = (start.replace(tzinfo=UTC) if start is not None else DEFAULT_START).timestamp()
    with Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TextColumn("searches"),
                  TimeElapsedColumn(), console=err, transient=True, disable=no_progress) as progress:
        task = progress.add_task("simulate", total=n_searches)
        sims = simulate_searches(population, counting(cluster, lambda: progress.advance(task)), n_searches,
                                 users=users, queries=queries, seed=seed, start_time=t0, days=days)
    output.parent.mkdir(parents=True, exist_ok=True)
    if log_format == "ubi":
        sims.write_ubi(output)
    else:
        sims.write_jsonl(output)
    out.print(summary_table(summary(sims), ranker=ranker, alias=alias, source=source,
                            output=f"{output} ({log_format})", cluster_searches=cluster.searches,
                            seconds=time.perf_counter() - started))


def _population(client: Any, alias: str, world_dir: Path | None, users_file: Path | None, n_users: int | None,
                n_queries: int, seed: int, err: Console,
                ) -> tuple[World | pd.DataFrame, list[User], list[Query], str]:
    """Who searches what: the world's users and queries (checked against the index), or users and queries
    for the catalogue read from the index; and a line saying which."""
    world = load_world(world_dir) if world_dir is not None else None
    users = read_users(users_file) if users_file is not None else None
    if world is not None:
        check_world(client, alias, world, str(world_dir))
        known = {u.user_id for u in world.users}
        strangers = [u.user_id for u in users or () if u.user_id not in known]
        if strangers:
            raise ValueError(f"--users-file {users_file} has users the world {world_dir} lacks (e.g. "
                             f"{strangers[0]!r}): with --world use its users.jsonl, or leave --users-file "
                             "out")
        users = users if users is not None else list(world.users)
    if users is not None and n_users is not None:
        if n_users > len(users):
            err.print(f"[yellow]--users {n_users}: only {len(users)} users are available; using them "
                      "all[/yellow]")
        users = users[:n_users]
    if world is not None:
        assert users is not None
        queries = list(world.queries)
        return world, users, queries, (f"world {world.size} (seed {world.seed}): {len(users):,} users, "
                                       f"{len(queries):,} queries")
    items = catalogue_items(client, alias)
    users = users if users is not None else generate_users_for_catalog(items, n_users or DEFAULT_USERS, seed)
    queries = queries_for_catalog(items, n_queries, seed)
    if not queries:
        raise ValueError(f"no queries can be made from {alias!r}: its items have no category or brand")
    return items, users, queries, (f"catalogue of {len(items):,} items: {len(users):,} users, "
                                   f"{len(queries):,} queries")
