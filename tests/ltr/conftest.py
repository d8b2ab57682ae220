"""Shared fixtures for the ltr unit tests: simulated logs (built once per session) and log-file writers."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from ltr.simulate import ClickSimulation, SimulatedLog, simulate_clicks


@pytest.fixture(scope="session")
def dbn_log() -> SimulatedLog:
    """Clicks from a DBN with known alpha, sigma and gamma = 0.9 (30k searches)."""
    return simulate_clicks(ClickSimulation(behaviour="dbn", n_searches=30_000, seed=1))


@pytest.fixture(scope="session")
def pbm_log() -> SimulatedLog:
    """Clicks from a PBM with known examination curve and attractiveness (30k searches)."""
    return simulate_clicks(ClickSimulation(behaviour="pbm", n_searches=30_000, seed=2))


@pytest.fixture(scope="session")
def small_log() -> SimulatedLog:
    return simulate_clicks(ClickSimulation(n_searches=3_000, n_users=200, seed=3))


@pytest.fixture
def write_lines(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts, or raw strings for broken lines) as a JSONL file and return its path."""
    def write(rows: list[Any], name: str = "log.jsonl") -> Path:
        path = tmp_path / name
        with open(path, "wb") as out:
            for row in rows:
                out.write(row.encode() if isinstance(row, str) else orjson.dumps(row))
                out.write(b"\n")
        return path
    return write
