"""The world ``mmltr inspect`` is tested on (the ``inspect_world`` fixture): the demo's pipeline on
``ltr.world``'s tiny world, made cheap.

The tiny world (600 items with PNG images, 40 users) is indexed with the hashing text encoder (no model to load)
and the classical image encoder; 1,500 bm25 searches give the training clicks; per-user judgments and profiles
(the ``users`` index, CF vectors on the items) follow; then the demo's two models (with and without personal
features) are trained, uploaded with their local LightGBM copies, and verified; a third model goes through the
CLI (``features log``, ``train`` with its default base score, ``model upload``). About 45 s on two cores, built
once per session for the API and the browser tests.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from indexer.encoders.base import load_encoder
from indexer.pipeline import LoadOptions, load_catalog
from ltr.world import World, generate_world
from plugin_integration import demo_models as dm
from plugin_integration import demo_pipeline as dp
from plugin_integration.cli import CliContext, main
from plugin_integration.client import make_client

TEXT_ENCODER = "hashing:64"
REPORT_MARKER = "inspect-test-report-7f3a"


@dataclass
class InspectWorld:
    root: Path
    data_dir: Path
    client: Any
    world: World
    world_dir: Path
    personal: str  # the uploaded personal model (plain trees)
    plain: str     # the uploaded model without personal features
    based: str     # a personal model trained as `mmltr train` does by default: trees boosting from a base score
    report: Path

    def context(self) -> CliContext:
        """The CLI's context on this world's node (the same process-wide node and client)."""
        return CliContext(cluster=None, data_dir=self.data_dir, _client=self.client)


def build_world(root: Path) -> InspectWorld:
    data_dir = root / "node"
    client = make_client(None, data_dir)
    world = generate_world("tiny", seed=0)
    world_dir = world.write(root / "world")
    load_catalog(client, world_dir / "catalog.jsonl", text_encoder=load_encoder(TEXT_ENCODER, modality="text"),
                 image_encoder=load_encoder("classical", modality="image"),
                 options=LoadOptions(alias=dp.ALIAS, images_dir=world_dir),
                 meta={"text_encoder_spec": TEXT_ENCODER, "image_encoder_spec": "classical"})
    plan = dp.Plan(searches=1500, days=28, train_days=21, factors=8, window=50)
    traffic = dp.simulate(client, world, plan, root, seed=1)
    users = dp.learn_users(client, traffic.log_path, root, plan)
    models = dm.train_models(client, dp.ALIAS, data_dir, users.judgments_path, users.profiles_path, root,
                             candidate_window=20)
    assert models.personal.verified and models.plain.verified
    based = _cli_model(data_dir, root, users.judgments_path, users.profiles_path)
    report = data_dir / "demo" / "tiny" / "report" / "report.html"  # where mmltr demo writes its report
    report.parent.mkdir(parents=True)
    report.write_text(f"<!doctype html><html><head><title>mmltr evaluation</title></head><body><h1>NDCG@10</h1>"
                      f"<p id='marker'>{REPORT_MARKER}</p></body></html>", encoding="utf-8")
    return InspectWorld(root, data_dir, client, world, world_dir, models.personal.name, models.plain.name, based,
                        report)


def _cli_model(data_dir: Path, root: Path, judgments: Path, profiles: Path) -> str:
    """``features log`` -> ``train`` (``--base auto``, the default) -> ``model upload``, in process (~20 s)."""
    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("features", "log", str(judgments), "--alias", dp.ALIAS, "--featureset", dm.PERSONAL_SET,
        "--profiles", str(profiles), "-o", str(root / "features.parquet"))
    run("train", str(root / "features.parquet"), "-o", str(root / "model-base"), "--folds", "2")
    uploaded = re.search(r"uploaded model '([^']+)'", run("model", "upload", str(root / "model-base")))
    assert uploaded is not None
    return uploaded.group(1)


def personal_pair(client: Any, world: World, model: str) -> tuple[str, str, str]:
    """A head query and two users whose top 10 under the personal ``model`` differ (``client``: the app's
    test client): what the page must show when the user is switched."""
    users = [u["id"] for u in client.get("/api/options").get_json()["users"]][:8]
    for query in [q.text for q in world.queries if q.head][:10]:
        tops = {}
        for user in users:
            answer = client.get("/api/compare", query_string={"q": query, "user": user, "left": "bm25",
                                                              "right": model}).get_json()
            tops[user] = [item["id"] for item in answer["right"]["items"]]
        for a in users:
            for b in users:
                if a < b and tops[a] != tops[b]:
                    return query, a, b
    raise AssertionError("no two users with different personal rankings: the personal model ignores the user")
