"""Immutable index segments: postings, norms, doc values and vectors as numpy arrays.

Like Lucene, new documents collect in a :class:`SegmentBuilder` and become searchable when a refresh turns the
buffer into an immutable :class:`Segment`. Deleted documents stay in their segment (marked dead in ``live``) and
keep counting in term and field statistics until a merge rewrites the segment, exactly the behaviour the BM25
oracle shows for OpenSearch. Segments persist as one ``.npz`` file each, so reopening a data directory loads
arrays instead of re-analysing every document.
"""
from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .mapping import Mapping
from .norms import int_to_byte4
from .parsed_doc import ParsedDoc


@dataclass
class InvertedField:
    """Postings of one field: term -> (sorted doc ids, term frequencies), plus norms and field statistics."""

    terms: list[str]
    offsets: np.ndarray  # int64[n_terms + 1]
    docs: np.ndarray  # int32, grouped by term, sorted by doc within a term
    freqs: np.ndarray  # int32
    has: np.ndarray  # bool[max_doc]: the doc has >= 1 token (Lucene's docCount)
    norms: np.ndarray | None  # uint8[max_doc] SmallFloat-encoded lengths; None when norms are off
    sum_ttf: int
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def term_index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index

    @property
    def doc_count(self) -> int:
        return int(np.count_nonzero(self.has))

    @property
    def sum_df(self) -> int:
        return int(self.docs.shape[0])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        ordinal = self.term_index.get(term)
        if ordinal is None:
            return None
        lo, hi = self.offsets[ordinal], self.offsets[ordinal + 1]
        return self.docs[lo:hi], self.freqs[lo:hi]

    def doc_freq(self, term: str) -> int:
        ordinal = self.term_index.get(term)
        return 0 if ordinal is None else int(self.offsets[ordinal + 1] - self.offsets[ordinal])

    def total_term_freq(self, term: str) -> int:
        hit = self.postings(term)
        return 0 if hit is None else int(hit[1].sum())


@dataclass
class NumericValues:
    """Numeric doc values (numbers, dates as epoch millis, booleans as 0/1); multi-valued via CSR."""

    offsets: np.ndarray  # int64[max_doc + 1]
    values: np.ndarray  # float64, sorted within each doc
    min: np.ndarray  # float64[max_doc], NaN where the doc has no value
    max: np.ndarray

    @cached_property
    def has(self) -> np.ndarray:
        """bool[max_doc]: the doc has a value (computed once; a segment's arrays never change)."""
        return ~np.isnan(self.min)

    def value_docs(self) -> np.ndarray:
        return np.repeat(np.arange(self.min.shape[0], dtype=np.int32), np.diff(self.offsets))


@dataclass
class VectorValues:
    matrix: np.ndarray  # float32[max_doc, dim]; zero rows where the doc has no vector
    has: np.ndarray  # bool[max_doc]
    ann: object | None = field(default=None, repr=False)  # built lazily by the k-NN module


@dataclass
class Segment:
    name: str
    ids: list[str]
    seq_nos: np.ndarray  # int64
    versions: np.ndarray  # int64
    inverted: dict[str, InvertedField]
    numerics: dict[str, NumericValues]
    vectors: dict[str, VectorValues]
    live: np.ndarray  # bool[max_doc]; replaced (never mutated) on delete, so searches keep a stable view
    cache: dict = field(default_factory=dict, repr=False)
    directory: Path | None = field(default=None, repr=False)  # where its files live, once persisted

    @property
    def max_doc(self) -> int:
        return len(self.ids)

    @property
    def num_docs(self) -> int:
        return int(np.count_nonzero(self.live))

    def live_docs(self, live: np.ndarray) -> np.ndarray:
        """``flatnonzero(live)`` as int32 (a search's candidates), for a ``live`` array of this segment.

        Cached per ``live`` array (they are replaced, never mutated) and read-only: every search of a 100k-doc
        segment would otherwise spend ~0.2 ms listing the same ids.
        """
        cached = self.cache.get("live_docs")
        if cached is not None and cached[0] is live:
            return cached[1]
        docs = np.flatnonzero(live).astype(np.int32)
        docs.setflags(write=False)
        self.cache["live_docs"] = (live, docs)
        return docs

    def is_live_docs(self, docs: np.ndarray) -> bool:
        """Whether ``docs`` is the array :meth:`live_docs` returned (sorted, unique), by identity."""
        cached = self.cache.get("live_docs")
        return cached is not None and cached[1] is docs

    def with_deleted(self, local_doc: int) -> None:
        live = self.live.copy()
        live[local_doc] = False
        self.live = live

    # --- persistence -----------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "ids": _pack_strings(self.ids), "seq_nos": self.seq_nos, "versions": self.versions,
        }
        for name, inv in self.inverted.items():
            arrays[f"inv|{name}|terms"] = _pack_strings(inv.terms)
            arrays[f"inv|{name}|offsets"] = inv.offsets
            arrays[f"inv|{name}|docs"] = inv.docs
            arrays[f"inv|{name}|freqs"] = inv.freqs
            arrays[f"inv|{name}|has"] = inv.has
            arrays[f"inv|{name}|sum_ttf"] = np.asarray([inv.sum_ttf], dtype=np.int64)
            if inv.norms is not None:
                arrays[f"inv|{name}|norms"] = inv.norms
        for name, num in self.numerics.items():
            arrays[f"num|{name}|offsets"] = num.offsets
            arrays[f"num|{name}|values"] = num.values
        for name, vec in self.vectors.items():
            arrays[f"vec|{name}|matrix"] = vec.matrix
            arrays[f"vec|{name}|has"] = vec.has
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, name: str) -> "Segment":
        data = np.load(path, allow_pickle=False)
        ids = _unpack_strings(data["ids"])
        inverted: dict[str, dict[str, np.ndarray]] = {}
        numerics: dict[str, dict[str, np.ndarray]] = {}
        vectors: dict[str, dict[str, np.ndarray]] = {}
        for key in data.files:
            if "|" not in key:
                continue
            kind, fname, part = key.split("|")
            {"inv": inverted, "num": numerics, "vec": vectors}[kind].setdefault(fname, {})[part] = data[key]
        inv = {
            f: InvertedField(_unpack_strings(p["terms"]), p["offsets"], p["docs"], p["freqs"], p["has"],
                             p.get("norms"), int(p["sum_ttf"][0]))
            for f, p in inverted.items()
        }
        num = {f: _numeric(p["offsets"], p["values"]) for f, p in numerics.items()}
        vec = {f: VectorValues(p["matrix"], p["has"]) for f, p in vectors.items()}
        return cls(name, ids, data["seq_nos"], data["versions"], inv, num, vec, np.ones(len(ids), dtype=bool))


def _pack_strings(strings: list[str]) -> np.ndarray:
    """Strings as one uint8 blob preceded by int64 offsets (npz cannot hold object arrays without pickle)."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    header = np.asarray([len(encoded)], dtype=np.int64)
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return np.concatenate([header.view(np.uint8), lengths.view(np.uint8), blob])


def _unpack_strings(packed: np.ndarray) -> list[str]:
    raw = packed.tobytes()
    count = int(np.frombuffer(raw[:8], dtype=np.int64)[0])
    lengths = np.frombuffer(raw[8:8 + 8 * count], dtype=np.int64)
    blob = raw[8 + 8 * count:]
    ends = np.cumsum(lengths).tolist()
    starts = [0] + ends[:-1]
    return [blob[s:e].decode("utf-8", "surrogatepass") for s, e in zip(starts, ends)]


def _numeric(offsets: np.ndarray, values: np.ndarray) -> NumericValues:
    max_doc = offsets.shape[0] - 1
    counts = np.diff(offsets)
    mins = np.full(max_doc, np.nan)
    maxs = np.full(max_doc, np.nan)
    present = counts > 0
    if values.size:
        starts = offsets[:-1][present]
        ends = offsets[1:][present] - 1
        mins[present] = values[starts]
        maxs[present] = values[ends]
    return NumericValues(offsets, values, mins, maxs)


class _FieldBuffer:
    __slots__ = ("term_ids", "terms", "tids", "docs", "freqs", "lengths", "with_norms")

    def __init__(self, with_norms: bool) -> None:
        self.term_ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.tids = array("i")
        self.docs = array("i")
        self.freqs = array("i")
        self.lengths: dict[int, int] = {}
        self.with_norms = with_norms


class SegmentBuilder:
    """The in-memory indexing buffer (Lucene's DWPT): analyse on add, build arrays on refresh."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.seq_nos = array("q")
        self.versions = array("q")
        self.dead: set[int] = set()
        self.fields: dict[str, _FieldBuffer] = {}
        self.numbers: dict[str, dict[int, list[float]]] = {}
        self.vectors: dict[str, dict[int, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, doc_id: str, seq_no: int, version: int, parsed: ParsedDoc, mapping: Mapping,
            analyzed: dict[str, list[list[str]]]) -> int:
        """Add one parsed document; ``analyzed`` holds the token lists of each text value."""
        local = len(self.ids)
        self.ids.append(doc_id)
        self.seq_nos.append(seq_no)
        self.versions.append(version)
        for path, token_lists in analyzed.items():
            mapper = mapping.fields[path]
            buf = self.fields.get(path)
            if buf is None:
                buf = self.fields[path] = _FieldBuffer(mapper.has_norms)
            if len(token_lists) == 1:
                tokens = token_lists[0]
                self._add_terms(buf, local, Counter(tokens), len(tokens))
            else:
                counts: Counter[str] = Counter()
                length = 0
                for tokens in token_lists:
                    counts.update(tokens)
                    length += len(tokens)
                self._add_terms(buf, local, counts, length)
        for path, values in parsed.keywords.items():
            buf = self.fields.get(path)
            if buf is None:
                buf = self.fields[path] = _FieldBuffer(False)
            unique = dict.fromkeys(values, 1)  # keyword fields index DOCS only: frequency 1
            self._add_terms(buf, local, unique, len(unique))
        for path, values in parsed.numbers.items():
            self.numbers.setdefault(path, {})[local] = values
        for path, vector in parsed.vectors.items():
            self.vectors.setdefault(path, {})[local] = vector
        return local

    @staticmethod
    def _add_terms(buf: _FieldBuffer, local: int, counts: "Counter[str] | dict[str, int]", length: int) -> None:
        if not counts:
            return
        term_ids = buf.term_ids
        terms = buf.terms
        tids = []
        for term in counts:  # one dict probe per unique term; the appends below run in C
            tid = term_ids.get(term)
            if tid is None:
                tid = term_ids[term] = len(terms)
                terms.append(term)
            tids.append(tid)
        buf.tids.extend(tids)
        buf.docs.extend([local] * len(tids))
        buf.freqs.extend(counts.values())
        buf.lengths[local] = length

    def delete(self, local: int) -> None:
        self.dead.add(local)

    def build(self, name: str, mapping: Mapping) -> Segment:
        max_doc = len(self.ids)
        inverted = {}
        for path, buf in self.fields.items():
            tids = np.frombuffer(buf.tids, dtype=np.int32) if buf.tids else np.zeros(0, np.int32)
            docs = np.frombuffer(buf.docs, dtype=np.int32) if buf.docs else np.zeros(0, np.int32)
            freqs = np.frombuffer(buf.freqs, dtype=np.int32) if buf.freqs else np.zeros(0, np.int32)
            lengths = np.zeros(max_doc, dtype=np.int64)
            if buf.lengths:
                lengths[np.fromiter(buf.lengths.keys(), np.int64)] = np.fromiter(buf.lengths.values(), np.int64)
            inverted[path] = postings_from_triples(buf.terms, tids, docs, freqs, lengths, buf.with_norms, max_doc)
        numerics = {path: numeric_from_dict(values, max_doc) for path, values in self.numbers.items()}
        vectors = {}
        for path, vecs in self.vectors.items():
            dim = mapping.fields[path].dimension
            matrix = np.zeros((max_doc, dim), dtype=np.float32)
            has = np.zeros(max_doc, dtype=bool)
            for local, vec in vecs.items():
                matrix[local] = vec
                has[local] = True
            vectors[path] = VectorValues(matrix, has)
        live = np.ones(max_doc, dtype=bool)
        if self.dead:
            live[list(self.dead)] = False
        return Segment(name, list(self.ids), np.asarray(self.seq_nos, dtype=np.int64),
                       np.asarray(self.versions, dtype=np.int64), inverted, numerics, vectors, live)


def postings_from_triples(terms: list[str], tids: np.ndarray, docs: np.ndarray, freqs: np.ndarray,
                          lengths: np.ndarray, with_norms: bool, max_doc: int) -> InvertedField:
    """Sort (term, doc, freq) triples into postings; ``lengths`` are per-doc token counts for norms."""
    order = np.lexsort((docs, tids))
    tids_sorted = tids[order]
    counts = np.bincount(tids_sorted, minlength=len(terms)) if len(terms) else np.zeros(0, np.int64)
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    has = lengths > 0
    norms = None
    if with_norms:
        norms = np.zeros(max_doc, dtype=np.uint8)
        if has.any():
            norms[has] = int_to_byte4(lengths[has])
    return InvertedField(list(terms), offsets, np.ascontiguousarray(docs[order], dtype=np.int32),
                         np.ascontiguousarray(freqs[order], dtype=np.int32), has, norms,
                         int(freqs.astype(np.int64).sum()))


def numeric_from_dict(values: dict[int, list[float]], max_doc: int) -> NumericValues:
    counts = np.zeros(max_doc, dtype=np.int64)
    flat: list[float] = []
    for local in sorted(values):
        vals = sorted(values[local])
        counts[local] = len(vals)
        flat.extend(vals)
    offsets = np.zeros(max_doc + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return _numeric(offsets, np.asarray(flat, dtype=np.float64))
