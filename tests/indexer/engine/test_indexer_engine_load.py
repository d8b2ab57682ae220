"""The indexer against the embedded node, through opensearch-py (in-process and over HTTP)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.bulk import BulkOptions, bulk_write, index_action
from indexer.encoders.classical import ClassicalImageEncoder
from indexer.encoders.hashing import HashingEncoder
from indexer.items import Reject
from indexer.pipeline import LoadOptions, load_catalog
from indexer.synthetic import generate_catalog
from indexer.update_vectors import update_vectors
from indexer.versions import list_versions, live_indices


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_catalog(tmp_path_factory.mktemp("synthetic"), 80, seed=11, bad_rows=True)


def _load(client: Any, catalog: Any, rejects: list[Reject] | None = None, **options: Any) -> Any:
    return load_catalog(
        client,
        catalog.path,
        text_encoder=HashingEncoder(64),
        image_encoder=ClassicalImageEncoder(),
        options=LoadOptions(batch_size=16, **options),
        on_reject=(rejects if rejects is not None else []).append,
    )


def test_load_indexes_text_and_image_vectors_behind_the_alias(client: Any, catalog: Any) -> None:
    rejects: list[Reject] = []
    report = _load(client, catalog, rejects)
    assert report.rows_read == 87 and report.indexed == 80 and report.rejected == 7
    assert {r.row for r in rejects} == set(catalog.bad)
    assert live_indices(client, "items") == ["items-v1"]
    assert client.count(index="items")["count"] == 80
    doc = client.get(index="items", id="p000004")["_source"]
    assert len(doc["text_vector"]) == 64 and len(doc["image_vector"]) == 192
    assert np.linalg.norm(doc["text_vector"]) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(doc["image_vector"]) == pytest.approx(1.0, abs=1e-5)
    mapping = client.indices.get_mapping(index="items-v1")["items-v1"]["mappings"]
    assert mapping["properties"]["text_vector"]["dimension"] == 64
    assert mapping["properties"]["image_vector"]["type"] == "knn_vector"
    settings = client.indices.get_settings(index="items-v1")["items-v1"]["settings"]["index"]
    assert settings["refresh_interval"] == "1s" and str(settings["number_of_replicas"]) == "0"


def test_reload_swaps_versions_with_zero_failed_searches(client: Any, catalog: Any) -> None:
    _load(client, catalog)
    stop = threading.Event()
    totals: list[int] = []
    errors: list[BaseException] = []

    def search() -> None:
        while not stop.is_set():
            try:
                response = client.search(index="items", body={"query": {"match_all": {}}, "size": 1})
                totals.append(response["hits"]["total"]["value"])
            except BaseException as exc:  # noqa: BLE001 - every failure counts
                errors.append(exc)

    searcher = threading.Thread(target=search, daemon=True)
    searcher.start()
    try:
        second = _load(client, catalog)
        third = _load(client, catalog)
    finally:
        stop.set()
        searcher.join()
    assert (second.index, third.index) == ("items-v2", "items-v3")
    assert third.deleted == ["items-v1"]  # --keep 1
    assert errors == [] and totals and set(totals) == {80}
    assert [(v.name, v.live) for v in list_versions(client, "items")] == [
        ("items-v2", False),
        ("items-v3", True),
    ]


def test_update_vectors_sets_cf_vectors_and_reports_unknown_ids(
    client: Any, catalog: Any, tmp_path: Path
) -> None:
    _load(client, catalog)
    path = tmp_path / "cf.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": i, "vector": [0.5, 0.5, 0.0, 1.0]}) + "\n"
            for i in ("p000001", "p000002", "ghost")
        ),
        encoding="utf-8",
    )
    report = update_vectors(client, "items", path)
    assert report.updated == 2 and [f.id for f in report.failed] == ["ghost"] and report.mapping_added
    doc = client.get(index="items", id="p000002")["_source"]
    assert doc["cf_vector"] == [0.5, 0.5, 0.0, 1.0] and len(doc["text_vector"]) == 64  # nothing else changed
    props = client.indices.get_mapping(index="items-v1")["items-v1"]["mappings"]["properties"]
    assert props["cf_vector"]["dimension"] == 4


def test_documents_the_node_refuses_are_reported_by_id(client: Any) -> None:
    client.indices.create(
        index="t",
        body={
            "mappings": {
                "properties": {"v": {"type": "knn_vector", "dimension": 2}, "price": {"type": "float"}}
            }
        },
    )
    actions = [
        index_action("t", "ok", json.dumps({"v": [1.0, 0.0], "price": 1.5}), row=1),
        index_action("t", "bad-dim", json.dumps({"v": [1.0, 0.0, 0.0]}), row=2),
        index_action("t", "bad-price", json.dumps({"price": "abc"}), row=3),
    ]
    report = bulk_write(client, actions, BulkOptions(initial_backoff=0.0))
    assert report.ok == 1 and sorted((f.id, f.status, f.row) for f in report.failed) == [
        ("bad-dim", 400, 2),
        ("bad-price", 400, 3),
    ]


def test_bm25_and_knn_work_on_the_indexed_fields(client: Any, catalog: Any) -> None:
    _load(client, catalog)
    doc = client.get(index="items", id="p000007")["_source"]
    by_title = client.search(index="items", body={"query": {"match": {"title": doc["title"]}}, "size": 1})
    assert by_title["hits"]["hits"][0]["_id"] == "p000007"
    knn = client.search(
        index="items",
        body={"size": 1, "query": {"knn": {"image_vector": {"vector": doc["image_vector"], "k": 1}}}},
    )
    assert knn["hits"]["hits"][0]["_id"] == "p000007"
    same_colour = client.search(
        index="items",
        body={"size": 5, "query": {"knn": {"image_vector": {"vector": doc["image_vector"], "k": 5}}}},
    )
    colours = [h["_source"]["color"] for h in same_colour["hits"]["hits"]]
    assert colours.count(doc["color"]) >= 3


def test_keyword_subfields_and_category_levels_filter(client: Any, catalog: Any) -> None:
    _load(client, catalog)
    shoes = client.search(
        index="items", body={"query": {"term": {"category_levels": "Apparel"}}, "size": 100}
    )
    assert shoes["hits"]["total"]["value"] > 0
    assert all(h["_source"]["category"].startswith("Apparel > ") for h in shoes["hits"]["hits"])
