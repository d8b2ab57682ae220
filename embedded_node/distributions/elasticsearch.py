"""Elasticsearch 8/9 with the o19s Learning-to-Rank plugin.

What a client sees: ``GET /`` without ``version.distribution``, with ``build_flavor: default`` and the
``You Know, for Search`` tagline, and the ``X-Elastic-Product: Elasticsearch`` header on every response (the
elasticsearch-py client refuses a server without it); ``_cat/plugins`` lists the o19s plugin as ``ltr`` with
its release number (``1.5.10-es8.17.2``). Vectors are built in (:mod:`..plugins.es_vectors`: ``dense_vector``,
``knn``, painless vector functions); the k-NN plugin is not mounted, so ``knn_vector``, ``index.knn``, the
OpenSearch ``knn`` query syntax and ``lang: knn`` scripts are refused as Elasticsearch refuses them. The LTR
plugin keeps only its ``/_ltr`` routes (the o19s paths); ``/_plugins/_ltr/...`` has no handler.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..plugins import ELASTICSEARCH_PLUGINS, LTR_NAME
from .base import Distribution

if TYPE_CHECKING:
    from ..node import Node

DEFAULT_VERSION = "8.17.2"  # the release docker/elasticsearch pins, with o19s 1.5.10
LUCENE_VERSIONS = {"8": "9.12.0", "9": "10.1.0"}

#: The first Elasticsearch build of each o19s release that changed behaviour (o19s #482, #500/#508, #518); the
#: same table ``plugin_integration.cluster_info`` infers from when a cluster hides the plugin version.
O19S_RELEASES = (((9, 0, 8), "1.5.12"), ((8, 17, 2), "1.5.10"), ((8, 11, 4), "1.5.9"))

def _version_tuple(text: str) -> tuple[int, int, int]:
    parts = [int("".join(c for c in p if c.isdigit()) or 0) for p in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def o19s_release(es_version: str) -> str:
    """The o19s release built for ``es_version`` (``1.5.8`` before 8.11.4)."""
    version = _version_tuple(es_version)
    return next((release for first, release in O19S_RELEASES if version >= first), "1.5.8")


def _root(node: "Node") -> dict[str, Any]:
    major = node.version.split(".")[0]
    return {
        "name": f"mmltr-embedded-{node.node_id[:7]}",
        "cluster_name": "mmltr-embedded",
        "cluster_uuid": node.cluster_uuid,
        "version": {
            "number": node.version,
            "build_flavor": "default",
            "build_type": "embedded",
            "build_hash": "mmltr-embedded",
            "build_date": "2026-01-01T00:00:00.000000Z",
            "build_snapshot": False,
            "lucene_version": LUCENE_VERSIONS.get(major, "9.12.0"),
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "You Know, for Search",
    }


ELASTICSEARCH = Distribution(
    name="elasticsearch",
    default_version=DEFAULT_VERSION,
    plugins=ELASTICSEARCH_PLUGINS,
    root=_root,
    listed={LTR_NAME: "ltr"},
    plugin_version=lambda node, _name: f"{o19s_release(node.version)}-es{node.version}",
    headers={"X-Elastic-Product": "Elasticsearch"},
    roles=("data", "ingest", "master"),
)
