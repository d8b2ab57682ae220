"""The fixed vocabulary of the demo world: categories (with their synonyms, shapes, materials and price
levels), brands, colours, visual styles and price bands.

Kept apart from the generators so that the catalogue, the images, the queries and the relevance model all
speak about the same things, and so that a test can name a category or a colour without generating a world.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategorySpec:
    """One product category. ``nouns[0]`` is the canonical query word; the others are synonyms that titles
    use in its place (so a query for one word misses items titled with another); ``path`` is the catalogue
    category (``A > B``); ``shape`` names the silhouette drawn in its images; ``base_price`` is the
    mid-band price."""

    key: str
    path: str
    nouns: tuple[str, ...]
    shape: str
    materials: tuple[str, ...]
    colors: tuple[str, ...]
    brands: tuple[str, ...]
    base_price: float
    share: float = 1.0


#: RGB fill per colour word (the image's main colour says the colour even when the text does not).
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (205, 35, 40),
    "blue": (35, 75, 200),
    "green": (35, 150, 65),
    "black": (25, 25, 28),
    "white": (238, 238, 238),
    "yellow": (240, 200, 30),
    "orange": (240, 125, 25),
    "pink": (240, 120, 175),
    "purple": (125, 55, 170),
    "grey": (128, 128, 128),
    "brown": (120, 75, 40),
    "beige": (215, 195, 150),
}

#: Visual styles: never a field and only rarely a word in the text; the image texture carries them.
STYLES: tuple[str, ...] = ("minimal", "bold", "vintage", "sporty")
#: Words that a query (or, rarely, a description) uses for each style.
STYLE_WORDS: dict[str, tuple[str, ...]] = {
    "minimal": ("minimal", "minimalist", "clean"),
    "bold": ("bold", "statement", "graphic"),
    "vintage": ("vintage", "retro", "classic"),
    "sporty": ("sporty", "athletic", "performance"),
}

#: Price bands and the factor on a category's base price that draws a price inside each.
PRICE_BANDS: tuple[str, ...] = ("budget", "mid", "premium")
BAND_FACTORS: dict[str, tuple[float, float]] = {"budget": (0.35, 0.75), "mid": (0.8, 1.4),
                                                 "premium": (1.6, 3.5)}
#: Query words that name a price band.
BAND_WORDS: dict[str, tuple[str, ...]] = {"budget": ("cheap", "budget", "affordable"),
                                          "premium": ("premium", "luxury", "high end")}

_APPAREL = ("red", "blue", "green", "black", "white", "grey", "pink", "beige")
_HOME = ("white", "black", "grey", "beige", "blue", "green", "yellow", "orange")

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("sneakers", "Shoes > Sneakers", ("sneakers", "trainers", "running shoes"), "shoe",
                 ("leather", "mesh", "canvas", "suede"), ("red", "blue", "black", "white", "grey", "green"),
                 ("Stride", "Trailfox", "Urbano", "Velo"), 90, 1.4),
    CategorySpec("boots", "Shoes > Boots", ("boots", "ankle boots", "chelsea boots"), "boot",
                 ("leather", "suede", "rubber"), ("black", "brown", "beige", "grey"),
                 ("Trailfox", "Urbano", "Hartwell"), 130),
    CategorySpec("handbag", "Bags > Handbags", ("handbag", "purse", "tote bag"), "handbag",
                 ("leather", "canvas", "suede", "vegan leather"), ("red", "black", "brown", "beige", "pink"),
                 ("Maison Lale", "Hartwell", "Nomad"), 110, 1.2),
    CategorySpec("backpack", "Bags > Backpacks", ("backpack", "rucksack", "daypack"), "backpack",
                 ("nylon", "canvas", "recycled polyester", "leather"),
                 ("black", "blue", "green", "grey", "red"),
                 ("Trailfox", "Packwell", "Nomad", "Velo"), 70, 1.2),
    CategorySpec("tshirt", "Apparel > T-Shirts", ("t-shirt", "tee", "top"), "shirt",
                 ("cotton", "organic cotton", "linen"), _APPAREL, ("Basico", "Threadline", "Urbano", "Velo"),
                 25, 1.3),
    CategorySpec("hoodie", "Apparel > Hoodies", ("hoodie", "sweatshirt", "pullover"), "hoodie",
                 ("cotton", "fleece", "recycled polyester"), _APPAREL, ("Basico", "Threadline", "Velo"), 55),
    CategorySpec("watch", "Accessories > Watches", ("watch", "wristwatch", "timepiece"), "watch",
                 ("steel", "leather", "titanium", "silicone"), ("black", "white", "grey", "blue", "brown"),
                 ("Chronos", "Vertex", "Hartwell"), 180),
    CategorySpec("sunglasses", "Accessories > Sunglasses", ("sunglasses", "shades"), "glasses",
                 ("acetate", "metal", "plastic"), ("black", "brown", "blue", "red", "white"),
                 ("Sol", "Urbano", "Maison Lale"), 80),
    CategorySpec("headphones", "Electronics > Headphones", ("headphones", "headset", "earphones"),
                 "headphones", ("plastic", "aluminium", "leather"), ("black", "white", "grey", "blue", "red"),
                 ("Sonora", "Vertex", "Nokton"), 120, 1.2),
    CategorySpec("speaker", "Electronics > Speakers", ("speaker", "bluetooth speaker", "boombox"), "speaker",
                 ("plastic", "fabric", "aluminium"), ("black", "grey", "blue", "red", "green"),
                 ("Sonora", "Nokton", "Lumo"), 90),
    CategorySpec("lamp", "Home > Lamps", ("lamp", "desk lamp", "light"), "lamp",
                 ("metal", "ceramic", "wood", "glass"), _HOME, ("Lumo", "Nordlys", "Homely"), 60),
    CategorySpec("chair", "Home > Chairs", ("chair", "armchair", "seat"), "chair",
                 ("wood", "metal", "velvet", "rattan"), _HOME, ("Nordlys", "Homely", "Kiln & Co"), 150),
    CategorySpec("mug", "Home > Mugs", ("mug", "cup", "coffee mug"), "mug",
                 ("ceramic", "stoneware", "enamel", "glass"), _HOME, ("Kiln & Co", "Homely", "Basico"), 14),
    CategorySpec("vase", "Home > Vases", ("vase", "flower vase", "vessel"), "vase",
                 ("ceramic", "glass", "stoneware"), _HOME, ("Kiln & Co", "Nordlys"), 35),
)
CATEGORY_BY_KEY: dict[str, CategorySpec] = {c.key: c for c in CATEGORIES}

#: Each brand's typical price band, so that a brand query also says something about price.
BRAND_BANDS: dict[str, str] = {
    "Stride": "mid", "Trailfox": "mid", "Urbano": "budget", "Velo": "mid", "Hartwell": "premium",
    "Maison Lale": "premium", "Nomad": "mid", "Packwell": "budget", "Basico": "budget", "Threadline": "mid",
    "Chronos": "premium", "Vertex": "mid", "Sol": "mid", "Sonora": "premium", "Nokton": "budget",
    "Lumo": "mid", "Nordlys": "premium", "Homely": "budget", "Kiln & Co": "mid",
}
BRANDS: tuple[str, ...] = tuple(sorted({b for c in CATEGORIES for b in c.brands}))
ADJECTIVES: tuple[str, ...] = ("everyday", "lightweight", "durable", "comfortable", "versatile", "handmade",
                               "compact", "soft", "sturdy", "elegant")
