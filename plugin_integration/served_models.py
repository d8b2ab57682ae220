"""The local record of what was served: ``<data-dir>/models/<name>/`` keeps the LightGBM model and how it was
converted (plugin version, score offset, featureset) for every model ``model upload`` converted.

The cluster stores the converted trees only (a model trained with a base score also needs its base clause at
serving, recorded here: :meth:`ServedModel.base_clause`); ``model verify`` (LightGBM's reference scores) and ``search
--explain`` (LightGBM's per-feature contributions) need the original model, so it is kept beside the data
directory, the same for a real cluster and the embedded node.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .queries import BaseClause

MODEL_FILE = "model.txt"
SERVED_FILE = "served.json"


@dataclass(frozen=True)
class ServedModel:
    name: str
    featureset: str
    feature_names: tuple[str, ...]
    offset: float  # the constant tree keep_positive added: served score = LightGBM score + offset
    plugin_version: str | None
    distribution: str
    #: ``{"feature", "weight"}`` when the trees were trained to boost from a base score (``ltr.base_score``):
    #: served score = LightGBM score + offset + weight * feature. Absent in records written before bases.
    base: dict[str, Any] | None = None

    def base_clause(self) -> BaseClause | None:
        """The clause serving adds beside the model's ``sltr`` (:class:`.queries.BaseClause`), if any."""
        if not self.base:
            return None
        return BaseClause(self.featureset, str(self.base["feature"]), float(self.base["weight"]))


def models_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "models"


def save(data_dir: str | Path, served: ServedModel, model_file: Path) -> Path:
    folder = models_dir(data_dir) / served.name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, folder / MODEL_FILE)
    (folder / SERVED_FILE).write_text(json.dumps(asdict(served), indent=2), encoding="utf-8")
    return folder


def exists(data_dir: str | Path, name: str) -> bool:
    return (models_dir(data_dir) / name / SERVED_FILE).is_file()


def load(data_dir: str | Path, name: str) -> tuple[ServedModel, Path]:
    """The served record and the LightGBM model file of ``name``; a clear error when it was not converted here."""
    folder = models_dir(data_dir) / name
    try:
        data = json.loads((folder / SERVED_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no local record of model {name!r} in {folder}: it was not uploaded from a LightGBM model with this "
            "--data-dir; pass --model-file model.txt (and --offset if it was lifted)") from None
    data["feature_names"] = tuple(data["feature_names"])
    known = set(ServedModel.__dataclass_fields__)
    return ServedModel(**{k: v for k, v in data.items() if k in known}), folder / MODEL_FILE
