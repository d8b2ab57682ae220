"""The ids seen so far in a catalogue, with the row of each one's first occurrence, in about 12 bytes per id.

Duplicate detection is the only state of a load that grows with the catalogue, so it is kept compact: ids are
hashed to 64 bits; recent ones sit in a small dict, and every ``flush_every`` ids they are merged into two
sorted numpy arrays (digest, row) searched with ``searchsorted``. A 64-bit collision between two different ids
(about 1 in 10^8 for a 100-million-row catalogue) would report a false duplicate; it cannot lose a row
silently, because a duplicate is a reported reject.
"""

from __future__ import annotations

import hashlib

import numpy as np


class SeenIds:
    def __init__(self, flush_every: int = 65_536) -> None:
        self.flush_every = flush_every
        self._recent: dict[int, int] = {}
        self._digests = np.empty(0, dtype=np.uint64)
        self._rows = np.empty(0, dtype=np.uint32)

    def __len__(self) -> int:
        return len(self._recent) + int(self._digests.size)

    def first_row(self, item_id: str, row: int) -> int:
        """Record ``item_id`` at ``row`` unless already seen; return the row of its first occurrence."""
        digest = int.from_bytes(hashlib.blake2b(item_id.encode("utf-8"), digest_size=8).digest(), "little")
        seen = self._recent.get(digest)
        if seen is not None:
            return seen
        if self._digests.size:
            key = np.uint64(digest)
            i = int(self._digests.searchsorted(key))
            if i < self._digests.size and self._digests[i] == key:
                return int(self._rows[i])
        self._recent[digest] = row
        if len(self._recent) >= self.flush_every:
            self._flush()
        return row

    def _flush(self) -> None:
        """Merge the recent ids into the sorted arrays in place of a re-sort: one copy of each array."""
        count = len(self._recent)
        digests = np.fromiter(self._recent.keys(), np.uint64, count)
        rows = np.fromiter(self._recent.values(), np.uint32, count)
        order = np.argsort(digests)
        digests, rows = digests[order], rows[order]
        at = self._digests.searchsorted(digests)
        self._digests = np.insert(self._digests, at, digests)
        self._rows = np.insert(self._rows, at, rows)
        self._recent = {}
