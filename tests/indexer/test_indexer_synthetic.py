from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from indexer.synthetic import CATEGORIES, COLORS, generate_catalog


def test_generation_is_deterministic_and_images_follow_colour(tmp_path: Path) -> None:
    a = generate_catalog(tmp_path / "a", 20, seed=3, image_size=48)
    b = generate_catalog(tmp_path / "b", 20, seed=3, image_size=48)
    assert a.path.read_text() == b.path.read_text()
    rows = [json.loads(line) for line in a.path.read_text().splitlines()]
    assert len(rows) == 20 and len({r["id"] for r in rows}) == 20
    for row in rows:
        assert row["category"] in CATEGORIES and row["color"] in COLORS and row["color"] in row["title"]
        image = Image.open(a.images_dir / row["image"]).convert("RGB")
        assert image.size == (48, 48)
        colours = image.getcolors(48 * 48) or []
        fill = COLORS[row["color"]]
        near = sum(count for count, rgb in colours if max(abs(c - f) for c, f in zip(rgb, fill)) < 40)
        assert near > 48 * 48 * 0.05  # the product is drawn in its colour


def test_bad_rows_are_listed_by_row_number(tmp_path: Path) -> None:
    made = generate_catalog(tmp_path, 10, seed=1, bad_rows=True, with_images=False)
    lines = made.path.read_text().splitlines()
    assert len(lines) == 17 and sorted(made.bad.values()) == [
        "id",
        "id",
        "image",
        "image:decode",
        "price",
        "title",
        "title",
    ]
    for row, fld in made.bad.items():
        record = json.loads(lines[row - 1])
        assert record["id"] in (None, "p000000") or record["id"].startswith(("bad-", "long-", "corrupt-"))
