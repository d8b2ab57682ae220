"""``mmltr index status | swap | update-vectors | synth``: manage versions and vectors after a load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from plugin_integration.cli_support import EXIT_REJECTED, RejectsFile, friendly_errors
from plugin_integration.cluster_info import detect

from .cli_common import default_rejects_path
from .cli_render import status_table, update_summary
from .mappings import VectorSpec
from .schema import CF_VECTOR
from .synthetic import generate_catalog
from .update_vectors import UpdatePlan, failure_rejects, plan_update, update_vectors
from .versions import (
    list_versions,
    live_indices,
    prunable_after_swap,
    prune_versions,
    resolve_version,
    swap_alias,
)


@click.command("status")
@click.option("--alias", default="items", show_default=True)
@click.pass_obj
@friendly_errors
def status(ctx: Any, alias: str) -> None:
    """List the versions of --alias, their document counts and encoders, and which one is live."""

    client = ctx.client()
    versions = list_versions(client, alias)
    if not versions:
        click.echo(f"no versions of '{alias}' yet; run `mmltr index load CATALOG --alias {alias}`")
        return
    counts = {v.name: int(client.count(index=v.name)["count"]) for v in versions}
    metas = {}
    for version in versions:
        mapping = client.indices.get_mapping(index=version.name).get(version.name, {}).get("mappings", {})
        metas[version.name] = (mapping.get("_meta") or {}).get("mmltr", {})
    Console().print(status_table(alias, versions, counts, metas))


@click.command("swap")
@click.option("--alias", default="items", show_default=True)
@click.option(
    "--version",
    "version",
    default="latest",
    show_default=True,
    help="latest | previous (roll back) | N | a full index name.",
)
@click.option("--keep", type=click.IntRange(0), help="Also delete all but N old versions.")
@click.option("--dry-run", is_flag=True, help="Say what would change, change nothing.")
@click.pass_obj
@friendly_errors
def swap(ctx: Any, alias: str, version: str, keep: int | None, dry_run: bool) -> None:
    """Point --alias at another version atomically (searches never see a missing alias)."""

    client = ctx.client()
    target = resolve_version(client, alias, version)
    if dry_run:
        click.echo(
            f"would point '{alias}' at {target} (now: {', '.join(live_indices(client, alias)) or 'nothing'})"
        )
        if keep is not None:
            doomed = prunable_after_swap(list_versions(client, alias), target, keep)
            click.echo(f"would delete {', '.join(doomed)}" if doomed else "would delete no version")
        return
    previous = swap_alias(client, alias, target)
    click.echo(f"'{alias}' -> {target}" + (f" (was {', '.join(previous)})" if previous else ""))
    if keep is not None:
        deleted = prune_versions(client, alias, keep)
        if deleted:
            click.echo(f"deleted {', '.join(deleted)}")


@click.command("update-vectors")
@click.argument("vectors", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--alias", default="items", show_default=True, help="Alias (or index) to update.")
@click.option("--field", "field_name", default=CF_VECTOR, show_default=True)
@click.option(
    "--space-type", default="innerproduct", show_default=True, help="Used if the field must be mapped."
)
@click.option("--engine", default="faiss", show_default=True)
@click.option("--normalize", is_flag=True, help="L2-normalise the vectors first.")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate the file against the index and say what would change.")
@click.pass_obj
@friendly_errors
def update_vectors_cmd(
    ctx: Any,
    vectors: Path,
    alias: str,
    field_name: str,
    space_type: str,
    engine: str,
    normalize: bool,
    rejects: Path | None,
    dry_run: bool,
) -> None:
    """Set a vector field (CF item vectors by default) on existing documents, without re-embedding."""

    rejects_path = default_rejects_path(ctx.data_dir, f"{alias}-{field_name}", rejects)
    with RejectsFile(rejects_path) as rejects_file:
        client = ctx.client()
        if dry_run:
            plan = plan_update(client, alias, vectors, field_name=field_name, normalize=normalize,
                               on_reject=rejects_file, dialect=detect(client).vectors)
            click.echo(update_plan_summary(plan, str(rejects_path)))
            if plan.report.rejected or plan.missing:
                raise click.exceptions.Exit(EXIT_REJECTED)
            return
        report = update_vectors(
            client,
            alias,
            vectors,
            field_name=field_name,
            spec=VectorSpec(1, space_type, engine),
            normalize=normalize,
            on_reject=rejects_file,
            dialect=detect(client).vectors,
        )
        for rejected in failure_rejects(report, vectors):
            rejects_file(rejected)
    Console().print(update_summary(report, str(rejects_path)))
    if report.rejected or report.failed:
        raise click.exceptions.Exit(EXIT_REJECTED)


def update_plan_summary(plan: UpdatePlan, rejects_path: str) -> str:
    report = plan.report
    mapping = (f"the {report.dim}-d mapping of '{report.field}' would be added" if plan.mapped_dim is None
               else f"'{report.field}' is mapped with {plan.mapped_dim} dimensions")
    lines = [f"dry run, nothing changed: {report.rows_read:,} rows read; would set '{report.field}' on "
             f"{report.updated:,} documents of {report.index}; {mapping}"]
    if plan.missing:
        lines.append(f"{plan.missing:,} ids are not in {report.index} and would fail "
                     f"(e.g. {', '.join(plan.missing_examples)})")
    if report.rejected:
        lines.append(f"{report.rejected:,} rows rejected (see {rejects_path})")
    return "\n".join(lines)


@click.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-n", "--n", "count", default=200, show_default=True, type=click.IntRange(1))
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--format", "fmt", default="jsonl", show_default=True, type=click.Choice(["jsonl", "csv", "parquet"])
)
@click.option("--image-size", default=96, show_default=True, type=click.IntRange(16))
@click.option(
    "--bad-rows", is_flag=True, help="Append rows that break the contract (to see rejects at work)."
)
@friendly_errors
def synth(out_dir: Path, count: int, seed: int, fmt: str, image_size: int, bad_rows: bool) -> None:
    """Generate a multimodal catalogue with product images (shape = category, fill = colour)."""

    made = generate_catalog(out_dir, count, seed=seed, image_size=image_size, fmt=fmt, bad_rows=bad_rows)
    click.echo(
        f"wrote {made.path} ({count} products{f', {len(made.bad)} bad rows' if made.bad else ''}) and "
        f"{made.path.parent / 'images'}/"
    )
