"""``mmltr --cluster URL`` against ``mmltr serve --distribution elasticsearch``: the whole loop over HTTP.

A real ``mmltr serve`` subprocess emulates Elasticsearch 8.17.2 with the o19s plugin; every step runs through
the CLI with ``--cluster`` (detection, mappings, featureset, logging, upload, verify, search), on a small Icecat
subset. What mmltr wrote is checked with the official elasticsearch-py client.
"""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from elasticsearch import Elasticsearch
from pi_cli_loop import icecat_subset, run_cli

from plugin_integration.cli import main
from plugin_integration.client import make_client

pytestmark = pytest.mark.slow  # a subprocess and seven CLI steps over HTTP (~20 s)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("es_cluster")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "plugin_integration", "--data-dir", str(root / "served"), "serve",
                             "--port", str(port), "--distribution", "elasticsearch", "--version", "8.17.2"],
                            stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    client = Elasticsearch(url, request_timeout=5)
    try:
        for _ in range(200):
            try:
                client.info()
                break
            except Exception:
                time.sleep(0.1)
        yield url, root
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)


def _cli(root: Path, url: str, *args: str) -> Result:
    result = run_cli(root / "local", "--cluster", url, *args)
    assert result.exit_code == 0, result.output
    return result


def test_the_loop_runs_against_the_served_elasticsearch_node(served: tuple[str, Path]) -> None:
    url, root = served
    judgments = icecat_subset(root, 8, 20)
    _cli(root, url, "index", "load", str(root / "catalog.jsonl"), "--text-encoder", "hashing:32", "--no-progress")
    es = Elasticsearch(url)
    try:
        index = next(iter(es.indices.get_mapping(index="items").body))
        mapping = es.indices.get_mapping(index="items")[index]["mappings"]["properties"]["text_vector"]
        assert mapping["type"] == "dense_vector" and mapping["dims"] == 32 and mapping["similarity"] == "cosine"
        assert "knn" not in es.indices.get_settings(index=index)[index]["settings"]["index"]
    finally:
        es.close()
    init = _cli(root, url, "featureset", "init", "--alias", "items", "-o", str(root / "fs.yaml"))
    assert "7 features" in init.output
    _cli(root, url, "features", "log", str(root / "judgments.csv"), "-o", str(root / "feats.parquet"))
    _cli(root, url, "train", str(root / "feats.parquet"), "-o", str(root / "model"), "--folds", "2")
    upload = _cli(root, url, "model", "upload", str(root / "model"))
    model = upload.output.split("uploaded model '")[1].split("'")[0]
    verified = _cli(root, url, "model", "verify", model, "--features", str(root / "feats.parquet")).output
    match = re.search(r"verified ([\d,]+) rows of (\d+) query groups: max \|served - LightGBM\| = ([0-9.e+-]+)",
                      verified)
    assert match and int(match.group(1).replace(",", "")) == len(judgments) and float(match.group(3)) <= 1e-5
    hits = _cli(root, url, "search", "gaming mouse", "--model", model, "-k", "5").output
    assert "gaming" in hits.lower() or "mouse" in hits.lower()


def test_a_data_directory_is_not_reopened_as_the_other_engine(served: tuple[str, Path]) -> None:
    _, root = served
    node_dir = root / "switch"
    client = make_client(None, node_dir, node_options={"distribution": "elasticsearch"})
    client.indices.create(index="kept")
    client.close()
    refused = CliRunner().invoke(main, ["--data-dir", str(node_dir), "serve", "--port", "0",
                                        "--distribution", "opensearch"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "holds indices of an emulated elasticsearch node" in refused.output and "--data-dir" in refused.output
