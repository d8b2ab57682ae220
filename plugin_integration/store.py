"""Feature stores: create, drop and list them, idempotently.

A store is an index (``.ltrstore`` for the default store, ``.ltrstore_<name>`` for a named one). ``ensure`` and
``drop`` are safe to repeat, so setup scripts and tests can call them without checking first.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from . import ltr_api
from .errors import ClusterError

log = logging.getLogger(__name__)

DEFAULT_STORE = "_default_"  # the name the plugin lists the default store under


@dataclass(frozen=True)
class StoreInfo:
    """One row of ``GET /_ltr``."""

    name: str
    index: str
    version: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_STORE


def list_stores(client: Any) -> list[StoreInfo]:
    stores = (ltr_api.list_stores(client) or {}).get("stores") or {}
    out = []
    for name, meta in sorted(stores.items()):
        meta = meta if isinstance(meta, dict) else {}
        counts = {str(k): int(v) for k, v in (meta.get("counts") or {}).items()}
        out.append(StoreInfo(name=str(meta.get("store", name)), index=str(meta.get("index", "")),
                             version=meta.get("version"), counts=counts))
    return out


def store_exists(client: Any, store: str | None = None) -> bool:
    if not store:  # the default store has no name to GET; it is listed as _default_
        return any(s.is_default for s in list_stores(client))
    try:
        ltr_api.get_store(client, store)
    except ClusterError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def ensure_store(client: Any, store: str | None = None) -> bool:
    """Create the store unless it exists; True when this call created it."""
    if store_exists(client, store):
        return False
    try:
        ltr_api.create_store(client, store)
    except ClusterError as exc:
        if exc.type == "resource_already_exists_exception":  # created meanwhile by someone else
            return False
        raise
    log.info("created feature store %s", store or DEFAULT_STORE)
    return True


def drop_store(client: Any, store: str | None = None) -> bool:
    """Delete the store and everything in it; True when something was deleted, False when it did not exist."""
    if not store_exists(client, store):
        return False
    try:
        ltr_api.delete_store(client, store)
    except ClusterError as exc:
        if exc.status == 404:
            return False
        raise
    log.info("dropped feature store %s", store or DEFAULT_STORE)
    return True
