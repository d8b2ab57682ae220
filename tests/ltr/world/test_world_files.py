"""What World.write puts on disk: a catalogue the indexer accepts, PNGs whose pixels say colour, shape and
style, users/queries that round-trip, and a truth file equal to World.grades."""
from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from indexer.catalog import read_catalog
from ltr.world import User, World, generate_world
from ltr.world.images import BACKGROUND, render_item
from ltr.world.vocab import COLORS


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_tiny_world_generates_and_writes_in_a_few_seconds(tmp_path: Path) -> None:
    started = time.perf_counter()
    generate_world("tiny", seed=5).write(tmp_path)
    assert time.perf_counter() - started < 10.0
    assert len(list((tmp_path / "images").glob("*.png"))) == 600


def test_catalogue_is_valid_for_the_indexer(tiny_dir: Path, tiny_world: World) -> None:
    rows = _rows(tiny_dir / "catalog.jsonl")
    assert len(rows) == 600
    for row in rows:
        assert {"id", "title", "description", "brand", "category", "price", "rating", "popularity", "image",
                "attributes"} <= set(row)
        assert " > " in row["category"] and row["price"] > 0 and 1.0 <= row["rating"] <= 5.0
        assert "style" not in row and "style" not in row["attributes"]  # latent: only the image shows it
    hidden = set(tiny_world.items.loc[~tiny_world.items["color_in_text"], "id"])
    assert hidden and all(("color" in row) == (row["id"] not in hidden) for row in rows)
    items = list(read_catalog(tiny_dir / "catalog.jsonl", strict=True))  # the indexer's own validator
    assert len(items) == 600


def test_images_exist_decode_and_show_the_colour(tiny_dir: Path, tiny_world: World) -> None:
    rows = _rows(tiny_dir / "catalog.jsonl")
    truth = tiny_world.items.set_index("id")
    checked = 0
    for row in rows[:200]:
        with Image.open(tiny_dir / row["image"]) as image:
            assert image.format == "PNG" and image.size == (64, 64)
            pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
        item = truth.loc[row["id"]]
        if item["style"] != "minimal" or item["color"] in ("white", "beige", "grey"):
            continue
        # the silhouette's median colour is the item's colour, nearer to it than to any other colour
        far = np.abs(pixels - np.array(BACKGROUND)).sum(axis=2) > 40
        median = np.median(pixels[far], axis=0)
        nearest = min(COLORS, key=lambda c: np.abs(median - np.array(COLORS[c])).sum())
        assert nearest == item["color"], (row["id"], median)
        checked += 1
    assert checked >= 20


def _foreground(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.float64)
    return np.abs(pixels - pixels[0, 0]).sum(axis=2) > 40


def _erode(mask: np.ndarray, steps: int) -> np.ndarray:
    for _ in range(steps):
        mask = mask & np.roll(mask, 1, 0) & np.roll(mask, -1, 0) & np.roll(mask, 1, 1) & np.roll(mask, -1, 1)
    return mask


def test_images_show_the_category_shape_and_the_style() -> None:
    rng = np.random.default_rng(0)
    shoe = [_foreground(render_item("shoe", "red", "minimal", 64, rng)) for _ in range(3)]
    lamp = _foreground(render_item("lamp", "red", "minimal", 64, rng))

    def iou(a: np.ndarray, b: np.ndarray) -> float:
        return float((a & b).sum() / (a | b).sum())
    assert iou(shoe[0], shoe[1]) > 0.6 and iou(shoe[1], shoe[2]) > 0.6
    assert iou(shoe[0], lamp) < 0.3
    # style is texture: inside the same silhouette, minimal is flat, bold/vintage/sporty are not
    spread = {}
    for style in ("minimal", "bold", "vintage", "sporty"):
        image = render_item("speaker", "blue", style, 64, np.random.default_rng(1))
        inner = _erode(_foreground(image), 2)  # inside the silhouette, away from its rim
        assert inner.sum() > 500
        pixels = np.asarray(image, dtype=float)
        spread[style] = float(pixels[inner].std(axis=0).mean())
    assert spread["minimal"] < 8.0
    assert min(spread["bold"], spread["vintage"], spread["sporty"]) > 2 * spread["minimal"]


def test_users_queries_and_truth_files(tiny_dir: Path, tiny_world: World) -> None:
    users = [User.from_dict(row) for row in _rows(tiny_dir / "users.jsonl")]
    assert tuple(users) == tiny_world.users
    queries = _rows(tiny_dir / "queries.jsonl")
    assert [q["qid"] for q in queries] == [q.qid for q in tiny_world.queries]
    assert {"qid", "text", "weight", "head", "kind", "category_key", "color", "style"} <= set(queries[0])
    with open(tiny_dir / "truth.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["user_id", "qid", "doc_id", "grade"]
    meta = json.loads((tiny_dir / "world.json").read_text())
    assert meta["truth_rows"] == len(rows) and meta["seed"] == 0 and meta["size"] == "tiny"
    grades = np.array([int(r["grade"]) for r in rows])
    assert grades.min() == 1 and grades.max() == 4  # zeros are left out
    for r in rows[::997]:
        assert tiny_world.relevance(r["user_id"], r["qid"], r["doc_id"]) == int(r["grade"])
    u, q = tiny_world.users[0].user_id, tiny_world.queries[0].qid
    expected = int((tiny_world.grades(u, q) > 0).sum())  # tiny: every (user, query) is in truth.csv
    assert sum(1 for r in rows if r["user_id"] == u and r["qid"] == q) == expected
