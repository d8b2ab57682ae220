"""OpenSearch with the bundled LTR and k-NN plugins: the node's default distribution."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..plugins import PLUGINS
from .base import Distribution

if TYPE_CHECKING:
    from ..node import Node

LUCENE_VERSIONS = {"2": "9.12.1", "3": "10.2.1"}


def _root(node: "Node") -> dict[str, Any]:
    major = node.version.split(".")[0]
    return {
        "name": f"mmltr-embedded-{node.node_id[:7]}",
        "cluster_name": "mmltr-embedded",
        "cluster_uuid": node.cluster_uuid,
        "version": {
            "distribution": "opensearch",
            "number": node.version,
            "build_type": "embedded",
            "build_hash": "mmltr-embedded",
            "build_date": "2026-01-01T00:00:00.000000Z",
            "build_snapshot": False,
            "lucene_version": LUCENE_VERSIONS.get(major, "9.12.1"),
            "minimum_wire_compatibility_version": "7.10.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "The OpenSearch Project: https://opensearch.org/",
    }


OPENSEARCH = Distribution(
    name="opensearch",
    default_version="2.19.0",
    plugins=PLUGINS,
    root=_root,
    listed={p.name: p.name for p in PLUGINS},
    plugin_version=lambda node, _name: node.version + ".0",  # bundled plugins carry the 4-part OpenSearch version
)
