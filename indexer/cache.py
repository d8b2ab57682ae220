"""An on-disk embedding cache keyed by (encoder name, content hash): unchanged items are not re-embedded.

SQLite (one file, WAL mode) keeps lookups of a whole batch to one indexed query and survives crashes
mid-run. Keys are 16-byte BLAKE2b digests of the encoder input (the text, or the image file's bytes), so a
changed title or a replaced image is a miss, and an unchanged one is a hit regardless of its id or position
in the catalogue. Vectors are stored as raw float32, so a cached vector is bit-identical to the one first
computed.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    encoder TEXT NOT NULL,
    key BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (encoder, key)
)
"""  # a rowid table: with ~1.5 KB vector blobs it is ~5x faster to fill and read than WITHOUT ROWID
_LOOKUP_CHUNK = 500


def content_key(content: bytes | str) -> bytes:
    """The cache key of one encoder input."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.blake2b(data, digest_size=16).digest()


class EmbeddingCache:
    """Thread-safe get/put of vectors by (encoder, key); counts hits and misses for the run summary."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, encoder: str, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        """Cached vectors of the keys that have one (a vector of another dimension counts as a miss)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(unique), _LOOKUP_CHUNK):
                chunk = unique[start : start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, dim, vector FROM vectors WHERE encoder = ? AND key IN ({marks})",
                    (encoder, *chunk),
                )
                for key, stored_dim, blob in rows:
                    if stored_dim == dim:
                        found[bytes(key)] = np.frombuffer(blob, dtype=np.float32).copy()
            self.hits += sum(1 for key in keys if key in found)
            self.misses += sum(1 for key in keys if key not in found)
        return found

    def put_many(self, encoder: str, entries: Iterable[tuple[bytes, np.ndarray]]) -> None:
        rows = [
            (encoder, key, int(vec.shape[0]), np.ascontiguousarray(vec, dtype=np.float32).tobytes())
            for key, vec in entries
        ]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def count(self, encoder: str | None = None) -> int:
        with self._lock:
            if encoder is None:
                return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            return int(
                self._db.execute("SELECT COUNT(*) FROM vectors WHERE encoder = ?", (encoder,)).fetchone()[0]
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class NullCache(EmbeddingCache):
    """``--no-cache``: every lookup misses and nothing is stored (same interface, no file)."""

    def __init__(self) -> None:  # noqa: D107 - deliberately no database
        self.path = Path("/dev/null")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, encoder: str, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
        self.misses += len(keys)
        return {}

    def put_many(self, encoder: str, entries: Iterable[tuple[bytes, np.ndarray]]) -> None:
        return None

    def count(self, encoder: str | None = None) -> int:
        return 0

    def close(self) -> None:
        return None
