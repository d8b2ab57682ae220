"""Property tests over the catalogue readers (issue 14): any JSONL or CSV file, however corrupt, is read without
an exception; every row is either a valid item or a reject with its row number, exactly once; every valid item
becomes a document that serializes to JSON (what ``_bulk`` will send).

Fixed budget (``max_examples``), derandomized in CI (the ``ci`` profile in ``tests/conftest.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from indexer.catalog import CatalogStats, read_catalog
from indexer.documents import build_document, document_json
from indexer.items import Reject

FIELDS = ("id", "title", "description", "brand", "category", "price", "rating", "popularity", "image",
          "attributes", "created_at", "extra")

hostile = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(), st.text(max_size=12), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    st.sampled_from(["../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "a.png", "http://x/y.jpg",
                     "2024-13-45", "NaN", "-1", "1e999", "\u0000", ""]),
)


@st.composite
def products(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {"id": draw(st.sampled_from(["p1", "p2", "p3", 4])), "title": "a product"}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        row[name] = draw(hostile)
    return row


def _dumps(row: dict[str, Any]) -> bytes:
    """The stdlib writes what orjson refuses (integers past 64 bits, NaN, lone surrogates)."""
    return json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogatepass")


jsonl_lines = st.lists(
    st.one_of(products().map(_dumps), products().map(_dumps),
              st.binary(max_size=24).filter(lambda b: b"\n" not in b and b.strip())),
    min_size=1, max_size=20,
)

cell = st.one_of(st.text(max_size=10).map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=10))


def _read(path: Path, images: Path) -> tuple[list[int], list[Reject], CatalogStats]:
    rejects: list[Reject] = []
    stats = CatalogStats()
    rows = []
    for item in read_catalog(path, images_dir=images, on_reject=rejects.append, stats=stats):
        rows.append(item.row)
        document_json(build_document(item))  # every valid item serializes (no surrogates, no NaN)
    return rows, rejects, stats


def _accounted_once(rows: list[int], rejects: list[Reject], stats: CatalogStats, expected: list[int]) -> None:
    assert sorted(rows + [r.row for r in rejects]) == expected
    assert (stats.rows_read, stats.valid, stats.rejected) == (len(expected), len(rows), len(rejects))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=jsonl_lines)
def test_any_jsonl_file_is_read_row_by_row_and_every_row_accounted_once(tmp_path: Path, lines: list[bytes]) -> None:
    images = tmp_path / "images"
    images.mkdir(exist_ok=True)
    (images / "a.png").write_bytes(b"not really a png")
    path = tmp_path / "cat.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    rows, rejects, stats = _read(path, images)
    _accounted_once(rows, rejects, stats, list(range(1, len(lines) + 1)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=15))
def test_any_quoted_csv_is_read_row_by_row_and_every_row_accounted_once(
    tmp_path: Path, cells: list[tuple[bytes, bytes, bytes]]
) -> None:
    def quoted(value: bytes) -> bytes:
        return b'"' + value.replace(b'"', b'""') + b'"'

    path = tmp_path / "cat.csv"
    body = [b"id,title,brand"] + [b",".join(quoted(c) for c in (b"p%d" % i, t, b)) for i, (_, t, b) in
                                  enumerate(cells)]
    path.write_bytes(b"\n".join(body) + b"\n")
    rows, rejects, stats = _read(path, tmp_path)
    _accounted_once(rows, rejects, stats, list(range(1, len(cells) + 1)))
