from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from indexer.bulk import BulkOptions, bulk_write, index_action
from indexer.errors import ClusterStateError
from indexer.items import Reject
from indexer.mappings import VectorSpec, build_index_body, MappingOptions
from indexer.update_vectors import read_vectors, update_vectors
from indexer.versions import create_version, swap_alias
from indexer_fakecluster import FakeCluster


@pytest.fixture
def live(client: Any) -> Any:
    index = create_version(client, "items", build_index_body(MappingOptions(text=VectorSpec(4))))
    bulk_write(
        client,
        [index_action(index, f"p{i}", json.dumps({"title": f"t{i}"})) for i in range(4)],
        BulkOptions(initial_backoff=0.0),
    )
    swap_alias(client, "items", index)
    return client


def test_cf_vectors_from_parquet_are_set_and_the_mapping_is_added(
    live: Any, cluster: FakeCluster, tmp_path: Path
) -> None:
    path = tmp_path / "cf.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"item_id": f"p{i}", "vector": [float(i), 0.5]} for i in range(3)]), path
    )
    report = update_vectors(live, "items", path)
    assert (report.index, report.dim, report.updated, report.mapping_added) == ("items-v1", 2, 3, True)
    index = cluster.indices["items-v1"]
    assert index.docs["p2"] == {"title": "t2", "cf_vector": [2.0, 0.5]}  # only the vector field changed
    assert "cf_vector" not in index.docs["p3"]
    assert index.mappings["properties"]["cf_vector"]["method"]["space_type"] == "innerproduct"
    assert index.mappings["properties"]["text_vector"]["dimension"] == 4


def test_unknown_ids_and_bad_rows_are_reported_not_dropped(live: Any, tmp_path: Path) -> None:
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


def test_npz_vectors_and_normalisation(live: Any, cluster: FakeCluster, tmp_path: Path) -> None:
    path = tmp_path / "cf.npz"
    np.savez(path, ids=np.array(["p0", "p1"]), vectors=np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32))
    assert [row for row, _, _ in read_vectors(path)] == [1, 2]
    update_vectors(live, "items", path, normalize=True, field_name="taste_vector")
    assert cluster.indices["items-v1"].docs["p0"]["taste_vector"] == pytest.approx([0.6, 0.8])


def test_a_vector_field_with_another_dimension_is_an_error_with_the_fix(live: Any, tmp_path: Path) -> None:
    path = tmp_path / "cf.jsonl"
    path.write_text(json.dumps({"id": "p0", "vector": [1.0, 2.0, 3.0]}) + "\n", encoding="utf-8")
    with pytest.raises(ClusterStateError, match="dimension 4.*have 3.*--cf-dim 3"):
        update_vectors(live, "items", path, field_name="text_vector")


def test_unknown_target_says_to_load_first(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "cf.jsonl"
    path.write_text(json.dumps({"id": "p0", "vector": [1.0]}) + "\n", encoding="utf-8")
    with pytest.raises(ClusterStateError, match="mmltr index load"):
        update_vectors(client, "items", path, spec=VectorSpec(1))
