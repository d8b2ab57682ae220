"""Profiles: CF beats popularity on held-out interactions; affinity, price and taste are defined for all."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltr.cli_profiles_cluster import cf_update_actions, profile_actions, users_index_body
from ltr.profiles import CFConfig, ItemAttributes, ProfileConfig, UserItemEvents, build_profiles, fit_cf
from ltr.profiles.affinity import affinity_maps
from ltr.profiles.evaluate import holdout_split, recall_at_k
from ltr.profiles.price import price_preferences
from ltr.profiles.store import read_item_vectors, read_profiles, write_item_vectors, write_profiles
from ltr.profiles.taste import taste_vectors
from ltr.simulate import TasteSimulation, simulate_interactions

DAY = 86400.0


@pytest.fixture(scope="module")
def taste():
    sim = simulate_interactions(TasteSimulation(n_users=2000, n_items=1000, seed=5))
    events, report = UserItemEvents.from_arrays(sim.user_ids, tuple(sim.catalog["id"]), sim.user, sim.item,
                                                sim.kind, sim.time)
    return sim, events


def test_cf_vectors_beat_popularity_on_held_out_interactions(taste):
    _, events = taste
    train, test, whole = holdout_split(events, 0.2)
    assert len(train) + len(test) == len(events) and whole == 0
    matrix = train.matrix(train.weights())
    results = {}
    for method in ("als", "bpr"):
        model = fit_cf(matrix, CFConfig(factors=32, method=method))
        results[method] = recall_at_k(model.user_factors, model.item_factors, matrix, test, k=10)
    print(f"\nrecall@10: ALS {results['als'].cf_recall:.4f}, BPR {results['bpr'].cf_recall:.4f}, "
          f"popularity {results['als'].popularity_recall:.4f} ({results['als'].users} users)")
    assert results["als"].cf_recall > 2 * results["als"].popularity_recall
    assert results["bpr"].cf_recall > 1.5 * results["bpr"].popularity_recall


def test_holdout_keeps_single_item_users_in_training():
    events, _ = UserItemEvents.from_arrays(("u0", "u1"), ("a", "b", "c"), np.array([0, 1, 1, 1]),
                                           np.array([0, 0, 1, 1]), np.zeros(4, np.int8),
                                           np.array([1.0, 2.0, 3.0, 4.0]))
    train, test, whole = holdout_split(events, 0.5)
    assert whole == 1
    # every repeat of the held-out item goes to test
    assert sorted(zip(test.user.tolist(), test.item.tolist())) == [(1, 1), (1, 1)]


def test_als_is_deterministic_and_bpr_keeps_the_dimension(taste):
    _, events = taste
    matrix = events.matrix(events.weights())
    a, b = fit_cf(matrix, CFConfig(factors=16)), fit_cf(matrix, CFConfig(factors=16))
    assert np.array_equal(a.user_factors, b.user_factors) and a.dim == 16
    assert fit_cf(matrix, CFConfig(factors=16, method="bpr", iterations=2)).dim == 16
    with pytest.raises(ValueError, match="unknown CF method"):
        CFConfig(method="svd")


def test_event_weights_and_time_decay():
    events, _ = UserItemEvents.from_arrays(("u",), ("a",), np.zeros(3, np.int32), np.zeros(3, np.int32),
                                           np.array([0, 1, 2], np.int8), np.array([0.0, 30 * DAY, 60 * DAY]))
    assert events.weights(half_life_days=None).tolist() == [1.0, 3.0, 5.0]
    assert events.weights(half_life_days=30).tolist() == pytest.approx([0.25, 1.5, 5.0])


def test_anonymous_events_and_single_event_users_are_counted():
    events, report = UserItemEvents.from_arrays(("u0", "u1", "u2"), ("a", "b"), np.array([-1, 0, 1, 1, -1]),
                                                np.array([0, 1, 0, 1, 1]), np.zeros(5, np.int8),
                                                np.arange(5.0))
    assert report.notes == {"anonymous_interactions": 2, "single_interaction_users": 1}
    assert events.user_ids == ("u0", "u1") and len(events) == 3


def test_affinity_is_a_smoothed_share_and_keeps_the_top_values():
    maps = affinity_maps(np.array([0, 0, 0, 1]), np.array(["Audio", "Audio", None, "TV"], dtype=object),
                         np.array([1.0, 1.0, 2.0, 1.0]), 3, smoothing=2.0, top_k=5)
    assert maps[0] == pytest.approx({"Audio": 2 / 6})  # the uncategorized event still counts as activity
    assert maps[1] == pytest.approx({"TV": 1 / 3})
    assert maps[2] == {}  # no activity: neutral
    many = affinity_maps(np.zeros(30, dtype=int), np.array([f"c{i}" for i in range(30)], dtype=object),
                         np.arange(1.0, 31.0), 1, top_k=3)
    assert list(many[0]) == ["c29", "c28", "c27"]


def test_price_preference_is_a_shrunk_geometric_centre():
    prefs = price_preferences(np.array([0, 0, 1]), np.array([10.0, 1000.0, np.nan]), np.ones(3), 3,
                              smoothing=0.0)
    assert prefs.centre[0] == pytest.approx(100.0)
    assert prefs.population_centre == pytest.approx(100.0)
    assert prefs.centre[1] == pytest.approx(100.0)  # no priced events: the population's
    assert prefs.scale[0] == pytest.approx(100.0 * np.expm1(np.log(10.0)))
    shrunk = price_preferences(np.array([0, 1, 1]), np.array([10.0, 1000.0, 1000.0]), np.ones(3), 2,
                               smoothing=1.0)
    assert 10.0 < shrunk.centre[0] < shrunk.centre[1] < 1000.0


def test_taste_vectors_are_unit_or_zero():
    vectors = np.array([[3.0, 0.0], [0.0, 1.0], [np.nan, np.nan]], dtype=np.float32)
    tastes = taste_vectors(np.array([0, 0, 1, 2]), np.array([0, 1, 2, -1]), np.array([1.0, 1.0, 1.0, 1.0]),
                           vectors, 4)
    assert tastes[0] == pytest.approx([np.sqrt(0.5), np.sqrt(0.5)])
    assert not tastes[1:].any()


def test_build_profiles_with_catalogue_and_neutral_users(taste):
    sim, events = taste
    catalog = sim.catalog.iloc[:-50]  # the last items have no metadata
    profiles, items, report = build_profiles(events, ItemAttributes.from_frame(catalog),
                                             ProfileConfig(cf=CFConfig(factors=8, iterations=3)))
    assert len(profiles) == len(events.user_ids) and items.dim == 8
    assert report.notes["items_without_metadata"] > 0
    user = profiles.profile("u000001")
    favourites = {f"Electronics > {g.title()}" for g in np.asarray(
        ["headphones", "laptop", "camera", "printer", "monitor", "keyboard", "speaker", "phone", "tablet",
         "router",
         "watch", "drone", "console", "projector", "microphone", "charger", "mouse", "webcam", "scanner",
         "television"])[sim.user_genres[1]]}
    assert set(list(user.category_affinity)[:1]) <= favourites
    assert np.linalg.norm(user.text_taste) == pytest.approx(1.0, abs=1e-5) and user.n_interactions > 0
    nobody = profiles.profile(None)
    assert nobody.cold_start and not nobody.cf_vector.any() and nobody.category_affinity == {}
    assert nobody.price_centre == profiles.population_price_centre and len(nobody.image_taste) == 16
    assert profiles.profile("stranger").user_id == "stranger"
    assert items.vector("never-sold") is items.default


def test_profiles_without_catalogue_stay_neutral_beyond_cf(taste):
    _, events = taste
    profiles, _, report = build_profiles(events, None, ProfileConfig(cf=CFConfig(factors=4, iterations=2)))
    doc = profiles.profile("u000001").to_document()
    assert doc["category_affinity"] == {} and doc["price_centre"] is None and "text_taste" not in doc
    assert len(doc["cf_vector"]) == 4


def test_parquet_round_trip_and_cluster_payloads(taste, tmp_path):
    sim, events = taste
    profiles, items, _ = build_profiles(events, ItemAttributes.from_frame(sim.catalog),
                                        ProfileConfig(cf=CFConfig(factors=8, iterations=2)))
    write_profiles(tmp_path / "p.parquet", profiles)
    write_item_vectors(tmp_path / "i.parquet", items)
    back, items_back = read_profiles(tmp_path / "p.parquet"), read_item_vectors(tmp_path / "i.parquet")
    assert back.user_ids == profiles.user_ids
    assert np.array_equal(back.cf_vectors, profiles.cf_vectors)
    assert back.category_affinity[3] == pytest.approx(profiles.category_affinity[3], rel=1e-6)
    assert back.neutral().price_centre == pytest.approx(profiles.population_price_centre)
    assert np.array_equal(items_back.vectors, items.vectors)
    assert np.allclose(items_back.default, items.default)
    columns = pd.read_parquet(tmp_path / "p.parquet").columns.tolist()
    assert columns[:3] == ["user_id", "cf_vector", "category_affinity"]
    action = next(profile_actions(back, "users"))
    assert action["_op_type"] == "index" and action["_id"] == action["_source"]["user_id"]
    updates = list(cf_update_actions(items, "items", also=["new-item", items.item_ids[0]]))
    assert len(updates) == len(items.item_ids) + 1
    assert updates[-1] == {"_op_type": "update", "_index": "items", "_id": "new-item",
                           "doc": {"cf_vector": [float(x) for x in items.default]}}
    mapping = users_index_body()["mappings"]["properties"]
    assert mapping["category_affinity"] == {"type": "object", "enabled": False}
    with pytest.raises(ValueError, match="not an mmltr profiles file"):
        sim.catalog[["id"]].to_parquet(tmp_path / "x.parquet")
        read_profiles(tmp_path / "x.parquet")
