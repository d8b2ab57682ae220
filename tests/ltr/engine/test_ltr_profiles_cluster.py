"""``mmltr profiles build`` against the embedded node: profiles land in the ``users`` index, CF vectors on the
items (partial updates through the alias), and items the log never saw get the default vector."""
from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner
from opensearchpy import helpers

from ltr.profiles.store import read_item_vectors
from ltr.simulate import ClickSimulation, simulate_clicks, write_jsonl
from plugin_integration.cli import main

FACTORS = 8


def _items_index(client, catalog) -> None:
    client.indices.create(index="items-v1", body={
        "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0}},
        "mappings": {"properties": {
            "title": {"type": "text"}, "category": {"type": "keyword"}, "brand": {"type": "keyword"},
            "price": {"type": "float"},
            "text_vector": {"type": "knn_vector", "dimension": 16, "space_type": "cosinesimil"},
            "cf_vector": {"type": "knn_vector", "dimension": FACTORS, "space_type": "innerproduct"}}}})
    client.indices.put_alias(index="items-v1", name="items")
    docs = [{"_index": "items", "_id": row.id,
             "_source": {"title": row.title, "category": row.category, "brand": row.brand, "price": row.price,
                         "text_vector": [float(x) for x in row.text_vector]}}
            for row in catalog.itertuples()]
    new = {"title": "new", "category": "Electronics > New"}
    docs.append({"_index": "items", "_id": "brand-new", "_source": new})
    helpers.bulk(client, docs, refresh=True)


def _build(tmp_path, *extra: str):
    sim = simulate_clicks(ClickSimulation(n_searches=2_000, n_users=100, seed=7))
    log = tmp_path / "log.jsonl"
    write_jsonl(sim, str(log))
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "node"), "profiles", "build", str(log),
                                       "-o", str(tmp_path / "profiles.parquet"), "--factors", str(FACTORS),
                                       *extra])
    assert result.exit_code == 0, result.output
    return sim


def _check(client, sim, tmp_path) -> None:
    assert client.count(index="users")["count"] == len(set(sim.user[sim.user >= 0].tolist()))
    profile = client.get(index="users", id="u000001")["_source"]
    assert len(profile["cf_vector"]) == FACTORS and len(profile["text_taste"]) == 16
    assert profile["category_affinity"] and profile["price_centre"] > 0

    model = read_item_vectors(tmp_path / "profiles.items.parquet")
    known = dict(zip(model.item_ids, model.vectors))
    for doc_id in [*sim.catalog["id"], "brand-new"]:
        stored = client.get(index="items", id=doc_id)["_source"]["cf_vector"]
        assert np.allclose(stored, known.get(doc_id, model.default), atol=1e-6), doc_id
    assert "brand-new" not in known and len(known) > 200
    title = client.get(index="items", id=sim.catalog["id"][0])["_source"]["title"]
    assert title == sim.catalog["title"][0]  # a partial update keeps the rest of the document


def test_profiles_build_with_a_catalogue_writes_users_and_item_vectors(inproc_client, tmp_path):
    sim = simulate_clicks(ClickSimulation(n_searches=2_000, n_users=100, seed=7))
    _items_index(inproc_client, sim.catalog)
    catalog = tmp_path / "catalog.parquet"
    new = pd.DataFrame([{"id": "brand-new", "title": "new", "category": "Electronics > New"}])
    pd.concat([sim.catalog.drop(columns=["genre"]), new], ignore_index=True).to_parquet(catalog)
    _check(inproc_client, _build(tmp_path, "--catalog", str(catalog)), tmp_path)


def test_profiles_build_reads_item_metadata_from_the_index(inproc_client, tmp_path):
    sim = simulate_clicks(ClickSimulation(n_searches=2_000, n_users=100, seed=7))
    _items_index(inproc_client, sim.catalog)
    _check(inproc_client, _build(tmp_path), tmp_path)


def test_profiles_build_dry_run_writes_no_file_and_nothing_to_the_cluster(inproc_client, tmp_path):
    sim = simulate_clicks(ClickSimulation(n_searches=2_000, n_users=100, seed=7))
    _items_index(inproc_client, sim.catalog)
    catalog = tmp_path / "catalog.parquet"
    sim.catalog.drop(columns=["genre"]).to_parquet(catalog)
    log = tmp_path / "log.jsonl"
    write_jsonl(sim, str(log))
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "node"), "profiles", "build", str(log),
                                       "-o", str(tmp_path / "profiles.parquet"), "--factors", str(FACTORS),
                                       "--catalog", str(catalog), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written: would write" in result.output and "'users' index" in result.output
    assert not (tmp_path / "profiles.parquet").exists() and not (tmp_path / "profiles.items.parquet").exists()
    assert not inproc_client.indices.exists(index="users")
    assert "cf_vector" not in inproc_client.get(index="items", id=sim.catalog["id"][0])["_source"]
