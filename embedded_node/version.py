"""OpenSearch's version ids (``org.opensearch.Version``): the integer a version string is stored as.

``index.version.created`` holds it, and behaviour that changed between releases (the k-NN plugin's cosine
translation) compares these ids.
"""
from __future__ import annotations


def version_id(version: str) -> str:
    """``"2.19.0"`` -> ``"138190099"`` (OpenSearch 2.x ids are offset by 136000000, as ``Version.fromString``)."""
    parts = [int(p) for p in (version.split("-")[0].split(".") + ["0", "0"])[:3]]
    return str(136000000 + parts[0] * 1000000 + parts[1] * 10000 + parts[2] * 100 + 99)
