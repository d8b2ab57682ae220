"""Query templates with their structured intent: head and tail, category words and their synonyms,
attribute combinations, brands, price words, typos, and visual-style words that only the images answer.

Attribute queries are built from attribute combinations that exist in the catalogue, so every query has
relevant items. A bare category query ("sneakers") has no attribute to match: which sneakers are relevant
is decided by the user's taste, which is what personalisation must learn.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .catalog import swap_typo
from .vocab import BAND_WORDS, CATEGORY_BY_KEY, STYLE_WORDS

QUERY_TYPES: tuple[str, ...] = ("category", "synonym", "style", "color", "attribute", "brand", "price",
                                "typo", "brand_only")


@dataclass(frozen=True)
class Intent:
    """What the searcher wants: ``None`` means "not said". ``category_key`` must match for any relevance
    (unless None, as for a bare brand query); each other named attribute is a strong preference."""

    category_key: str | None = None
    color: str | None = None
    material: str | None = None
    brand: str | None = None
    style: str | None = None
    price_band: str | None = None


@dataclass(frozen=True)
class Query:
    """A query template: ``weight`` is its share of searches (head queries weigh most), ``head`` marks the
    top fifth by weight, ``kind`` is one of :data:`QUERY_TYPES`."""

    qid: str
    text: str
    weight: float
    head: bool
    kind: str
    intent: Intent

    def to_dict(self) -> dict[str, object]:
        row = asdict(self)
        row.update(row.pop("intent"))
        return row


def _candidates(items: pd.DataFrame, rng: np.random.Generator) -> dict[str, Iterator[tuple[str, Intent]]]:
    """Endless-ish shuffled streams of (text, intent) per query type, drawn from existing items."""
    keys = sorted(items["category_key"].unique())

    def sample_rows() -> Iterator[pd.Series]:
        for i in rng.permutation(len(items)):
            yield items.iloc[int(i)]

    def category() -> Iterator[tuple[str, Intent]]:
        for k in keys:
            yield CATEGORY_BY_KEY[k].nouns[0], Intent(category_key=k)

    def synonym() -> Iterator[tuple[str, Intent]]:
        for k in rng.permutation(keys):
            for noun in CATEGORY_BY_KEY[str(k)].nouns[1:]:
                yield noun, Intent(category_key=str(k))

    def style() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            words = STYLE_WORDS[row["style"]]
            yield f"{words[int(rng.integers(len(words)))]} {_noun(row)}", \
                Intent(category_key=row["category_key"], style=row["style"])

    def color() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            yield f"{row['color']} {_noun(row)}", Intent(category_key=row["category_key"], color=row["color"])

    def attribute() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            yield f"{row['color']} {row['material']} {_noun(row)}", \
                Intent(category_key=row["category_key"], color=row["color"], material=row["material"])

    def brand() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            yield f"{row['brand'].lower()} {_noun(row)}", \
                Intent(category_key=row["category_key"], brand=row["brand"])

    def price() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            if row["price_band"] in BAND_WORDS:
                words = BAND_WORDS[row["price_band"]]
                yield f"{words[int(rng.integers(len(words)))]} {_noun(row)}", \
                    Intent(category_key=row["category_key"], price_band=row["price_band"])

    def typo() -> Iterator[tuple[str, Intent]]:
        for row in sample_rows():
            noun = CATEGORY_BY_KEY[row["category_key"]].nouns[0]
            if rng.random() < 0.5:
                text, intent = swap_typo(noun, rng), Intent(category_key=row["category_key"])
            else:
                text = f"{row['color']} {swap_typo(noun, rng)}"
                intent = Intent(category_key=row["category_key"], color=row["color"])
            yield text, intent

    def brand_only() -> Iterator[tuple[str, Intent]]:
        for b in rng.permutation(sorted(items["brand"].unique())):
            yield str(b).lower(), Intent(brand=str(b))

    def _noun(row: pd.Series) -> str:
        return CATEGORY_BY_KEY[row["category_key"]].nouns[0]

    return {"category": category(), "synonym": synonym(), "style": style(), "color": color(),
            "attribute": attribute(), "brand": brand(), "price": price(), "typo": typo(),
            "brand_only": brand_only()}


def generate_queries(items: pd.DataFrame, n: int, rng: np.random.Generator) -> list[Query]:
    """``n`` distinct query templates: every category's canonical word first (the head), then the other
    types taken in turn. Weights follow a Zipf curve over a shuffled order in which category words lead."""
    streams = _candidates(items, rng)
    picked: list[tuple[str, str, Intent]] = []
    seen: set[str] = set()
    for text, intent in streams.pop("category"):
        picked.append(("category", text, intent))
        seen.add(text)
    order = list(streams)
    while len(picked) < n and streams:
        for kind in list(order):
            if len(picked) >= n or kind not in streams:
                continue
            for text, intent in streams[kind]:
                if text not in seen:
                    picked.append((kind, text, intent))
                    seen.add(text)
                    break
            else:
                del streams[kind]
    picked = picked[:n]
    head_count = sum(1 for kind, _, _ in picked if kind == "category")
    tail_order = rng.permutation(len(picked) - head_count) + head_count
    rank = np.concatenate([rng.permutation(head_count), tail_order]).astype(np.int64)
    weights = 1.0 / (1.0 + rank) ** 0.9
    weights /= weights.sum()
    cut = np.quantile(weights, 0.8)
    return [Query(qid=f"q{i:04d}", text=text, weight=float(weights[i]), head=bool(weights[i] >= cut),
                  kind=kind, intent=intent) for i, (kind, text, intent) in enumerate(picked)]
