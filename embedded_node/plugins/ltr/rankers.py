"""Compiled models: parser registry, vector type and feature normalizers (``LtrRankerParserFactory``).

The plugin registers exactly four parsers (``LtrQueryParserPlugin``): ``model/ranklib``, ``model/linear``,
``model/xgboost+json`` and ``model/xgboost+json+raw``. A compiled model carries what the ranker needs from the
feature vector: whether unmatched features read 0.0 (``DenseLtrRanker``) or NaN (sparse, tree models on newer
plugin versions, unless the model sets ``missing_as_zero``), and the normalizers to apply first
(``FeatureNormalizingRanker``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import ltr_errors
from .elements import StoredLtrModel
from .features import CompiledFeatureSet, compile_featureset
from .linear import featureset_model, parse_linear
from .normalizers import Normalizer, normalize, parse_normalizers
from .ranklib import parse_ranklib
from .trees import sigmoid
from .versions import DENSE, PluginSemantics
from .xgboost import parse_xgboost_json, parse_xgboost_raw
from ...errors import EngineError

F32 = np.float32
MODEL_TYPES = ("model/ranklib", "model/linear", "model/xgboost+json", "model/xgboost+json+raw")


@dataclass
class CompiledModel:
    name: str
    type: str
    featureset: CompiledFeatureSet
    scorer: Callable[[np.ndarray], np.ndarray]
    dense: bool
    normalizers: list[Normalizer] = field(default_factory=list)
    size_bytes: int = 0

    @property
    def fill(self) -> float:
        return 0.0 if self.dense else float("nan")

    def score(self, vector: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(self.scorer(normalize(vector, self.normalizers)), dtype=F32)


def featureset_ranker(cset: CompiledFeatureSet) -> CompiledModel:
    """``sltr`` on a featureset: a ``LinearRanker`` with all weights 1 (dense)."""
    return CompiledModel(cset.name, "featureset", cset, featureset_model(len(cset.names)).score, True)


def compile_model(stored: StoredLtrModel, sem: PluginSemantics) -> CompiledModel:
    """``StoredLtrModel.compile``; any failure is "Error while parsing model [NAME] with type [TYPE]"."""
    try:
        cset = compile_featureset(stored.feature_set)
        names = cset.names
        normalizers = parse_normalizers(stored.feature_normalizers, names)
        if stored.type == "model/xgboost+json" or stored.type == "model/xgboost+json+raw":
            parse = parse_xgboost_json if stored.type == "model/xgboost+json" else parse_xgboost_raw
            xgb = parse(stored.definition, names, sem)
            mode = sem.tree_missing if stored.type == "model/xgboost+json" else sem.raw_tree_missing
            dense = mode == DENSE or xgb.missing_as_zero
            ensemble = xgb.ensemble
            scorer = (lambda X: sigmoid(ensemble.score(X))) if xgb.sigmoid else ensemble.score
        elif stored.type == "model/linear":
            scorer, dense = parse_linear(stored.definition, names).score, True
        elif stored.type == "model/ranklib":
            scorer, dense = parse_ranklib(stored.definition, len(names)).score, True
        else:
            raise EngineError("illegal_argument_exception", f"Unsupported model type [{stored.type}], the "
                              f"plugin supports {list(MODEL_TYPES)}", 400)
    except EngineError as exc:
        raise ltr_errors.model_parse(stored.name, stored.type, exc) from None
    size = len(str(stored.definition)) * 2 + 64 * len(names)
    return CompiledModel(stored.name, stored.type, cset, scorer, dense, normalizers, size)
