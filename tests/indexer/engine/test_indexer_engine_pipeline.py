"""``load_catalog`` end to end into the embedded node: every row indexed or accounted for, versions and alias
swaps, the embedding cache, CF vectors, and documents the cluster refuses (injected by the fault wrapper)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opensearchpy import OpenSearch

from indexer.cache import EmbeddingCache
from indexer.errors import BulkFailure, CatalogError, ClusterStateError
from indexer.items import Reject
from indexer.pipeline import LoadOptions, VectorOptions, load_catalog
from plugin_integration.cli_support import RejectsFile
from indexer.versions import list_versions, live_indices
from support.faults import Faults

OPTIONS = LoadOptions(batch_size=16, queue_depth=2)
# Keys the node adds to every index's settings on its own (not sent by the indexer).
NODE_SETTINGS = {"creation_date", "provided_name", "uuid", "version"}


def _load(
    client: OpenSearch,
    catalog: Any,
    text: Any,
    image: Any,
    cache: Any = None,
    options: LoadOptions = OPTIONS,
    rejects: list[Reject] | None = None,
) -> Any:
    sink = rejects if rejects is not None else []
    return load_catalog(
        client,
        catalog.path,
        text_encoder=text,
        image_encoder=image,
        cache=cache,
        options=options,
        on_reject=sink.append,
    )


def _documents(client: OpenSearch, index: str) -> dict[str, dict[str, Any]]:
    """Every stored document of ``index`` by id (the index is searchable: loads end with a refresh)."""
    hits = client.search(index=index, body={"query": {"match_all": {}}, "size": 1000})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def _mappings(client: OpenSearch, index: str) -> dict[str, Any]:
    return dict(client.indices.get_mapping(index=index)[index]["mappings"])


def test_load_indexes_every_valid_row_and_accounts_for_every_other(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, image_encoder: Any
) -> None:
    client = node_client
    rejects: list[Reject] = []
    events: dict[str, int] = {}
    report = load_catalog(
        client,
        synthetic_dir.path,
        text_encoder=text_encoder,
        image_encoder=image_encoder,
        options=OPTIONS,
        on_reject=rejects.append,
        progress=lambda stage, n: events.__setitem__(stage, events.get(stage, 0) + n),
    )
    bad = synthetic_dir.bad
    assert report.rows_read == 120 + len(bad) == report.indexed + report.rejected
    assert report.indexed == 120 and report.rejected == len(bad) == 7
    assert {r.row: r.field for r in rejects} == {row: fld.split(":")[0] for row, fld in bad.items()}
    decode = next(r for r in rejects if r.stage == "embed")
    assert decode.kind == "image_undecodable" and decode.source == str(synthetic_dir.path)
    assert report.reasons["image: image_undecodable"] == 1 and report.reasons["id: duplicate_id"] == 1
    assert events["read"] == 121 and events["indexed"] == 120 and events["rejected"] == 7
    assert report.swapped and live_indices(client, "items") == ["items-v1"] == [report.index]
    assert report.searchable == 120 == client.count(index="items")["count"]
    settings = client.indices.get_settings(index="items-v1")["items-v1"]["settings"]["index"]
    assert {k: v for k, v in settings.items() if k not in NODE_SETTINGS} == {
        "knn": "true",
        "number_of_shards": "1",
        "number_of_replicas": "0",
        "refresh_interval": "1s",
    }


def test_documents_carry_unit_text_and_image_vectors_and_the_mapping_records_the_encoders(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, image_encoder: Any
) -> None:
    client = node_client
    _load(client, synthetic_dir, text_encoder, image_encoder)
    docs = _documents(client, "items-v1")
    assert len(docs) == 120
    for doc in docs.values():
        assert len(doc["text_vector"]) == 32 and len(doc["image_vector"]) == 192
        assert np.linalg.norm(doc["text_vector"]) == pytest.approx(1.0, abs=1e-5)
        assert np.linalg.norm(doc["image_vector"]) == pytest.approx(1.0, abs=1e-5)
    mappings = _mappings(client, "items-v1")
    props = mappings["properties"]
    assert props["text_vector"]["dimension"] == 32 and props["image_vector"]["dimension"] == 192
    meta = mappings["_meta"]["mmltr"]
    assert meta["text_encoder"] == "hashing:32" and meta["image_encoder"] == "classical:v1"
    assert meta["text_fields"] == ["title", "description"]


def test_second_run_swaps_to_a_new_version_and_embeds_nothing_again(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, image_encoder: Any, tmp_path: Path
) -> None:
    client = node_client
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = _load(client, synthetic_dir, text_encoder, image_encoder, cache)
        inputs = (text_encoder.inputs, image_encoder.inputs)
        second = _load(client, synthetic_dir, text_encoder, image_encoder, cache)
    assert inputs[0] > 0 and inputs[1] == 120  # the undecodable image never reaches the encoder
    assert (text_encoder.inputs, image_encoder.inputs) == inputs  # nothing re-embedded
    assert second.embed.text_embedded == second.embed.image_embedded == 0
    assert second.embed.text_cached == 121 and second.embed.image_cached == 120
    assert second.index == "items-v2" and second.previous == ["items-v1"] and second.deleted == []
    assert first.indexed == second.indexed == 120
    assert live_indices(client, "items") == ["items-v2"]
    assert _documents(client, "items-v1") == _documents(client, "items-v2")  # cached vectors are the same


def test_keep_limits_old_versions(node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any) -> None:
    client = node_client
    options = LoadOptions(batch_size=64, keep=1)
    for _ in range(3):
        report = _load(client, synthetic_dir, text_encoder, None, options=options)
    assert report.deleted == ["items-v1"]
    assert [(v.name, v.live) for v in list_versions(client, "items")] == [
        ("items-v2", False),
        ("items-v3", True),
    ]


def test_strict_aborts_deletes_the_new_version_and_leaves_the_alias(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any
) -> None:
    client = node_client
    _load(client, synthetic_dir, text_encoder, None)
    with pytest.raises(CatalogError, match="--strict"):
        _load(client, synthetic_dir, text_encoder, None, options=LoadOptions(strict=True))
    assert [v.name for v in list_versions(client, "items")] == ["items-v1"]
    assert live_indices(client, "items") == ["items-v1"]


def test_documents_the_cluster_refuses_are_reported_and_block_the_swap(
    node_client: OpenSearch, faults: Faults, synthetic_dir: Any, text_encoder: Any
) -> None:
    client = node_client
    faults.fail_doc("p000010", "p000011", status=400, error_type="mapper_parsing_exception")
    rejects: list[Reject] = []
    with pytest.raises(BulkFailure, match="2 document"):
        _load(client, synthetic_dir, text_encoder, None, rejects=rejects)
    refused = [r for r in rejects if r.stage == "index"]
    assert sorted(r.id for r in refused) == ["p000010", "p000011"]
    assert all(r.kind == "cluster_refused" and r.row is not None for r in refused)
    assert list_versions(client, "items") == [] and live_indices(client, "items") == []
    assert client.cat.indices(format="json") == []  # the aborted version was deleted


def test_max_failed_lets_a_run_with_some_refused_documents_go_live(
    node_client: OpenSearch, faults: Faults, synthetic_dir: Any, text_encoder: Any
) -> None:
    client = node_client
    faults.fail_doc("p000010", status=400, error_type="mapper_parsing_exception")
    report = _load(client, synthetic_dir, text_encoder, None, options=LoadOptions(max_failed=1))
    assert report.indexed == 120 and [f.id for f in report.failed] == ["p000010"]  # 121 valid without images
    assert report.rows_read == report.indexed + report.rejected and report.swapped
    assert client.count(index="items")["count"] == 120 and "p000010" not in _documents(client, "items")


def test_a_catalogue_with_no_valid_row_does_not_replace_the_live_version(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, tmp_path: Path
) -> None:
    client = node_client
    _load(client, synthetic_dir, text_encoder, None)
    empty = tmp_path / "bad.jsonl"
    empty.write_text('{"title": "no id"}\n', encoding="utf-8")
    with pytest.raises(Exception, match="no document was indexed"):
        load_catalog(client, empty, text_encoder=text_encoder)
    assert live_indices(client, "items") == ["items-v1"] and len(list_versions(client, "items")) == 1


def test_cf_vectors_are_applied_before_the_swap(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, tmp_path: Path
) -> None:
    client = node_client
    vectors = tmp_path / "cf.jsonl"
    vectors.write_text(
        "".join(json.dumps({"id": f"p{i:06d}", "vector": [float(i), 1.0, 0.0]}) + "\n" for i in range(5)),
        encoding="utf-8",
    )
    report = _load(
        client,
        synthetic_dir,
        text_encoder,
        None,
        options=LoadOptions(cf_vectors=vectors, vectors=VectorOptions(engine="lucene")),
    )
    assert report.cf_updated == 5
    assert client.get(index=report.index, id="p000003")["_source"]["cf_vector"] == [3.0, 1.0, 0.0]
    props = _mappings(client, report.index)["properties"]
    assert props["cf_vector"]["dimension"] == 3
    assert props["cf_vector"]["method"]["space_type"] == "innerproduct"


def test_a_reload_carries_cf_vectors_over_from_the_live_version(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, tmp_path: Path
) -> None:
    """CF vectors set by update-vectors are not in the catalogue; a reload must not drop them."""
    from indexer.update_vectors import update_vectors

    client = node_client
    lucene = LoadOptions(vectors=VectorOptions(engine="lucene"))
    _load(client, synthetic_dir, text_encoder, None, options=lucene)
    vectors = tmp_path / "cf.jsonl"
    vectors.write_text(
        "".join(json.dumps({"id": f"p{i:06d}", "vector": [float(i), 1.0]}) + "\n" for i in range(10)),
        encoding="utf-8",
    )
    assert update_vectors(client, "items", vectors).updated == 10
    smaller = tmp_path / "smaller.jsonl"  # the catalogue without p000000..p000002 (and p000000's duplicate)
    lines = synthetic_dir.path.read_text(encoding="utf-8").splitlines()
    gone = tuple(f'{{"id": "p00000{i}"' for i in range(3))
    kept = [line for line in lines if not line.startswith(gone)]
    assert len(lines) - len(kept) == 4
    smaller.write_text("\n".join(kept) + "\n", encoding="utf-8")
    options = replace(OPTIONS, images_dir=synthetic_dir.images_dir)
    rejects: list[Reject] = []
    report = load_catalog(
        client, smaller, text_encoder=text_encoder, options=options, on_reject=rejects.append
    )
    carried = report.carried
    meta = _mappings(client, "items-v2")["_meta"]["mmltr"]  # where the images are, for mmltr inspect
    assert meta["images_dir"] == str(Path(synthetic_dir.images_dir).resolve())
    assert meta["catalog"] == str(smaller.resolve()) and "images_dir" not in _mappings(client, "items-v1")["_meta"]["mmltr"]
    assert (carried.source, carried.fields) == ("items-v1", ("cf_vector",))
    assert (carried.copied, carried.dropped) == (7, 3)
    assert report.index == "items-v2" and report.swapped
    assert not [r for r in rejects if r.stage == "update"]
    docs = _documents(client, "items")
    assert len(docs) == report.indexed == 118 and sum("cf_vector" in doc for doc in docs.values()) == 7
    assert docs["p000009"]["cf_vector"] == [9.0, 1.0]
    props = _mappings(client, "items-v2")["properties"]
    assert props["cf_vector"] == _mappings(client, "items-v1")["properties"]["cf_vector"]
    hits = client.search(
        index="items", body={"query": {"knn": {"cf_vector": {"vector": [1.0, 0.0], "k": 3}}}, "size": 3}
    )["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == ["p000009", "p000008", "p000007"]  # searchable after the swap
    without = load_catalog(
        client, smaller, text_encoder=text_encoder, options=replace(options, carry_vectors=False)
    )
    assert without.carried.fields == () and "cf_vector" not in _mappings(client, without.index)["properties"]


def test_carrying_into_a_field_of_another_dimension_is_refused_with_the_fix(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any, tmp_path: Path
) -> None:
    from indexer.update_vectors import update_vectors

    client = node_client
    _load(client, synthetic_dir, text_encoder, None)
    vectors = tmp_path / "cf.npz"
    np.savez(vectors, ids=np.array(["p000001", "p000002"]), vectors=np.eye(2, 3, dtype=np.float32))
    update_vectors(client, "items", vectors)
    with pytest.raises(ClusterStateError, match="--no-carry-vectors"):
        _load(client, synthetic_dir, text_encoder, None, options=LoadOptions(vectors=VectorOptions(cf_dim=8)))
    assert live_indices(client, "items") == ["items-v1"] and len(list_versions(client, "items")) == 1
    cf3 = LoadOptions(vectors=VectorOptions(cf_dim=3))
    same = _load(client, synthetic_dir, text_encoder, None, options=cf3)
    assert (same.carried.copied, same.carried.dropped) == (2, 0)
    assert client.get(index="items", id="p000002")["_source"]["cf_vector"] == [0.0, 1.0, 0.0]


def test_searches_during_a_reload_never_fail(
    node_client: OpenSearch, synthetic_dir: Any, text_encoder: Any
) -> None:
    """Unlike the engine load test (default keep), keep=0 deletes the old version right after each swap."""
    client = node_client
    _load(client, synthetic_dir, text_encoder, None)
    stop = threading.Event()
    results: list[int] = []
    errors: list[BaseException] = []

    def search() -> None:
        while not stop.is_set():
            try:
                results.append(
                    client.search(index="items", body={"query": {"match_all": {}}, "size": 1})["hits"][
                        "total"
                    ]["value"]
                )
            except BaseException as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(exc)

    searcher = threading.Thread(target=search)
    searcher.start()
    try:
        for _ in range(2):
            _load(client, synthetic_dir, text_encoder, None, options=LoadOptions(keep=0))
    finally:
        stop.set()
        searcher.join()
    assert errors == [] and len(results) > 0 and set(results) == {121}  # 121 valid rows without images
    assert [(v.name, v.live) for v in list_versions(client, "items")] == [("items-v3", True)]


def test_rejects_file_collects_validation_embedding_and_cluster_rejects(
    node_client: OpenSearch,
    faults: Faults,
    synthetic_dir: Any,
    text_encoder: Any,
    image_encoder: Any,
    tmp_path: Path,
) -> None:
    faults.fail_doc("p000020", status=400, error_type="mapper_parsing_exception")
    with RejectsFile(tmp_path / "rejects.jsonl") as rejects:
        load_catalog(
            node_client,
            synthetic_dir.path,
            text_encoder=text_encoder,
            image_encoder=image_encoder,
            options=LoadOptions(max_failed=1),
            on_reject=rejects,
        )
    lines = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert sorted(x["stage"] for x in lines) == ["embed", "index"] + ["validate"] * 6
    assert all(x["source"] == str(synthetic_dir.path) for x in lines)
    assert next(x for x in lines if x["stage"] == "index")["id"] == "p000020"
