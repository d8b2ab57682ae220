"""A LightGBM model converted for the cluster's LTR plugin: what ``model upload`` does with a LightGBM file
(``mmltr model upload`` and ``mmltr demo`` share it).

The model is converted exactly for the plugin version the cluster reports, against the stored featureset's names
in order, and lifted by one constant tree so every served score is positive; the caller uploads the returned spec
and keeps the local copy (:mod:`.served_models`) with the offset.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ltr.convert import Conversion, convert, definition_json, keep_positive

from . import featuresets as fs_mod
from .cluster_info import ClusterInfo, detect


@dataclass(frozen=True)
class ConvertedModel:
    spec: dict[str, Any]  # type, definition (JSON text), feature_names: what models.upload_model takes
    offset: float         # served score = LightGBM score + offset
    conversion: Conversion
    info: ClusterInfo


def convert_for_cluster(client: Any, lightgbm: Path, featureset_name: str, store: str | None = None
                        ) -> ConvertedModel:
    """``lightgbm`` converted for the cluster's plugin and the stored featureset (``ConversionError`` when it
    cannot be converted exactly)."""
    stored = fs_mod.fetch(client, featureset_name, store)
    info = detect(client, require_ltr=True)
    conversion = convert(lightgbm, list(stored.feature_names), plugin_version=info.ltr_version_text,
                         distribution=info.flavour)
    definition, offset = keep_positive(conversion.definition)
    spec = {"type": "model/xgboost+json", "definition": definition_json(definition),
            "feature_names": list(stored.feature_names)}
    return ConvertedModel(spec, float(offset), conversion, info)
