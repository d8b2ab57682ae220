"""Pausing Python's cyclic garbage collector for the duration of allocation-heavy requests."""
from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator


class CollectorPause:
    """Pause Python's cyclic garbage collector while bulk and multi-search requests run.

    A bulk request allocates hundreds of thousands of short-lived, acyclic containers (parsed documents, token
    lists). Reference counting frees them, but every allocation burst also triggers generation-0/1 collections
    that walk what the process holds (the node's structures; in the indexer, torch and transformers). Pausing
    the collector for the request more than doubled ingest throughput (docs/benchmarks.md). An ``_msearch`` of
    feature-logging searches is alike (parsed bodies, feature queries, one log entry per feature per hit): with
    a 100k-document index open, collections took ~18 % of feature logging. Pausing costs nothing in
    correctness: cycles are collected once the last concurrent paused request ends. Counted, so concurrent
    requests compose, and the collector is only re-enabled if it was enabled before.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()


gc_paused = CollectorPause()
