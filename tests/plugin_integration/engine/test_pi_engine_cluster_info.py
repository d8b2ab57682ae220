"""Cluster detection against the embedded node, per emulated plugin version."""
from __future__ import annotations

from pathlib import Path

import pytest

from plugin_integration.client import make_client
from plugin_integration.cluster_info import detect


def test_default_node_is_opensearch_2_19_with_zero_for_missing(tmp_path: Path) -> None:
    client = make_client(None, tmp_path / "node")
    try:
        info = detect(client, require_ltr=True, require_knn=True)
    finally:
        client.close()
    assert (info.flavour, info.version) == ("opensearch", (2, 19, 0))
    assert info.ltr_component == "opensearch-ltr"
    assert info.ltr_missing_behaviour == "zero"
    assert not info.supports_raw_parser and not info.supports_missing_as_zero_model


@pytest.mark.parametrize("version,behaviour", [("3.2.0", "nan_to_no"), ("3.8.0", "nan_to_missing")])
def test_node_version_sets_the_missing_behaviour(tmp_path: Path, version: str, behaviour: str) -> None:
    client = make_client(None, tmp_path / "node", node_options={"version": version})
    try:
        info = detect(client)
    finally:
        client.close()
    assert info.version_text == version
    assert info.ltr_missing_behaviour == behaviour
    assert info.supports_raw_parser
