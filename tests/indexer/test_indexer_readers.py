from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from indexer.errors import CatalogError
from indexer.readers import detect_format, iter_records


def test_jsonl_rows_are_numbered_by_line_and_bad_lines_are_yielded_with_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "a", "title": "A"}\n\n{not json}\n[1, 2]\n{"id": "b", "title": "B"}\n', encoding="utf-8"
    )
    records = list(iter_records(path))
    assert [r.row for r in records] == [1, 3, 4, 5]
    assert records[0].data == {"id": "a", "title": "A"}
    assert records[1].data is None and "invalid JSON" in (records[1].error or "")
    assert records[2].data is None and "JSON list" in (records[2].error or "")
    assert records[3].data == {"id": "b", "title": "B"}


def test_gzip_jsonl_reads_like_plain(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i in range(5):
            handle.write(json.dumps({"id": str(i), "title": f"t{i}"}) + "\n")
    assert [r.data["id"] for r in iter_records(path) if r.data] == ["0", "1", "2", "3", "4"]


def test_csv_rows_are_text_and_empty_cells_are_none(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,title,price,extra\n007,Bond,12.50,\n8,\"Comma, inc\",NA,x\n", encoding="utf-8")
    records = list(iter_records(path))
    assert [r.row for r in records] == [1, 2]
    assert records[0].data == {"id": "007", "title": "Bond", "price": "12.50", "extra": None}
    assert records[1].data == {"id": "8", "title": "Comma, inc", "price": "NA", "extra": "x"}


def test_parquet_streams_rows_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"id": i, "title": f"t{i}", "price": 1.5 * i} for i in range(5000)]),
        path,
        row_group_size=1000,
    )
    records = list(iter_records(path))
    assert len(records) == 5000
    assert records[4999].row == 5000 and records[4999].data == {"id": 4999, "title": "t4999", "price": 7498.5}


def test_format_is_detected_from_the_suffix_and_unknown_suffixes_say_how_to_fix() -> None:
    assert detect_format(Path("a.jsonl.gz")) == "jsonl"
    assert detect_format(Path("a.ndjson")) == "jsonl"
    assert detect_format(Path("a.tsv")) == "csv"
    assert detect_format(Path("a.pq")) == "parquet"
    with pytest.raises(CatalogError, match="--format"):
        detect_format(Path("catalog.xml"))


def test_a_missing_file_is_a_catalog_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="nope.jsonl"):
        list(iter_records(tmp_path / "nope.jsonl"))
