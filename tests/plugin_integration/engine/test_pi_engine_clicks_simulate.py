"""``mmltr clicks simulate`` on the embedded node: a tiny generated world and an Icecat subset indexed by
``mmltr index load``, searched by real rankers (bm25, hybrid, an uploaded ``model/linear`` served with
``sltr``); the logs read back through ``ltr.logs.read_click_log``."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pi_cli_loop import icecat_subset, run_cli

from ltr.logs import read_click_log
from ltr.world import World, generate_world

MODEL = "items_fused__linear"
PERSONAL = "items_personal__linear"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A node holding the tiny world (``items``, hashing text vectors), a linear model on its fused
    featureset and one on its personal featureset, and an Icecat subset without text vectors (``icecat``)."""
    root = tmp_path_factory.mktemp("simulate")
    world = generate_world("tiny", seed=0)
    world.write(root / "world", images=False)
    data = root / "node"

    def ok(*args: str) -> str:
        result = run_cli(data, *args)
        assert result.exit_code == 0, result.output
        return result.output

    ok("index", "load", str(root / "world" / "catalog.jsonl"), "--text-encoder", "hashing:64",
       "--no-progress", "--no-cache")
    ok("store", "init")
    ok("featureset", "init", "-o", str(root / "fs.yaml"))
    ok("featureset", "push", str(root / "fs.yaml"))
    (root / "linear.json").write_text(json.dumps({"rating": 1.0, "popularity": 0.3, "bm25_title": 0.2}))
    ok("model", "upload", str(root / "linear.json"), "--featureset", "items_fused", "--type", "model/linear",
       "--name", MODEL)
    ok("featureset", "init", "-o", str(root / "personal.yaml"), "--personal", "--name", "items_personal")
    ok("featureset", "push", str(root / "personal.yaml"))
    (root / "personal.json").write_text(json.dumps({"affinity_category": 1.0, "price_fit": 0.5,
                                                    "bm25_title": 0.2}))
    ok("model", "upload", str(root / "personal.json"), "--featureset", "items_personal", "--type",
       "model/linear", "--name", PERSONAL)
    (root / "icecat").mkdir()
    icecat_subset(root / "icecat", 10, 150)
    ok("index", "load", str(root / "icecat" / "catalog.jsonl"), "--alias", "icecat", "--text-encoder", "none",
       "--no-progress")
    return {"root": root, "data": data, "world": world, "ok": ok}


def _simulate(env: dict[str, Any], name: str, *args: str) -> tuple[Path, str]:
    log = env["root"] / name
    output = env["ok"]("clicks", "simulate", "-o", str(log), "--no-progress", *args)
    return log, output


def _lines(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [r for r in rows if r["type"] == "search"], [r for r in rows if r["type"] != "search"]


def _ctr(searches: list[dict[str, Any]], events: list[dict[str, Any]], ranks: int = 5) -> np.ndarray:
    clicks = np.bincount([e["position"] for e in events if e["type"] == "click" and e["position"] < ranks],
                         minlength=ranks)
    shown = np.array([sum(len(s["results"]) > r for s in searches) for r in range(ranks)])
    return clicks / shown


def test_world_clicks_follow_position_and_true_relevance(env: dict[str, Any]) -> None:
    world: World = env["world"]
    log, output = _simulate(env, "bm25.jsonl", "--world", str(env["root"] / "world"), "--searches", "1500",
                            "--seed", "3")
    read = read_click_log(log)
    assert read.report.n_rejected == 0 and read.n_searches == 1500
    assert "CTR by rank 1..5" in output and "world tiny (seed 0): 40 users, 40 queries" in output
    searches, events = _lines(log)
    ctr = _ctr(searches, events)
    assert ctr[0] > 2 * ctr[4], ctr
    assert {"add_to_cart", "purchase"} <= {e["type"] for e in events}
    qid = {q.text: q.qid for q in world.queries}
    clicked_by_search = defaultdict(set)
    for e in events:
        if e["type"] == "click":
            clicked_by_search[e["search_id"]].add(e["doc_id"])
    clicked, skipped = [], []
    for s in searches:  # shown above the last click: examined, so unclicked means passed over
        chosen = clicked_by_search[s["search_id"]]
        if not chosen:
            continue
        grades = world.grades(s["user_id"], qid[s["query"]], s["results"])
        last = max(s["results"].index(d) for d in chosen)
        for doc, grade in zip(s["results"][:last + 1], grades):
            (clicked if doc in chosen else skipped).append(grade)
    assert np.mean(clicked) > np.mean(skipped) + 0.3, (np.mean(clicked), np.mean(skipped))


def test_rankers_show_different_lists_and_ubi_reads_back(env: dict[str, Any]) -> None:
    world = ["--world", str(env["root"] / "world"), "--searches", "300", "--seed", "1"]
    shown = {}
    for ranker in ("bm25", "hybrid", MODEL):
        log, output = _simulate(env, f"{ranker}.ubi", *world, "--ranker", ranker, "--format", "ubi")
        read = read_click_log(log)
        assert read.report.n_rejected == 0 and read.n_searches == 300, ranker
        assert f"{ranker} on items" in output
        shown[ranker] = {read.queries[read.search_query[i]]: tuple(read.results(i))
                         for i in range(read.n_searches)}
    for other in ("hybrid", MODEL):  # the queries searched depend on earlier clicks: compare the common ones
        common = shown["bm25"].keys() & shown[other].keys()
        differ = sum(shown["bm25"][q] != shown[other][q] for q in common)
        assert len(common) >= 20 and differ >= len(common) // 2, (other, differ, len(common))


def test_a_catalogue_without_world(env: dict[str, Any]) -> None:
    log, output = _simulate(env, "icecat.jsonl", "--alias", "icecat", "--users", "30", "--searches", "400",
                            "--queries", "20", "--days", "7")
    read = read_click_log(log)
    assert read.report.n_rejected == 0 and read.n_searches == 400
    items = len((env["root"] / "icecat" / "catalog.jsonl").read_text().splitlines())
    assert f"catalogue of {items} items: 30 users, 20 queries" in output
    searches, events = _lines(log)
    assert len({s["user_id"] for s in searches}) <= 30
    assert searches[-1]["timestamp"] - searches[0]["timestamp"] <= 7 * 86400
    ctr = _ctr(searches, events)
    assert ctr[0] > ctr[4], ctr
    users = env["root"] / "world" / "users.jsonl"
    _, output = _simulate(env, "icecat-users.jsonl", "--alias", "icecat", "--users-file", str(users),
                          "--users", "5", "--searches", "50")
    assert "5 users" in output


@pytest.mark.parametrize(("args", "message"), [
    (("--alias", "nope"), "check that 'nope' exists"),
    (("--ranker", "no_such_model"), "neither bm25, hybrid nor a stored model: see mmltr model list"),
    (("--alias", "icecat", "--ranker", "hybrid"), "needs a text vector"),
    (("--alias", "icecat", "--world", "WORLD"), "load the world's catalogue: mmltr index load"),
    (("--ranker", PERSONAL), "has no 'users' index of profiles: build them first (mmltr profiles build LOG)"),
])
def test_errors_name_the_input_and_the_fix(env: dict[str, Any], args: tuple[str, ...], message: str) -> None:
    args = tuple(str(env["root"] / "world") if a == "WORLD" else a for a in args)
    result = run_cli(env["data"], "clicks", "simulate", "-o", str(env["root"] / "x.jsonl"), "--searches", "5",
                     "--no-progress", *args)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_personal_model_ranks_per_user_once_profiles_exist(env: dict[str, Any]) -> None:
    """Last in the module: it writes the users index (and CF vectors onto the items)."""
    world = ["--world", str(env["root"] / "world"), "--seed", "2"]
    log, _ = _simulate(env, "for-profiles.jsonl", *world, "--searches", "600")
    env["ok"]("profiles", "build", str(log), "-o", str(env["root"] / "profiles.parquet"), "--factors", "4")
    log, output = _simulate(env, "personal.jsonl", *world, "--searches", "200", "--ranker", PERSONAL)
    assert f"{PERSONAL} on items" in output
    searches, _ = _lines(log)
    lists = defaultdict(set)
    for s in searches:
        lists[s["query"]].add(tuple(s["results"]))
    assert sum(len(shown) > 1 for shown in lists.values()) >= 5  # one query, several users, other lists
