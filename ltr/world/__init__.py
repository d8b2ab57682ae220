"""A generated multimodal, personalised e-commerce world for demos and offline evaluation, and a click
simulator that works on it or on any catalogue. Pure: no cluster, no other project package.

Generate and write a world::

    world = generate_world("tiny", seed=0)     # tiny ~600 items/40 users/40 queries; small; medium
    world.write("demo/")                        # catalog.jsonl + images/*.png, users.jsonl, queries.jsonl,
                                                # truth.csv (user_id,qid,doc_id,grade>=1), world.json
    world.grades(user_id, qid)                  # true grade 0..4 of every item (catalogue order)
    world.grades(user_id, qid, doc_ids)         # ... of the given ids; world.relevance(user_id, qid, doc_id)

Simulate search traffic through any ranker (``ranker(user, query) -> [doc_id, ...]`` or
``[(doc_id, score), ...]``; in the CLI a real cluster search)::

    sims = simulate_searches(world, ranker, n_searches=5_000, seed=1, start_time=t0, days=30)
    train, test = sims.split_at(t0 + 21 * 86400)
    train.write_jsonl("clicks.jsonl"); train.write_ubi("ubi/")   # readable by ltr.logs.read_click_log
    sessions = train.session_log()                               # ltr.sessions.SessionLog

For another catalogue (e.g. Icecat, a DataFrame with ``id``, ``title``, ``category``, ``brand``, ``price``,
...), pass the DataFrame instead of the world: users come from :func:`generate_users_for_catalog` and queries
from :func:`queries_for_catalog` unless given, and attractiveness/satisfaction from :func:`appeal` (text match
or the ranker's scores, taste match, visual appeal). The click model alone is :func:`simulate_search`.

The world's truth: the visual style of an item is never a field and is rarely written (only the image
shows it);
some items' colour is only in the image; relevance depends on the user's taste (brand, colour, style, price
band), so text alone cannot find every relevant item and personal, multimodal rankers can win.
"""
from __future__ import annotations

from .behaviour import (AppealWeights, Behaviour, ClickDetail, SearchOutcome, appeal, appeal_from_grades,
                        simulate_search, visual_appeal)
from .catalog import catalog_record, generate_items
from .images import render_item
from .queries import Intent, Query, generate_queries
from .relevance import grades, intent_match, relevance_score
from .searches import Ranker, SimulatedSearches, simulate_searches
from .textmatch import queries_for_catalog, text_match
from .users import TasteIndex, User, generate_users_for_catalog, generate_world_users, taste_match
from .world import SIZES, World, WorldSize, generate_world
from .writers import write_jsonl, write_ubi

__all__ = [
    "SIZES", "AppealWeights", "Behaviour", "ClickDetail", "Intent", "Query", "Ranker", "SearchOutcome",
    "SimulatedSearches", "TasteIndex", "User", "World", "WorldSize", "appeal", "appeal_from_grades",
    "catalog_record",
    "generate_items", "generate_queries", "generate_users_for_catalog", "generate_world",
    "generate_world_users", "grades", "intent_match", "queries_for_catalog", "relevance_score",
    "render_item", "simulate_search", "simulate_searches", "taste_match", "text_match", "visual_appeal",
    "write_jsonl", "write_ubi",
]
