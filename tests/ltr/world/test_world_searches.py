"""The search-traffic driver over the world and over a plain catalogue: who searches what, clicks follow
true relevance, and the logs it writes read back through the repo's own readers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ltr.join import join_events
from ltr.logs import read_click_log
from ltr.sessions import build_sessions
from ltr.world import (Query, SimulatedSearches, User, World, generate_users_for_catalog, queries_for_catalog,
                       simulate_searches, taste_match)

START, DAYS = 1_700_000_000.0, 10.0


def _shuffling_ranker(world: World, seed: int = 0):  # type: ignore[no-untyped-def]
    """The query's category items (and a few others) in random order: no position confound by relevance."""
    rng = np.random.default_rng(seed)
    ids = world.doc_ids

    def rank(user: User, query: Query) -> list[str]:
        pool = np.flatnonzero(world.intent(query.qid) > 0)
        pool = np.concatenate([pool, rng.choice(len(ids), 5, replace=False)])
        return list(dict.fromkeys(ids[rng.permutation(pool)[:20]]))
    return rank


@pytest.fixture(scope="module")
def sims(tiny_world: World) -> SimulatedSearches:
    return simulate_searches(tiny_world, _shuffling_ranker(tiny_world), 3_000, seed=7, start_time=START,
                             days=DAYS)


def test_deterministic_for_a_seed(tiny_world: World) -> None:
    def run(seed: int) -> SimulatedSearches:
        return simulate_searches(tiny_world, _shuffling_ranker(tiny_world), 300, seed=seed, start_time=START)
    first = run(7)
    assert run(7).outcomes == first.outcomes
    assert run(8).outcomes != first.outcomes


def test_more_clicks_on_truly_relevant_items(tiny_world: World, sims: SimulatedSearches) -> None:
    shown = np.zeros(5)
    clicked = np.zeros(5)
    bought = np.zeros(5)
    for o in sims.outcomes:
        qid = next(q.qid for q in tiny_world.queries if q.text == o.search.query)
        g = tiny_world.grades(o.search.user_id, qid, list(o.search.results))
        session = o.to_session()
        for rank in range(min(5, len(g))):  # the top ranks, where examination is high
            shown[g[rank]] += 1
            clicked[g[rank]] += session.clicks[rank]
            bought[g[rank]] += session.purchases[rank]
    ctr = clicked / np.maximum(shown, 1)
    assert shown.min() > 100
    assert np.all(np.diff(ctr) > 0), ctr
    assert ctr[4] > 4 * ctr[1] and ctr[0] < 0.05
    assert bought[0] == 0 and bought[3:].sum() > bought[:2].sum()


def test_users_search_their_tastes_and_the_head(tiny_world: World, sims: SimulatedSearches) -> None:
    by_text = {q.text: q for q in tiny_world.queries}
    own = []
    head = 0
    for o in sims.outcomes:
        q = by_text[o.search.query]
        head += q.head
        if q.intent.category_key:
            own.append(q.intent.category_key in tiny_world.user(o.search.user_id).categories)
    assert np.mean(own) > 0.6  # users have 2-3 of 14 categories: by chance ~0.2
    n_head = sum(q.head for q in tiny_world.queries)
    assert head / len(sims) > 2 * n_head / len(tiny_world.queries)  # head queries are searched more often


def test_timestamps_spread_over_the_days_and_split(sims: SimulatedSearches) -> None:
    times = np.array([o.search.timestamp for o in sims.outcomes])
    assert np.all(np.diff(times) >= 0) and times[0] >= START and times[-1] <= START + DAYS * 86400
    assert abs(np.median(times) - (START + DAYS * 43200)) < 86400
    train, test = sims.split_at(START + 7 * 86400)
    assert len(train) + len(test) == len(sims) and 0.6 < len(train) / len(sims) < 0.8
    assert max(o.search.timestamp for o in train.outcomes) < min(o.search.timestamp for o in test.outcomes)


@pytest.mark.parametrize("fmt", ["jsonl", "ubi"])
def test_written_log_reads_back(sims: SimulatedSearches, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "clicks.jsonl" if fmt == "jsonl" else tmp_path / "ubi"
    sims.write_jsonl(path) if fmt == "jsonl" else sims.write_ubi(path)
    log = read_click_log(path)
    assert log.report.n_rejected == 0
    assert log.n_searches == len(sims)
    assert log.n_events == sum(len(o.interactions) for o in sims.outcomes)
    joined, join_report = join_events(log)
    assert join_report.n_rejected == 0
    sessions, _ = build_sessions(log, joined, max_rank=20)
    direct = sims.session_log()
    assert sessions.clicks.sum() == direct.clicks.sum() > 500
    assert np.array_equal(sessions.clicks.sum(axis=0), direct.clicks.sum(axis=0)[:sessions.max_rank])
    assert sessions.purchases.sum() == direct.purchases.sum() > 0
    assert set(sessions.user_ids) <= {u.user_id for u in sims.users}


def _icecat_like(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cats = ["Computers > Laptops", "Computers > Monitors", "Phones > Smartphones", "Audio > Headphones"]
    brands = {c: [f"B{i}{j}" for j in range(4)] for i, c in enumerate(cats)}
    cat = rng.choice(cats, n)
    return pd.DataFrame({"id": [f"i{i}" for i in range(n)],
                         "title": [f"{c.split(' > ')[-1][:-1]} model {i}" for i, c in enumerate(cat)],
                         "category": cat, "brand": [rng.choice(brands[c]) for c in cat],
                         "price": rng.lognormal(5, 0.5, n).round(2)})


def test_any_catalogue_users_and_searches() -> None:
    items = _icecat_like()
    users = generate_users_for_catalog(items, 30, seed=1)
    assert users == generate_users_for_catalog(items, 30, seed=1)
    assert all(set(u.categories) <= set(items["category"]) and set(u.brands) <= set(items["brand"])
               for u in users)
    liked = next(u for u in users if any(v == 1.0 for v in u.brands.values()))
    match = taste_match(items, liked)
    brand_liked = items["brand"].map(lambda b: liked.brands.get(b) == 1.0).to_numpy()
    assert match[brand_liked].mean() > match[~brand_liked].mean()
    queries = queries_for_catalog(items, 20, seed=1)
    assert {"category", "brand", "brand_only"} <= {q.kind for q in queries}
    ids = items["id"].to_numpy()
    rng = np.random.default_rng(0)

    def ranker(user: User, query: Query) -> list[tuple[str, float]]:
        """Half matching the query's category, half not, interleaved; scores say which is which."""
        in_cat = items["category"].to_numpy() == query.intent.category_key if query.intent.category_key \
            else items["brand"].to_numpy() == query.intent.brand
        good, bad = rng.permutation(ids[in_cat])[:10], rng.permutation(ids[~in_cat])[:10]
        return [pair for g, b in zip(good, bad) for pair in ((g, 5.0), (b, 0.5))]
    sims = simulate_searches(items, ranker, 1_000, users=users, queries=queries, seed=2)
    log = sims.session_log()
    ctr = log.clicks[:, :10].mean(axis=0)
    assert ctr[0::2].sum() > 3 * ctr[1::2].sum()  # the matching results (even ranks) get the clicks
    default = simulate_searches(items, ranker, 50, seed=3)  # users and queries made from the catalogue
    assert len(default) == 50 and len(default.users) == 200


def test_any_catalogue_with_a_ranker_that_returns_bare_ids() -> None:
    """Without scores, the simulator's own text match says which results fit the query."""
    items = _icecat_like(seed=4)
    ids, rng = items["id"].to_numpy(), np.random.default_rng(1)
    leaf = items["category"].str.split(" > ").str[-1].str.lower().to_numpy()

    def ranker(user: User, query: Query) -> list[str]:
        match = leaf == query.text.split()[-1]
        good, bad = rng.permutation(ids[match])[:10], rng.permutation(ids[~match])[:10]
        return [d for g, b in zip(good, bad) for d in (g, b)]
    queries = [q for q in queries_for_catalog(items, 12, seed=1) if q.kind != "brand_only"]
    sims = simulate_searches(items, ranker, 600, queries=queries, seed=5, n_users=20)
    ctr = sims.session_log().clicks[:, :10].mean(axis=0)
    assert ctr[0::2].sum() > 3 * ctr[1::2].sum()
