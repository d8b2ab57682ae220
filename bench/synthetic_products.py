"""Synthetic product catalogues for benchmarks: realistic term statistics (Zipfian vocabulary), fast to make."""
from __future__ import annotations

import numpy as np

BRANDS = [f"brand{i}" for i in range(300)]
CATEGORIES = ["Electronics > Audio > Headphones", "Electronics > Computers > Laptops", "Home > Kitchen > Coffee",
              "Office > Supplies > Toner", "Electronics > Cables > USB", "Sports > Outdoor > Shoes",
              "Home > Furniture > Chairs", "Toys > Games > Puzzles", "Beauty > Skin > Creams",
              "Garden > Tools > Hoses"]


def vocabulary(size: int = 20000, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words = set()
    while len(words) < size:
        n = int(rng.integers(3, 10))
        words.add("".join(rng.choice(letters, n)))
    return sorted(words)


def products(n: int, dim: int = 384, seed: int = 0):
    """Yield ``n`` product dicts (title, description, brand, category, price, vector)."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(seed=seed)
    ranks = np.arange(1, len(vocab) + 1)
    probs = (1.0 / ranks) / (1.0 / ranks).sum()
    for i in range(n):
        title = " ".join(vocab[j] for j in rng.choice(len(vocab), int(rng.integers(3, 9)), p=probs))
        desc = " ".join(vocab[j] for j in rng.choice(len(vocab), int(rng.integers(10, 60)), p=probs))
        vec = rng.standard_normal(dim).astype(np.float32)
        vec /= np.linalg.norm(vec)
        yield {"id": f"p{i}", "title": title, "description": desc, "brand": BRANDS[int(rng.integers(len(BRANDS)))],
               "category": CATEGORIES[int(rng.integers(len(CATEGORIES)))], "price": round(float(rng.gamma(2, 40)), 2),
               "vector": vec}


def queries(n: int, dim: int = 384, seed: int = 1):
    rng = np.random.default_rng(seed)
    vocab = vocabulary(seed=0)
    ranks = np.arange(1, len(vocab) + 1)
    probs = (1.0 / ranks) / (1.0 / ranks).sum()
    for _ in range(n):
        text = " ".join(vocab[j] for j in rng.choice(len(vocab), int(rng.integers(1, 4)), p=probs))
        vec = rng.standard_normal(dim).astype(np.float32)
        vec /= np.linalg.norm(vec)
        yield text, vec
