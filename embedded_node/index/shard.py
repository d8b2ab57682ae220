"""One index (scored as a single shard): the write path, refresh, merges, reopen and searcher snapshots.

Write order per request: parse and analyse every document first (a bad one fails alone), commit the batch to
SQLite (the acknowledgement point), then apply it to the in-memory buffer. Searches see a snapshot of the
immutable segments and their live-docs arrays, so a concurrent write or alias swap never tears a search.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import errors, jsonutil
from ..analysis import get_analyzer
from .mapping import Mapping
from .parsed_doc import ParsedDoc, parse_document
from .merge import merge_segments
from .segment import Segment, SegmentBuilder
from ..settings import parse_interval
from .storage import Storage

if TYPE_CHECKING:
    from ..plugins.base import SegmentListener

log = logging.getLogger(__name__)

MAX_SEGMENTS = 8
MERGE_FACTOR = 5


@dataclass
class Prepared:
    """A document parsed and analysed, ready to commit."""

    doc_id: str
    source: bytes
    parsed: ParsedDoc
    analyzed: dict[str, list[list[str]]]
    mapping: Mapping


@dataclass
class WriteResult:
    doc_id: str
    result: str  # created | updated | deleted | not_found | noop
    version: int
    seq_no: int


class Searcher:
    """A point-in-time view: segments with the live-docs arrays they had when the view was taken."""

    def __init__(self, shard: "IndexShard", segments: list[tuple[Segment, np.ndarray]]) -> None:
        self.shard = shard
        self.segments = segments
        self.mapping = shard.mapping
        self._stats: dict[str, tuple[int, int, int]] = {}
        self._df: dict[tuple[str, str], tuple[int, int]] = {}

    @property
    def max_doc(self) -> int:
        return sum(seg.max_doc for seg, _ in self.segments)

    @property
    def num_docs(self) -> int:
        return int(sum(np.count_nonzero(live) for _, live in self.segments))

    def field_stats(self, field: str) -> tuple[int, int, int]:
        """``(docCount, sumTotalTermFreq, sumDocFreq)`` over all segments, deleted docs included (as Lucene)."""
        hit = self._stats.get(field)
        if hit is None:
            doc_count = sum_ttf = sum_df = 0
            for seg, _ in self.segments:
                inv = seg.inverted.get(field)
                if inv is not None:
                    doc_count += inv.doc_count
                    sum_ttf += inv.sum_ttf
                    sum_df += inv.sum_df
            hit = self._stats[field] = (doc_count, sum_ttf, sum_df)
        return hit

    def term_stats(self, field: str, term: str) -> tuple[int, int]:
        """``(docFreq, totalTermFreq)`` over all segments, deleted docs included."""
        key = (field, term)
        hit = self._df.get(key)
        if hit is None:
            df = ttf = 0
            for seg, _ in self.segments:
                inv = seg.inverted.get(field)
                if inv is not None:
                    postings = inv.postings(term)
                    if postings is not None:
                        df += postings[0].shape[0]
                        ttf += int(postings[1].sum())
            hit = self._df[key] = (df, ttf)
        return hit


class IndexShard:
    def __init__(self, storage: Storage, uuid: str, name: str, settings: dict[str, str], mapping: Mapping,
                 created_ms: int, max_seq_no: int = -1,
                 segment_listeners: tuple["SegmentListener", ...] = ()) -> None:
        self.storage = storage
        self.segment_listeners = segment_listeners
        self.uuid = uuid
        self.name = name
        self.settings = settings
        self.mapping = mapping
        self.created_ms = created_ms
        self.max_seq_no = max_seq_no
        self.lock = threading.RLock()
        self.segments: list[Segment] = []
        self.builder = SegmentBuilder()
        self.id_map: dict[str, tuple[Segment | None, int, int, int]] = {}  # id -> (segment|None, local, seq, ver)
        self._segment_counter = 0
        self._checkpoint = -1
        self.stats = {"index_total": 0, "delete_total": 0, "search_total": 0, "refresh_total": 0}
        self._dir = storage.segments_dir(uuid)

    # --- settings ------------------------------------------------------------------------------------------
    @property
    def refresh_interval(self) -> float:
        return parse_interval(self.settings.get("index.refresh_interval", "1s"), "index.refresh_interval")

    @property
    def max_result_window(self) -> int:
        return int(self.settings.get("index.max_result_window", "10000"))

    @property
    def doc_count(self) -> int:
        return len(self.id_map)

    # --- write path ------------------------------------------------------------------------------------------
    def prepare(self, doc_id: str, source: bytes | None, source_obj: Any, mapping: Mapping | None = None) -> Prepared:
        """Parse and analyse; raises :class:`EngineError` for this document only."""
        if not doc_id:
            raise errors.action_validation("id is missing")
        if len(doc_id.encode()) > 512:
            raise errors.action_validation(
                f"id [{doc_id[:20]}...] is too long, must be no longer than 512 bytes but was: "
                f"{len(doc_id.encode())}")
        base = mapping or self.mapping
        parsed, new_mapping = parse_document(base, source_obj, doc_id)
        analyzed: dict[str, list[list[str]]] = {}
        for path, values in parsed.text.items():
            mapper = new_mapping.fields[path]
            if not mapper.indexed:
                continue
            analyzer = get_analyzer(mapper.analyzer)
            analyzed[path] = [analyzer.terms(v) for v in values]
        if source is None:
            source = jsonutil.dumps(source_obj)
        return Prepared(doc_id, source, parsed, analyzed, new_mapping)

    def exists_pending(self, doc_id: str, pending: dict[str, tuple[int, int] | None]) -> tuple[int, int] | None:
        """``(seq_no, version)`` of the doc as it will be after already-accepted ops of this batch."""
        if doc_id in pending:
            return pending[doc_id]
        hit = self.id_map.get(doc_id)
        return None if hit is None else (hit[2], hit[3])

    def commit_batch(self, ops: list[tuple[str, Any]], mapping: Mapping | None = None) -> list[WriteResult]:
        """Persist then apply ``("index", Prepared)`` and ``("delete", doc_id)`` ops, in order.

        ``mapping`` is the mapping the documents were prepared against (dynamic additions included); it becomes
        the index's mapping in the same step.
        """
        with self.lock:
            results: list[WriteResult] = []
            rows: list[tuple] = []
            pending: dict[str, tuple[int, int] | None] = {}
            seq = self.max_seq_no
            new_mapping = mapping if mapping is not None else self.mapping
            for kind, payload in ops:
                if kind == "index":
                    prep: Prepared = payload
                    current = self.exists_pending(prep.doc_id, pending)
                    seq += 1
                    version = 1 if current is None else current[1] + 1
                    pending[prep.doc_id] = (seq, version)
                    rows.append(("index", prep.doc_id, seq, version, prep.source))
                    results.append(WriteResult(prep.doc_id, "created" if current is None else "updated", version, seq))
                else:
                    doc_id = payload
                    current = self.exists_pending(doc_id, pending)
                    seq += 1
                    version = 1 if current is None else current[1] + 1
                    if current is not None:
                        pending[doc_id] = None
                        rows.append(("delete", doc_id))
                    results.append(WriteResult(doc_id, "deleted" if current is not None else "not_found", version, seq))
            if new_mapping is not self.mapping:
                self.storage.update_index(self.uuid, mappings=new_mapping.to_dict())
                self.mapping = new_mapping
            self.storage.write_ops(self.uuid, rows, seq)
            self.max_seq_no = seq
            for (kind, payload), res in zip(ops, results):
                if kind == "index":
                    self._apply_index(payload, res.seq_no, res.version)
                    self.stats["index_total"] += 1
                elif res.result == "deleted":
                    self._apply_delete(payload)
                    self.stats["delete_total"] += 1
            return results

    def _apply_index(self, prep: Prepared, seq_no: int, version: int) -> None:
        self._apply_delete(prep.doc_id)
        local = self.builder.add(prep.doc_id, seq_no, version, prep.parsed, self.mapping, prep.analyzed)
        self.id_map[prep.doc_id] = (None, local, seq_no, version)

    def _apply_delete(self, doc_id: str) -> None:
        hit = self.id_map.pop(doc_id, None)
        if hit is None:
            return
        segment, local = hit[0], hit[1]
        if segment is None:
            self.builder.delete(local)
        else:
            segment.with_deleted(local)

    # --- refresh and merge ---------------------------------------------------------------------------------
    def refresh(self) -> bool:
        with self.lock:
            before = list(self.segments)
            refreshed = self._refresh_locked()
            created = self._created_since(before)
        self._segments_written(created)
        return refreshed

    def _refresh_locked(self) -> bool:
        if not len(self.builder):
            return False
        builder, self.builder = self.builder, SegmentBuilder()
        segment = builder.build(self._next_segment_name(), self.mapping)
        for local, doc_id in enumerate(segment.ids):
            hit = self.id_map.get(doc_id)
            if hit is not None and hit[0] is None and hit[1] == local:
                self.id_map[doc_id] = (segment, local, hit[2], hit[3])
        self.segments.append(segment)
        self.stats["refresh_total"] += 1
        self._maybe_merge()
        self._persist()
        return True

    def _created_since(self, before: list[Segment]) -> list[Segment]:
        """The segments a refresh or merge made (held under the shard lock)."""
        old = {id(segment) for segment in before}
        return [segment for segment in self.segments if id(segment) not in old]

    def _segments_written(self, segments: list[Segment]) -> None:
        """Run the plugins' segment listeners on new segments, as a codec does when it writes a segment (the k-NN
        plugin builds the graphs of large segments here).

        Only segments this refresh or merge created: segments recovered at start-up keep loading their
        persisted graph on first use. Outside the shard lock: writes go on meanwhile; a search that reaches a
        segment whose graph is being built waits for it (the per-field lock in the k-NN plugin's ``ann``).
        """
        for segment in segments:
            for listener in self.segment_listeners:
                listener(segment, self.mapping, self.settings)

    def _next_segment_name(self) -> str:
        self._segment_counter += 1
        return f"_{self._segment_counter}"

    def _maybe_merge(self) -> None:
        # Expunge segments that are mostly deletes, then merge the smallest while there are too many.
        for seg in list(self.segments):
            if seg.max_doc and seg.num_docs * 2 < seg.max_doc and len(self.segments) > 1:
                self._merge([seg])
        while len(self.segments) > MAX_SEGMENTS:
            smallest = sorted(self.segments, key=lambda s: s.max_doc)[:MERGE_FACTOR]
            self._merge(smallest)

    def force_merge(self, max_num_segments: int = 1, only_expunge_deletes: bool = False) -> None:
        with self.lock:
            before = list(self.segments)
            self._refresh_locked()
            if only_expunge_deletes:
                targets = [s for s in self.segments if s.num_docs < s.max_doc]
                for seg in targets:
                    self._merge([seg])
            elif len(self.segments) > max_num_segments or any(s.num_docs < s.max_doc for s in self.segments):
                self._merge(list(self.segments))
            self._persist()
            created = self._created_since(before)
        self._segments_written(created)

    def _merge(self, group: list[Segment]) -> None:
        merged = merge_segments(self._next_segment_name(), group, self.mapping)
        position = min(self.segments.index(s) for s in group)
        self.segments = [s for s in self.segments if s not in group]
        if merged.max_doc:
            self.segments.insert(position, merged)
        for local, doc_id in enumerate(merged.ids):
            hit = self.id_map[doc_id]
            self.id_map[doc_id] = (merged, local, hit[2], hit[3])

    def _persist(self) -> None:
        if self._dir is None:
            return
        for seg in self.segments:
            path = self._dir / f"{seg.name}.npz"
            if not path.exists():
                seg.save(path)
            seg.directory = self._dir
        checkpoint = max((int(s.seq_nos.max()) for s in self.segments if s.max_doc), default=-1)
        checkpoint = max(checkpoint, self._checkpoint)
        commit = {"segments": [s.name for s in self.segments], "checkpoint": checkpoint,
                  "counter": self._segment_counter}
        tmp = self._dir / "commit.json.tmp"
        tmp.write_bytes(jsonutil.dumps(commit))
        tmp.replace(self._dir / "commit.json")
        self._checkpoint = checkpoint
        live = {s.name for s in self.segments}
        for child in self._dir.iterdir():  # drop files of merged-away segments (graphs etc. share the prefix)
            if child.name != "commit.json" and child.name.split(".", 1)[0] not in live:
                child.unlink(missing_ok=True)

    # --- reopen --------------------------------------------------------------------------------------------
    def recover(self) -> None:
        """Load the last commit's segments, mark superseded copies deleted, replay newer docs from SQLite."""
        started = time.perf_counter()
        current = self.storage.doc_seq_nos(self.uuid)
        commit_path = None if self._dir is None else self._dir / "commit.json"
        if commit_path is not None and commit_path.exists():
            commit = jsonutil.loads(commit_path.read_bytes())
            self._segment_counter = int(commit.get("counter", 0))
            self._checkpoint = int(commit["checkpoint"])
            for name in commit["segments"]:
                seg = Segment.load(self._dir / f"{name}.npz", name)
                seg.directory = self._dir
                live = np.zeros(seg.max_doc, dtype=bool)
                for local, (doc_id, seq) in enumerate(zip(seg.ids, seg.seq_nos.tolist())):
                    if current.get(doc_id) == seq:
                        live[local] = True
                        self.id_map[doc_id] = (seg, local, seq, int(seg.versions[local]))
                seg.live = live
                self.segments.append(seg)
        replay = 0
        for doc_id, seq_no, version, source in self.storage.docs_after(self.uuid, self._checkpoint):
            prep = self.prepare(doc_id, bytes(source), jsonutil.loads(source))
            if prep.mapping is not self.mapping:
                self.mapping = prep.mapping
            self._apply_index(prep, seq_no, version)
            replay += 1
        self.max_seq_no = max(self.max_seq_no, self._checkpoint)
        if replay:
            self.refresh()
        log.info("recovered index [%s]: %d docs (%d replayed) in %.2fs", self.name, len(self.id_map), replay,
                 time.perf_counter() - started)

    # --- read path -----------------------------------------------------------------------------------------
    def acquire_searcher(self) -> Searcher:
        """A snapshot for searching; buffered docs are refreshed first unless refresh is disabled (-1).

        OpenSearch's search-idle shards behave the same way: a search on a shard with pending writes triggers
        the scheduled refresh and waits for it.
        """
        if len(self.builder) and self.refresh_interval >= 0:
            self.refresh()
        with self.lock:
            return Searcher(self, [(seg, seg.live) for seg in self.segments])

    def get_source(self, doc_id: str) -> tuple[bytes, int, int] | None:
        return self.storage.get_sources(self.uuid, [doc_id]).get(doc_id)

    def get_sources(self, ids: list[str]) -> dict[str, tuple[bytes, int, int]]:
        return self.storage.get_sources(self.uuid, ids)

    def segments_dir(self) -> Path | None:
        return self._dir
