"""``mmltr model``: convert, upload, verify, list, show and delete LTR models.

``upload`` takes what a user has: a model directory from ``mmltr train``, a LightGBM text model, or a JSON
definition. A LightGBM model is converted exactly for the detected plugin version (``ltr.convert``), lifted so
served scores stay positive (one constant tree), uploaded under a new versioned name (models are never
replaced), and kept locally (:mod:`.served_models`) for ``verify`` and ``search --explain``.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click
import numpy as np
import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table

from ltr.base_score import BaseScore
from ltr.base_score import predict as predict_with_base
from ltr.convert import ConversionError, convert, definition_json
from ltr.feature_table import RESERVED, read_table

from . import models as models_mod
from . import served_models
from .cli_features import params_path
from .judged_contexts import group_key
from .lightgbm_upload import convert_for_cluster
from .queries import with_ltr_rescore
from .cli_support import friendly_errors
from .verify import DEFAULT_TOLERANCE, verify

store_option = click.option("--store", default=None, metavar="NAME",
                            help="Named feature store (default: the cluster's default store).")


def _console() -> Any:
    return Console(highlight=False, soft_wrap=True)


def _store_label(store: str | None) -> str:
    return f"feature store {store!r}" if store else "the default feature store"


@click.group()
def model() -> None:
    """Convert, upload, verify, list, show and delete LTR models (immutable: upload new, then switch)."""


def _is_lightgbm(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(64).lstrip().startswith(b"tree")


def _lightgbm_source(file: Path) -> tuple[Path | None, dict[str, Any]]:
    """``(model.txt, record)`` for a model directory or a LightGBM text file; ``(None, {})`` otherwise."""
    if file.is_dir():
        model_file, record_file = file / "model.txt", file / "record.json"
        if not model_file.is_file():
            raise click.ClickException(f"{file}: no model.txt; give a directory written by mmltr train, or a file")
        record = json.loads(record_file.read_text(encoding="utf-8")) if record_file.is_file() else {}
        return model_file, record
    if _is_lightgbm(file):
        return file, {}
    return None, {}


def _read_model_file(path: Path, model_type: str | None) -> dict[str, Any]:
    """A definition file, or a converter output ``{"type", "definition", "feature_normalizers",
    "feature_names"}``."""
    text = path.read_text(encoding="utf-8")
    if model_type == "model/ranklib":
        return {"type": model_type, "definition": text}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise click.ClickException(f"{path}: not valid JSON ({exc}); a model/ranklib text model needs "
                                   "--type model/ranklib") from None
    if isinstance(data, dict) and "definition" in data:
        return {"type": model_type or data.get("type") or "model/xgboost+json", "definition": data["definition"],
                "feature_normalizers": data.get("feature_normalizers"), "feature_names": data.get("feature_names")}
    return {"type": model_type or "model/xgboost+json", "definition": data}


@model.command("convert")
@click.argument("model_file", metavar="MODEL.txt", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--plugin-version", default=None, help="Target LTR plugin / OpenSearch version (default: latest).")
@click.option("--distribution", type=click.Choice(["opensearch", "elasticsearch"]), default="opensearch",
              show_default=True)
@click.option("--feature-names", default=None, help="Comma-separated featureset names, in order (default: the "
                                                     "model's own).")
@click.option("--assume-no-missing", is_flag=True,
              help="Every feature matches every document (the fused featureset): no missing-value refusals.")
@friendly_errors
def model_convert(model_file: Path, output: Path, plugin_version: str | None, distribution: str,
                  feature_names: str | None, assume_no_missing: bool) -> None:
    """Convert a LightGBM model exactly into model/xgboost+json (refuses what it cannot convert exactly)."""
    names = [n.strip() for n in feature_names.split(",")] if feature_names else None
    try:
        result = convert(model_file, names, plugin_version=plugin_version, distribution=distribution,
                         assume_no_missing=assume_no_missing)
    except ConversionError as exc:
        raise click.ClickException(f"{model_file}: {exc}") from None
    output.write_text(definition_json(result.definition), encoding="utf-8")
    click.echo(f"converted {result.trees} trees ({result.splits} splits, {result.zero_band_splits} at the zero "
               f"band, missing values: {result.semantics}) to {output}")


@model.command("upload")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--featureset", "featureset_name", default=None,
              help="The featureset the model was trained on (default: from record.json beside a trained model).")
@click.option("--name", default=None, help="Model name (default: <featureset>__<yyyymmdd-hhmmss>).")
@click.option("--type", "model_type", default=None, type=click.Choice(models_mod.MODEL_TYPES),
              help="Model type of a JSON/text FILE (default: from FILE, else model/xgboost+json).")
@store_option
@click.option("--featureset-version", type=int, default=None,
              help="Refuse the upload unless the stored featureset is still at this version.")
@click.option("--no-check", is_flag=True, help="Skip the local check against the featureset.")
@click.pass_obj
@friendly_errors
def model_upload(obj: Any, file: Path, featureset_name: str | None, name: str | None, model_type: str | None,
                 store: str | None, featureset_version: int | None, no_check: bool) -> None:
    """Upload FILE (a model directory, a LightGBM model, or a JSON definition) from a stored featureset."""
    lightgbm, record = _lightgbm_source(file)
    featureset_name = featureset_name or record.get("featureset")
    if not featureset_name:
        raise click.ClickException(f"{file}: which featureset was it trained on? pass --featureset NAME")
    client = obj.client()
    base = BaseScore.from_dict(record.get("base_score"))
    if lightgbm is not None:
        try:
            converted = convert_for_cluster(client, lightgbm, featureset_name, store)
        except ConversionError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        spec: dict[str, Any] = converted.spec
        conversion, offset, info = converted.conversion, converted.offset, converted.info
        if base is not None and base.feature not in spec["feature_names"]:
            raise click.ClickException(f"{file}: record.json's base score reads feature {base.feature!r}, which "
                                       f"featureset {featureset_name!r} does not have; upload with the "
                                       "featureset the model was trained on")
    else:
        spec = _read_model_file(file, model_type)
        offset = None
    name = name or models_mod.fresh_model_name(client, featureset_name, store)
    try:
        models_mod.upload_model(client, featureset_name, name, spec["definition"], spec["type"], store,
                                spec.get("feature_normalizers"), feature_names=spec.get("feature_names"),
                                featureset_version=featureset_version, check=not no_check)
    except models_mod.ModelCheckError as exc:
        raise click.ClickException(
            f"{file}: the model does not fit featureset {featureset_name!r}:\n"
            + "\n".join(f"  - {p}" for p in exc.problems)
            + "\n  fix: train on features logged with this featureset (same names, same order)") from None
    if lightgbm is not None:
        served_models.save(obj.data_dir, served_models.ServedModel(
            name, featureset_name, tuple(spec["feature_names"]), float(offset), info.ltr_version_text,
            info.flavour, None if base is None else base.to_dict()), lightgbm)
        click.echo(f"converted {conversion.trees} trees for LTR plugin {info.ltr_version_text or 'latest'} "
                   f"(scores lifted by {offset:.6g} to stay positive)")
        if base is not None:
            click.echo(f"served with its base score: {base.weight:.6g} x {base.feature} beside the trees "
                       f"(mmltr model show {name} prints the rescore; mmltr search adds it)")
    click.echo(f"uploaded model {name!r} ({spec['type']}) from featureset {featureset_name!r}")


def _sample_groups(keys: list[str], n: int | None) -> list[str]:
    """A deterministic sample: the first ``n`` keys by sha256 (independent of file order)."""
    ordered = sorted(keys, key=lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest())
    return ordered if n is None else ordered[:n]


@model.command("verify")
@click.argument("name")
@click.option("--features", "features_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="A feature table from mmltr features log (its .params.jsonl beside it).")
@click.option("--alias", default="items", show_default=True)
@click.option("--sample", type=click.IntRange(1), default=None, help="Verify this many query groups (default all).")
@click.option("--model-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The LightGBM model (default: the copy model upload kept in --data-dir).")
@click.option("--offset", type=float, default=None,
              help="The constant model upload added to keep scores positive (default: from the local copy, "
                   "else 0).")
@click.option("--tolerance", type=float, default=DEFAULT_TOLERANCE, show_default=True)
@store_option
@click.pass_obj
@friendly_errors
def model_verify(obj: Any, name: str, features_path: Path, alias: str, sample: int | None,
                 model_file: Path | None, offset: float | None, tolerance: float, store: str | None) -> None:
    """Re-score logged rows through the cluster's sltr and compare them with LightGBM's predictions."""
    import lightgbm as lgb  # heavy optional dependency (the train extra)

    served = served_models.load(obj.data_dir, name)[0] if served_models.exists(obj.data_dir, name) else None
    if model_file is None:
        served, model_file = served_models.load(obj.data_dir, name)
    if offset is None:  # the served model was lifted by its upload's offset, whichever LightGBM file is compared
        offset = served.offset if served is not None else 0.0
    base = BaseScore.from_dict(served.base) if served is not None else None
    booster = lgb.Booster(model_file=str(model_file))
    frame, _ = read_table(features_path)
    names = [c for c in frame.columns if c not in RESERVED]
    if names != list(booster.feature_name()):
        raise click.ClickException(f"{features_path}: features {names} differ from the model's "
                                   f"{booster.feature_name()}; log with the model's featureset")
    keyed = {}
    for line in params_path(features_path).read_bytes().splitlines():
        entry = orjson.loads(line)
        keyed[_key(entry["qid"], entry.get("user_id"))] = entry["params"]
    frame = frame.assign(_key=[_key(q, u) for q, u in zip(frame["qid"], frame.get("user_id", [None] * len(frame)))])
    chosen = set(_sample_groups(sorted(set(frame["_key"])), sample))
    rows = frame[frame["_key"].isin(chosen)]
    scores = predict_with_base(booster, rows[names].to_numpy(np.float32).astype(np.float64), names, base) + offset
    expected: dict[str, dict[str, float]] = {}
    for key, doc_id, score in zip(rows["_key"], rows["doc_id"], scores):
        expected.setdefault(key, {})[str(doc_id)] = float(score)
    result = verify(obj.client(), alias, name, keyed, expected, store=store, tolerance=tolerance,
                    base=served.base_clause() if served is not None else None)
    click.echo(f"verified {len(result.rows):,} rows of {len(expected):,} query groups: max |served - LightGBM| = "
               f"{result.max_error:.3g} (tolerance {tolerance:g} relative)")
    if not result.ok:
        _report_drift(rows, names, result)
        raise click.exceptions.Exit(1)


def _key(qid: Any, user_id: Any) -> str:
    """The query group of a table row (``judged_contexts.group_key``; pandas reads a missing user as NaN)."""
    return group_key(str(qid), None if user_id is None or user_id != user_id else str(user_id))


def _report_drift(rows: pd.DataFrame, names: list[str], result: Any) -> None:
    table = Table(title=f"{len(result.failures)} rows differ beyond the tolerance")
    for column in ("qid", "doc_id", "LightGBM", "served", "logged features"):
        table.add_column(column)
    by_key = {(k, str(d)): r for k, d, r in zip(rows["_key"], rows["doc_id"], rows[names].to_dict("records"))}
    for failure in result.failures[:20]:
        logged = by_key.get((failure.qid, failure.doc_id), {})
        table.add_row(failure.qid.replace("\x1f", " user "), failure.doc_id, f"{failure.expected:.6g}",
                      "missing" if failure.served is None else f"{failure.served:.6g}",
                      ", ".join(f"{k}={v:.4g}" for k, v in logged.items()))
    _console().print(table)
    click.echo("the cluster computes other values than were logged, or evaluates the model differently: log "
               "features again with this featureset and cluster, retrain, and convert for this plugin version",
               err=True)


@model.command("list")
@click.option("--prefix", default=None, help="Only names starting with this (e.g. a featureset name).")
@store_option
@click.pass_obj
def model_list(obj: Any, prefix: str | None, store: str | None) -> None:
    """List models (sorted by name, so timestamped names sort by age)."""
    found = models_mod.list_models(obj.client(), prefix, store)
    table = Table(title=f"models in {_store_label(store)}")
    table.add_column("model", no_wrap=True, min_width=max((len(m.name) for m in found), default=5))
    table.add_column("type", no_wrap=True)
    table.add_column("featureset (features)", overflow="fold")
    table.add_column("trees", justify="right")
    for m in found:
        table.add_row(m.name, m.type, f"{m.featureset.name} ({len(m.featureset.features)})" if m.featureset else "-",
                      str(m.tree_count) if m.tree_count is not None else "-")
    _console().print(table)


@model.command("show")
@click.argument("name")
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the stored model as JSON.")
@click.option("--rescore", "as_rescore", is_flag=True,
              help="Print the search body's rescore section that serves the model (with its base score, if any).")
@click.pass_obj
def model_show(obj: Any, name: str, store: str | None, as_json: bool, as_rescore: bool) -> None:
    """Show a model: type, trees, normalizers and the featureset copied into it."""
    found = models_mod.get_model(obj.client(), name, store)
    served = served_models.load(obj.data_dir, name)[0] if served_models.exists(obj.data_dir, name) else None
    base = served.base_clause() if served is not None else None
    if as_rescore:
        params = {p: f"<{p}>" for p in (found.featureset.params if found.featureset is not None else ())}
        body = with_ltr_rescore({"match_all": {}}, name, params, store=store, base=base)
        click.echo(json.dumps({"rescore": body["rescore"]}, indent=2, ensure_ascii=False))
        return
    if as_json:
        body = found.to_dict()
        if found.featureset is not None:
            body["feature_set"] = found.featureset.to_dict()
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    click.echo(f"model:       {found.name}")
    click.echo(f"type:        {found.type}")
    if found.tree_count is not None:
        click.echo(f"trees:       {found.tree_count}")
    if base is not None:
        click.echo(f"base score:  {base.weight:.6g} x {base.feature} (served beside the trees: --rescore shows how)")
    if found.featureset is not None:
        click.echo(f"featureset:  {found.featureset.name} ({len(found.featureset.features)} features)")
        for ordinal, feature_name in enumerate(found.featureset.feature_names, start=1):
            norm = (found.feature_normalizers or {}).get(feature_name)
            click.echo(f"  {ordinal:>3}  {feature_name}" + (f"  normalizer: {json.dumps(norm)}" if norm else ""))


@model.command("delete")
@click.argument("name")
@store_option
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
@click.pass_obj
def model_delete(obj: Any, name: str, store: str | None, dry_run: bool) -> None:
    """Delete a model (a rescore query still naming it will fail)."""
    if dry_run:
        models_mod.get_model(obj.client(), name, store)  # fails clearly if it does not exist
        click.echo(f"would delete model {name!r} from {_store_label(store)}")
        return
    models_mod.delete_model(obj.client(), name, store)
    click.echo(f"deleted model {name!r} from {_store_label(store)}")
