"""The embedded node: indices, aliases and documents over one data directory.

One :class:`Node` per data directory per process (see :func:`open_node`); a file lock stops a second process
from opening the same directory, because two writers would each hold a stale in-memory index.
"""
from __future__ import annotations

import fnmatch
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import errors, jsonutil
from .aliases import alias_metadata, apply_alias_actions
from .distributions import DistributionMismatch, distribution_for
from .index.mapping import Mapping, unwrap_mappings
from .index.names import validate_alias_name, validate_index_name
from .index.shard import IndexShard, Prepared, WriteResult
from .index.storage import Storage
from .jsonutil import deep_merge, string_list
from .plugins_service import PluginsService
from .search.limits import SearchLimits
from .settings import DEFAULTS, check_updatable, nest, normalize
from .uuids import new_doc_id, random_base64_uuid
from .version import version_id

if TYPE_CHECKING:
    from .plugins.base import Plugin

log = logging.getLogger(__name__)

DEFAULT_VERSION = "2.19.0"
CLUSTER_NAME = "mmltr-embedded"


class Node:
    """A single-node cluster. Thread-safe: metadata changes hold ``self.lock``; each shard has its own lock."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *, version: str | None = None,
                 distribution: str | None = None, plugins: Sequence["Plugin"] | None = None,
                 settings: dict[str, Any] | None = None) -> None:
        self.data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.storage = Storage(self.data_dir)
        self.lock = threading.RLock()
        self.started = time.time()
        self.node_id = self._meta_or_create("node_id", random_base64_uuid)
        self.cluster_uuid = self._meta_or_create("cluster_uuid", random_base64_uuid)
        # The emulated engine and version: given, else what the data directory was created as, else the
        # environment (MMLTR_EMBEDDED_DISTRIBUTION / MMLTR_EMBEDDED_VERSION), else OpenSearch's default version.
        stored_distribution = self.storage.get_meta("distribution")
        self.profile = distribution_for(distribution or stored_distribution
                                        or os.environ.get("MMLTR_EMBEDDED_DISTRIBUTION") or "opensearch")
        self.distribution = self.profile.name
        switched = stored_distribution is not None and stored_distribution != self.distribution
        if switched and self.storage.list_indices():  # their mappings are the other engine's (knn_vector...)
            self.storage.close()
            raise DistributionMismatch(
                f"the data directory {self.data_dir} holds indices of an emulated {stored_distribution} node; "
                f"it cannot be opened as {self.distribution}: use another --data-dir for {self.distribution}, "
                f"or omit the distribution to open it as {stored_distribution}")
        stored_version = None if switched else self.storage.get_meta("version")
        self.version = (version or stored_version or os.environ.get("MMLTR_EMBEDDED_VERSION")
                        or self.profile.default_version)
        if self.distribution != stored_distribution:
            self.storage.set_meta("distribution", self.distribution)
        if self.version != stored_version:
            self.storage.set_meta("version", self.version)
        self.indices: dict[str, IndexShard] = {}
        self.aliases: dict[str, dict[str, dict[str, Any]]] = {}  # alias -> {index name -> alias metadata}
        self.extensions: dict[str, Any] = {}  # per-node state: the plugins' (by plugin name), scrolls, ...
        self.search_limits = SearchLimits.from_settings(settings)  # node settings, or MMLTR_NODE_SETTINGS
        self.plugins = PluginsService(self.profile.plugins if plugins is None else plugins)
        for plugin in self.plugins.plugins:
            if plugin.node_state is not None:
                self.extensions[plugin.name] = plugin.node_state(self)
        self.closed = False
        self._load()

    def _meta_or_create(self, key: str, factory: Callable[[], str]) -> str:
        value = self.storage.get_meta(key)
        if value is None:
            value = factory()
            self.storage.set_meta(key, value)
        return value

    def _load(self) -> None:
        by_uuid: dict[str, IndexShard] = {}
        for row in self.storage.list_indices():
            shard = IndexShard(self.storage, row["uuid"], row["name"], row["settings"],
                               Mapping.parse(row["mappings"], self.plugins.field_types), row["created_ms"],
                               row["max_seq_no"], self.plugins.segment_listeners)
            shard.recover()
            self.indices[shard.name] = shard
            by_uuid[shard.uuid] = shard
        for alias, index_uuid, meta in self.storage.list_aliases():
            shard = by_uuid.get(index_uuid)
            if shard is not None:
                self.aliases.setdefault(alias, {})[shard.name] = meta

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.storage.close()

    # --- index lifecycle -----------------------------------------------------------------------------------
    def create_index(self, name: str, body: dict[str, Any] | None = None) -> IndexShard:
        body = body or {}
        if not isinstance(body, dict):
            raise errors.parsing("request body must be an object")
        unknown = set(body) - {"settings", "mappings", "aliases"}
        if unknown:
            raise errors.parsing(f"unknown key [{sorted(unknown)[0]}] for create index")
        validate_index_name(name)
        with self.lock:
            if name in self.indices:
                raise errors.index_exists(name, self.indices[name].uuid)
            if name in self.aliases:
                raise errors.EngineError("invalid_index_name_exception",
                                         f"Invalid index name [{name}], an alias with the same name already exists",
                                         400, index=name, index_uuid="_na_")
            flat = dict(DEFAULTS)
            flat.update(normalize(body.get("settings"), creating=True, plugin_settings=self.plugins.settings))
            mapping = Mapping.parse(unwrap_mappings(body.get("mappings")), self.plugins.field_types)
            aliases = body.get("aliases") or {}
            if not isinstance(aliases, dict):
                raise errors.parsing("[aliases] must be an object")
            for alias in aliases:
                validate_alias_name(alias)
                if alias in self.indices:
                    raise errors.EngineError("invalid_alias_name_exception",
                                             f"Invalid alias name [{alias}]: an index or data stream exists with the "
                                             "same name as the alias", 400)
            uid = random_base64_uuid()
            created = int(time.time() * 1000)
            flat.update({"index.uuid": uid, "index.provided_name": name, "index.creation_date": str(created),
                         "index.version.created": version_id(self.version)})
            self.storage.create_index(uid, name, flat, mapping.to_dict(), created)
            shard = IndexShard(self.storage, uid, name, flat, mapping, created,
                               segment_listeners=self.plugins.segment_listeners)
            self.indices[name] = shard
            if aliases:
                self.storage.apply_alias_actions([], [(a, uid, alias_metadata(m)) for a, m in aliases.items()])
                for alias, meta in aliases.items():
                    self.aliases.setdefault(alias, {})[name] = alias_metadata(meta)
            log.info("created index [%s]", name)
            return shard

    def delete_indices(self, expression: str, **options: Any) -> list[str]:
        """Delete concrete indices only: a name that is an alias is refused (deleting the index behind an alias
        is never what ``DELETE /<alias>`` meant), and wildcards expand over indices, never aliases."""
        with self.lock:
            for part in string_list(expression) if not isinstance(expression, str) else expression.split(","):
                if part in self.aliases and part not in self.indices:
                    raise errors.illegal_argument(f"The provided expression [{part}] matches an alias, specify the "
                                                  "corresponding concrete indices instead.")
            names = self.resolve_names(expression, **{"allow_aliases": False, **options})
            for name in names:
                shard = self.indices.pop(name)
                self.storage.delete_index(shard.uuid)
                for alias in list(self.aliases):
                    self.aliases[alias].pop(name, None)
                    if not self.aliases[alias]:
                        del self.aliases[alias]
            return names

    def put_mapping(self, expression: str, body: dict[str, Any]) -> None:
        with self.lock:
            shards = self.resolve(expression)
            updated = [(s, s.mapping.merge(unwrap_mappings(body))) for s in shards]
            for shard, mapping in updated:
                with shard.lock:
                    shard.mapping = mapping
                    self.storage.update_index(shard.uuid, mappings=mapping.to_dict())

    def put_settings(self, expression: str, body: dict[str, Any]) -> None:
        flat = normalize(body.get("settings", body) if isinstance(body, dict) else body, creating=False,
                         plugin_settings=self.plugins.settings)
        check_updatable(flat)
        with self.lock:
            for shard in self.resolve(expression):
                with shard.lock:
                    shard.settings = {**shard.settings, **flat}
                    for key, value in flat.items():
                        if value == "":
                            shard.settings.pop(key, None)
                    self.storage.update_index(shard.uuid, settings=shard.settings)

    def settings_view(self, shard: IndexShard) -> dict[str, Any]:
        return nest(shard.settings)

    # --- aliases -------------------------------------------------------------------------------------------
    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        """Apply ``add``/``remove``/``remove_index`` actions atomically (all or nothing, one transaction)."""
        apply_alias_actions(self, actions)

    # --- name resolution -----------------------------------------------------------------------------------
    def resolve_names(self, expression: str | list[str] | None, *, allow_no_indices: bool = False,
                      ignore_unavailable: bool = False, expand_wildcards: str = "open",
                      allow_aliases: bool = True) -> list[str]:
        """Expand an index expression (names, aliases, ``*`` wildcards, ``-exclusions``, ``_all``)."""
        parts = string_list(expression) or ["_all"]
        if isinstance(expression, str):
            parts = [p for p in expression.split(",") if p]
        include_hidden = "all" in expand_wildcards or "hidden" in expand_wildcards
        out: list[str] = []
        for part in parts:
            exclude = part.startswith("-") and bool(out)
            pattern = part[1:] if exclude else part
            if pattern in ("_all", "*"):
                matched = [n for n in self.indices if include_hidden or not n.startswith(".")]
            elif "*" in pattern or "?" in pattern:
                matched = [n for n in self.indices if fnmatch.fnmatchcase(n, pattern)
                           and (include_hidden or not n.startswith(".") or pattern.startswith("."))]
                if allow_aliases:
                    for alias, targets in self.aliases.items():
                        if fnmatch.fnmatchcase(alias, pattern):
                            matched.extend(targets)
                if not matched and not allow_no_indices and not exclude and not ignore_unavailable:
                    pass  # OpenSearch returns an empty result for unmatched wildcards (allow_no_indices=true default)
            elif pattern in self.indices:
                matched = [pattern]
            elif allow_aliases and pattern in self.aliases:
                matched = list(self.aliases[pattern])
            else:
                if ignore_unavailable or exclude:
                    continue
                raise errors.index_not_found(pattern)
            if exclude:
                out = [n for n in out if n not in matched]
            else:
                out.extend(n for n in matched if n not in out)
        return out

    def resolve(self, expression: str | list[str] | None, **options: Any) -> list[IndexShard]:
        return [self.indices[n] for n in self.resolve_names(expression, **options)]

    def write_shard(self, name: str, *, auto_create: bool = True) -> IndexShard:
        """The index a write to ``name`` goes to: the index, the alias's write index, or a new index."""
        shard = self.indices.get(name)
        if shard is not None:
            return shard
        targets = self.aliases.get(name)
        if targets:
            if len(targets) == 1:
                return self.indices[next(iter(targets))]
            writers = [n for n, meta in targets.items() if meta.get("is_write_index")]
            if len(writers) == 1:
                return self.indices[writers[0]]
            raise errors.illegal_argument(
                f"no write index is defined for alias [{name}]. The write index may be explicitly disabled using "
                "is_write_index=false or the alias points to multiple indices without one being designated as a "
                "write index")
        if not auto_create:
            raise errors.index_not_found(name)
        with self.lock:
            if name in self.indices:
                return self.indices[name]
            return self.create_index(name, {})

    # --- documents -----------------------------------------------------------------------------------------
    def index_doc(self, index: str, doc_id: str | None, source: bytes | None, source_obj: Any, *,
                  op_type: str = "index", if_seq_no: int | None = None, if_primary_term: int | None = None,
                  refresh: bool = False) -> tuple[IndexShard, WriteResult]:
        shard = self.write_shard(index)
        if doc_id is None:
            doc_id = new_doc_id()
            op_type = "create"
        with shard.lock:
            prep = shard.prepare(doc_id, source, source_obj)
            self.check_write_conditions(shard, doc_id, op_type, if_seq_no, if_primary_term, {})
            result = shard.commit_batch([("index", prep)], prep.mapping)[0]
        if refresh:
            shard.refresh()
        return shard, result

    @staticmethod
    def check_write_conditions(shard: IndexShard, doc_id: str, op_type: str, if_seq_no: int | None,
                               if_primary_term: int | None, pending: dict[str, tuple[int, int] | None]) -> None:
        current = shard.exists_pending(doc_id, pending)
        if op_type == "create" and current is not None:
            raise errors.version_conflict(
                shard.name, doc_id, f"version conflict, document already exists (current version [{current[1]}])")
        if if_seq_no is not None:
            if current is None:
                raise errors.version_conflict(
                    shard.name, doc_id, f"version conflict, required seqNo [{if_seq_no}], primary term "
                    f"[{if_primary_term}] but no document was found")
            if current[0] != int(if_seq_no) or (if_primary_term is not None and int(if_primary_term) != 1):
                raise errors.version_conflict(
                    shard.name, doc_id, f"version conflict, required seqNo [{if_seq_no}], primary term "
                    f"[{if_primary_term}]. current document has seqNo [{current[0]}] and primary term [1]")

    def delete_doc(self, index: str, doc_id: str, *, refresh: bool = False,
                   if_seq_no: int | None = None, if_primary_term: int | None = None) -> tuple[IndexShard, WriteResult]:
        shard = self.write_shard(index, auto_create=False)
        with shard.lock:
            if if_seq_no is not None:
                self.check_write_conditions(shard, doc_id, "index", if_seq_no, if_primary_term, {})
            result = shard.commit_batch([("delete", doc_id)])[0]
        if refresh:
            shard.refresh()
        return shard, result

    def get_doc(self, index: str, doc_id: str) -> tuple[IndexShard, tuple[bytes, int, int] | None]:
        shard = self.write_shard(index, auto_create=False) if index not in self.indices else self.indices[index]
        return shard, shard.get_source(doc_id)

    def prepare_update(self, shard: IndexShard, doc_id: str, body: dict[str, Any],
                       pending_sources: dict[str, Any]) -> tuple[str, Any]:
        """Resolve an ``_update`` body into the new source: ``("index", obj)``, ``("noop", obj)``."""
        if not isinstance(body, dict):
            raise errors.parsing("update body must be an object")
        unknown = set(body) - {"doc", "upsert", "doc_as_upsert", "detect_noop", "_source", "scripted_upsert"}
        if "script" in body:
            raise errors.illegal_argument("scripted updates are not supported by the embedded node; send a partial "
                                          "[doc] instead")
        if unknown:
            raise errors.parsing(f"[UpdateRequest] unknown field [{sorted(unknown)[0]}]")
        if "doc" not in body:
            raise errors.action_validation("script or doc is missing")
        doc = body["doc"]
        if not isinstance(doc, dict):
            raise errors.parsing("[doc] must be an object")
        if doc_id in pending_sources:
            current = pending_sources[doc_id]
        else:
            hit = shard.get_source(doc_id)
            current = None if hit is None else jsonutil.loads(hit[0])
        if current is None:
            if body.get("doc_as_upsert"):
                return "index", doc
            if "upsert" in body:
                return "index", body["upsert"]
            raise errors.document_missing(shard.name, doc_id)
        merged = deep_merge(current, doc)
        if body.get("detect_noop", True) and merged == current:
            return "noop", current
        return "index", merged

    def prepare_for(self, shard: IndexShard, doc_id: str, source: bytes | None, source_obj: Any,
                    mapping: Mapping) -> Prepared:
        return shard.prepare(doc_id, source, source_obj, mapping)


_NODES: dict[str, tuple[Node, int]] = {}
_NODES_LOCK = threading.Lock()


def open_node(data_dir: str | os.PathLike[str] | None, **options: Any) -> Node:
    """The process-wide node for ``data_dir`` (opened once, shared by every client that names it)."""
    if data_dir is None:
        return Node(None, **options)
    key = str(Path(data_dir).resolve())
    with _NODES_LOCK:
        hit = _NODES.get(key)
        if hit is not None and not hit[0].closed:
            _NODES[key] = (hit[0], hit[1] + 1)
            return hit[0]
        node = Node(key, **options)
        _NODES[key] = (node, 1)
        return node


def release_node(node: Node) -> None:
    """Drop one reference; the node closes (and unlocks its directory) when the last client goes."""
    if node.data_dir is None:
        node.close()
        return
    key = str(node.data_dir)
    with _NODES_LOCK:
        hit = _NODES.get(key)
        if hit is None:
            return
        if hit[1] <= 1:
            del _NODES[key]
            node.close()
        else:
            _NODES[key] = (hit[0], hit[1] - 1)
