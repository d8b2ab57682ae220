"""Slow, obviously-correct reference implementations used to check the vectorized LTR evaluators."""
from __future__ import annotations

import math
import random
from typing import Any

import numpy as np

F32 = np.float32


def walk_xgboost(definition: dict[str, Any] | list, names: list[str], row: list[float], mode: str) -> float:
    """``NaiveAdditiveDecisionTree`` one node at a time: mode ``dense`` | ``nan_no`` | ``nan_missing``."""
    trees = definition["splits"] if isinstance(definition, dict) else definition
    values = dict(zip(names, row))
    total = F32(0.0)
    for tree in trees:
        node = tree
        while "leaf" not in node:
            value = F32(values[node["split"]])
            if mode == "dense" and math.isnan(value):
                value = F32(0.0)
            if math.isnan(value):
                honoured = mode == "nan_missing" and node.get("missing") == node["yes"]
                target = node["yes"] if honoured else node["no"]
            else:
                target = node["yes"] if value < F32(node["split_condition"]) else node["no"]
            node = next(c for c in node["children"] if c["nodeid"] == target)
        total = F32(total + F32(node["leaf"]))
    return float(total)


def random_tree(rng: random.Random, names: list[str], depth: int = 0, counter: list[int] | None = None,
                max_depth: int = 6) -> dict[str, Any]:
    counter = counter if counter is not None else [0]
    nodeid = counter[0]
    counter[0] += 1
    if depth >= max_depth or (depth > 0 and rng.random() < 0.25):
        return {"nodeid": nodeid, "depth": depth, "leaf": float(F32(rng.uniform(-1, 1)))}
    yes_child = random_tree(rng, names, depth + 1, counter, max_depth)
    no_child = random_tree(rng, names, depth + 1, counter, max_depth)
    threshold = float(F32(rng.choice([0.0, 0.5, 1.0, -1.0, rng.uniform(-2, 2), 1e-35])))
    return {"nodeid": nodeid, "depth": depth, "split": rng.choice(names), "split_condition": threshold,
            "yes": yes_child["nodeid"], "no": no_child["nodeid"],
            "missing": rng.choice([yes_child["nodeid"], no_child["nodeid"]]),
            "children": [yes_child, no_child]}


def random_rows(rng: random.Random, n: int, width: int) -> list[list[float]]:
    specials = [0.0, -0.0, 0.5, 1.0, -1.0, 1e-35, float(np.nextafter(F32(0.5), F32(1))), float("nan"),
                float("nan"), 3.4e38, -3.4e38]
    rows = []
    for _ in range(n):
        rows.append([rng.choice(specials) if rng.random() < 0.5 else float(F32(rng.uniform(-2, 2)))
                     for _ in range(width)])
    return rows
