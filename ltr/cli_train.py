"""``mmltr train``: a feature table (``features log``) -> a model directory (``model.txt``, ``model.json``,
``record.json``).

Training is pure (``ltr.train``); this command reads the optional parameter file, trains with grouped (or time)
folds, converts for the target plugin version, and prints the per-fold metrics. The featureset the table was
logged with travels in the Parquet file's metadata into ``record.json``, so ``model upload`` needs no
``--featureset`` for a trained model.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from plugin_integration.cli_support import friendly_errors

from .base_choice import train_with_base
from .cli_render import console
from .feature_table import TrainingError, table_featureset
from .train import train as train_model
from .train import write_model_dir

def read_params(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # YAML is a superset of JSON
    except (OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{path}: cannot read LightGBM parameters ({exc})") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: parameters must be a JSON/YAML object of LightGBM names to values")
    return data


@click.command("train")
@click.argument("features_path", metavar="FEATURES", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Model directory (model.txt, model.json, record.json).")
@click.option("--params", "params_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="LightGBM parameters (JSON or YAML) over the regularized defaults.")
@click.option("--folds", type=click.IntRange(0), default=5, show_default=True,
              help="Cross-validation folds for the reported metrics and the number of trees (0: none).")
@click.option("--plugin-version", default=None, help="Convert for this LTR plugin version (default: latest).")
@click.option("--base", "base_mode", type=click.Choice(["auto", "none"]), default="auto", show_default=True,
              help="auto: boost from the strongest single feature, scaled by a strength chosen by inner "
                   "cross-validation (served exactly beside the trees); none: plain trees.")
@friendly_errors
def train(features_path: Path, output: Path, params_path: Path | None, folds: int,
          plugin_version: str | None, base_mode: str) -> None:
    """Train a LightGBM LambdaMART model on FEATURES and convert it exactly for the LTR plugin.

    By default the trees boost from the table's strongest single feature (a base score): on small judgment
    sets plain trees lose to that feature (docs/quality.md). The base is kept in record.json; model upload
    records it and search, verify and evaluate serve it beside the trees."""
    if base_mode == "auto" and folds < 2:
        raise click.ClickException("--base auto chooses the base's strength by cross-validation: use --folds 2 "
                                   "or more, or --base none")
    try:
        if base_mode == "auto":
            result = train_with_base(features_path, params=read_params(params_path), folds=folds,
                                     plugin_version=plugin_version)
        else:
            result = train_model(features_path, params=read_params(params_path), folds=folds,
                                 plugin_version=plugin_version)
    except TrainingError as exc:
        raise click.ClickException(f"{features_path}: {exc}") from None
    result.record["featureset"] = table_featureset(features_path)
    out = write_model_dir(result, output, plugin_version=plugin_version)
    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    for fold in record["folds"]:
        console.print(f"fold {fold['fold']}: {fold['test_queries']} test queries, {fold['trees']} trees, "
                      f"NDCG@10 {fold['ndcg@10']:.4f}")
    if record["mean"]:
        console.print(f"mean NDCG@10 over {len(record['folds'])} folds: {record['mean']['ndcg@10']:.4f}")
    choice = record.get("base_choice")
    if choice and choice.get("feature"):
        tried = ", ".join(f"{t['strength']:g}" for t in choice["tried"])
        console.print(f"base score: {record['base_score']['weight']:.6g} x {choice['feature']} (the strongest "
                      f"single feature, NDCG@10 {choice['feature_ndcg@10']:.4f} alone on the training table; "
                      f"strength chosen from {tried} by inner cross-validation)")
    elif choice:
        console.print(f"[yellow]no base score: {choice['reason']}[/yellow]")
    dropped = record["data"]["dropped_single_document_queries"]
    if dropped:
        console.print(f"[yellow]{dropped} queries with a single judged document were left out (nothing to "
                      f"rank)[/yellow]")
    console.print(f"{record['num_boost_round']} trees on {record['data']['queries']} queries, "
                  f"{len(record['feature_names'])} features; wrote {out}/model.txt, model.json, record.json")
