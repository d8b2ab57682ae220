"""The pure parts of ``mmltr inspect`` (no cluster): image URLs and files, the report lookup, the images folder
from an index's ``_meta``, rank changes and explanation totals."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from plugin_integration.inspect_compare import RankedItem
from plugin_integration.inspect_explain import Contribution, Explanation
from plugin_integration.inspect_sources import default_images_dir, image_file, image_url, latest_report


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "a b.png").write_bytes(b"\x89PNG")
    (folder / "img" / "notes.txt").write_text("not an image")
    (folder / "catalog.jsonl").write_text("{}\n")
    return folder


def test_image_urls(images: Path, tmp_path: Path) -> None:
    assert image_url("https://cdn.example/x.jpg", images) == "https://cdn.example/x.jpg"
    assert image_url("img/a b.png", images) == "/image/img/a%20b.png"
    assert image_url(str(images / "img" / "a b.png"), images) == "/image/img/a%20b.png"  # absolute, inside
    assert image_url(f"file://{images / 'img' / 'a b.png'}", images) == "/image/img/a%20b.png"
    assert image_url(str(tmp_path / "elsewhere.png"), images) is None  # absolute, outside the folder
    assert image_url("../outside.png", images) is None
    assert image_url("img/a b.png", None) is None and image_url("", images) is None and image_url(3, images) is None


def test_image_files_only_images_inside_the_folder(images: Path, tmp_path: Path) -> None:
    assert image_file(images, "img/a b.png") == (images / "img" / "a b.png").resolve()
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    os.symlink(outside, images / "img" / "link.png")
    for name in ("img/notes.txt", "catalog.jsonl", "../outside.png", "img/../../outside.png", str(outside),
                 "img/link.png", "img/missing.png", "img/a b.png\x00.txt", ""):
        assert image_file(images, name) is None, name
    assert image_file(None, "img/a b.png") is None


def test_latest_report_is_the_newest_outside_the_node_files(tmp_path: Path) -> None:
    assert latest_report(tmp_path) is None
    old, new, inside = (tmp_path / "a" / "report.html", tmp_path / "demo" / "tiny" / "report" / "report.html",
                        tmp_path / "indices" / "x" / "report.html")
    for path in (old, new, inside):
        path.parent.mkdir(parents=True)
        path.write_text("<html></html>")
    now = time.time()
    os.utime(old, (now - 100, now - 100))
    os.utime(new, (now - 10, now - 10))
    os.utime(inside, (now, now))  # the node's own folders are never searched
    assert latest_report(tmp_path) == new.resolve()
    assert latest_report(tmp_path, old.parent) == old.resolve()
    assert latest_report(tmp_path, old) == old.resolve()
    with pytest.raises(ValueError, match="no report.html there"):
        latest_report(tmp_path, tmp_path / "nowhere")


def test_images_folder_from_the_index_meta(tmp_path: Path) -> None:
    assert default_images_dir({"catalog": str(tmp_path / "cat" / "catalog.jsonl")}) == (tmp_path / "cat").resolve()
    assert default_images_dir({"images_dir": str(tmp_path / "imgs"), "catalog": "x/catalog.jsonl"}) == \
        (tmp_path / "imgs").resolve()
    assert default_images_dir({}) is None


def test_rank_change_and_explanation_total() -> None:
    assert RankedItem("d", 2, 1.0, {}, other_rank=7).moved == 5
    assert RankedItem("d", 7, 1.0, {}, other_rank=2).moved == -5
    assert RankedItem("d", 3, 1.0, {}).moved is None
    ex = Explanation("m", "d", (Contribution("a", 1.0, 0.5), Contribution("b", None, -0.25)), bias=2.0)
    assert ex.total == 2.25
    assert ex.to_dict()["features"][1] == {"name": "b", "value": None, "contribution": -0.25}
