"""Product 'photos' whose pixels carry attributes: the silhouette says the category, the fill the colour, the
texture the visual style (minimal: flat; bold: contrasting diagonal stripes; vintage: dots on a warm,
faded fill; sporty: a horizontal racing band).

So an image encoder can see what the text does not say: the style always, the colour when the text omits
it. The fill colour stays the majority of the silhouette's pixels in every style, so a mean-colour check
still finds it. Pillow is imported inside the functions (the optional ``[image]`` extra).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .vocab import COLORS

if TYPE_CHECKING:
    from PIL import Image

BACKGROUND = (246, 246, 243)
VINTAGE_BACKGROUND = (236, 226, 204)

Point = tuple[float, float]
#: Silhouettes on a 0..100 canvas: a list of (kind, coordinates) drawn in the fill colour.
SHAPES: dict[str, list[tuple[str, list[Point]]]] = {
    "shoe": [("polygon", [(8, 62), (40, 58), (56, 38), (70, 40), (90, 64), (90, 76), (8, 76)])],
    "boot": [("polygon", [(30, 14), (56, 14), (58, 58), (88, 66), (88, 84), (30, 84)])],
    "handbag": [("polygon", [(16, 40), (84, 40), (92, 86), (8, 86)]), ("band", [(34, 20), (66, 44)])],
    "backpack": [("rounded", [(24, 18), (76, 88)]), ("band", [(36, 6), (64, 30)])],
    "shirt": [("polygon", [(32, 14), (68, 14), (90, 32), (78, 44), (70, 38), (70, 88), (30, 88), (30, 38),
                           (22, 44), (10, 32)])],
    "hoodie": [("polygon", [(36, 8), (64, 8), (70, 18), (92, 36), (80, 50), (72, 42), (72, 90), (28, 90),
                            (28, 42), (20, 50), (8, 36), (30, 18)])],
    "watch": [("rect", [(40, 4), (60, 96)]), ("ellipse", [(26, 28), (74, 76)])],
    "glasses": [("ellipse", [(6, 36), (46, 66)]), ("ellipse", [(54, 36), (94, 66)]),
                ("rect", [(42, 44), (58, 50)])],
    "headphones": [("band", [(16, 10), (84, 70)]), ("ellipse", [(8, 44), (32, 80)]),
                   ("ellipse", [(68, 44), (92, 80)])],
    "speaker": [("rounded", [(10, 30), (90, 76)])],
    "lamp": [("polygon", [(28, 48), (72, 48), (60, 10), (40, 10)]), ("rect", [(47, 48), (53, 82)]),
             ("rect", [(30, 82), (70, 90)])],
    "chair": [("rect", [(26, 10), (36, 90)]), ("rect", [(26, 50), (76, 60)]), ("rect", [(66, 60), (76, 90)])],
    "mug": [("rect", [(22, 24), (66, 86)]), ("band", [(56, 36), (86, 70)])],
    "vase": [("polygon", [(40, 8), (60, 8), (58, 26), (80, 52), (70, 90), (30, 90), (20, 52), (42, 26)])],
}


def _faded(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Vintage: the colour a little desaturated and warmed, still recognisably itself."""
    grey = sum(rgb) / 3
    r, g, b = (0.8 * c + 0.2 * grey for c in rgb)
    return int(min(255, r + 12)), int(min(255, g + 6)), int(max(0, b - 10))


def _contrast(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """A pattern colour that stands out from the fill: dark on light fills, light on dark ones."""
    light = sum(rgb) / 3 > 120
    r, g, b = (int(c * 0.35) if light else int(c + (255 - c) * 0.6) for c in rgb)
    return r, g, b


def shape_mask(shape: str, size: int, offset: tuple[float, float] = (0.0, 0.0)) -> Image.Image:
    """The silhouette of ``shape`` as an ``L`` mask (255 inside), shifted by ``offset`` canvas units."""
    from PIL import Image, ImageDraw  # deferred: Pillow is the optional [image] extra

    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    s = size / 100.0

    def px(points: list[Point]) -> list[Point]:
        return [((x + offset[0]) * s, (y + offset[1]) * s) for x, y in points]

    for kind, points in SHAPES[shape]:
        if kind == "polygon":
            draw.polygon(px(points), fill=255)
        elif kind == "rect":
            draw.rectangle(px(points), fill=255)
        elif kind == "rounded":
            draw.rounded_rectangle(px(points), radius=10 * s, fill=255)
        elif kind == "ellipse":
            draw.ellipse(px(points), fill=255)
        else:  # band: a thick arc (handles, headbands)
            draw.arc(px(points), 180, 360, fill=255, width=max(2, int(7 * s)))
    return mask


def render_item(shape: str, color: str, style: str, size: int = 64,
                rng: np.random.Generator | None = None) -> Image.Image:
    """One product image: ``shape``'s silhouette filled with ``color`` textured in ``style``."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = rng or np.random.default_rng(0)
    rgb = COLORS[color]
    fill = _faded(rgb) if style == "vintage" else rgb
    pattern = _contrast(fill)
    texture = Image.new("RGB", (size, size), fill)
    draw = ImageDraw.Draw(texture)
    step = max(4, size // 8)
    if style == "bold":
        width = max(1, step // 3)
        for k in range(-size, 2 * size, step):
            draw.line([(k, 0), (k + size, size)], fill=pattern, width=width)
    elif style == "vintage":
        r = max(1, step // 5)
        for y in range(step // 2, size, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, size, step):
                draw.ellipse([x - r, y - r, x + r, y + r], fill=pattern)
    elif style == "sporty":
        top = int(size * 0.45)
        draw.rectangle([0, top, size, top + max(2, size // 12)], fill=pattern)
        draw.rectangle([0, top + max(4, size // 8), size, top + max(5, size // 8) + max(1, size // 24)],
                       fill=pattern)
    background = Image.new("RGB", (size, size), VINTAGE_BACKGROUND if style == "vintage" else BACKGROUND)
    offset = (float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4)))
    mask = shape_mask(shape, size, offset)
    image = Image.composite(texture, background, mask)
    ring = Image.eval(mask, lambda v: 255 - v).filter(ImageFilter.MaxFilter(3))  # outside, grown by a pixel
    edge = Image.composite(ring, Image.new("L", (size, size), 0), mask)  # ...inside the silhouette: its rim
    image = Image.composite(Image.new("RGB", (size, size), tuple(int(c * 0.55) for c in fill)), image, edge)
    # sensor noise on a few pixels: no two images byte-identical, and PNGs still compress
    noise = rng.integers(-10, 11, size=(size, size, 1)) * (rng.random((size, size, 1)) < 0.05)
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def save_item_image(path: Path, shape: str, color: str, style: str, size: int,
                    rng: np.random.Generator) -> None:
    render_item(shape, color, style, size, rng).save(path, format="PNG", compress_level=6)
