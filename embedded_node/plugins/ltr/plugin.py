"""Per-node plugin state: version semantics, the compiled-element caches and request counters.

``Caches`` mirrors the plugin's three caches (feature, featureset, model; ``com.o19s.es.ltr.feature.store.
index.Caches``): compiled elements keyed by store index and name, with hit/miss/eviction counters. Deleting an
element or a store evicts its entries; ``_clearcache`` empties them. The plugin also evicts a store's entries when
its index is deleted by any route (``DELETE /.ltrstore_x`` included: ``Caches`` listens to index removal); here
the caches remember each store index's uuid and drop the entries of an index that is gone or was recreated
whenever they are read (:meth:`LtrPlugin.sync_caches`). The state lives in ``node.extensions[NAME]``, built with the node.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from . import ltr_errors, store
from .elements import FEATURESET, MODEL, element_from_source
from .features import compile_featureset
from .rankers import CompiledModel, compile_model, featureset_ranker
from .versions import PluginSemantics

KINDS = ("feature", "featureset", "model")


@dataclass
class CacheStats:
    hit_count: int = 0
    miss_count: int = 0
    eviction_count: int = 0


@dataclass
class Caches:
    entries: dict[tuple[str, str, str], tuple[Any, int]] = field(default_factory=dict)
    stats: dict[str, CacheStats] = field(default_factory=lambda: {k: CacheStats() for k in KINDS})
    lock: threading.RLock = field(default_factory=threading.RLock)
    uuids: dict[str, str] = field(default_factory=dict)  # store index -> uuid its entries were loaded from

    def get_or_load(self, kind: str, index: str, name: str, load: Callable[[], tuple[Any, int]]) -> Any:
        key = (kind, index, name)
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.stats[kind].hit_count += 1
                return hit[0]
            self.stats[kind].miss_count += 1
        value, size = load()
        with self.lock:
            self.entries[key] = (value, size)
        return value

    def evict(self, kind: str, index: str, name: str) -> None:
        with self.lock:
            if self.entries.pop((kind, index, name), None) is not None:
                self.stats[kind].eviction_count += 1

    def evict_store(self, index: str | None = None) -> None:
        with self.lock:
            for key in [k for k in self.entries if index is None or k[1] == index]:
                del self.entries[key]
                self.stats[key[0]].eviction_count += 1

    def prune(self, live_uuids: dict[str, str]) -> None:
        """Evict every entry of a store index that no longer exists or was recreated (another uuid)."""
        with self.lock:
            gone = {i for i, uuid in self.uuids.items() if live_uuids.get(i) != uuid}
            for index in gone:
                del self.uuids[index]
                self.evict_store(index)

    def usage(self, kind: str, index: str | None = None) -> tuple[int, int]:
        """``(entry count, estimated bytes)`` for one cache, optionally one store."""
        with self.lock:
            sizes = [size for (k, i, _), (_, size) in self.entries.items()
                     if k == kind and index in (None, i)]
        return len(sizes), sum(sizes)


class LtrPlugin:
    def __init__(self, node: Any) -> None:
        self.node = node
        self.semantics = PluginSemantics.of(node)
        self.caches = Caches()
        self.request_total = 0
        self.request_errors = 0
        self.lock = threading.Lock()

    def count_request(self, failed: bool = False) -> None:
        with self.lock:
            self.request_total += 1
            if failed:
                self.request_errors += 1

    def sync_caches(self) -> None:
        """Drop cached elements of store indices deleted (or recreated) since they were loaded."""
        live = {name: shard.uuid for name, shard in list(self.node.indices.items()) if store.is_store_index(name)}
        self.caches.prune(live)

    def _remember(self, index: str) -> None:
        shard = self.node.indices.get(index)
        if shard is not None:
            with self.caches.lock:
                self.caches.uuids[index] = shard.uuid

    def load_model(self, index: str, name: str) -> CompiledModel:
        self.sync_caches()
        self._remember(index)

        def load() -> tuple[CompiledModel, int]:
            hit = store.get_element(self.node, index, MODEL, name)
            if hit is None:
                raise ltr_errors.not_found("model", name)
            stored = element_from_source(MODEL, hit[0])
            model = compile_model(stored, self.semantics)  # type: ignore[arg-type]
            return model, model.size_bytes

        return self.caches.get_or_load(MODEL, index, name, load)

    def load_featureset(self, index: str, name: str) -> CompiledModel:
        self.sync_caches()
        self._remember(index)

        def load() -> tuple[CompiledModel, int]:
            hit = store.get_element(self.node, index, FEATURESET, name)
            if hit is None:
                raise ltr_errors.not_found("featureset", name)
            stored = element_from_source(FEATURESET, hit[0])
            cset = compile_featureset(stored)  # type: ignore[arg-type]
            return featureset_ranker(cset), len(str(hit[0])) * 2

        return self.caches.get_or_load(FEATURESET, index, name, load)


NAME = "opensearch-ltr"


def plugin(node: Any) -> LtrPlugin:
    """The node's LTR plugin state, built with the node (``Plugin.node_state``)."""
    return node.extensions[NAME]
