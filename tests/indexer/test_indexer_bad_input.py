"""Hostile or corrupt catalogue input costs the rows it is in, never the load (issue 14).

One byte that is not UTF-8 rejects its own row with the row number (JSONL, CSV, gzip), the rest is read; an
image path that leaves ``--images-dir`` (``..``, an absolute path, ``file://``, a symlink) is refused per row.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.catalog import CatalogStats, read_catalog
from indexer.errors import CatalogError
from indexer.items import Reject
from indexer.readers import iter_records
from plugin_integration.cli import main
from plugin_integration.client import make_client

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d2b1a90000000049454e44ae426082"
)


def _read(path: Path, **kwargs: object) -> tuple[list[str], list[Reject], CatalogStats]:
    rejects: list[Reject] = []
    stats = CatalogStats()
    items = [i.id for i in read_catalog(path, on_reject=rejects.append, stats=stats, **kwargs)]  # type: ignore[arg-type]
    return items, rejects, stats


def _jsonl_with_bad_byte() -> bytes:
    rows = [json.dumps({"id": f"p{i}", "title": f"product {i}"}).encode() for i in range(1, 6)]
    rows[2] = b'{"id": "p3", "title": "caf\xe9 latte"}'  # Latin-1 e-acute: not UTF-8
    return b"\n".join(rows) + b"\n"


@pytest.mark.parametrize("gzipped", [False, True])
def test_an_invalid_utf8_byte_in_jsonl_rejects_only_its_row(tmp_path: Path, gzipped: bool) -> None:
    data = _jsonl_with_bad_byte()
    path = tmp_path / ("cat.jsonl.gz" if gzipped else "cat.jsonl")
    path.write_bytes(gzip.compress(data) if gzipped else data)
    items, rejects, stats = _read(path)
    assert items == ["p1", "p2", "p4", "p5"]
    assert [(r.row, r.kind) for r in rejects] == [(3, "invalid_utf8")]
    assert "0xe9" in rejects[0].reason and "UTF-8" in rejects[0].reason
    assert (stats.rows_read, stats.valid, stats.rejected) == (5, 4, 1)


def test_an_invalid_utf8_byte_in_csv_rejects_only_its_row_and_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_bytes(b'id,title,brand\np1,one,acme\np2,two,ac\xffme\np3,"three\nlines \xc3",x\np4,four,\n')
    items, rejects, stats = _read(path)
    assert items == ["p1", "p4"]
    assert [(r.row, r.kind) for r in rejects] == [(2, "invalid_utf8"), (3, "invalid_utf8")]
    assert "'brand'" in rejects[0].reason and "0xff" in rejects[0].reason
    assert "'title'" in rejects[1].reason and "0xc3" in rejects[1].reason
    assert stats.rows_read == 4


def test_a_bad_byte_in_the_csv_header_is_a_clear_file_error(tmp_path: Path) -> None:
    path = tmp_path / "cat.csv"
    path.write_bytes(b"id,ti\xfftle\np1,one\n")
    with pytest.raises(CatalogError, match="header row.*0xff"):
        list(iter_records(path))


def test_a_valid_multibyte_row_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "cat.jsonl"
    path.write_text(json.dumps({"id": "p1", "title": "caf\u00e9 \u2603 \U0001f600"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    (record,) = list(iter_records(path))
    assert record.data == {"id": "p1", "title": "caf\u00e9 \u2603 \U0001f600"}


@pytest.mark.parametrize(
    "image",
    ["../../../etc/passwd", "../outside.png", "sub/../../outside.png", "ABS", "FILE_URL", "link.png"],
)
def test_image_paths_leaving_the_images_dir_are_refused_per_row(tmp_path: Path, image: str) -> None:
    images = tmp_path / "images"
    (images / "sub").mkdir(parents=True)
    (images / "ok.png").write_bytes(PNG)
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    os.symlink(outside, images / "link.png")
    image = {"ABS": str(outside), "FILE_URL": f"file://{outside}"}.get(image, image)
    path = tmp_path / "cat.jsonl"
    rows = [{"id": "a", "title": "A", "image": "ok.png"}, {"id": "b", "title": "B", "image": image},
            {"id": "c", "title": "C", "image": str(images / "sub" / ".." / "ok.png")}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    items, rejects, _ = _read(path, images_dir=images)
    assert items == ["a", "c"]  # an absolute path inside the folder is fine
    assert [(r.row, r.field, r.kind) for r in rejects] == [(2, "image", "image_outside_dir")]
    assert "--images-dir" in rejects[0].reason


def test_dry_run_reports_the_bad_byte_row_and_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "cat.jsonl"
    path.write_bytes(_jsonl_with_bad_byte())
    rejects = tmp_path / "rejects.jsonl"
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "node"), "index", "load", str(path), "--dry-run",
               "--rejects", str(rejects)])
    assert result.exit_code == 3, result.output
    assert "5 rows, 4 valid, 1 rejected" in result.output
    (line,) = rejects.read_text(encoding="utf-8").splitlines()
    reject = json.loads(line)
    assert (reject["row"], reject["kind"], reject["source"]) == (3, "invalid_utf8", str(path))
    assert "0xe9" in reject["reason"]
    assert not (tmp_path / "node" / "node.sqlite").exists()  # a dry run never opens the node


def test_a_real_load_indexes_every_other_row_of_a_file_with_a_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "cat.jsonl"
    path.write_bytes(_jsonl_with_bad_byte())
    rejects = tmp_path / "rejects.jsonl"
    data = ["--data-dir", str(tmp_path / "node")]
    result = CliRunner().invoke(main, [*data, "index", "load", str(path), "--text-encoder", "hashing:8",
                                       "--rejects", str(rejects), "--no-progress"])
    assert result.exit_code == 3, result.output  # rows were rejected, the rest is live
    assert [json.loads(x)["row"] for x in rejects.read_text(encoding="utf-8").splitlines()] == [3]
    client = make_client(None, tmp_path / "node")
    try:
        client.indices.refresh(index="items")
        hits = client.search(index="items", body={"size": 10, "_source": False})["hits"]["hits"]
        assert sorted(h["_id"] for h in hits) == ["p1", "p2", "p4", "p5"]
    finally:
        client.close()
