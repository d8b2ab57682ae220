"""``mmltr profiles build``: user profiles to Parquet and the ``users`` index, CF vectors onto the items.

The cluster writes live here, in a CLI module, through the root context's opensearch-py client:
profiles with bulk ``index`` actions (``_id`` = user id) into ``--users-index`` (created if missing), and CF
item vectors with bulk partial ``update`` actions (``doc: {cf_vector: [...]}``) through ``--items-alias``.
Item metadata (category, brand, price, text/image vectors) comes from ``--catalog`` or, without one, from the
items in the index; without either, affinity, price and taste stay neutral.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from .cli_common import finish, friendly_errors, load_log, log_options
from .cli_render import console, render_report
from .profiles import CFConfig, ItemAttributes, ProfileConfig, UserItemEvents, build_profiles, fit_cf
from .profiles.evaluate import holdout_split, recall_at_k
from .profiles.model import ItemVectors, UserProfiles
from .profiles.store import (
    cf_update_actions,
    profile_actions,
    users_index_body,
    write_item_vectors,
    write_profiles,
)
from .report import DataReport

log = logging.getLogger(__name__)
__all__ = ["profiles"]


@click.group()
def profiles() -> None:
    """User profiles (CF, affinity, price, taste) and CF item vectors from click logs."""


@profiles.command("build")
@click.argument("log_path", metavar="LOG", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("profiles.parquet"),
              show_default=True, help="Profiles Parquet file.")
@click.option("--item-vectors-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CF item vectors Parquet file (default: OUTPUT with .items.parquet).")
@click.option("--factors", type=click.IntRange(2), default=64, show_default=True, help="CF vector dimension.")
@click.option("--method", type=click.Choice(["als", "bpr"]), default="als", show_default=True)
@click.option("--iterations", type=click.IntRange(1), default=15, show_default=True)
@click.option("--half-life-days", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Age at which an interaction counts half (0: no decay).")
@click.option("--catalog", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Catalogue (JSONL, CSV or Parquet) with id, category, brand, price and vector columns.")
@click.option("--text-field", default="text_vector", show_default=True, help="Item text vector field.")
@click.option("--image-field", default="image_vector", show_default=True, help="Item image vector field.")
@click.option("--cluster/--no-cluster", "use_cluster", default=True, show_default=True,
              help="Also write profiles and CF item vectors to the cluster.")
@click.option("--users-index", default="users", show_default=True)
@click.option("--items-alias", default="items", show_default=True)
@click.option("--evaluate", is_flag=True,
              help="Report recall@10 of CF vs popularity on held-out interactions.")
@log_options
@friendly_errors
@click.pass_obj
def build(obj: Any, /, log_path: Path, output: Path, item_vectors_out: Path | None, factors: int, method: str,
          iterations: int, half_life_days: float, catalog: Path | None, text_field: str, image_field: str,
          use_cluster: bool, users_index: str, items_alias: str, evaluate: bool, **options: Any) -> None:
    """Build user profiles and CF item vectors from the interactions in LOG."""
    click_log, joined, _, report = load_log(log_path, options)
    events, events_report = UserItemEvents.from_log(click_log, joined)
    report = report.merge(events_report)
    if len(events) == 0:
        raise click.ClickException(f"{log_path}: no interactions of known users to build profiles from "
                                   "(see the report above: anonymous or rejected events do not count)")
    client = obj.client() if use_cluster else None
    frame = _catalog_frame(catalog, text_field, image_field) if catalog else \
        _index_frame(client, items_alias, text_field, image_field) if client is not None else None
    items = ItemAttributes.from_frame(frame, text_field, image_field) if frame is not None else None
    cf = CFConfig(factors=factors, method=method, iterations=iterations)
    config = ProfileConfig(cf=cf, half_life_days=half_life_days or None)
    user_profiles, item_vectors, build_report = build_profiles(events, items, config)
    report = report.merge(build_report)

    item_vectors_out = item_vectors_out or output.with_name(output.stem + ".items.parquet")
    write_profiles(output, user_profiles)
    write_item_vectors(item_vectors_out, item_vectors)
    render_report(report, str(log_path))
    console.print(f"{len(user_profiles):,} profiles -> {output}; {len(item_vectors.item_ids):,} CF item "
                  f"vectors ({item_vectors.dim} dims) -> {item_vectors_out}")
    if evaluate:
        _evaluate(events, config)
    if client is not None:
        all_ids = tuple(frame["id"]) if frame is not None else ()
        _write_cluster(client, user_profiles, item_vectors, users_index, items_alias, all_ids, report)
    finish(report, options["rejects"], output.with_name(output.name + ".rejects.jsonl"))


def _catalog_frame(path: Path, text_field: str, image_field: str) -> pd.DataFrame:
    name = path.name.lower()
    columns = ["id", "category", "brand", "price", text_field, image_field]
    if name.endswith((".parquet", ".pq")):
        frame = pd.read_parquet(path)
    elif name.endswith((".csv", ".csv.gz")):
        frame = pd.read_csv(path, dtype={"id": str})
    else:
        frame = pd.read_json(path, lines=True, dtype=False)
    if "id" not in frame.columns:
        raise click.ClickException(f"{path}: the catalogue has no 'id' column")
    frame = frame[[c for c in columns if c in frame.columns]].copy()
    frame["id"] = frame["id"].astype(str)
    return frame


def _index_frame(client: Any, alias: str, text_field: str, image_field: str) -> pd.DataFrame | None:
    from opensearchpy import NotFoundError, helpers

    fields = ["category", "brand", "price", text_field, image_field]
    query = {"query": {"match_all": {}}, "_source": fields}
    try:
        rows = [{"id": hit["_id"], **{f: hit.get("_source", {}).get(f) for f in fields}}
                for hit in helpers.scan(client, index=alias, query=query)]
    except NotFoundError:
        console.print(f"[yellow]no index {alias!r}: affinity, price and taste stay neutral "
                      "(pass --catalog)[/yellow]")
        return None
    if not rows:
        console.print(f"[yellow]{alias!r} returned no items: affinity, price and taste stay neutral "
                      "(pass --catalog)[/yellow]")
        return None
    return pd.DataFrame(rows, columns=["id", *fields])


def _evaluate(events: UserItemEvents, config: ProfileConfig) -> None:
    train, test, whole = holdout_split(events)
    if len(test) == 0:
        console.print("[yellow]recall@10: no user has two items to hold one out[/yellow]")
        return
    matrix = train.matrix(train.weights(config.event_weights, config.half_life_days))
    model = fit_cf(matrix, config.cf)
    result = recall_at_k(model.user_factors, model.item_factors, matrix, test)
    table = Table(title=f"Held-out recall@{result.k} ({result.users:,} users; {whole:,} single-item users "
                        "not held out)")
    table.add_column("ranker")
    table.add_column(f"recall@{result.k}", justify="right")
    table.add_row(f"CF ({config.cf.method})", f"{result.cf_recall:.4f}")
    table.add_row("popularity", f"{result.popularity_recall:.4f}")
    console.print(table)


def _write_cluster(client: Any, user_profiles: UserProfiles, item_vectors: ItemVectors, users_index: str,
                   items_alias: str, all_item_ids: tuple[str, ...], report: DataReport) -> None:
    if not client.indices.exists(index=users_index):
        client.indices.create(index=users_index, body=users_index_body())
    ok, failed = _bulk(client, profile_actions(user_profiles, users_index))
    client.indices.refresh(index=users_index)
    console.print(f"{ok:,} profiles -> index {users_index!r}"
                  + (f", [red]{len(failed):,} failed[/red]" if failed else ""))
    _count_failures(report, failed, "profile_write_failed", f"the {users_index!r} index mapping")
    if not client.indices.exists(index=items_alias):
        console.print(f"[yellow]no index or alias {items_alias!r}: CF item vectors are only in "
                      "Parquet[/yellow]")
        return
    ok, failed = _bulk(client, cf_update_actions(item_vectors, items_alias, all_item_ids))
    missing = [f for f in failed if f.get("status") == 404]
    other = [f for f in failed if f.get("status") != 404]
    report.note("cf_items_not_in_index", len(missing),
                example=f"item {missing[0].get('_id')!r} is in the log but not in {items_alias!r}"
                if missing else None)
    _count_failures(report, other, "cf_vector_write_failed",
                    f"the {items_alias!r} mapping: cf_vector must be a knn_vector of {item_vectors.dim} dims")
    client.indices.refresh(index=items_alias)
    console.print(f"{ok:,} item CF vectors -> {items_alias!r}"
                  + (f"; {len(missing):,} logged items not in the index" if missing else "")
                  + (f"; [red]{len(other):,} failed[/red]" if other else ""))


def _bulk(client: Any, actions: Any) -> tuple[int, list[dict[str, Any]]]:
    from opensearchpy import helpers

    ok, failed = 0, []
    for success, item in helpers.streaming_bulk(client, actions, chunk_size=500, max_retries=3,
                                                raise_on_error=False, raise_on_exception=False):
        if success:
            ok += 1
        else:
            failed.append(next(iter(item.values())))
    return ok, failed


def _count_failures(report: DataReport, failed: list[dict[str, Any]], reason: str, check: str) -> None:
    if failed:
        error = failed[0].get("error")
        report.note(reason, len(failed), example=f"{failed[0].get('_id')!r}: {error}")
        raise click.ClickException(f"{len(failed):,} cluster writes failed ({reason}); first: "
                                   f"{failed[0].get('_id')!r}: {error}. Check {check}")
