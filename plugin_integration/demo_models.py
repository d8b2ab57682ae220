"""Stage 5 of ``mmltr demo``: the fused featuresets (with and without personal features), feature logging of the
training judgments, LightGBM LambdaMART, exact upload and verify, for both models.

The same functions as ``featureset init/push``, ``features log``, ``train``, ``model upload`` and ``model
verify``: :func:`.fused_featureset.fused_featureset`, :func:`.feature_logging.log_features` (with the contexts of
:mod:`.judged_contexts`), :func:`ltr.train.train`, :func:`.lightgbm_upload.convert_for_cluster` and
:func:`.verify.verify`. The non-personal featureset's features are the personal one's without the user features,
in the same order, so its model trains on the same logged table's columns.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ltr.judgments import read_judgments
from ltr.train import train, write_model_dir

from . import featuresets as fs_mod
from . import models as models_mod
from . import served_models
from . import store as store_mod
from .evaluation_runs import first_stage_top
from .cli_features import feature_frame, query_vectors, user_contexts
from .cluster_info import detect
from .feature_logging import log_features
from .fused_featureset import fused_featureset, index_fields
from .judged_contexts import JudgedGroups, build_contexts, group_key
from .lightgbm_upload import convert_for_cluster
from .params import QueryContext
from .verify import verify

PERSONAL_SET = "demo-items_fused"
PLAIN_SET = "demo-items_fused_nonpersonal"
CANDIDATE_WINDOW = 50
VERIFY_GROUPS = 150  # model verify --sample: groups by sha256 of their key
#: Above this many logged rows the tree count is chosen on one inner split instead of 5 inner folds (2 fits
#: instead of 6): the small world's 111,934 rows took 3.5 minutes per model with folds, past its 10-minute budget.
FOLDS_UP_TO_ROWS = 50_000


@dataclass(frozen=True)
class TrainedModel:
    name: str                 # the uploaded model
    featureset: str
    features: tuple[str, ...]
    trees: int
    cv_ndcg: float | None     # mean NDCG@10 of ltr.train's folds on the click judgments
    verified_rows: int
    max_error: float
    verified: bool
    model_dir: Path


@dataclass(frozen=True)
class ModelsStage:
    judged: int
    logged_rows: int
    groups: int
    personal: TrainedModel
    plain: TrainedModel
    seconds: float


def push_featuresets(client: Any, alias: str) -> tuple[fs_mod.FeatureSet, fs_mod.FeatureSet]:
    """The fused featureset of the index's fields with personal features, and the one without them."""
    fields = index_fields(client, alias)
    store_mod.ensure_store(client, None)
    flavour = detect(client).flavour
    sets = (fused_featureset(fields, PERSONAL_SET, True, flavour), fused_featureset(fields, PLAIN_SET, False, flavour))
    for fs in sets:
        fs_mod.push(client, fs, replace=True)
    return sets


def train_models(client: Any, alias: str, data_dir: Path, judgments_path: Path, profiles_path: Path,
                 root: Path, *, candidate_window: int = CANDIDATE_WINDOW) -> ModelsStage:
    """Both models on the click judgments plus each group's unjudged first-stage candidates (top
    ``candidate_window``) as grade 0: served, a model re-ranks the first stage's candidates, not only what
    the users were shown (trained on the shown pools alone it ranked the tiny world below BM25)."""
    started = time.perf_counter()
    personal, plain = push_featuresets(client, alias)
    fields = index_fields(client, alias)
    judgments, _ = read_judgments(judgments_path)
    groups = JudgedGroups.from_judgments(judgments)
    text, image = query_vectors(client, alias, fields, personal, sorted(set(groups.query.values())), None)
    contexts = build_contexts(groups, text, image, user_contexts(profiles_path, fields))
    judged = sum(len(g) for g in groups.grades.values())
    candidates = first_stage_top(client, alias, contexts, candidate_window, detect(client).flavour)
    for key, found in candidates.items():  # what the model must push down is what the first stage brings
        groups.grades[key] = {**dict.fromkeys(found, 0), **groups.grades[key]}
    logged = log_features(client, alias, personal, contexts, groups.doc_ids())
    table = feature_frame(groups, logged)
    models = [_train_one(client, data_dir, table, fs, groups, contexts, alias, root / f"model-{fs.name}")
              for fs in (personal, plain)]
    return ModelsStage(judged, len(table), len(groups.query), models[0], models[1], time.perf_counter() - started)


def _train_one(client: Any, data_dir: Path, table: pd.DataFrame, fs: fs_mod.FeatureSet, groups: JudgedGroups,
               contexts: dict[str, QueryContext], alias: str, out: Path) -> TrainedModel:
    names = list(fs.feature_names)
    reserved = [c for c in ("qid", "doc_id", "grade", "user_id") if c in table]
    result = train(table[reserved + names], names, folds=5 if len(table) <= FOLDS_UP_TO_ROWS else 0)
    result.record["featureset"] = fs.name
    write_model_dir(result, out)
    record_mean = (result.record.get("mean") or {}).get("ndcg@10")
    converted = convert_for_cluster(client, out / "model.txt", fs.name)
    name = models_mod.fresh_model_name(client, fs.name)
    models_mod.upload_model(client, fs.name, name, converted.spec["definition"], converted.spec["type"],
                            feature_names=converted.spec["feature_names"])
    served_models.save(data_dir, served_models.ServedModel(
        name, fs.name, tuple(names), converted.offset, converted.info.ltr_version_text, converted.info.flavour),
        out / "model.txt")
    # model verify --sample: the cluster's sltr score of every logged row of a sample of groups equals LightGBM's prediction plus the offset
    keys = [group_key(str(q), None if u is None else str(u)) for q, u in zip(table["qid"], table["user_id"])]
    scores = result.booster.predict(table[names].to_numpy(np.float32).astype(np.float64)) + converted.offset
    chosen = set(sorted(set(keys), key=lambda k: hashlib.sha256(k.encode("utf-8")).hexdigest())[:VERIFY_GROUPS])
    expected: dict[str, dict[str, float]] = {}
    for key, doc_id, score in zip(keys, table["doc_id"], scores):
        if key in chosen:
            expected.setdefault(key, {})[str(doc_id)] = float(score)
    checked = verify(client, alias, name, {k: contexts[k].to_params() for k in expected}, expected)
    return TrainedModel(name, fs.name, tuple(names), converted.conversion.trees,
                        float(record_mean) if record_mean is not None else None, len(checked.rows),
                        float(checked.max_error), bool(checked.ok), out)
