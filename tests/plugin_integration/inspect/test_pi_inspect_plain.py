"""``mmltr inspect`` on a plain catalogue: ``items`` loaded without vectors, no profiles, no model, no report.

The page still opens (the default alias ``items``): bm25 is the only ranker, hybrid is explained as missing, the
user picker holds only *anonymous*, a URL image is shown as it is, and asking for hybrid is a 400 that says why.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.pipeline import LoadOptions, load_catalog
from plugin_integration.cli import CliContext
from plugin_integration.cli_inspect import build_page
from plugin_integration.client import make_client

ROWS = [{"id": "p1", "title": "red running shoe", "price": 50.0, "brand": "Acme", "image": "img/p1.png"},
        {"id": "p2", "title": "blue running shoe", "price": 60.0, "image": "https://cdn.example/p2.jpg"},
        {"id": "p3", "title": "green garden hose", "price": 20.0}]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("flask", reason="the inspect extra is not installed (pip install -e .[inspect])")
    catalogue = tmp_path / "catalogue"
    (catalogue / "img").mkdir(parents=True)
    (catalogue / "img" / "p1.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (catalogue / "catalog.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    client = make_client(None, tmp_path / "node")
    load_catalog(client, catalogue / "catalog.jsonl", text_encoder=None, options=LoadOptions(alias="items"))
    app, _, _ = build_page(CliContext(cluster=None, data_dir=tmp_path / "node", _client=client))
    yield app.test_client()
    client.close()


def test_a_plain_catalogue_offers_bm25_and_says_why_not_hybrid(page: Any) -> None:
    options = page.get("/api/options").get_json()
    assert options["alias"] == "items"
    assert [r["name"] for r in options["rankers"]] == ["bm25"]
    assert options["users"] == [] and options["report"] is False
    assert any("hybrid needs a text vector" in note for note in options["notes"])
    body = page.get("/api/compare", query_string={"q": "running shoe", "left": "bm25", "right": "bm25"}).get_json()
    items = body["left"]["items"]
    assert [i["id"] for i in items] == [i["id"] for i in body["right"]["items"]] and len(items) == 2
    assert all(i["moved"] == 0 for i in items)
    urls = {i["id"]: i["image_url"] for i in items}
    assert urls == {"p1": "/image/img/p1.png", "p2": "https://cdn.example/p2.jpg"}
    assert page.get(urls["p1"]).status_code == 200
    hybrid = page.get("/api/compare", query_string={"q": "running shoe", "left": "hybrid", "right": "bm25"})
    assert hybrid.status_code == 400 and "needs a text vector" in hybrid.get_json()["error"]
    assert page.get("/report").status_code == 404
