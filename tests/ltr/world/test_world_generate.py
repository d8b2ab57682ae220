"""Generation of the world: deterministic for a seed, the promised sizes, every query type, and the text
gaps (style rarely written, some colours only in the image) that make the demo non-trivial."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltr.world import SIZES, World, generate_world
from ltr.world.queries import QUERY_TYPES
from ltr.world.vocab import CATEGORIES, STYLE_WORDS


def test_same_seed_same_world_other_seed_other_world(tiny_world: World) -> None:
    again = generate_world("tiny", seed=0)
    pd.testing.assert_frame_equal(tiny_world.items, again.items)
    assert tiny_world.users == again.users
    assert tiny_world.queries == again.queries
    u, q = tiny_world.users[3].user_id, tiny_world.queries[5].qid
    assert np.array_equal(tiny_world.grades(u, q), again.grades(u, q))
    other = generate_world("tiny", seed=1)
    assert (other.items["title"] != tiny_world.items["title"]).mean() > 0.9
    assert other.users != tiny_world.users


def test_sizes() -> None:
    assert (SIZES["tiny"].n_items, SIZES["tiny"].n_users, SIZES["tiny"].n_queries) == (600, 40, 40)
    assert (SIZES["small"].n_items, SIZES["small"].n_users) == (3_000, 200)
    assert (SIZES["medium"].n_items, SIZES["medium"].n_users) == (12_000, 1_000)
    small = generate_world("small", seed=2)
    assert (len(small.items), len(small.users), len(small.queries)) == (3_000, 200, SIZES["small"].n_queries)
    assert small.items["id"].is_unique
    with pytest.raises(ValueError, match="unknown world size"):
        generate_world("huge")


def test_catalogue_covers_the_vocabulary(tiny_world: World) -> None:
    items = tiny_world.items
    assert set(items["category_key"]) == {c.key for c in CATEGORIES}
    assert 10 <= items["category_key"].nunique() <= 16
    assert set(items["style"]) == set(STYLE_WORDS)
    assert set(items["price_band"]) == {"budget", "mid", "premium"}
    for key, group in items.groupby("category_key"):  # premium costs more than budget in every category
        by_band = group.groupby("price_band")["price"].mean()
        assert by_band["premium"] > by_band["mid"] > by_band["budget"], key
    shared = items.groupby("brand")["category_key"].nunique()
    assert (shared > 1).sum() >= 5  # brands shared across categories


def test_text_gaps(tiny_world: World) -> None:
    items = tiny_world.items
    text = (items["title"] + " " + items["description"]).str.lower()
    # the style is rarely written: a style word appears in at most ~15% of the texts of its style
    for style, words in STYLE_WORDS.items():
        rows = items["style"] == style
        written = text[rows].apply(lambda t: any(f" {w} " in f" {t} " for w in words[:1]))
        assert written.mean() < 0.2, style
    assert 0.0 < (~items["color_in_text"]).mean() < 0.2  # some colours only in the image
    hidden = items[~items["color_in_text"]]
    assert not any(c in t.lower() for c, t in zip(hidden["color"], hidden["title"] + hidden["description"]))
    titled = items["color_in_text"] & items.apply(lambda r: r["color"] in r["title"].lower(), axis=1)
    assert 0.6 < titled.mean() < 0.9  # most titles name the colour, not all
    # synonyms: some sneakers are titled "trainers" or "running shoes", not "sneakers"
    sneakers = items[items["category_key"] == "sneakers"]["title"].str.lower()
    assert (~sneakers.str.contains("sneakers")).mean() > 0.3


def test_queries_head_tail_and_every_type(tiny_world: World) -> None:
    queries = tiny_world.queries
    assert len({q.text for q in queries}) == len(queries) == 40
    assert {q.kind for q in queries} == set(QUERY_TYPES)
    assert abs(sum(q.weight for q in queries) - 1.0) < 1e-9
    head = [q for q in queries if q.head]
    assert 0 < len(head) < len(queries) / 2
    assert min(q.weight for q in head) > max(q.weight for q in queries if not q.head)
    assert all(q.kind == "category" for q in head)
    # every query has items it can be relevant for
    for q in queries:
        assert tiny_world.intent(q.qid).max() == 1.0, q.text
    style = [q for q in queries if q.kind == "style"]
    assert style and all(q.intent.style and q.intent.category_key for q in style)
