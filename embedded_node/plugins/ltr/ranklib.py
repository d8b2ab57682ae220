"""``model/ranklib``: RankLib's text models, evaluated as RankLib (RankyMcRankFace) does.

``RanklibModelParser`` hands the text to ``RankerFactory.loadRankerFromString``, which reads the first line
(``## LambdaMART``) to pick the ranker. Supported here: ``LambdaMART`` and ``MART`` (one ``<ensemble>``),
``Random Forests`` (one ``<ensemble>`` per bag), ``Coordinate Ascent`` and ``Linear Regression`` (a
``fid:weight`` line). RankNet, ListNet, RankBoost and AdaRank are refused with a clear error.

Semantics (``fidelity.md`` §2.2, RankLib ``Split``/``Ensemble``/``RFRanker``/``CoorAscent``):

* features are 1-based ids (ordinal + 1); unmatched and NaN features read as 0.0
  (``DenseProgramaticDataPoint``);
* a split goes left when ``value <= threshold`` (float32; the opposite strictness to xgboost), thresholds and
  outputs parsed with ``Float.parseFloat``;
* ``Ensemble.eval``: ``float s = 0; s += tree.eval(dp) * weight`` where the tree output is a double holding
  the float leaf, so each step is ``s = (float)((double)s + leaf * weight)``;
* ``RFRanker.eval``: the double mean of the bags' float scores; linear models sum ``weight * value`` in
  double. ``RanklibRanker`` casts the result to float.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import numpy as np

from .ltr_errors import model_parsing
from .trees import F32, FlatEnsemble, TreeBuilder

_NAMES = {"LAMBDAMART": "LambdaMART", "MART": "MART", "RANDOM FORESTS": "Random Forests",
          "COORDINATE ASCENT": "Coordinate Ascent", "LINEAR REGRESSION": "Linear Regression"}
_REFUSED = {"RANKNET", "RANKBOOST", "ADARANK", "LISTNET"}


@dataclass
class _Ensemble:
    trees: FlatEnsemble
    weights: np.ndarray  # float32 per tree

    def eval(self, X: np.ndarray) -> np.ndarray:
        leaves = self.trees.leaves(X).astype(np.float64)
        total = np.zeros(X.shape[0], dtype=F32)
        for t, weight in enumerate(self.weights.astype(np.float64)):
            total = (total.astype(np.float64) + leaves[:, t] * weight).astype(F32)
        return total


@dataclass
class RanklibModel:
    kind: str
    ensembles: list[_Ensemble]
    linear: list[tuple[int, float]]  # (0-based ordinal, weight); ordinal -1 = intercept
    max_feature: int

    def score(self, X: np.ndarray) -> np.ndarray:
        X = np.nan_to_num(np.asarray(X, dtype=F32), nan=0.0)
        if self.kind in ("LambdaMART", "MART"):
            return self.ensembles[0].eval(X)
        if self.kind == "Random Forests":
            total = np.zeros(X.shape[0], dtype=np.float64)
            for ens in self.ensembles:
                total += ens.eval(X).astype(np.float64)
            return (total / len(self.ensembles)).astype(F32)
        score = np.zeros(X.shape[0], dtype=np.float64)
        for ordinal, weight in self.linear:
            score += weight if ordinal < 0 else weight * X[:, ordinal].astype(np.float64)
        return score.astype(F32)


def parse_ranklib(definition: Any, num_features: int) -> RanklibModel:
    if not isinstance(definition, str):
        raise model_parsing("A ranklib model definition must be a string")
    lines = definition.splitlines()
    if not lines:
        raise model_parsing("Empty ranklib model")
    header = lines[0].replace("## ", "").strip().upper()
    if header in _REFUSED:
        raise model_parsing(f"RankLib model [{lines[0].strip()}] is not supported by the embedded node (only "
                            f"{', '.join(sorted(_NAMES.values()))})")
    kind = _NAMES.get(header)
    if kind is None:
        raise model_parsing(f"Unknown RankLib model type [{lines[0].strip()}]")
    body = [line.strip() for line in lines if line.strip() and not line.strip().startswith("##")]
    ensembles: list[_Ensemble] = []
    linear: list[tuple[int, float]] = []
    features: list[int] = []
    if kind in ("LambdaMART", "MART", "Random Forests"):
        for block in _ensemble_blocks(body, single=kind != "Random Forests"):
            ensembles.append(_parse_ensemble(block, features))
        if not ensembles:
            raise model_parsing(f"The {kind} model has no <ensemble>")
    else:
        if len(body) != 1:
            raise model_parsing(f"A {kind} model must have exactly one weight line")
        for token in body[0].split():
            fid_text, _, weight_text = token.partition(":")
            try:
                fid, weight = int(fid_text), float(weight_text)
            except ValueError:
                raise model_parsing(f"Invalid weight [{token}] in the {kind} model") from None
            if fid == 0 and kind == "Linear Regression":
                linear.append((-1, weight))
                continue
            features.append(fid)
            linear.append((fid - 1, weight))
    max_feature = max(features, default=0)
    if any(f < 1 for f in features) or max_feature > num_features:
        bad = max(features) if max_feature > num_features else min(features)
        raise model_parsing(f"Feature id [{bad}] in the ranklib model is out of range: the feature set has "
                            f"[{num_features}] features")
    return RanklibModel(kind, ensembles, linear, max_feature)


def _ensemble_blocks(lines: list[str], single: bool) -> list[str]:
    if single:
        return ["".join(lines)]
    blocks, current = [], ""
    for line in lines:
        current += line
        if "</ensemble>" in line:
            blocks.append(current)
            current = ""
    return blocks


def _parse_ensemble(text: str, features: list[int]) -> _Ensemble:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise model_parsing("DTDs and entities are not allowed in ranklib models")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise model_parsing(f"Invalid ranklib ensemble XML: {exc}") from None
    if root.tag != "ensemble":
        raise model_parsing(f"Expected <ensemble> but found <{root.tag}>")
    builder = TreeBuilder()
    weights = []
    for tree in root.findall("tree"):
        split = tree.find("split")
        if split is None:
            raise model_parsing("A ranklib <tree> must contain a <split>")
        weights.append(_float(tree.get("weight", "1.0"), "weight"))
        node = builder.new_node()
        builder.roots.append(node)
        _build(builder, node, split, features)
    return _Ensemble(builder.build(), np.asarray(weights, dtype=F32))


def _float(text: str | None, what: str) -> float:
    try:
        return float(np.float32(float((text or "").strip())))
    except ValueError:
        raise model_parsing(f"Invalid {what} [{text}] in the ranklib model") from None


def _build(builder: TreeBuilder, slot: int, element: ET.Element, features: list[int]) -> None:
    stack = [(slot, element)]
    while stack:
        slot, el = stack.pop()
        output = el.find("output")
        if output is not None:
            builder.set_leaf(slot, _float(output.text, "output"))
            continue
        feature, threshold = el.find("feature"), el.find("threshold")
        children = {c.get("pos"): c for c in el.findall("split")}
        if feature is None or threshold is None or set(children) != {"left", "right"}:
            raise model_parsing("A ranklib <split> needs <feature>, <threshold> and left/right <split>s")
        try:
            fid = int((feature.text or "").strip())
        except ValueError:
            raise model_parsing(f"Invalid feature id [{feature.text}] in the ranklib model") from None
        features.append(fid)
        t = np.float32(_float(threshold.text, "threshold"))
        # RankLib goes left on value <= t; for float32 values that is value < nextup(t).
        strict = float(np.nextafter(t, np.float32(np.inf))) if np.isfinite(t) else float(t)
        left, right = builder.new_node(), builder.new_node()
        builder.set_split(slot, max(fid - 1, 0), strict, left, right, right)
        stack.append((right, children["right"]))
        stack.append((left, children["left"]))
