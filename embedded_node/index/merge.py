"""Merging segments: live documents of several segments rewritten into one, deletes dropped.

This is the only place where deleted documents leave the term and field statistics (as in Lucene, where they
count until a merge expunges them).
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .mapping import Mapping
from .segment import InvertedField, NumericValues, Segment, VectorValues, numeric_from_dict, postings_from_triples


def merge_segments(name: str, segments: Iterable[Segment], mapping: Mapping) -> Segment:
    """Rewrite live documents of ``segments`` into one segment, dropping deletes from all statistics."""
    segments = list(segments)
    keep = [np.flatnonzero(s.live) for s in segments]
    remap = []
    base = 0
    for seg, kept in zip(segments, keep):
        new_ids = np.full(seg.max_doc, -1, dtype=np.int64)
        new_ids[kept] = np.arange(base, base + kept.size)
        remap.append(new_ids)
        base += kept.size
    max_doc = base
    ids = [seg.ids[i] for seg, kept in zip(segments, keep) for i in kept.tolist()]
    seq_nos = np.concatenate([s.seq_nos[k] for s, k in zip(segments, keep)]) if segments else np.zeros(0, np.int64)
    versions = np.concatenate([s.versions[k] for s, k in zip(segments, keep)]) if segments else np.zeros(0, np.int64)
    inverted: dict[str, InvertedField] = {}
    for path in sorted({f for s in segments for f in s.inverted}):
        terms: list[str] = []
        term_ids: dict[str, int] = {}
        parts_t, parts_d, parts_f = [], [], []
        lengths = np.zeros(max_doc, dtype=np.int64)
        with_norms = False
        for seg, rm in zip(segments, remap):
            inv = seg.inverted.get(path)
            if inv is None:
                continue
            with_norms = inv.norms is not None
            local_to_global = np.fromiter((term_ids.setdefault(t, len(term_ids)) for t in inv.terms),
                                          dtype=np.int64, count=len(inv.terms))
            terms = list(term_ids)
            per_term = np.diff(inv.offsets)
            t = np.repeat(local_to_global, per_term)
            d = rm[inv.docs]
            ok = d >= 0
            parts_t.append(t[ok])
            parts_d.append(d[ok])
            parts_f.append(inv.freqs[ok])
            doc_len = np.bincount(inv.docs, weights=inv.freqs, minlength=seg.max_doc).astype(np.int64) \
                if inv.norms is not None else np.bincount(inv.docs, minlength=seg.max_doc).astype(np.int64)
            alive = rm >= 0
            lengths[rm[alive]] = doc_len[alive]
        if not parts_t:
            continue
        tids = np.concatenate(parts_t).astype(np.int32)
        docs = np.concatenate(parts_d).astype(np.int32)
        freqs = np.concatenate(parts_f).astype(np.int32)
        used = np.unique(tids)
        if used.size != len(terms):  # drop terms whose every posting was deleted
            new_index = np.full(len(terms), -1, dtype=np.int64)
            new_index[used] = np.arange(used.size)
            tids = new_index[tids].astype(np.int32)
            terms = [terms[i] for i in used.tolist()]
        inverted[path] = postings_from_triples(terms, tids, docs, freqs, lengths, with_norms, max_doc)
    numerics: dict[str, NumericValues] = {}
    for path in sorted({f for s in segments for f in s.numerics}):
        values: dict[int, list[float]] = {}
        for seg, rm in zip(segments, remap):
            num = seg.numerics.get(path)
            if num is None:
                continue
            for local in np.flatnonzero((rm >= 0) & num.has).tolist():
                values[int(rm[local])] = num.values[num.offsets[local]:num.offsets[local + 1]].tolist()
        numerics[path] = numeric_from_dict(values, max_doc)
    vectors: dict[str, VectorValues] = {}
    for path in sorted({f for s in segments for f in s.vectors}):
        dim = mapping.fields[path].dimension
        matrix = np.zeros((max_doc, dim), dtype=np.float32)
        has = np.zeros(max_doc, dtype=bool)
        for seg, rm in zip(segments, remap):
            vec = seg.vectors.get(path)
            if vec is None:
                continue
            alive = rm >= 0
            matrix[rm[alive]] = vec.matrix[alive]
            has[rm[alive]] = vec.has[alive]
        vectors[path] = VectorValues(matrix, has)
    return Segment(name, ids, seq_nos, versions, inverted, numerics, vectors, np.ones(max_doc, dtype=bool))

