"""The world's products: latent attributes drawn first, then text written from them with the gaps real
catalogues have.

Every item has a category, brand, colour, material, visual style and price band. The text says most of
this, but not all: the style is only rarely written (the image shows it), some titles drop the colour word
and a few items name their colour nowhere but in the picture, titles use synonyms of the category noun and a
few carry a typo. That is what makes the demo interesting: a text ranker sees part of the truth, an image
encoder and a user's history see the rest.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .vocab import (ADJECTIVES, BAND_FACTORS, BRAND_BANDS, CATEGORIES, COLORS, PRICE_BANDS, STYLE_WORDS,
                    STYLES, CategorySpec)

#: Shares of the text gaps (each drawn per item).
TITLE_WITHOUT_COLOR = 0.2      # the title does not name the colour (the description still does)
COLOR_ONLY_IN_IMAGE = 0.08     # no colour word anywhere, no ``color`` field: only the image says it
STYLE_IN_TEXT = 0.08           # the description names the style (otherwise only the image shows it)
TYPO_IN_TITLE = 0.03

#: Columns of the items frame (the latent truth plus the written text).
ITEM_COLUMNS: tuple[str, ...] = ("id", "category_key", "category", "brand", "color", "material", "style",
                                 "price_band", "price", "rating", "popularity", "title", "description",
                                 "color_in_text", "style_in_text", "model")


def _band_probabilities(spec: CategorySpec, brand: str) -> np.ndarray:
    """A brand leans to its own band; every brand still sells a bit of everything."""
    home = PRICE_BANDS.index(BRAND_BANDS.get(brand, "mid"))
    p = np.array([0.15, 0.15, 0.15])
    p[home] += 0.55
    return p / p.sum()


def swap_typo(word: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters: the commonest real typo."""
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 2))
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _article(word: str) -> str:
    return "An" if word[:1] in "aeiou" else "A"


def _title(spec: CategorySpec, brand: str, color: str | None, material: str, noun: str, model: str,
           rng: np.random.Generator) -> str:
    template = int(rng.integers(0, 4))
    colour = f"{color} " if color else ""
    if template == 0:
        title = f"{brand} {colour}{material} {noun} {model}"
    elif template == 1:
        title = _upper_first(f"{colour}{noun} by {brand} - {material}")
    elif template == 2:
        title = f"{brand} {model} {noun}" + (f", {color}" if color else "")
    else:
        title = _upper_first(f"{ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]} {colour}{noun} | {brand}")
    if rng.random() < TYPO_IN_TITLE:
        words = title.split(" ")
        longest = max(range(len(words)), key=lambda k: len(words[k]))
        words[longest] = swap_typo(words[longest], rng)
        title = " ".join(words)
    return title


def _description(spec: CategorySpec, brand: str, color: str | None, material: str, style: str | None,
                 noun: str, rng: np.random.Generator) -> str:
    adjective = ADJECTIVES[int(rng.integers(len(ADJECTIVES)))]
    plural = noun.endswith("s")
    lead = f"{adjective} {noun}" if plural else f"{_article(adjective).lower()} {adjective} {noun}"
    template = int(rng.integers(0, 3))
    if template == 0:
        parts = [_upper_first(f"{lead} made of {material}.")]
    elif template == 1:
        parts = [f"Meet {lead} in {material}, built for every day."]
    else:
        parts = [f"{material.capitalize()} {noun}: {'they are' if plural else 'it is'} {adjective}."]
    if color:
        parts.append(f"Colour: {color}." if rng.random() < 0.6 else f"Shown here in {color}.")
    if style:
        word = STYLE_WORDS[style][0]
        parts.append(f"{_article(word)} {word} look.")
    parts.append(f"Designed by {brand}." if rng.random() < 0.5 else f"From the {brand} collection.")
    return " ".join(parts)


def generate_items(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` items with their latent attributes and text, one row each (see :data:`ITEM_COLUMNS`)."""
    shares = np.array([c.share for c in CATEGORIES])
    cat = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    rows = []
    for i in range(n):
        spec = CATEGORIES[int(cat[i])]
        brand = spec.brands[int(rng.integers(len(spec.brands)))]
        color = spec.colors[int(rng.integers(len(spec.colors)))]
        material = spec.materials[int(rng.integers(len(spec.materials)))]
        style = STYLES[int(rng.integers(len(STYLES)))]
        band = PRICE_BANDS[int(rng.choice(3, p=_band_probabilities(spec, brand)))]
        low, high = BAND_FACTORS[band]
        price = round(float(spec.base_price * rng.uniform(low, high)), 2)
        quality = float(rng.beta(5, 2))
        noun = spec.nouns[int(rng.choice(len(spec.nouns), p=_noun_shares(len(spec.nouns))))]
        model = f"{brand[:2].upper()}-{int(rng.integers(100, 1000))}"
        color_hidden = rng.random() < COLOR_ONLY_IN_IMAGE
        title_color = None if color_hidden or rng.random() < TITLE_WITHOUT_COLOR else color
        style_in_text = bool(rng.random() < STYLE_IN_TEXT)
        rows.append({
            "id": f"w{i:06d}", "category_key": spec.key, "category": spec.path, "brand": brand,
            "color": color, "material": material, "style": style, "price_band": band, "price": price,
            "rating": round(float(np.clip(2.0 + 3.0 * quality + rng.normal(0, 0.25), 1.0, 5.0)), 1),
            "popularity": int(np.round(np.exp(rng.normal(3.0 + 1.5 * quality, 1.0)))),
            "title": _title(spec, brand, title_color, material, noun, model, rng),
            "description": _description(spec, brand, None if color_hidden else color, material,
                                        style if style_in_text else None, noun, rng),
            "color_in_text": not color_hidden, "style_in_text": style_in_text, "model": model,
        })
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))


def _noun_shares(k: int) -> np.ndarray:
    """The canonical noun is the commonest in titles, synonyms share the rest."""
    p = np.array([0.5] + [0.5 / (k - 1)] * (k - 1)) if k > 1 else np.ones(1)
    return p / p.sum()


def catalog_record(row: pd.Series, image: str | None) -> dict[str, object]:
    """One item in the indexer's catalogue format (DESIGN.md §4). The style is not written (it is latent);
    the colour field is left out for items whose colour only the image shows."""
    record: dict[str, object] = {
        "id": row["id"], "title": row["title"], "description": row["description"], "brand": row["brand"],
        "category": row["category"], "price": float(row["price"]), "rating": float(row["rating"]),
        "popularity": int(row["popularity"]),
        "attributes": {"material": row["material"], "model": row["model"]},
    }
    if row["color_in_text"]:
        record["color"] = row["color"]
    if image is not None:
        record["image"] = image
    return record


__all__ = ["COLORS", "ITEM_COLUMNS", "catalog_record", "generate_items"]
