"""Where the test data lives: the copies in tests/data (hermetic on a clean clone), goldens and the Lucene harness."""
from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
LUCENE = TESTS / "lucene"
ORACLE = DATA / "oracle"
ICECAT = DATA / "icecat"
BM25_VECTORS = ORACLE / "bm25_vectors.json"
ICECAT_CATALOG = ICECAT / "catalog.jsonl.gz"
ICECAT_JUDGMENTS = ICECAT / "judgments.csv"
