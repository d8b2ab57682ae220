"""``mmltr profiles build``: user profiles to Parquet and the ``users`` index, CF vectors onto the items.

The cluster writes go through the root context's client and the indexer's writers
(:mod:`ltr.cli_profiles_cluster`): profiles with bulk ``index`` actions (``_id`` = user id) into
``--users-index`` (created if missing), and CF item vectors with bulk partial ``update`` actions through
``--items-alias``, after the indexer's check of the vector field's mapping. Item metadata (category, brand,
price, text/image vectors) comes from ``--catalog`` (read by the indexer's catalogue reader; bad rows go to the
rejects file) or, without one, from the items in the index; without either, affinity, price and taste stay
neutral.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from indexer.bulk import FailedDoc
from indexer.items import Reject as ItemReject
from indexer.schema import CF_VECTOR, IMAGE_VECTOR, TEXT_VECTOR
from plugin_integration.cli_support import friendly_errors

from .cli_common import finish, load_log, log_options
from .cli_profiles_cluster import (
    catalog_frame,
    index_frame,
    missing_documents,
    write_cf_vectors,
    write_profiles_index,
)
from .cli_render import console, render_report
from .profiles import CFConfig, ItemAttributes, ProfileConfig, UserItemEvents, build_profiles, fit_cf
from .profiles.evaluate import holdout_split, recall_at_k
from .profiles.model import ItemVectors, UserProfiles
from .profiles.store import write_item_vectors, write_profiles
from .report import DataReport
from .types import Reject

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
@click.option("--images-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder the catalogue's local image paths are relative to (default: the catalogue's).")
@click.option("--text-field", default=TEXT_VECTOR, show_default=True, help="Item text vector field.")
@click.option("--image-field", default=IMAGE_VECTOR, show_default=True, help="Item image vector field.")
@click.option("--cluster/--no-cluster", "use_cluster", default=True, show_default=True,
              help="Also write profiles and CF item vectors to the cluster.")
@click.option("--users-index", default="users", show_default=True)
@click.option("--items-alias", default="items", show_default=True)
@click.option("--dry-run", is_flag=True,
              help="Build and report what would be written; write no file and nothing to the cluster.")
@click.option("--evaluate", is_flag=True,
              help="Report recall@10 of CF vs popularity on held-out interactions.")
@log_options
@friendly_errors
@click.pass_obj
def build(obj: Any, /, log_path: Path, output: Path, item_vectors_out: Path | None, factors: int, method: str,
          iterations: int, half_life_days: float, catalog: Path | None, images_dir: Path | None,
          text_field: str, image_field: str, use_cluster: bool, users_index: str, items_alias: str,
          evaluate: bool, dry_run: bool, **options: Any) -> None:
    """Build user profiles and CF item vectors from the interactions in LOG."""
    click_log, joined, _, report = load_log(log_path, options)
    events, events_report = UserItemEvents.from_log(click_log, joined)
    report = report.merge(events_report)
    if len(events) == 0:
        raise click.ClickException(f"{log_path}: no interactions of known users to build profiles from "
                                   "(see the report above: anonymous or rejected events do not count)")
    client = obj.client() if use_cluster else None
    catalog_rejects: list[ItemReject] = []
    frame = catalog_frame(catalog, text_field, image_field, images_dir, catalog_rejects.append) if catalog else \
        index_frame(client, items_alias, text_field, image_field) if client is not None else None
    for reject in catalog_rejects:
        report.reject(_as_row_reject(reject))
    items = ItemAttributes.from_frame(frame, text_field, image_field) if frame is not None else None
    cf = CFConfig(factors=factors, method=method, iterations=iterations)
    config = ProfileConfig(cf=cf, half_life_days=half_life_days or None)
    user_profiles, item_vectors, build_report = build_profiles(events, items, config)
    report = report.merge(build_report)

    item_vectors_out = item_vectors_out or output.with_name(output.stem + ".items.parquet")
    if dry_run:  # everything above only read (the log, the catalogue or the items index)
        render_report(report, str(log_path))
        where = f" and the '{users_index}' index" if client is not None else ""
        onto = f" and onto the documents of '{items_alias}'" if client is not None else ""
        console.print(f"dry run, nothing written: would write {len(user_profiles):,} profiles to {output}{where}; "
                      f"{len(item_vectors.item_ids):,} CF item vectors ({item_vectors.dim} dims) to "
                      f"{item_vectors_out}{onto}")
        finish(report, options["rejects"], output.with_name(output.name + ".rejects.jsonl"))
        return
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


def _as_row_reject(reject: ItemReject) -> Reject:
    """A rejected catalogue row in the report's terms (it lands in the same rejects file as the log's)."""
    message = f"id {reject.id!r}: {reject.reason}" if reject.id is not None else reject.reason
    return Reject(reject.source or "catalogue", reject.row or 0, reject.kind, message, reject.field)


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
    written = write_profiles_index(client, user_profiles, users_index)
    console.print(f"{written.ok:,} profiles -> index {users_index!r}"
                  + (f", [red]{len(written.failed):,} failed[/red]" if written.failed else ""))
    _count_failures(report, written.failed, "profile_write_failed", f"the {users_index!r} index mapping")
    if not client.indices.exists(index=items_alias):
        console.print(f"[yellow]no index or alias {items_alias!r}: CF item vectors are only in "
                      "Parquet[/yellow]")
        return
    written = write_cf_vectors(client, item_vectors, items_alias, all_item_ids)
    missing, other = missing_documents(written.failed)
    report.note("cf_items_not_in_index", len(missing),
                example=f"item {missing[0].id!r} is in the log but not in {items_alias!r}" if missing else None)
    _count_failures(report, other, "cf_vector_write_failed",
                    f"the {items_alias!r} mapping: {CF_VECTOR} must be a knn_vector of {item_vectors.dim} dims")
    console.print(f"{written.ok:,} item CF vectors -> {items_alias!r}"
                  + (f"; {len(missing):,} logged items not in the index" if missing else "")
                  + (f"; [red]{len(other):,} failed[/red]" if other else ""))


def _count_failures(report: DataReport, failed: list[FailedDoc], reason: str, check: str) -> None:
    if failed:
        first = failed[0]
        report.note(reason, len(failed), example=f"{first.id!r}: {first.reason}")
        raise click.ClickException(f"{len(failed):,} cluster writes failed ({reason}); first: "
                                   f"{first.id!r}: {first.reason}. Check {check}")
