"""Fixtures of the indexer's engine tests: a fresh embedded node with injectable faults, cheap real encoders
that count what they encode, and a synthetic catalogue with known bad rows.

Indexer flows (bulk accounting, versions and alias swaps, update-vectors, the CLI) are tested against the real
node, not a fake: the fault wrapper only adds the 429/503/refusals a healthy node never gives on demand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from opensearchpy import OpenSearch

from indexer.encoders.base import Encoder
from support.faults import Faults, faulty_client


@pytest.fixture
def faults() -> Faults:
    """The fault plan and request log of ``node_client`` (empty: the node behaves as itself)."""
    return Faults()


@pytest.fixture
def node_client(tmp_path: Path, faults: Faults) -> Iterator[OpenSearch]:
    """An in-process client on a fresh embedded node in ``tmp_path / "node"``, through the fault wrapper."""
    client = faulty_client(tmp_path / "node", faults)
    try:
        yield client
    finally:
        client.close()


class CountingEncoder(Encoder):
    """Wraps an encoder and counts how many inputs it really encoded (to prove cache hits)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.dim, self.modality = inner.name, inner.dim, inner.modality
        self.input_size = getattr(inner, "input_size", None)
        self.calls = 0
        self.inputs = 0

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        self.calls += 1
        self.inputs += len(batch)
        return self.inner.encode(batch)


@pytest.fixture
def text_encoder() -> CountingEncoder:
    from indexer.encoders.hashing import HashingEncoder

    return CountingEncoder(HashingEncoder(32))


@pytest.fixture
def image_encoder() -> CountingEncoder:
    from indexer.encoders.classical import ClassicalImageEncoder

    return CountingEncoder(ClassicalImageEncoder())


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """120 products plus 7 bad rows (6 invalid, 1 undecodable image), as in tests/indexer/conftest.py."""
    from indexer.synthetic import generate_catalog

    return generate_catalog(tmp_path_factory.mktemp("synthetic"), 120, seed=7, bad_rows=True)
