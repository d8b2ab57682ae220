"""A crude text match between a query and catalogue items, and query templates for any catalogue.

The click simulator needs "does this result look like what was searched for" for catalogues with no true
relevance (Icecat). The ranker may return its own scores; when it returns bare ids, this token overlap
(the share of query tokens found in the item's text, with a trailing-``s`` stem) stands in.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .queries import Intent, Query

TEXT_COLUMNS: tuple[str, ...] = ("title", "brand", "category", "color", "description")
_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: object) -> set[str]:
    if not isinstance(text, str):
        return set()
    return {t[:-1] if len(t) > 3 and t.endswith("s") else t for t in _TOKEN.findall(text.lower())}


def text_match(items: pd.DataFrame, query: str) -> np.ndarray:
    """Per row of ``items``, the share of the query's tokens that occur in its text columns, in [0, 1]."""
    wanted = tokens(query)
    if not wanted:
        return np.zeros(len(items))
    columns = [c for c in TEXT_COLUMNS if c in items]
    out = np.empty(len(items))
    for i, row in enumerate(items[columns].itertuples(index=False)):
        have: set[str] = set().union(*(tokens(v) for v in row)) if columns else set()
        out[i] = len(wanted & have) / len(wanted)
    return out


def queries_for_catalog(items: pd.DataFrame, n: int = 50, seed: int = 0) -> list[Query]:
    """Query templates for any catalogue: category leaves (head), brand + leaf, and bare brands, weighted by
    how many items they cover. The intent's ``category_key`` is the full category path."""
    rng = np.random.default_rng(seed)
    cats = items["category"].dropna().astype(str) if "category" in items else pd.Series(dtype=str)
    by_kind: dict[str, list[tuple[str, str, Intent, float]]] = {"category": [], "brand": [], "brand_only": []}
    for path, count in cats.value_counts().items():
        leaf = str(path).split(" > ")[-1].lower()
        by_kind["category"].append(("category", leaf, Intent(category_key=str(path)), 3.0 * count))
    if "brand" in items:
        pairs = items.dropna(subset=["brand", "category"]).groupby(["category", "brand"]).size()
        for (path, brand), count in pairs.sort_values(ascending=False, kind="stable").items():
            leaf = str(path).split(" > ")[-1].lower()
            by_kind["brand"].append(("brand", f"{str(brand).lower()} {leaf}",
                                     Intent(category_key=str(path), brand=str(brand)), float(count)))
        for brand, count in items["brand"].dropna().astype(str).value_counts().items():
            by_kind["brand_only"].append(("brand_only", str(brand).lower(), Intent(brand=str(brand)),
                                          0.5 * count))
    # the biggest categories first (up to a third), then two brand+category queries to one bare brand
    quota = {"category": max(1, n // 3), "brand": 2, "brand_only": 1}
    unique: list[tuple[str, str, Intent, float]] = []
    seen: set[str] = set()
    streams = {kind: iter(rows) for kind, rows in by_kind.items()}
    while len(unique) < n and streams:
        for kind in list(streams):
            for _ in range(quota[kind]):
                row = next((r for r in streams[kind] if r[1] not in seen), None)
                if row is None:
                    del streams[kind]
                    break
                if len(unique) < n:
                    seen.add(row[1])
                    unique.append(row)
        quota["category"] = 1
    weights = np.array([c[3] for c in unique], dtype=np.float64) * rng.lognormal(0, 0.3, len(unique))
    weights /= weights.sum() if len(unique) else 1.0
    cut = np.quantile(weights, 0.8) if len(unique) else 0.0
    return [Query(qid=f"q{i:04d}", text=text, weight=float(w), head=bool(w >= cut), kind=kind, intent=intent)
            for i, ((kind, text, intent, _), w) in enumerate(zip(unique, weights))]
