"""``mmltr store|featureset``: the feature store and featuresets from the command line (models: ``cli_models``).

Commands gather options, call the library (``store``, ``featuresets``, ``models``) and print; cluster errors
propagate as :class:`ClusterError` (the root group prints reason + hint and exits non-zero), local validation
errors become ``click.ClickException`` naming the file and the fix.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from . import featuresets as fs_mod
from . import store as store_mod
from .cluster_info import ClusterInfo, detect
from .errors import ClusterError

store_option = click.option("--store", default=None, metavar="NAME",
                            help="Named feature store (default: the cluster's default store).")


def _console() -> Any:
    return Console(highlight=False, soft_wrap=True)


def _cluster(obj: Any) -> ClusterInfo:
    """The cluster's description (detected once per client); fails clearly without the LTR plugin."""
    return detect(obj.client(), require_ltr=True)


def _store_label(store: str | None) -> str:
    return f"feature store {store!r}" if store else "the default feature store"


# -- store -------------------------------------------------------------------------------------------------------


@click.group()
def store() -> None:
    """Create, drop and list LTR feature stores."""


@store.command("init")
@store_option
@click.pass_obj
def store_init(obj: Any, store: str | None) -> None:
    """Create the feature store (does nothing if it exists)."""
    _cluster(obj)
    created = store_mod.ensure_store(obj.client(), store)
    click.echo(f"created {_store_label(store)}" if created else f"{_store_label(store)} already exists")


@store.command("drop")
@store_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Say what would be dropped, drop nothing.")
@click.pass_obj
def store_drop(obj: Any, store: str | None, yes: bool, dry_run: bool) -> None:
    """Delete the feature store with all its features, featuresets and models."""
    client = obj.client()
    if not store_mod.store_exists(client, store):
        click.echo(f"{_store_label(store)} does not exist; nothing to drop")
        return
    if dry_run:
        click.echo(f"would drop {_store_label(store)} and everything in it")
        return
    if not yes:
        click.confirm(f"Drop {_store_label(store)} with all its featuresets and models?", abort=True)
    store_mod.drop_store(client, store)
    click.echo(f"dropped {_store_label(store)}")


@store.command("list")
@click.pass_obj
def store_list(obj: Any) -> None:
    """List the feature stores and what they hold."""
    info = _cluster(obj)
    stores = store_mod.list_stores(obj.client())
    table = Table(title=f"Feature stores on {info.describe()}")
    table.add_column("store", no_wrap=True)
    table.add_column("index", no_wrap=True)
    for column in ("featuresets", "features", "models"):
        table.add_column(column, justify="right")
    for s in stores:
        table.add_row(s.name, s.index, *(str(s.counts.get(k, 0)) for k in ("featureset", "feature", "model")))
    _console().print(table)
    if not stores:
        click.echo("no feature stores yet: `mmltr store init` creates the default one")


# -- featureset --------------------------------------------------------------------------------------------------


@click.group()
def featureset() -> None:
    """Push, show and compare LTR featuresets."""


def _load_featureset(path: Path, name: str | None) -> fs_mod.FeatureSet:
    try:
        loaded = fs_mod.FeatureSet.from_file(path)
    except fs_mod.FeatureSetError as exc:
        raise click.ClickException(
            f"{path}: invalid featureset:\n" + "\n".join(f"  - {p}" for p in exc.problems)) from None
    if name:
        loaded = fs_mod.FeatureSet(name, loaded.features, loaded.validation)
    return loaded


@featureset.command("push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@click.option("--replace", is_flag=True, help="Update the featureset if it exists (models keep their copy).")
@click.option("--name", default=None, help="Featureset name (default: the file's \"name\", else its stem).")
@click.option("--dry-run", is_flag=True, help="Validate FILE and say what the push would do; change nothing.")
@click.pass_obj
def featureset_push(obj: Any, file: Path, store: str | None, replace: bool, name: str | None,
                    dry_run: bool) -> None:
    """Validate FILE (JSON, or YAML with PyYAML) and store it as a featureset."""
    local = _load_featureset(file, name)
    if dry_run:
        click.echo(_push_plan(obj.client(), local, store, replace))
        return
    fs_mod.push(obj.client(), local, store=store, replace=replace)
    verb = "pushed (create or update)" if replace else "created"
    click.echo(f"{verb} featureset {local.name!r} with {len(local.features)} features in {_store_label(store)}")


def _push_plan(client: Any, local: fs_mod.FeatureSet, store: str | None, replace: bool) -> str:
    """What ``featureset push`` would do, read-only: create, replace (with the differences), or refuse."""
    local.validate()
    try:
        stored = fs_mod.fetch(client, local.name, store)
    except ClusterError as exc:
        if exc.status != 404:
            raise
        return (f"would create featureset {local.name!r} with {len(local.features)} features in "
                f"{_store_label(store)} (dry run: nothing changed)")
    if not replace:
        raise click.ClickException(f"featureset {local.name!r} already exists in {_store_label(store)}; the push "
                                   "would fail: pass --replace to update it")
    return f"would replace: {fs_mod.diff(local, stored).render()} (dry run: nothing changed)"


@featureset.command("show")
@click.argument("name")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the featureset as JSON (a valid push FILE).")
@click.pass_obj
def featureset_show(obj: Any, name: str, store: str | None, as_json: bool) -> None:
    """Show a stored featureset: features in ordinal order."""
    stored = fs_mod.fetch(obj.client(), name, store)
    if as_json:
        click.echo(json.dumps(stored.to_dict(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"featureset {stored.name} (version {stored.version})",
                  caption="query: the feature's query without the wrapper that makes it 0 where it does not match; "
                          "--json shows the templates")
    table.add_column("#", justify="right")
    table.add_column("feature", no_wrap=True, min_width=max(len(n) for n in stored.feature_names or ("",)))
    table.add_column("params", overflow="fold")
    table.add_column("query", overflow="fold", ratio=1)
    for ordinal, feature in enumerate(stored.features, start=1):
        template = feature.template if isinstance(feature.template, str) else \
            json.dumps(feature.template, ensure_ascii=False, separators=(",", ":"))
        query = template_summary(template)
        if feature.template_language != "mustache":
            query = f"[{feature.template_language}] {query}"
        table.add_row(str(ordinal), feature.name, ", ".join(feature.params),
                      query if len(query) <= 100 else query[:97] + "...")
    _console().print(table, soft_wrap=False)


WRAPPER_HEAD = '{"bool":{"should":[{"constant_score":{"filter":{"match_all":{}},"boost":0.0}},'


def template_summary(template: str) -> str:
    """The feature's own query: the ``defined_everywhere`` wrapper (:mod:`.feature_kinds`) stripped."""
    if template.startswith(WRAPPER_HEAD) and template.endswith("]}}"):
        return template[len(WRAPPER_HEAD):-3]
    return template


@featureset.command("diff")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@click.option("--name", default=None, help="Stored featureset to compare with (default: FILE's name).")
@click.pass_obj
def featureset_diff(obj: Any, file: Path, store: str | None, name: str | None) -> None:
    """Compare FILE with the stored featureset; exit code 1 when they differ."""
    local = _load_featureset(file, name)
    stored = fs_mod.fetch(obj.client(), local.name, store)
    result = fs_mod.diff(local, stored)
    click.echo(result.render())
    if not result.is_empty:
        click.get_current_context().exit(1)


@featureset.command("list")
@store_option
@click.option("--prefix", default=None, help="Only names starting with this.")
@click.pass_obj
def featureset_list(obj: Any, store: str | None, prefix: str | None) -> None:
    """List the stored featuresets."""
    for stored in fs_mod.list_featuresets(obj.client(), store, prefix):
        click.echo(f"{stored.name}\t{len(stored.features)} features")
