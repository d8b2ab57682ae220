"""A generated multimodal catalogue whose product images (small PNGs/JPEGs) follow category and colour.

Shape follows the category and fill the colour, so image vectors carry signal that can be checked (same
colour/shape -> closer).

Used by the tests, the demo and the benchmarks. Deterministic for a given seed. ``bad_rows`` appends rows
that break the contract in every way the validator knows (and one undecodable image), with their expected
reasons.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from PIL import Image

COLORS: dict[str, tuple[int, int, int]] = {
    "red": (210, 40, 40),
    "blue": (40, 80, 200),
    "green": (40, 160, 70),
    "black": (25, 25, 25),
    "yellow": (235, 205, 40),
    "orange": (240, 130, 30),
    "purple": (130, 60, 170),
    "pink": (240, 130, 180),
    "grey": (130, 130, 130),
    "white": (245, 245, 245),
}
CATEGORIES: dict[str, dict[str, Any]] = {
    "Apparel > Shoes": {"noun": "running shoe", "price": 80, "brands": ["Stride", "Trailfox", "Urbano"]},
    "Apparel > Shirts": {"noun": "cotton t-shirt", "price": 25, "brands": ["Basico", "Threadline", "Urbano"]},
    "Apparel > Hats": {"noun": "baseball cap", "price": 20, "brands": ["Capitol", "Threadline", "Stride"]},
    "Bags > Backpacks": {"noun": "hiking backpack", "price": 60, "brands": ["Trailfox", "Packwell", "Nomad"]},
    "Home > Mugs": {"noun": "ceramic mug", "price": 12, "brands": ["Kiln & Co", "Homely", "Basico"]},
    "Home > Lamps": {"noun": "desk lamp", "price": 45, "brands": ["Lumo", "Homely", "Nordlys"]},
    "Electronics > Phones": {"noun": "smartphone", "price": 400, "brands": ["Vertex", "Nokton", "Lumo"]},
    "Electronics > Headphones": {
        "noun": "wireless headphones",
        "price": 120,
        "brands": ["Sonora", "Vertex", "Nokton"],
    },
}
ADJECTIVES = ["classic", "lightweight", "premium", "compact", "everyday", "pro", "eco", "vintage"]
MATERIALS = ["cotton", "leather", "recycled polyester", "ceramic", "aluminium", "canvas", "plastic", "steel"]


@dataclass
class SyntheticCatalog:
    path: Path
    images_dir: Path  # the folder image paths are relative to (the catalogue's folder)
    n_valid: int
    #: row number -> the field that rejects it ("image:decode" is rejected only when an image encoder runs)
    bad: dict[int, str] = field(default_factory=dict)


def generate_catalog(
    out_dir: str | Path,
    n: int = 200,
    *,
    seed: int = 0,
    image_size: int = 96,
    fmt: str = "jsonl",
    bad_rows: bool = False,
    with_images: bool = True,
) -> SyntheticCatalog:
    """Write ``catalog.<fmt>`` and ``images/`` under ``out_dir``: ``n`` valid products (+ bad rows)."""
    out = Path(out_dir)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows = [_product(i, rng, images, image_size, with_images) for i in range(n)]
    bad: dict[int, str] = {}
    if bad_rows:
        rows, bad = _add_bad_rows(rows, images, rng)
    path = out / f"catalog.{fmt}"
    _write(path, rows, fmt)
    return SyntheticCatalog(path=path, images_dir=out, n_valid=n, bad=bad)


def _product(i: int, rng: random.Random, images: Path, size: int, with_images: bool) -> dict[str, Any]:
    category = rng.choice(list(CATEGORIES))
    spec = CATEGORIES[category]
    color = rng.choice(list(COLORS))
    brand = rng.choice(spec["brands"])
    adjective = rng.choice(ADJECTIVES)
    material = rng.choice(MATERIALS)
    model = f"{brand[:2].upper()}-{rng.randint(100, 999)}"
    row: dict[str, Any] = {
        "id": f"p{i:06d}",
        "title": f"{brand} {adjective} {color} {spec['noun']} {model}",
        "description": f"A {adjective} {spec['noun']} in {color}, made of {material}. "
        f"Model {model} by {brand}.",
        "brand": brand,
        "category": category,
        "color": color,
        "price": round(spec["price"] * rng.lognormvariate(0.0, 0.35), 2),
        "rating": round(rng.uniform(2.5, 5.0), 1),
        "popularity": int(1000 / (1 + rng.paretovariate(1.2))),
        "attributes": {"material": material, "model": model},
        "created_at": (dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))).isoformat(),
    }
    if with_images:
        name = f"{row['id']}.{'jpg' if i % 2 else 'png'}"
        draw_product(category, COLORS[color], rng, size).save(images / name)
        row["image"] = f"images/{name}"
    return row


def draw_product(
    category: str, fill: tuple[int, int, int], rng: random.Random, size: int = 96
) -> Image.Image:
    """A product 'photo': the category's silhouette in the product colour on a light, noisy background."""
    from PIL import Image, ImageDraw  # deferred: Pillow is the optional [image] extra

    background = tuple(int(v) for v in (rng.randint(232, 255),) * 3)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    s = size / 96.0
    dx, dy = rng.uniform(-6, 6) * s, rng.uniform(-6, 6) * s
    outline = tuple(max(0, c - 60) for c in fill)

    def p(x: float, y: float) -> tuple[float, float]:
        return x * s + dx, y * s + dy

    shape = category.split(" > ")[-1]
    if shape == "Shoes":
        draw.polygon(
            [p(12, 60), p(40, 58), p(58, 40), p(70, 42), p(84, 62), p(84, 72), p(12, 72)],
            fill=fill,
            outline=outline,
        )
    elif shape == "Shirts":
        draw.polygon(
            [
                p(30, 18),
                p(66, 18),
                p(84, 34),
                p(74, 44),
                p(68, 38),
                p(68, 80),
                p(28, 80),
                p(28, 38),
                p(22, 44),
                p(12, 34),
            ],
            fill=fill,
            outline=outline,
        )
    elif shape == "Hats":
        draw.pieslice([p(20, 26), p(76, 82)], 180, 360, fill=fill, outline=outline)
        draw.rectangle([p(44, 52), p(88, 58)], fill=outline)
    elif shape == "Backpacks":
        draw.rounded_rectangle([p(24, 22), p(72, 84)], radius=12 * s, fill=fill, outline=outline)
        draw.arc([p(34, 8), p(62, 34)], 180, 360, fill=outline, width=max(1, int(4 * s)))
    elif shape == "Mugs":
        draw.rectangle([p(24, 30), p(62, 80)], fill=fill, outline=outline)
        draw.ellipse([p(54, 40), p(80, 66)], outline=fill, width=max(1, int(6 * s)))
    elif shape == "Lamps":
        draw.polygon([p(30, 46), p(66, 46), p(56, 16), p(40, 16)], fill=fill, outline=outline)
        draw.rectangle([p(46, 46), p(50, 78)], fill=outline)
        draw.rectangle([p(32, 78), p(64, 84)], fill=fill)
    elif shape == "Phones":
        draw.rounded_rectangle([p(32, 10), p(64, 86)], radius=6 * s, fill=fill, outline=outline)
        draw.rectangle([p(36, 18), p(60, 74)], fill=(40, 50, 60))
    else:  # Headphones
        draw.arc([p(22, 14), p(74, 66)], 180, 360, fill=fill, width=max(1, int(6 * s)))
        draw.ellipse([p(16, 40), p(34, 70)], fill=fill, outline=outline)
        draw.ellipse([p(62, 40), p(80, 70)], fill=fill, outline=outline)
    pixels = image.load()
    for _ in range(size * size // 20):  # sensor noise, so no two images are byte-identical
        x, y = rng.randrange(size), rng.randrange(size)
        r, g, b = pixels[x, y]
        jitter = rng.randint(-12, 12)
        pixels[x, y] = (
            min(255, max(0, r + jitter)),
            min(255, max(0, g + jitter)),
            min(255, max(0, b + jitter)),
        )
    return image


def _add_bad_rows(
    rows: list[dict[str, Any]], images: Path, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    template = dict(rows[0])
    (images / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    bad_rows = [
        ("id", {**template, "id": None, "title": "no id"}),
        ("title", {**template, "id": "bad-title", "title": "  "}),
        ("id", {**template}),  # duplicate of row 1
        ("price", {**template, "id": "bad-price", "price": "twelve dollars"}),
        ("image", {**template, "id": "bad-image", "image": "missing/nowhere.png"}),
        ("title", {**template, "id": "long-title", "title": "x" * 1001}),
        ("image:decode", {**template, "id": "corrupt-image", "image": "images/corrupt.jpg"}),
    ]
    out = list(rows)
    bad: dict[int, str] = {}
    for fld, row in bad_rows:
        position = rng.randint(1, len(out))  # anywhere after the first row, so the duplicate comes second
        out.insert(position, row)
        bad = {(r + 1 if r > position else r): f for r, f in bad.items()}
        bad[position + 1] = fld
    return out, bad


def _write(path: Path, rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
    elif fmt == "csv":
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v) if isinstance(v, dict) else v for k, v in row.items()})
    elif fmt == "parquet":
        table = pa.Table.from_pylist(
            [
                {
                    **row,
                    "attributes": json.dumps(row.get("attributes")),
                    "price": None if row.get("price") is None else str(row["price"]),
                }
                for row in rows
            ]
        )
        pq.write_table(table, path)
    else:
        raise ValueError(f"unknown format {fmt!r}; use jsonl, csv or parquet")
