"""The personal LTR loop from the CLI on a simulated click log with users, against the embedded node.

``ltr.simulate`` gives 6,000 searches of 20 users over 300 products (20 queries, one genre each); its
catalogue is indexed with the hashing text encoder. Then ``judgments from-clicks`` (per user, and over
everyone for the anonymous groups) -> ``profiles build`` (profiles Parquet, ``users`` index, CF vectors on the
items) -> ``featureset init`` (now with the personal features) -> ``features log --profiles`` -> ``train`` ->
``model upload`` -> ``model verify`` -> ``search`` for anonymous, unknown and known users.

The training judgments hold both kinds of query group, as a real deployment would: per-user groups (the user's
profile) and anonymous ones (the neutral profile), so the model has seen the neutral values it serves to
anonymous users. Each group also gets four grade-0 documents of other genres: every pooled document of a
simulated query matches it equally (BM25 would be constant), and a ranker must learn to prefer the documents
that match the query at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import Result
from pi_cli_loop import run_cli

from ltr.base_score import BaseScore
from ltr.base_score import predict as predict_with_base
from ltr.simulate import ClickSimulation, SimulatedLog, simulate_clicks, write_jsonl
from plugin_integration.client import make_client

SIMULATION = ClickSimulation(
    n_queries=20, docs_per_query=15, n_searches=6000, n_users=20, taste_share=0.8, seed=3
)
FEATURES = [
    "bm25_title",
    "bm25_description",
    "bm25_brand",
    "bm25_category",
    "knn_text",
    "cf_score",
    "affinity_category",
    "affinity_brand",
    "taste_text",
    "price_fit",
    "popularity",
    "rating",
]
PERSONAL = ["cf_score", "affinity_category", "affinity_brand", "taste_text", "price_fit"]
OFF_TOPIC = 4
CF_DIM = 16


@dataclass
class Loop:
    root: Path
    data_dir: Path
    sim: SimulatedLog
    outputs: dict[str, Result] = field(default_factory=dict)
    model: str = ""
    flavour: str = "opensearch"

    def run(self, *args: str, ok: bool = True) -> Result:
        result = run_cli(self.data_dir, *args)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def path(self, name: str) -> Path:
        return self.root / name

    def search(self, query: str, *args: str) -> list[dict[str, Any]]:
        return json.loads(self.run("search", query, "--json", "--model", self.model, *args).stdout)


def _write_catalog(sim: SimulatedLog, path: Path) -> None:
    """The simulated catalogue in the catalogue contract (the index computes its own text vectors)."""
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(
            json.dumps(
                {
                    "id": r.id,
                    "title": r.title,
                    "description": f"{r.title} by {r.brand}",
                    "brand": r.brand,
                    "category": r.category,
                    "price": float(r.price),
                }
            )
            + "\n"
            for r in sim.catalog.itertuples()
        )


def _training_judgments(
    per_user: pd.DataFrame, everyone: pd.DataFrame, catalog: pd.DataFrame
) -> pd.DataFrame:
    """Per-user groups plus anonymous groups (no user_id), each with OFF_TOPIC grade-0 documents of other
    genres."""
    both = pd.concat([per_user, everyone.assign(user_id=None)], ignore_index=True)
    rng = np.random.default_rng(0)
    extra = []
    for (qid, query, user), _ in both.groupby(["qid", "query", "user_id"], dropna=False, sort=True):
        others = catalog.loc[~catalog.title.str.startswith(query + " "), "id"].to_numpy()
        extra += [
            {"qid": qid, "query": query, "doc_id": d, "grade": 0, "user_id": user}
            for d in rng.choice(others, OFF_TOPIC, replace=False)
        ]
    return pd.concat([both, pd.DataFrame(extra)], ignore_index=True)


# Elasticsearch (o19s plugin, dense_vector, painless dotProduct for cf_score/taste_text): the same loop and
# expectations; marked slow so that the default run does the personal loop once.
@pytest.fixture(scope="module", params=["opensearch", pytest.param("elasticsearch", marks=pytest.mark.slow)])
def loop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    root = tmp_path_factory.mktemp("personal_loop")
    state = Loop(root, root / "node", simulate_clicks(SIMULATION), flavour=request.param)
    created = make_client(None, state.data_dir, node_options={"distribution": request.param})
    created.info()  # the data directory remembers its distribution; the CLI opens it as that
    created.close()
    o, log = state.outputs, str(root / "log.jsonl")
    write_jsonl(state.sim, log)
    _write_catalog(state.sim, root / "catalog.jsonl")
    o["load"] = state.run(
        "index", "load", str(root / "catalog.jsonl"), "--text-encoder", "hashing:64", "--no-progress"
    )
    o["per_user"] = state.run("judgments", "from-clicks", log, "--per-user", "-o", str(root / "per_user.csv"))
    o["everyone"] = state.run("judgments", "from-clicks", log, "-o", str(root / "everyone.csv"))
    per_user = pd.read_csv(root / "per_user.csv", dtype={"user_id": str})
    everyone = pd.read_csv(root / "everyone.csv")
    _training_judgments(per_user, everyone, state.sim.catalog).to_csv(root / "judgments.csv", index=False)
    o["profiles"] = state.run(
        "profiles", "build", log, "-o", str(root / "profiles.parquet"), "--factors", str(CF_DIM)
    )
    o["init"] = state.run("featureset", "init", "-o", str(root / "fs.yaml"))
    o["log"] = state.run(
        "features",
        "log",
        str(root / "judgments.csv"),
        "--profiles",
        str(root / "profiles.parquet"),
        "-o",
        str(root / "feats.parquet"),
    )
    o["train"] = state.run("train", str(root / "feats.parquet"), "-o", str(root / "model"))
    o["upload"] = state.run("model", "upload", str(root / "model"))
    state.model = o["upload"].output.split("uploaded model '")[1].split("'")[0]
    yield state


@pytest.fixture(scope="module")
def table(loop: Loop) -> pd.DataFrame:
    return pd.read_parquet(loop.path("feats.parquet"))


@pytest.fixture(scope="module")
def profiles(loop: Loop) -> pd.DataFrame:
    return pd.read_parquet(loop.path("profiles.parquet")).set_index("user_id")


def _levels(category: str) -> list[str]:
    parts = category.split(" > ")
    return [" > ".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _inner_product_score(dot: float) -> float:
    return 1 + dot if dot >= 0 else 1 / (1 - dot)


def test_judgments_per_user_and_over_everyone(loop: Loop) -> None:
    per_user = pd.read_csv(loop.path("per_user.csv"), dtype={"user_id": str})
    everyone = pd.read_csv(loop.path("everyone.csv"))
    assert list(per_user.columns) == ["qid", "query", "doc_id", "grade", "user_id"]
    assert list(everyone.columns) == ["qid", "query", "doc_id", "grade"]
    assert (
        set(per_user.user_id) <= set(loop.sim.user_ids) and per_user.user_id.nunique() == SIMULATION.n_users
    )
    assert per_user.groupby(["qid", "user_id"]).ngroups >= 80
    assert everyone.qid.nunique() == SIMULATION.n_queries
    for frame in (per_user, everyone):
        assert frame.grade.between(0, 4).all() and frame.grade.nunique() >= 4
        pools = {q: set(loop.sim.catalog.id.to_numpy()[p]) for q, p in zip(loop.sim.queries, loop.sim.pools)}
        assert all(d in pools[q] for q, d in zip(frame["query"], frame.doc_id))  # judged where it was shown
    assert "anonymous_sessions_not_personalized" in loop.outputs["per_user"].output


def test_profiles_build_writes_parquet_users_index_and_cf_vectors(loop: Loop, profiles: pd.DataFrame) -> None:
    assert len(profiles) == SIMULATION.n_users and set(profiles.index) == set(loop.sim.user_ids)
    assert all(len(v) == CF_DIM for v in profiles.cf_vector)
    items = pd.read_parquet(loop.path("profiles.items.parquet"))
    out = loop.outputs["profiles"].output
    assert f"{len(items)} CF item vectors ({CF_DIM} dims)" in out and "20 profiles -> index 'users'" in out
    client = make_client(None, loop.data_dir)
    try:
        assert client.count(index="users")["count"] == SIMULATION.n_users
        neutral = client.indices.get_mapping(index="users")["users"]["mappings"]["_meta"]["mmltr"]["neutral"]
        mapping = next(iter(client.indices.get_mapping(index="items").values()))["mappings"]["properties"]
        with_cf = client.count(index="items", body={"query": {"exists": {"field": "cf_vector"}}})["count"]
    finally:
        client.close()
    if loop.flavour == "elasticsearch":  # CF vectors are not unit length: max_inner_product, not dot_product
        assert (mapping["cf_vector"]["type"], mapping["cf_vector"]["dims"]) == ("dense_vector", CF_DIM)
        assert mapping["cf_vector"]["similarity"] == "max_inner_product"
    else:
        assert mapping["cf_vector"]["dimension"] == CF_DIM
    assert with_cf >= len(items)
    assert not any(neutral.get("category_affinity") or []) and not any(neutral.get("cf_vector") or [])


def test_featureset_init_adds_the_personal_features(loop: Loop) -> None:
    spec = yaml.safe_load(loop.path("fs.yaml").read_text(encoding="utf-8"))
    assert [f["name"] for f in spec["features"]] == FEATURES  # no image vectors: no knn_image, no taste_image
    kinds = {f["name"]: f for f in spec["features"]}
    assert (kinds["cf_score"]["kind"], kinds["cf_score"]["space_type"]) == ("vector", "innerproduct")
    assert (kinds["taste_text"]["field"], kinds["taste_text"]["space_type"]) == (
        "text_vector",
        "innerproduct",
    )
    assert kinds["affinity_category"]["kind"] == kinds["affinity_brand"]["kind"] == "affinity"
    assert kinds["price_fit"]["kind"] == "decay"
    assert "12 features, personal" in loop.outputs["init"].output
    assert "no differences" in loop.run("featureset", "diff", str(loop.path("fs.yaml"))).output


def test_personal_features_are_defined_and_computed_from_the_profiles(
    loop: Loop, table: pd.DataFrame, profiles: pd.DataFrame
) -> None:
    judged = pd.read_csv(loop.path("judgments.csv"), dtype={"user_id": str})
    assert list(table.columns) == ["qid", "doc_id", "grade", "user_id", *FEATURES]
    assert len(table) == len(judged)
    assert "judged documents missing from the index 0" in loop.outputs["log"].output
    values = table[FEATURES].to_numpy(np.float64)
    assert np.isfinite(values).all()
    anonymous, known = table[table.user_id.isna()], table[table.user_id.notna()]
    assert len(anonymous) == (SIMULATION.n_queries * OFF_TOPIC + len(pd.read_csv(loop.path("everyone.csv"))))
    # neutral: no affinity reads 0, a zero user vector reads 1.0 (inner product), price around the mean
    assert (anonymous[["affinity_category", "affinity_brand"]] == 0).all().all()
    assert (anonymous[["cf_score", "taste_text"]] == 1.0).all().all()
    assert anonymous.price_fit.between(0, 1).all() and anonymous.price_fit.max() > 0.5

    catalog = loop.sim.catalog.set_index("id")
    items = pd.read_parquet(loop.path("profiles.items.parquet")).set_index("id")
    checked = 0
    for user_id, doc_id, cf, aff_cat, aff_brand in zip(
        known.user_id, known.doc_id, known.cf_score, known.affinity_category, known.affinity_brand
    ):
        profile = profiles.loc[user_id]
        categories, brands = dict(profile.category_affinity), dict(profile.brand_affinity)
        item = catalog.loc[doc_id]
        assert aff_cat == pytest.approx(max(categories.get(l, 0.0) for l in _levels(item.category)), abs=1e-6)
        assert aff_brand == pytest.approx(brands.get(item.brand, 0.0), abs=1e-6)
        if doc_id in items.index:
            dot = float(
                np.dot(
                    np.asarray(profile.cf_vector, np.float64),
                    np.asarray(items.loc[doc_id].iloc[0], np.float64),
                )
            )
            assert cf == pytest.approx(_inner_product_score(dot), rel=1e-5)
            checked += 1
    assert checked > len(known) // 2
    assert (known.affinity_category > 0).mean() > 0.9  # users search what they like


def test_train_upload_verify(loop: Loop, table: pd.DataFrame) -> None:
    record = json.loads((loop.path("model") / "record.json").read_text())
    assert record["featureset"] == "items_fused" and record["feature_names"] == FEATURES
    booster = lgb.Booster(model_file=str(loop.path("model") / "model.txt"))
    used = {FEATURES[i] for i, gain in enumerate(booster.feature_importance("gain")) if gain > 0}
    base = record["base_score"]  # mmltr train's default: the trees boost from the strongest feature
    assert base is not None and base["feature"] in FEATURES and base["weight"] > 0
    # the model ranks by the query (the base, or the trees' splits) and by the user (the trees)
    assert used & set(PERSONAL) and {"bm25_title", "knn_text"} & (used | {base["feature"]})
    groups = table.assign(u=table.user_id.fillna("")).groupby(["qid", "u"]).ngroups
    out = loop.run("model", "verify", loop.model, "--features", str(loop.path("feats.parquet"))).output
    match = re.search(
        r"verified ([\d,]+) rows of ([\d,]+) query groups: max \|served - LightGBM\| = ([0-9.e+-]+)", out
    )
    assert match, out
    assert int(match.group(1).replace(",", "")) == len(table) and int(match.group(2)) == groups
    assert float(match.group(3)) <= 1e-5


def _strongest_user(profiles: pd.DataFrame) -> tuple[str, str]:
    """The user with the strongest category affinity, and the query of that category."""
    best = max(
        ((u, *max(dict(p.category_affinity).items(), key=lambda kv: kv[1])) for u, p in profiles.iterrows()),
        key=lambda t: t[2],
    )
    return best[0], best[1].split(" > ")[-1].lower()


def test_search_for_anonymous_unknown_and_known_users(
    loop: Loop, table: pd.DataFrame, profiles: pd.DataFrame
) -> None:
    booster = lgb.Booster(model_file=str(loop.path("model") / "model.txt"))
    served = json.loads((loop.data_dir / "models" / loop.model / "served.json").read_text())
    offset, base = served["offset"], BaseScore.from_dict(served["base"])
    user, query = _strongest_user(profiles)
    runs = {
        "anonymous": loop.search(query, "--explain", "-k", "10"),
        "unknown": loop.search(query, "--explain", "-k", "10", "--user", "unknown-id"),
        "known": loop.search(query, "--explain", "-k", "10", "--user", user),
    }
    for name, hits in runs.items():
        assert len(hits) == 10, name
        scores = np.array([h["score"] for h in hits])
        X = np.array([[h["features"][f] for f in FEATURES] for h in hits], np.float64)
        assert np.isfinite(X).all() and (scores > 0).all(), name
        np.testing.assert_allclose(
            scores, predict_with_base(booster, X.astype(np.float32).astype(np.float64), FEATURES, base) + offset,
            atol=1e-5, err_msg=name)
        assert all(query in h["source"]["title"] for h in hits[:3]), name
    assert [(h["id"], h["score"]) for h in runs["unknown"]] == [
        (h["id"], h["score"]) for h in runs["anonymous"]
    ]
    for hit in runs["anonymous"]:
        assert hit["features"]["affinity_category"] == 0 and hit["features"]["cf_score"] == 1.0
    liked = dict(profiles.loc[user].category_affinity)
    for hit in runs["known"]:
        category = loop.sim.catalog.set_index("id").loc[hit["id"], "category"]
        assert hit["features"]["affinity_category"] == pytest.approx(
            max(liked.get(l, 0.0) for l in _levels(category)), abs=1e-6
        )


@pytest.mark.parametrize("who", ["anonymous", "known"])
def test_serving_computes_the_logged_personal_values(
    loop: Loop, table: pd.DataFrame, profiles: pd.DataFrame, who: str
) -> None:
    """The users index (and its neutral _meta) gives serving the params the profiles Parquet gave logging."""
    user, query = _strongest_user(profiles)
    rows = table[table.qid.isin(pd.read_csv(loop.path("judgments.csv")).query("query == @query").qid)]
    rows = rows[rows.user_id.isna()] if who == "anonymous" else rows[rows.user_id == user]
    assert len(rows) > OFF_TOPIC
    logged = rows.set_index("doc_id")[FEATURES]
    hits = loop.search(query, "--explain", "-k", "400", *(("--user", user) if who == "known" else ()))
    compared = 0
    for hit in hits:
        if hit["id"] in logged.index:
            np.testing.assert_allclose(
                [hit["features"][f] for f in FEATURES],
                logged.loc[hit["id"]].to_numpy(),
                rtol=1e-6,
                atol=1e-6,
                err_msg=f"{who} {hit['id']}",
            )
            compared += 1
    assert compared == len(logged)


def test_a_known_user_gets_a_personal_ranking(loop: Loop, profiles: pd.DataFrame) -> None:
    """Rankings differ in their scores, not only in how ties fall: the user's liked documents score higher."""
    user, favourite = _strongest_user(profiles)
    rescored = []
    for query in loop.sim.queries:
        anonymous = loop.search(query, "-k", "10")
        known = loop.search(query, "-k", "10", "--user", user)
        assert len(anonymous) == len(known) == 10
        if sorted(h["score"] for h in anonymous) != sorted(h["score"] for h in known):
            rescored.append(query)
        if query == favourite:
            top = {h["id"] for h in known[:3]}
            assert top != {h["id"] for h in anonymous[:3]}
            assert known[0]["score"] > anonymous[0]["score"]
    assert favourite in rescored
    assert len(rescored) >= SIMULATION.n_queries // 2, rescored
