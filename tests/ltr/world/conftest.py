"""The tiny world, generated and written once per module that asks for it (a second or two)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ltr.world import World, generate_world


@pytest.fixture(scope="session")
def tiny_world() -> World:
    return generate_world("tiny", seed=0)


@pytest.fixture(scope="session")
def tiny_dir(tiny_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_world.write(tmp_path_factory.mktemp("world"))
