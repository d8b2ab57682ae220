"""What ``mmltr serve --help`` and docs/embedded-node.md say the embedded node does not do is what it does
not do: when one of these starts working, this test fails and the help and docs must change with it."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearchpy.exceptions import RequestError

from plugin_integration.cli import main
from plugin_integration.client import make_client

DOC = Path(__file__).resolve().parents[2] / "docs" / "embedded-node.md"


def test_serve_help_and_docs_say_what_the_node_does_not_do(tmp_path: Path) -> None:
    help_text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())
    doc = " ".join(DOC.read_text(encoding="utf-8").split())
    for text in (help_text, doc):
        assert "aggregations" in text and "_field_caps" in text and "docker/" in text
    assert "Dashboards and Kibana cannot use it" in help_text
    assert "so they cannot use `mmltr serve`" in doc

    client = make_client(None, tmp_path / "node")
    try:
        client.indices.create(index="x", body={"mappings": {"properties": {"k": {"type": "keyword"}}}})
        with pytest.raises(RequestError, match="aggregations"):
            client.search(index="x", body={"aggs": {"a": {"terms": {"field": "k"}}}})
        with pytest.raises(RequestError, match="no handler found"):
            client.field_caps(index="x", fields="*")
        with pytest.raises(RequestError, match="highlighting"):
            client.search(index="x", body={"highlight": {"fields": {"k": {}}}})
    finally:
        client.close()
