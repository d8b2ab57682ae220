"""``mmltr featureset init`` and ``mmltr features log``: the fused featureset, and judged rows -> feature table.

``features log`` composes the packages (a CLI module may): judgments (``ltr``), user profiles (``ltr``), the
index's own query encoders (``indexer``) and the cluster's ``sltr`` + ``ltr_log`` (``feature_logging``). It
writes the feature table (``ltr.feature_table``'s contract: ``qid, doc_id, grade[, user_id]`` then one column
per feature in the featureset's order) and, beside it, the params of each query group (``<out>.params.jsonl``),
which ``model verify`` replays against the cluster.
"""
from __future__ import annotations

import math
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np
import orjson
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from indexer.query_encoders import QueryEncoders
from ltr.feature_table import write_table
from ltr.judgments import read_judgments
from ltr.profiles.store import read_profiles

from . import feature_records
from . import featuresets as fs_mod
from . import params as P
from . import store as store_mod
from .cli_support import friendly_errors
from .cluster_info import detect
from .errors import ClusterError
from .feature_logging import LoggedFeatures, log_features
from .fused_featureset import (CF_VECTOR, IMAGE_VECTOR, TEXT_VECTOR, IndexFields, fused_featureset, fused_specs,
                               index_fields, specs_yaml)
from .judged_contexts import JudgedGroups, build_contexts
from .query_vectors import mean_hit_vector

USER_PARAMS = (P.USER_CF_VECTOR, P.USER_TEXT_TASTE, P.USER_IMAGE_TASTE, P.PRICE_CENTRE, P.PRICE_SCALE,
               P.CATEGORY_AFFINITY_FUNCTIONS, P.BRAND_AFFINITY_FUNCTIONS)


class RateColumn(ProgressColumn):
    """Searches per second (rich's own speed columns speak bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f}/s" if task.speed else "-/s")


def default_featureset_name(alias: str) -> str:
    return f"{alias}_fused"


def params_path(features_path: Path) -> Path:
    """Where ``features log`` keeps the params of each query group (read by ``model verify``)."""
    return features_path.with_name(features_path.name + ".params.jsonl")


def _personal_default(fields: IndexFields) -> bool:
    return CF_VECTOR in fields.vectors


@click.command("init")
@click.option("--alias", default="items", show_default=True, help="The items alias whose fields to use.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the declarative YAML.")
@click.option("--name", default=None, help="Featureset name (default: <alias>_fused).")
@click.option("--personal/--no-personal", default=None,
              help="Include user features (default: when the index has CF vectors, i.e. profiles were built).")
@click.pass_obj
@friendly_errors
def featureset_init(obj: Any, alias: str, output: Path, name: str | None, personal: bool | None) -> None:
    """Write the default fused featureset for the fields ALIAS really has (push it with featureset push)."""
    fields = index_fields(obj.client(), alias)
    personal = _personal_default(fields) if personal is None else personal
    name = name or default_featureset_name(alias)
    specs = fused_specs(fields, personal, detect(obj.client()).flavour)
    output.write_text(specs_yaml(name, specs, fields), encoding="utf-8")
    click.echo(f"wrote featureset {name!r} ({len(specs)} features"
               f"{', personal' if personal else ''}) for {fields.index} to {output}")


def ensure_featureset(client: Any, alias: str, fields: IndexFields, name: str | None, store: str | None,
                      personal: bool) -> fs_mod.FeatureSet:
    """The named stored featureset; without a name, the alias's default fused one (created if absent)."""
    if name is not None:
        return fs_mod.fetch(client, name, store)
    default = fused_featureset(fields, default_featureset_name(alias), personal, detect(client).flavour)
    store_mod.ensure_store(client, store)
    try:
        return fs_mod.fetch(client, default.name, store)
    except ClusterError as exc:
        if str(exc.status) != "404":
            raise
    fs_mod.push(client, default, store=store)
    return fs_mod.fetch(client, default.name, store)


def user_contexts(profiles_path: Path | None, fields: IndexFields) -> Callable[[str | None], P.UserContext]:
    """user_id -> the user's context from the profiles (neutral for unknown users), vectors at index dims."""
    dims = dict(cf=fields.vectors.get(CF_VECTOR), text=fields.vectors.get(TEXT_VECTOR),
                image=fields.vectors.get(IMAGE_VECTOR))
    if profiles_path is None:
        raise click.ClickException("the featureset has user features: pass --profiles PROFILES.parquet (from "
                                   "mmltr profiles build); anonymous and unknown users get its neutral profile")
    profiles = read_profiles(profiles_path)
    return lambda user_id: P.UserContext.from_profile(profiles.profile(user_id)).with_dimensions(**dims)


def query_vectors(client: Any, alias: str, fields: IndexFields, fs: fs_mod.FeatureSet, queries: list[str],
                  device: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Text and image-space vectors per query text, only for the params the featureset uses."""
    needs_text = P.QUERY_TEXT_VECTOR in fs.params or P.QUERY_IMAGE_VECTOR in fs.params
    needs_image = P.QUERY_IMAGE_VECTOR in fs.params
    if not needs_text:
        return None, None
    encoders = QueryEncoders.for_index(fields.meta, device=device)
    text = encoders.text_vectors(queries)
    if text is None:
        raise click.ClickException(f"{fields.index} records no text encoder in its _meta; reload it with "
                                   "mmltr index load --text-encoder ...")
    text_by_query = {q: tuple(float(x) for x in v) for q, v in zip(queries, text)}
    if not needs_image:
        return text_by_query, None
    image = encoders.image_vectors(queries)
    if image is not None:
        return text_by_query, {q: tuple(float(x) for x in v) for q, v in zip(queries, image)}
    dim = fields.vectors[IMAGE_VECTOR]
    uniform = (1.0 / math.sqrt(dim),) * dim  # no hit with an image: a defined, query-independent direction
    return text_by_query, {q: mean_hit_vector(client, alias, q, text_by_query[q], IMAGE_VECTOR) or uniform
                           for q in queries}


def feature_frame(groups: JudgedGroups, logged: LoggedFeatures) -> pd.DataFrame:
    """The feature table (``ltr.feature_table``): reserved columns, then the features in order."""
    rows = []
    for row in logged.rows:
        grade = groups.grades[row.qid][row.doc_id]
        rows.append((groups.qid[row.qid], row.doc_id, grade, groups.user[row.qid], *row.values))
    frame = pd.DataFrame(rows, columns=["qid", "doc_id", "grade", "user_id", *logged.feature_names])
    frame[list(logged.feature_names)] = frame[list(logged.feature_names)].astype(np.float32)
    if not groups.personalized:
        frame = frame.drop(columns=["user_id"])
    return frame


def write_params(path: Path, groups: JudgedGroups, contexts: dict[str, P.QueryContext]) -> None:
    with open(path, "wb") as out:
        for key, context in contexts.items():
            out.write(orjson.dumps({"qid": groups.qid[key], "user_id": groups.user[key],
                                    "params": context.to_params()}) + b"\n")


def summary(console: Console, judged: int, frame: pd.DataFrame, logged: LoggedFeatures, seconds: float) -> None:
    console.print(f"judged rows {judged:,}; logged {len(frame):,}; judged documents missing from the index "
                  f"{logged.missing_count:,}; {len(frame) / max(seconds, 1e-9):,.0f} rows/s")
    table = Table(title="features (coverage = share of rows with a non-zero value)")
    for column in ("feature", "coverage", "min", "max", "note"):
        table.add_column(column, justify="left" if column in ("feature", "note") else "right")
    for name in logged.feature_names:
        values = frame[name].to_numpy(np.float64)
        finite = values[np.isfinite(values)]
        constant = finite.size == 0 or float(finite.min()) == float(finite.max())
        table.add_row(name, f"{float(np.mean(values != 0)) if values.size else 0:.1%}",
                      f"{finite.min():.4g}" if finite.size else "-", f"{finite.max():.4g}" if finite.size else "-",
                      "[yellow]constant: carries no signal here[/yellow]" if constant else "")
    console.print(table)


@click.group()
def features() -> None:
    """Log feature values for judged documents through the cluster's LTR plugin."""


@features.command("log")
@click.argument("judgments_path", metavar="JUDGMENTS", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--alias", default="items", show_default=True)
@click.option("--featureset", "featureset_name", default=None,
              help="Stored featureset (default: <alias>_fused, created from the index's fields if absent).")
@click.option("--profiles", "profiles_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="User profiles (mmltr profiles build) for personal features.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The feature table (Parquet).")
@click.option("--store", default=None, help="Named feature store.")
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True, help="Searches per _msearch.")
@click.option("--device", default=None, help="Device of the query encoders (cpu, cuda).")
@click.option("--to-index", is_flag=True,
              help="Also write the logged rows to the cluster (--features-index), for Dashboards/Kibana.")
@click.option("--features-index", default=feature_records.FEATURES_INDEX, show_default=True,
              help="The index --to-index writes (one document per row, one float field per feature).")
@click.pass_obj
@friendly_errors
def features_log(obj: Any, judgments_path: Path, alias: str, featureset_name: str | None,
                 profiles_path: Path | None, output: Path, store: str | None, batch_size: int,
                 device: str | None, to_index: bool, features_index: str) -> None:
    """Log the featureset's values for every judged (query, document[, user]) in JUDGMENTS."""
    console = Console(highlight=False, soft_wrap=True, stderr=True)
    client = obj.client()
    judgments, report = read_judgments(judgments_path)
    if not judgments:
        raise click.ClickException(f"{judgments_path}: no judgments to log")
    groups = JudgedGroups.from_judgments(judgments)
    fields = index_fields(client, alias)
    fs = ensure_featureset(client, alias, fields, featureset_name, store,
                           personal=profiles_path is not None and _personal_default(fields))
    if to_index:  # a feature named like a reserved field fails now, not after the logging
        feature_records.mapping(f.name for f in fs.features)
    queries = sorted(set(groups.query.values()))
    console.print(f"{len(judgments):,} judgments, {len(groups.query):,} query groups, featureset {fs.name!r} "
                  f"({len(fs.features)} features)")
    text, image = query_vectors(client, alias, fields, fs, queries, device)
    users = user_contexts(profiles_path, fields) if any(p in fs.params for p in USER_PARAMS) else None
    contexts = build_contexts(groups, text, image, users)
    started = time.perf_counter()
    with Progress(TextColumn("logging"), BarColumn(), MofNCompleteColumn(), TextColumn("searches"), RateColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as progress:
        task = progress.add_task("log", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        logged = log_features(client, alias, fs, contexts, groups.doc_ids(), store=store, batch_size=batch_size,
                              progress=advance)
    seconds = time.perf_counter() - started
    frame = feature_frame(groups, logged)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_table(frame, output, fs.name)
    write_params(params_path(output), groups, contexts)
    summary(console, len(judgments), frame, logged, seconds)
    if logged.missing_count:
        examples = [f"{groups.qid[k]}:{d}" for k, ids in logged.not_found.items() for d in ids][:5]
        console.print(f"[yellow]{logged.missing_count:,} judged documents are not in {alias} "
                      f"(e.g. {', '.join(examples)}); their rows are not in the table[/yellow]")
    if report.n_rejected:
        console.print(f"[yellow]{report.n_rejected:,} judgment rows were rejected while reading[/yellow]")
    click.echo(f"wrote {len(frame):,} rows x {len(logged.feature_names)} features to {output}")
    if to_index:
        run_id = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        docs = feature_records.records(groups, logged, run_id=run_id, alias=alias, featureset=fs.name,
                                       judgments=str(judgments_path))
        written = feature_records.write(client, docs, logged.feature_names, features_index)
        click.echo(f"wrote {written:,} rows to the index {features_index} (run_id {run_id})")
