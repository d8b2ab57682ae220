"""Durable storage of the embedded node: SQLite for documents and metadata, segment files beside it.

SQLite plays the role of OpenSearch's translog + stored fields: a write is acknowledged only after its
transaction commits (WAL mode), so it survives a ``kill -9`` of the process. Segment ``.npz`` files are
a checkpoint of the analysed index; anything newer than the checkpoint is replayed from SQLite on open.
``data_dir=None`` keeps everything in memory (for throwaway nodes in tests and benchmarks).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

from .. import errors, jsonutil

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS indices (
    uuid TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, settings TEXT NOT NULL, mappings TEXT NOT NULL,
    created_ms INTEGER NOT NULL, max_seq_no INTEGER NOT NULL DEFAULT -1);
CREATE TABLE IF NOT EXISTS aliases (
    alias TEXT NOT NULL, index_uuid TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (alias, index_uuid));
CREATE TABLE IF NOT EXISTS docs (
    index_uuid TEXT NOT NULL, id TEXT NOT NULL, seq_no INTEGER NOT NULL, version INTEGER NOT NULL,
    source BLOB NOT NULL, PRIMARY KEY (index_uuid, id));
CREATE INDEX IF NOT EXISTS docs_by_seq ON docs (index_uuid, seq_no);
"""


class DataDirLocked(RuntimeError):
    pass


class Storage:
    """All durable state of one node. Thread-safe: one connection guarded by a lock."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._lock_file = None
        if data_dir is None:
            self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._acquire_dir_lock(data_dir)
            self.db = sqlite3.connect(str(data_dir / "node.sqlite"), check_same_thread=False, isolation_level=None)
            # Documents are multi-kilobyte blobs (vectors as JSON): large pages avoid long overflow-page chains
            # (2x faster bulk writes). Only takes effect when the file is created, before WAL mode is set.
            self.db.execute("PRAGMA page_size=65536")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def _acquire_dir_lock(self, data_dir: Path) -> None:
        handle = open(data_dir / "node.lock", "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            url = owner.split(" at ", 1)[1].split()[0] if " at http" in owner else None
            how = (f"talk to it over HTTP with --cluster {url}" if url else
                   "if it is `mmltr serve`, talk to it over HTTP with --cluster and the URL it printed")
            raise DataDirLocked(f"the data directory {data_dir} is in use by {owner}; stop it, or {how}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_file = handle

    def describe_owner(self, description: str) -> None:
        """Say who holds the data directory (e.g. the server's URL), for the message another process gets."""
        if self._lock_file is not None:
            self._lock_file.seek(0)
            self._lock_file.truncate()
            self._lock_file.write(f"{description} (pid {os.getpid()})")
            self._lock_file.flush()

    def close(self) -> None:
        with self._lock:
            self.db.close()
            if self._lock_file is not None:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
                self._lock_file.close()
                self._lock_file = None

    def segments_dir(self, uuid: str) -> Path | None:
        if self.data_dir is None:
            return None
        path = self.data_dir / "indices" / uuid
        path.mkdir(parents=True, exist_ok=True)
        return path

    # --- metadata ------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def list_indices(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self.db.execute(
                "SELECT uuid, name, settings, mappings, created_ms, max_seq_no FROM indices").fetchall()
        return [{"uuid": r[0], "name": r[1], "settings": jsonutil.loads(r[2]), "mappings": jsonutil.loads(r[3]),
                 "created_ms": r[4], "max_seq_no": r[5]} for r in rows]

    def create_index(self, uuid: str, name: str, settings: dict, mappings: dict, created_ms: int) -> None:
        with self._lock:
            self.db.execute("INSERT INTO indices(uuid, name, settings, mappings, created_ms) VALUES (?,?,?,?,?)",
                            (uuid, name, jsonutil.dumps(settings), jsonutil.dumps(mappings), created_ms))

    def update_index(self, uuid: str, *, settings: dict | None = None, mappings: dict | None = None) -> None:
        with self._lock:
            if settings is not None:
                self.db.execute("UPDATE indices SET settings=? WHERE uuid=?", (jsonutil.dumps(settings), uuid))
            if mappings is not None:
                self.db.execute("UPDATE indices SET mappings=? WHERE uuid=?", (jsonutil.dumps(mappings), uuid))

    def delete_index(self, uuid: str) -> None:
        with self._lock:
            self.db.execute("BEGIN")
            try:
                self.db.execute("DELETE FROM docs WHERE index_uuid=?", (uuid,))
                self.db.execute("DELETE FROM aliases WHERE index_uuid=?", (uuid,))
                self.db.execute("DELETE FROM indices WHERE uuid=?", (uuid,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        seg_dir = None if self.data_dir is None else self.data_dir / "indices" / uuid
        if seg_dir is not None and seg_dir.exists():
            for child in seg_dir.iterdir():
                child.unlink()
            seg_dir.rmdir()

    def list_aliases(self) -> list[tuple[str, str, dict]]:
        with self._lock:
            rows = self.db.execute("SELECT alias, index_uuid, meta FROM aliases").fetchall()
        return [(r[0], r[1], jsonutil.loads(r[2])) for r in rows]

    def apply_alias_actions(self, removes: Iterable[tuple[str, str]], adds: Iterable[tuple[str, str, dict]]) -> None:
        """Apply alias changes in one transaction: readers see all of them or none."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                for alias, uuid in removes:
                    self.db.execute("DELETE FROM aliases WHERE alias=? AND index_uuid=?", (alias, uuid))
                for alias, uuid, meta in adds:
                    self.db.execute("INSERT OR REPLACE INTO aliases(alias, index_uuid, meta) VALUES (?,?,?)",
                                    (alias, uuid, jsonutil.dumps(meta)))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    # --- documents -----------------------------------------------------------------------------------------
    def write_ops(self, uuid: str, ops: list[tuple], max_seq_no: int) -> None:
        """Commit a batch of ``("index", id, seq_no, version, source)`` / ``("delete", id)`` operations."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                run: list[tuple] = []  # consecutive index ops go in one executemany (order is kept)
                for op in ops:
                    if op[0] == "index":
                        run.append((uuid, op[1], op[2], op[3], op[4]))
                        continue
                    self._insert(run)
                    run = []
                    self.db.execute("DELETE FROM docs WHERE index_uuid=? AND id=?", (uuid, op[1]))
                self._insert(run)
                self.db.execute("UPDATE indices SET max_seq_no=? WHERE uuid=?", (max_seq_no, uuid))
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.db.execute("ROLLBACK")
                raise errors.EngineError("translog_exception", f"failed to persist operations: {exc}", 500)

    def _insert(self, rows: list[tuple]) -> None:
        if rows:
            self.db.executemany(
                "INSERT OR REPLACE INTO docs(index_uuid, id, seq_no, version, source) VALUES (?,?,?,?,?)", rows)

    def get_sources(self, uuid: str, ids: list[str]) -> dict[str, tuple[bytes, int, int]]:
        """``id -> (source, seq_no, version)`` for the ids that exist."""
        out: dict[str, tuple[bytes, int, int]] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self.db.execute(
                        f"SELECT id, source, seq_no, version FROM docs WHERE index_uuid=? AND id IN ({marks})",
                        (uuid, *chunk)):
                    out[row[0]] = (row[1], row[2], row[3])
        return out

    def doc_seq_nos(self, uuid: str) -> dict[str, int]:
        with self._lock:
            return dict(self.db.execute("SELECT id, seq_no FROM docs WHERE index_uuid=?", (uuid,)).fetchall())

    def docs_after(self, uuid: str, seq_no: int) -> Iterator[tuple[str, int, int, bytes]]:
        with self._lock:
            rows = self.db.execute(
                "SELECT id, seq_no, version, source FROM docs WHERE index_uuid=? AND seq_no>? ORDER BY seq_no",
                (uuid, seq_no)).fetchall()
        yield from rows

    def count_docs(self, uuid: str) -> int:
        with self._lock:
            return int(self.db.execute("SELECT COUNT(*) FROM docs WHERE index_uuid=?", (uuid,)).fetchone()[0])
