"""``mmltr inspect``'s JSON API and files on the tiny world (Flask's test client; the browser test drives the
page itself): the rankers and users offered, two rankers side by side with consistent rank changes, the personal
side following the user, explanations that add up to the served score, and bad input answered with 400 and a
message (never a 5xx), images only from the images folder, loopback host names only."""
from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pi_inspect_world import REPORT_MARKER, InspectWorld, personal_pair

from plugin_integration import served_models
from plugin_integration.cli import main
from plugin_integration.cli_inspect import bind, build_page

pytestmark = pytest.mark.slow  # the session's world takes ~25 s to build


@pytest.fixture(scope="module")
def page(inspect_world: InspectWorld) -> Iterator[Any]:
    app, _, _ = build_page(inspect_world.context())
    yield app.test_client()


def compare(page: Any, q: str, left: str, right: str, user: str = "", k: int = 10) -> dict[str, Any]:
    response = page.get("/api/compare", query_string={"q": q, "user": user, "left": left, "right": right, "k": k})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_options_offer_baselines_every_model_and_the_stored_users(page: Any, inspect_world: InspectWorld) -> None:
    options = page.get("/api/options").get_json()
    assert options["alias"] == "demo-items"
    rankers = {r["name"]: r for r in options["rankers"]}
    models = sorted([inspect_world.personal, inspect_world.based, inspect_world.plain])  # by name: by age
    assert list(rankers) == ["bm25", "hybrid", *models]
    assert all(rankers[m]["personal"] and rankers[m]["model"] for m in (inspect_world.personal, inspect_world.based))
    assert not rankers[inspect_world.plain]["personal"] and rankers[inspect_world.plain]["model"]
    assert not rankers["bm25"]["model"] and not rankers["hybrid"]["personal"]
    assert options["defaults"] == {"left": "bm25", "right": inspect_world.based}  # the newest personal model
    users = options["users"]
    assert len(users) == 40 and users[0]["id"] == "u00000"
    assert all(u["label"].startswith(u["id"] + " (likes ") for u in users)
    assert options["report"] is True


def test_both_sides_with_consistent_rank_changes(page: Any, inspect_world: InspectWorld) -> None:
    body = compare(page, "shirt", "bm25", inspect_world.personal, user="u00001")
    left, right = body["left"]["items"], body["right"]["items"]
    assert len(left) == len(right) == 10
    assert [i["rank"] for i in left] == list(range(1, 11))
    assert body["left"]["personal"] is False and body["right"]["personal"] is True
    for side, other in ((left, right), (right, left)):
        scores = [i["score"] for i in side]
        assert scores == sorted(scores, reverse=True)
        position = {item["id"]: item["rank"] for item in other}
        for item in side:
            assert item["other_rank"] == position.get(item["id"])
            assert item["moved"] == (None if item["other_rank"] is None else item["other_rank"] - item["rank"])
            assert item["source"]["title"] and item["source"]["price"] > 0
            assert item["image_url"] == f"/image/images/{item['id']}.png"
    assert body["overlap"] == sum(1 for i in left if i["other_rank"] is not None)
    assert 0 < body["overlap"] < 10  # the model re-orders and brings other items, from the same pool


def test_k_results_on_every_kind_of_side(page: Any, inspect_world: InspectWorld) -> None:
    for left, right in (("bm25", "hybrid"), ("hybrid", inspect_world.plain)):
        body = compare(page, "shirt", left, right, k=20)
        assert len(body["left"]["items"]) == len(body["right"]["items"]) == 20, (left, right)
    assert len(compare(page, "shirt", "bm25", inspect_world.personal, k=3)["left"]["items"]) == 3


def test_hybrid_scores_are_fused_into_zero_one(page: Any) -> None:
    body = compare(page, "wool sweater", "hybrid", "bm25")
    scores = [i["score"] for i in body["left"]["items"]]
    assert scores[0] <= 1.0 + 1e-9 and all(0 < s for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_the_personal_side_follows_the_user_and_bm25_does_not(page: Any, inspect_world: InspectWorld) -> None:
    query, a, b = personal_pair(page, inspect_world.world, inspect_world.personal)
    first, second = (compare(page, query, "bm25", inspect_world.personal, user=u) for u in (a, b))
    ids = [[i["id"] for i in side["right"]["items"]] for side in (first, second)]
    assert ids[0] != ids[1]
    bm25 = [[(i["id"], i["score"]) for i in side["left"]["items"]] for side in (first, second)]
    assert bm25[0] == bm25[1]  # only the rank changes against the other side differ


def test_unknown_user_is_served_the_neutral_profile_like_anonymous(page: Any, inspect_world: InspectWorld) -> None:
    anonymous = compare(page, "shirt", "bm25", inspect_world.personal)
    unknown = compare(page, "shirt", "bm25", inspect_world.personal, user="nobody-42")
    known = compare(page, "shirt", "bm25", inspect_world.personal, user="u00000")
    assert unknown["right"]["items"] == anonymous["right"]["items"]
    assert known["right"]["items"] != anonymous["right"]["items"]


def test_explanation_adds_up_to_the_served_score(page: Any, inspect_world: InspectWorld) -> None:
    body = compare(page, "shirt", "hybrid", inspect_world.personal, user="u00003")
    for item in body["right"]["items"][:3] + body["left"]["items"][-1:]:
        response = page.get("/api/explain", query_string={"q": "shirt", "user": "u00003",
                                                          "model": inspect_world.personal, "doc": item["id"]})
        assert response.status_code == 200, response.get_json()
        ex = response.get_json()
        names = [f["name"] for f in ex["features"]]
        assert "cf_score" in names and "bm25_title" in names and len(names) == len(set(names)) >= 10
        magnitudes = [abs(f["contribution"]) for f in ex["features"]]
        assert magnitudes == sorted(magnitudes, reverse=True)
        assert math.isclose(ex["total"], ex["bias"] + sum(f["contribution"] for f in ex["features"]))
        if item in body["right"]["items"]:  # the model's own results: exactly the score it served
            assert ex["total"] == pytest.approx(item["score"], abs=1e-4)


def test_a_model_with_a_base_score_is_served_and_explained_with_it(page: Any, inspect_world: InspectWorld) -> None:
    served, _ = served_models.load(inspect_world.data_dir, inspect_world.based)
    assert served.base is not None  # mmltr train's default: trees boosting from weight x feature
    top = compare(page, "backpack", "bm25", "hybrid")["left"]["items"][0]["source"]
    query = f"{top['brand']} {top['title']}".lower()  # every text feature of that item reads a value
    body = compare(page, query, "bm25", inspect_world.based, user="u00002")
    base_values = []
    for item in body["right"]["items"][:3]:
        ex = page.get("/api/explain", query_string={"q": query, "user": "u00002", "model": inspect_world.based,
                                                   "doc": item["id"]}).get_json()
        assert ex["total"] == pytest.approx(item["score"], abs=1e-4)
        base_values.append(next(f["value"] for f in ex["features"] if f["name"] == served.base["feature"]))
    assert max(base_values) > 0  # the base term really entered the served scores and their explanation


@pytest.mark.parametrize("params, fragment", [
    ({"q": " ", "left": "bm25", "right": "bm25"}, "the query is empty"),
    ({"q": "shirt", "left": "nope", "right": "bm25"}, "'nope' is neither bm25, hybrid nor a stored model"),
    ({"q": "shirt", "left": "bm25"}, "'right' parameter is missing"),
    ({"q": "shirt", "left": "bm25", "right": "bm25", "k": "ten"}, "k must be a whole number"),
    ({"q": "shirt", "left": "bm25", "right": "bm25", "k": "0"}, "k must be between 1 and 50"),
    ({"q": "shirt", "left": "bm25", "right": "bm25", "k": "51"}, "k must be between 1 and 50"),
])
def test_bad_compare_input_is_a_400_with_the_fix(page: Any, params: dict[str, str], fragment: str) -> None:
    response = page.get("/api/compare", query_string=params)
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]


def test_bad_explain_input_is_a_400_with_the_fix(page: Any, inspect_world: InspectWorld) -> None:
    cases = [({"q": "shirt", "model": "bm25", "doc": "w000001"}, "a baseline, not a model"),
             ({"q": "shirt", "model": inspect_world.personal, "doc": "no-such-item"}, "not in 'demo-items'"),
             ({"q": "", "model": inspect_world.personal, "doc": "w000001"}, "the query is empty"),
             ({"q": "shirt", "model": "demo-items_fused__19990101-000000", "doc": "w000001"}, "local LightGBM")]
    for params, fragment in cases:
        response = page.get("/api/explain", query_string=params)
        assert response.status_code == 400, params
        assert fragment in response.get_json()["error"], response.get_json()


def test_images_are_served_only_from_the_images_folder(page: Any, inspect_world: InspectWorld,
                                                       tmp_path: Path) -> None:
    image = page.get("/image/images/w000001.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == (inspect_world.world_dir / "images" / "w000001.png").read_bytes()
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG contents-outside")
    link = inspect_world.world_dir / "images" / "link-out.png"
    os.symlink(outside, link)
    try:
        for path in ("/image/catalog.jsonl", "/image/../node/node.sqlite", "/image/images/../../node/node.sqlite",
                     "/image/%2e%2e/%2e%2e/etc/passwd", f"/image/{outside}", "/image/images/link-out.png",
                     "/image/images/missing.png"):
            response = page.get(path, follow_redirects=True)  # werkzeug merges "//" with a redirect first
            assert response.status_code == 404, path
            assert b"contents-outside" not in response.data and b"SQLite" not in response.data
    finally:
        link.unlink()


def test_the_report_tab_serves_the_newest_report(page: Any) -> None:
    response = page.get("/report")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert REPORT_MARKER in response.get_data(as_text=True)


def test_the_page_and_its_policy(page: Any) -> None:
    response = page.get("/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script src="/static/inspect.js"' in response.get_data(as_text=True)
    assert page.get("/static/inspect.js").status_code == 200


def test_requests_for_other_host_names_are_refused(page: Any) -> None:
    assert page.get("/api/options", headers={"Host": "attacker.example:8765"}).status_code == 400
    assert page.get("/api/options", headers={"Host": "127.0.0.1:8765"}).status_code == 200


def test_the_server_binds_loopback_only(inspect_world: InspectWorld) -> None:
    app, _, _ = build_page(inspect_world.context())
    server = bind(app, 0)
    try:
        assert server.server_address[0] == "127.0.0.1" and server.server_port > 0
    finally:
        server.server_close()


def test_cli_errors_name_the_fix(inspect_world: InspectWorld, tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["--data-dir", str(tmp_path / "empty"), "inspect", "--port", "0"])
    assert empty.exit_code == 1 and "no 'items' (nor the demo's 'demo-items') index" in empty.output
    report = runner.invoke(main, ["--data-dir", str(inspect_world.data_dir), "inspect", "--report",
                                  str(tmp_path), "--port", "0"])
    assert report.exit_code == 1 and "no report.html there" in report.output
    images = runner.invoke(main, ["--data-dir", str(inspect_world.data_dir), "inspect", "--images-dir",
                                  str(tmp_path / "nowhere"), "--port", "0"])
    assert images.exit_code == 1 and "not a folder" in images.output
