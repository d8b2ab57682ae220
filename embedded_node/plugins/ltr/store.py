"""Feature stores are indices (``IndexFeatureStore``): ``.ltrstore`` and ``.ltrstore_<name>``.

Elements are documents ``feature-NAME``, ``featureset-NAME`` and ``model-NAME`` holding
``{"name", "type", "<type>": element}``; they are written through the node's own document API (so they persist
in the data directory like any index), created with ``op_type=create`` semantics and refreshed immediately, as
the plugin's ``TransportFeatureStoreAction`` does. The store mapping is ``dynamic: strict`` with the element
objects ``enabled: false`` and the store version in ``_meta``.
"""
from __future__ import annotations

import re
from typing import Any

from . import ltr_errors
from ... import errors, jsonutil
from ...index.names import validate_index_name

DEFAULT_STORE = ".ltrstore"
STORE_PREFIX = DEFAULT_STORE + "_"
DEFAULT_NAME = "_default_"
STORE_VERSION = 2
INVALID_FILENAME_CHARS = frozenset('\\/*?"<>| ,')  # Strings.INVALID_FILENAME_CHARS
_INVALID_STORE = re.compile(r"^(features?[*]?|feature_[sS]ets?|models?)$")


def index_name(store: str | None) -> str:
    return DEFAULT_STORE if store is None else STORE_PREFIX + store


def store_name(index: str) -> str:
    return DEFAULT_NAME if index == DEFAULT_STORE else index[len(STORE_PREFIX):]


def is_store_index(index: str) -> bool:
    return index == DEFAULT_STORE or index.startswith(STORE_PREFIX)


def element_id(kind: str, name: str) -> str:
    """``StorableElement.generateId``."""
    return f"{kind}-{name}"


def store_body() -> dict[str, Any]:
    elements = {kind: {"type": "object", "enabled": False} for kind in ("feature", "featureset", "model")}
    return {
        "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-2"}},
        "mappings": {"_meta": {"version": STORE_VERSION}, "dynamic": "strict",
                     "properties": {"name": {"type": "keyword"}, "type": {"type": "keyword"}, **elements}},
    }


def validate_store_name(store: str) -> None:
    """``IndexFeatureStore.validateFeatureStoreName``: reserved words, then the store name itself through
    ``validateIndexOrAliasName`` ("Invalid feature store name [x]: ..."); the index-only rule (lowercase) is
    checked on the store index's name, as index creation does."""
    if _INVALID_STORE.match(store):
        raise ltr_errors.invalid_store_name(store)
    why = _index_or_alias_name_problem(store)
    if why is not None:
        raise ltr_errors.invalid_store_name_chars(store, why)
    validate_index_name(index_name(store))


def _index_or_alias_name_problem(name: str) -> str | None:
    """``MetadataCreateIndexService.validateIndexOrAliasName``'s checks, in its order."""
    bad = sorted(ch for ch in set(name) if ch in INVALID_FILENAME_CHARS)
    if bad:
        return f"must not contain the following characters {sorted(INVALID_FILENAME_CHARS)}"
    if "#" in name:
        return "must not contain '#'"
    if ":" in name:
        return "must not contain ':'"
    if name and name[0] in "_-+":
        return "must not start with '_', '-', or '+'"
    if len(name.encode()) > 255:
        return f"index name is too long, ({len(name.encode())} > 255)"
    if name in (".", ".."):
        return "must not be '.' or '..'"
    return None


def create_store(node: Any, store: str | None) -> str:
    if store is not None:
        validate_store_name(store)
    index = index_name(store)
    node.create_index(index, store_body())
    return index


def require_store(node: Any, index: str) -> Any:
    shard = node.indices.get(index)
    if shard is None:
        raise ltr_errors.store_missing(index)
    return shard


def list_store_indices(node: Any) -> list[str]:
    return sorted(name for name in node.indices if is_store_index(name))


def write_element(node: Any, index: str, kind: str, name: str, element_source: dict[str, Any],
                  create: bool) -> Any:
    """Index ``{"name", "type", kind: element}``; ``create`` -> version conflict (409) if it exists."""
    require_store(node, index)
    source = {"name": name, "type": kind, kind: element_source}
    _, result = node.index_doc(index, element_id(kind, name), None, source,
                               op_type="create" if create else "index", refresh=True)
    return result


def get_element(node: Any, index: str, kind: str, name: str) -> tuple[dict[str, Any], int, int] | None:
    """``(source, seq_no, version)`` or ``None``; a missing store index is ``index_not_found`` (404)."""
    if index not in node.indices:
        raise errors.index_not_found(index)
    _, hit = node.get_doc(index, element_id(kind, name))
    if hit is None:
        return None
    return jsonutil.loads(hit[0], "stored element"), hit[1], hit[2]


def delete_element(node: Any, index: str, kind: str, name: str) -> Any:
    if index not in node.indices:
        raise errors.index_not_found(index)
    _, result = node.delete_doc(index, element_id(kind, name), refresh=True)
    return result


def iter_elements(node: Any, index: str, kind: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(doc id, source)`` of live elements in index order (segment order, then doc id)."""
    shard = node.indices.get(index)
    if shard is None:
        raise errors.index_not_found(index)
    searcher = shard.acquire_searcher()
    ids = [seg.ids[d] for seg, live in searcher.segments for d in range(seg.max_doc) if live[d]]
    if kind is not None:
        ids = [i for i in ids if i.startswith(kind + "-")]
    sources = shard.get_sources(ids)
    out = []
    for doc_id in ids:
        hit = sources.get(doc_id)
        if hit is not None:
            source = jsonutil.loads(hit[0], "stored element")
            if kind is None or source.get("type") == kind:
                out.append((doc_id, source))
    return out


def count_elements(node: Any, index: str) -> dict[str, int]:
    counts = {"feature": 0, "featureset": 0, "model": 0}
    for doc_id, _ in iter_elements(node, index):
        kind = doc_id.split("-", 1)[0]
        if kind in counts:
            counts[kind] += 1
    return counts


def search_elements(node: Any, index: str, kind: str, prefix: str | None, from_: int, size: int) -> dict:
    """``RestSearchStoreElements``: a search for ``type`` (filter) and an optional name prefix.

    The response is a search response over the store index; elements come in index order (the plugin's prefix
    clause is a scored ``match`` on an edge-ngram subfield, whose scores we do not reproduce: a matching
    element gets ``_score`` 1.0).
    """
    hits = [(doc_id, src) for doc_id, src in iter_elements(node, index, kind)
            if not prefix or str(src.get("name", "")).startswith(prefix)]
    score = 1.0 if prefix else 0.0
    page = hits[from_:from_ + size]
    return {
        "took": 0, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": score if hits else None,
                 "hits": [{"_index": index, "_id": doc_id, "_score": score, "_source": src}
                          for doc_id, src in page]},
    }
