"""The rejects file: one JSON line per row not indexed, with its stage, row number, id, field and reason.

Validation (reader thread), embedding and bulk indexing (other threads) all write here, so writes are
locked. The file is created on the first reject only; ``count`` says how many lines were written.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import IO

import orjson

from .items import Reject


class RejectsFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._handle: IO[bytes] | None = None
        self._lock = threading.Lock()

    def __call__(self, reject: Reject) -> None:
        self.write(reject)

    def write(self, reject: Reject) -> None:
        payload = orjson.dumps(reject.to_dict(), default=str) + b"\n"
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "wb")
            self._handle.write(payload)
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

    def __enter__(self) -> RejectsFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
