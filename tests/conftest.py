"""Suite-wide settings and the engine fixtures.

Offline model hubs for every test; ``tests/support`` importable as ``support``. Engine tests take ``client``
and run twice, once through the in-process connection class and once through ``mmltr serve``'s HTTP server,
because both doors must behave identically (a third variant runs on ``MMLTR_TEST_CLUSTER`` when it is set).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))  # makes tests/support importable as ``support``

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from opensearchpy import OpenSearch  # noqa: E402

from plugin_integration.client import make_client  # noqa: E402
from support.served_node import served_node  # noqa: E402


# Property tests draw the same examples on every run (a CI failure reproduces); HYPOTHESIS_PROFILE=explore
# draws fresh ones when hunting for new counterexamples.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _http_client(data_dir: str) -> Iterator[OpenSearch]:
    with served_node(data_dir) as url:
        client = OpenSearch(hosts=[url], timeout=30)
        try:
            yield client
        finally:
            client.close()


REAL_CLUSTER = os.environ.get("MMLTR_TEST_CLUSTER")
_PARAMS = ["inprocess", "http", pytest.param("cluster", marks=[
    pytest.mark.cluster,
    pytest.mark.skipif(not REAL_CLUSTER, reason="set MMLTR_TEST_CLUSTER=http://... to run against a real cluster")])]


def _real_cluster_client() -> Iterator[OpenSearch]:
    """A client on a real, DISPOSABLE cluster: every non-system index is deleted before and after the test."""
    client = make_client(REAL_CLUSTER)
    client.cluster.health(wait_for_status="yellow", timeout="30s")

    def wipe() -> None:
        for row in client.cat.indices(format="json", expand_wildcards="open"):
            if not row["index"].startswith("."):
                client.indices.delete(index=row["index"])
        client.transport.perform_request("DELETE", "/_ltr", params={"ignore_unavailable": "true"}) \
            if client.indices.exists(index=".ltrstore") else None

    wipe()
    try:
        yield client
    finally:
        wipe()
        client.close()


@pytest.fixture(params=_PARAMS)
def client(request: pytest.FixtureRequest, tmp_path) -> Iterator[OpenSearch]:
    """An opensearch-py client on an empty embedded node (both transports), or on MMLTR_TEST_CLUSTER."""
    if request.param == "cluster":
        yield from _real_cluster_client()
    elif request.param == "inprocess":
        c = make_client(None, tmp_path / "node")
        try:
            yield c
        finally:
            c.close()
    else:
        yield from _http_client(str(tmp_path / "node"))


@pytest.fixture
def inproc_client(tmp_path) -> Iterator[OpenSearch]:
    """The in-process client only (for tests whose subject is not the transport)."""
    c = make_client(None, tmp_path / "node")
    try:
        yield c
    finally:
        c.close()
