"""Where the test data lives: the copies in tests/data (hermetic on a clean clone)."""
from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
ORACLE = DATA / "oracle"
ICECAT = DATA / "icecat"
BM25_VECTORS = ORACLE / "bm25_vectors.json"
ICECAT_CATALOG = ICECAT / "catalog.jsonl.gz"
ICECAT_JUDGMENTS = ICECAT / "judgments.csv"
