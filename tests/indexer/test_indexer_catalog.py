from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from indexer.catalog import CatalogStats, Limits, read_catalog
from indexer.errors import CatalogError
from indexer.items import Reject
from plugin_integration.cli_support import RejectsFile
from indexer.synthetic import generate_catalog


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _read(path: Path, **kwargs: Any) -> tuple[list[Any], list[Reject], CatalogStats]:
    rejects: list[Reject] = []
    stats = CatalogStats()
    items = list(read_catalog(path, on_reject=rejects.append, stats=stats, **kwargs))
    return items, rejects, stats


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_bad_row_is_rejected_with_its_row_number_and_field_in_every_format(
    tmp_path: Path, fmt: str
) -> None:
    made = generate_catalog(tmp_path, 40, seed=3, fmt=fmt, bad_rows=True, image_size=32)
    items, rejects, stats = _read(made.path)
    expected = {
        row: fld for row, fld in made.bad.items() if fld != "image:decode"
    }  # decoded only when embedding
    assert {r.row: r.field for r in rejects} == expected
    assert stats.rows_read == 40 + len(made.bad)
    assert stats.valid == len(items) == 41  # 40 products + the undecodable image, which is valid as a path
    assert stats.rejected == len(rejects) == 6
    kinds = sorted(r.kind for r in rejects)
    assert kinds == [
        "bad_number",
        "duplicate_id",
        "image_not_found",
        "missing_id",
        "missing_title",
        "too_long",
    ]
    duplicate = next(r for r in rejects if r.kind == "duplicate_id")
    assert duplicate.id == "p000000" and "first seen at row 1" in duplicate.reason


def test_fields_are_parsed_to_the_contract(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"png")
    path = _write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "id": 12,
                "title": "  Red shoe ",
                "price": "$1,299.50",
                "rating": "4.5",
                "popularity": 3,
                "category": ["Apparel", " Shoes "],
                "image": "a.png",
                "created_at": "2024-05-01",
                "attributes": {"size": 42},
                "material": "leather",
                "empty_col": None,
            },
            {
                "id": "b",
                "title": "Mug",
                "image_url": "https://cdn.example.com/mug.jpg",
                "category": "Home>Mugs",
                "created_at": "2024-05-01T10:00:00Z",
                "price": 3,
            },
        ],
    )
    items, rejects, _ = _read(path, images_dir=tmp_path / "img")
    assert rejects == []
    shoe, mug = items
    assert (shoe.id, shoe.title, shoe.price, shoe.rating, shoe.popularity) == (
        "12",
        "Red shoe",
        1299.5,
        4.5,
        3.0,
    )
    assert shoe.category == "Apparel > Shoes" and shoe.created_at == "2024-05-01"
    assert shoe.image == "a.png" and shoe.image_path == tmp_path / "img" / "a.png"
    assert shoe.attributes == {"size": 42, "material": "leather"}  # unknown columns kept, null ones dropped
    assert mug.image == "https://cdn.example.com/mug.jpg" and mug.image_path is None and mug.image_is_url
    assert mug.category == "Home > Mugs" and mug.created_at == "2024-05-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("twelve", "bad_number"),
        ("1.2.3", "bad_number"),
        ("-5", "bad_number"),
        ("inf", "bad_number"),
        ("NaN", "bad_number"),
        (True, "bad_number"),
    ],
)
def test_unparsable_prices_are_rejected(tmp_path: Path, value: Any, kind: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "a", "title": "t", "price": value}) + "\n", encoding="utf-8")
    _, rejects, _ = _read(path)
    assert [(r.row, r.field, r.kind) for r in rejects] == [(1, "price", kind)]


def test_other_bad_values_name_their_field(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "a", "title": "t", "created_at": "yesterday"},
            {"id": "b", "title": "t", "attributes": [1, 2]},
            {"id": "c", "title": {"en": "t"}},
            {"id": "d", "title": "t", "description": "x" * 51},
            {"id": 1.5, "title": "t"},
        ],
    )
    _, rejects, _ = _read(path, limits=Limits(max_title_chars=10, max_text_chars=50))
    assert [(r.row, r.field, r.kind) for r in rejects] == [
        (1, "created_at", "bad_date"),
        (2, "attributes", "bad_attributes"),
        (3, "title", "not_text"),
        (4, "description", "too_long"),
        (5, "id", "bad_id"),
    ]


def test_strict_mode_stops_at_the_first_bad_row_and_names_it(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "title": "ok"}, {"id": "b"}, {"title": "no id"}])
    with pytest.raises(CatalogError, match=r"row 2 \(id 'b'\).*missing title.*--strict"):
        list(read_catalog(path, strict=True))


def test_rejects_file_has_one_json_line_per_reject(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "c.jsonl", [{"id": "a", "title": "ok"}, {"id": "a", "title": "dup"}, {"id": "b"}]
    )
    with RejectsFile(tmp_path / "out" / "rejects.jsonl") as rejects:
        items = list(read_catalog(path, on_reject=rejects))
    lines = [json.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    assert [i.id for i in items] == ["a"] and rejects.count == 2
    assert [(x["row"], x["id"], x["field"], x["kind"], x["stage"]) for x in lines] == [
        (2, "a", "id", "duplicate_id", "validate"),
        (3, "b", "title", "missing_title", "validate"),
    ]
    assert lines[0]["source"] == str(path)


def test_no_rejects_means_no_rejects_file(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "title": "ok"}])
    with RejectsFile(tmp_path / "rejects.jsonl") as rejects:
        list(read_catalog(path, on_reject=rejects))
    assert not (tmp_path / "rejects.jsonl").exists() and rejects.count == 0


def test_images_dir_must_exist(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "title": "ok"}])
    with pytest.raises(CatalogError, match="--images-dir"):
        list(read_catalog(path, images_dir=tmp_path / "nowhere"))


def test_seen_ids_remember_the_first_row_across_flushes() -> None:
    from indexer.idset import SeenIds

    seen = SeenIds(flush_every=100)
    assert [seen.first_row(f"id{i}", i + 1) for i in range(1000)] == list(range(1, 1001))
    assert [seen.first_row(f"id{i}", 5000) for i in (0, 99, 100, 999)] == [1, 100, 101, 1000]
    assert len(seen) == 1000
