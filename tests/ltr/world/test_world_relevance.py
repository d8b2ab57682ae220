"""True relevance: the category gates it, named attributes (including the image-only style) cut it, and the
user's taste grades it, so that text alone ranks worse than a non-personal oracle, which ranks worse than a
personal one."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ltr.world import Intent, Query, User, World, text_match
from ltr.world.vocab import STYLE_WORDS

EVEN = {"category": 0.0, "brand": 0.25, "color": 0.25, "style": 0.25, "price": 0.25}


def _world_with(world: World, users: list[User], queries: list[Query]) -> World:
    return replace(world, users=tuple(users), queries=tuple(queries))


def test_two_tastes_two_relevant_sets_for_the_same_query(tiny_world: World) -> None:
    sneakers = Query("q", "sneakers", 1.0, True, "category", Intent(category_key="sneakers"))
    a = User("a", {"sneakers": 1.0}, brands={"Stride": 1.0}, colors={"red": 1.0, "blue": 0.0},
             styles={"sporty": 1.0, "minimal": 0.0}, price_band="budget", weights=EVEN)
    b = User("b", {"sneakers": 1.0}, brands={"Velo": 1.0}, colors={"blue": 1.0, "red": 0.0},
             styles={"minimal": 1.0, "sporty": 0.0}, price_band="premium", weights=EVEN)
    world = _world_with(tiny_world, [a, b], [sneakers])
    items = world.items
    is_sneaker = items["category_key"].to_numpy() == "sneakers"
    ga, gb = world.grades("a", "q"), world.grades("b", "q")
    assert (ga[~is_sneaker] == 0).all() and (gb[~is_sneaker] == 0).all()  # the category gates relevance
    assert (ga[is_sneaker] >= 1).all() and (gb[is_sneaker] >= 1).all()  # every sneaker is a bit relevant
    top_a, top_b = set(np.flatnonzero(ga >= 3)), set(np.flatnonzero(gb >= 3))
    assert top_a and top_b and len(top_a & top_b) / len(top_a | top_b) < 0.2
    # each user's top items are of their taste: a's are redder and cheaper, b's bluer and dearer
    color, band = items["color"].to_numpy(), items["price_band"].to_numpy()

    def share(top: set[int], values: np.ndarray, value: str) -> float:
        return float((values[list(top)] == value).mean())
    assert share(top_a, color, "red") > share(top_b, color, "red") + 0.1
    assert share(top_b, color, "blue") > share(top_a, color, "blue") + 0.1
    assert share(top_a, band, "budget") > share(top_b, band, "budget") + 0.3
    assert world.relevance("a", "q", items["id"].iloc[next(iter(top_a))]) >= 3


def test_the_generated_users_disagree_on_bare_category_queries(tiny_world: World) -> None:
    q = next(q for q in tiny_world.queries if q.kind == "category")
    tops = [set(np.flatnonzero(tiny_world.grades(u.user_id, q.qid) >= 3)) for u in tiny_world.users]
    pairs = [(s, t) for i, s in enumerate(tops) for t in tops[i + 1:] if s | t]
    jaccard = np.mean([len(s & t) / len(s | t) for s, t in pairs])
    assert jaccard < 0.4


def test_style_queries_are_answered_by_the_image_only(tiny_world: World) -> None:
    items = tiny_world.items
    lamp = Query("v", "vintage lamp", 1.0, False, "style", Intent(category_key="lamp", style="vintage"))
    world = _world_with(tiny_world, list(tiny_world.users), [lamp])
    is_lamp = items["category_key"].to_numpy() == "lamp"
    vintage = items["style"].to_numpy() == "vintage"
    best = np.max([world.grades(u.user_id, "v") for u in world.users], axis=0)
    assert best[is_lamp & ~vintage].max() <= 1  # a lamp of another style is marginal at best
    assert (best[is_lamp & vintage] >= 2).mean() > 0.8
    # ... and the text says "vintage" (or its synonyms) for few of the vintage lamps
    text = (items["title"] + " " + items["description"]).str.lower()[is_lamp & vintage]
    assert text.str.contains("|".join(STYLE_WORDS["vintage"])).mean() < 0.25


def _ndcg(grades: np.ndarray, scores: np.ndarray, k: int = 10) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.sort(2.0 ** grades - 1)[::-1][:k]
    return float(((2.0 ** grades[order] - 1) * discount[:len(order)]).sum() / (ideal * discount).sum())


def test_text_alone_loses_to_intent_which_loses_to_taste(tiny_world: World) -> None:
    items, rating = tiny_world.items, tiny_world.items["rating"].to_numpy()
    results: dict[str, list[float]] = {"text": [], "intent": [], "personal": []}
    for q in tiny_world.queries:
        text = text_match(items, q.text) + 0.01 * rating
        intent = tiny_world.intent(q.qid) + 0.01 * rating
        for u in tiny_world.users[:12]:
            g = tiny_world.grades(u.user_id, q.qid)
            if g.max() == 0:
                continue
            results["text"].append(_ndcg(g, text))
            results["intent"].append(_ndcg(g, intent))
            results["personal"].append(_ndcg(g, tiny_world.relevance_scores(u.user_id, q.qid)))
    text, intent, personal = (float(np.mean(v)) for v in results.values())
    assert text < intent - 0.08  # image-only style and colour, synonyms and typos: text misses some
    assert intent < personal - 0.25  # taste decides the grade among the items the query allows
    assert personal > 0.99


def test_truth_frame_for_chosen_pairs(tiny_world: World) -> None:
    u, q = tiny_world.users[1].user_id, tiny_world.queries[2].qid
    frame = tiny_world.truth([(u, q), (u, q)])  # a repeated pair counts once
    assert list(frame.columns) == ["user_id", "qid", "doc_id", "grade"]
    g = tiny_world.grades(u, q)
    assert len(frame) == int((g > 0).sum()) and frame["grade"].min() >= 1
    assert frame["grade"].sum() == int(g.sum())
    assert len(tiny_world.likely_pairs(3)) == 3 * len(tiny_world.users)
    assert len(tiny_world.likely_pairs()) == len(tiny_world.users) * len(tiny_world.queries)
