"""Fixtures of the ``mmltr inspect`` tests: the tiny world with two uploaded models (:mod:`pi_inspect_world`),
built once per session for the API and the browser tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from pi_inspect_world import InspectWorld, build_world


@pytest.fixture(scope="session")
def inspect_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InspectWorld]:
    pytest.importorskip("flask", reason="the inspect extra is not installed (pip install -e .[inspect])")
    pytest.importorskip("lightgbm", reason="the train extra is not installed (pip install -e .[train])")
    world = build_world(tmp_path_factory.mktemp("inspect"))
    yield world
    world.client.close()
