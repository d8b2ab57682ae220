"""``update_vectors`` on the embedded node: CF vectors are set on existing documents (nothing else changes),
the mapping gains the field, and unknown ids and bad rows are reported rather than dropped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from opensearchpy import OpenSearch

from indexer.bulk import BulkOptions, bulk_write, index_action
from indexer.errors import ClusterStateError
from indexer.items import Reject
from indexer.mappings import MappingOptions, VectorSpec, build_index_body
from indexer.update_vectors import read_vectors, update_vectors
from indexer.versions import create_version, swap_alias


@pytest.fixture
def live(node_client: OpenSearch) -> OpenSearch:
    """items -> items-v1 with four documents p0..p3 (a 4-d text vector mapped, none set)."""
    index = create_version(node_client, "items", build_index_body(MappingOptions(text=VectorSpec(4))))
    report = bulk_write(
        node_client,
        [index_action(index, f"p{i}", json.dumps({"title": f"t{i}"})) for i in range(4)],
        BulkOptions(initial_backoff=0.0),
    )
    assert report.ok == 4
    swap_alias(node_client, "items", index)
    return node_client


def _source(client: OpenSearch, doc_id: str) -> dict[str, Any]:
    return dict(client.get(index="items-v1", id=doc_id)["_source"])


def _properties(client: OpenSearch) -> dict[str, Any]:
    return dict(client.indices.get_mapping(index="items-v1")["items-v1"]["mappings"]["properties"])


def test_cf_vectors_from_parquet_are_set_and_the_mapping_is_added(live: OpenSearch, tmp_path: Path) -> None:
    path = tmp_path / "cf.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"item_id": f"p{i}", "vector": [float(i), 0.5]} for i in range(3)]), path
    )
    report = update_vectors(live, "items", path)
    assert (report.index, report.dim, report.updated, report.mapping_added) == ("items-v1", 2, 3, True)
    assert _source(live, "p2") == {"title": "t2", "cf_vector": [2.0, 0.5]}  # only the vector field changed
    assert _source(live, "p3") == {"title": "t3"}
    props = _properties(live)
    assert props["cf_vector"]["type"] == "knn_vector" and props["cf_vector"]["dimension"] == 2
    assert props["cf_vector"]["method"]["space_type"] == "innerproduct"
    assert props["text_vector"]["dimension"] == 4


def test_unknown_ids_and_bad_rows_are_reported_not_dropped(live: OpenSearch, tmp_path: Path) -> None:
    path = tmp_path / "cf.jsonl"
    rows = [
        {"id": "p0", "vector": [1, 0]},
        {"id": "ghost", "vector": [0, 1]},
        {"id": "p1", "vector": [1, "x"]},
        {"vector": [1, 1]},
        {"id": "p2", "vector": [1, 2, 3]},
        {"id": "p3", "vector": [float("nan"), 1]},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rejects: list[Reject] = []
    report = update_vectors(live, "items", path, on_reject=rejects.append)
    assert report.rows_read == 6 and report.updated == 1
    assert [(f.id, f.status, f.row) for f in report.failed] == [("ghost", 404, 2)]
    assert sorted((r.row, r.kind) for r in rejects) == [
        (3, "bad_vector"),
        (4, "missing_id"),
        (5, "bad_vector"),
        (6, "invalid_json"),
    ]  # NaN is not JSON
    assert report.rejected == 4
    assert [("cf_vector" in _source(live, f"p{i}")) for i in range(4)] == [True, False, False, False]
    live.indices.refresh(index="items")
    assert live.count(index="items")["count"] == 4  # the unknown id was not created


def test_npz_vectors_and_normalisation(live: OpenSearch, tmp_path: Path) -> None:
    path = tmp_path / "cf.npz"
    np.savez(path, ids=np.array(["p0", "p1"]), vectors=np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32))
    assert [row for row, _, _ in read_vectors(path)] == [1, 2]
    update_vectors(live, "items", path, normalize=True, field_name="taste_vector")
    assert _source(live, "p0")["taste_vector"] == pytest.approx([0.6, 0.8])
    assert _source(live, "p1")["taste_vector"] == pytest.approx([0.0, 1.0])
    assert _properties(live)["taste_vector"]["dimension"] == 2


def test_a_vector_field_with_another_dimension_is_an_error_with_the_fix(
    live: OpenSearch, tmp_path: Path
) -> None:
    path = tmp_path / "cf.jsonl"
    path.write_text(json.dumps({"id": "p0", "vector": [1.0, 2.0, 3.0]}) + "\n", encoding="utf-8")
    with pytest.raises(ClusterStateError, match="dimension 4.*have 3.*--cf-dim 3"):
        update_vectors(live, "items", path, field_name="text_vector")
    assert "text_vector" not in _source(live, "p0")


def test_unknown_target_says_to_load_first(node_client: OpenSearch, tmp_path: Path) -> None:
    path = tmp_path / "cf.jsonl"
    path.write_text(json.dumps({"id": "p0", "vector": [1.0]}) + "\n", encoding="utf-8")
    with pytest.raises(ClusterStateError, match="mmltr index load"):
        update_vectors(node_client, "items", path, spec=VectorSpec(1))
