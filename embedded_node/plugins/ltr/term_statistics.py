"""Term statistics as the LTR plugin computes them, shared by ``match_explorer`` and ``term_stat``.

Facts from opensearch-learning-to-rank-base (``com.o19s.es.explore.StatisticsHelper``, ``ExplorerQuery``,
``PostingsExplorerQuery``, ``com.o19s.es.termstat.TermStatSupplier``):

* statistics are float32: ``sum`` adds in order from 0f; ``mean = sum / n``; ``max`` starts at 0f and ``min``
  at ``Float.MAX_VALUE``; ``stddev = (float) sqrt(sum((a - mean)^2) / n)`` with every step in float32;
* ``raw_df`` is the term's shard document frequency (deleted documents included until merged, as Lucene's
  ``TermStates``), ``raw_ttf`` its total term frequency, ``classic_idf`` is Lucene's ``ClassicSimilarity.idf``:
  ``(float) (ln((docCount + 1) / (double) (docFreq + 1)) + 1)`` with ``docCount`` the number of documents that
  have the field; a term absent from the index contributes 0 to all three;
* ``raw_tf`` is the term's frequency in the document (from the postings);
* ``raw_tp`` reads term positions: each occurrence's position + 1. The node's postings keep frequencies, not
  positions, so positions are recomputed from ``_source`` by re-running the field's index analyzer, with the
  mapping's ``position_increment_gap`` (default 100) between the values of a multi-valued field, as the
  indexing chain places them;
* the terms of a query are those Lucene's ``QueryVisitor.termCollector`` gathers: every term query in the
  rewritten query except under ``must_not``, each (field, term) once. The plugin iterates a ``HashSet`` (an
  unspecified order); the node uses the order of first appearance, which can change the last float32 bit of a
  sum or mean of fractional values (``classic_idf``) and nothing else.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable

import numpy as np

from ...analysis import get_analyzer
from ...index.parsed_doc import parse_document
from ...search.queries.lucene_boolean import BooleanQuery
from ...search.queries.lucene_clauses import MUST_NOT
from ...search.queries.lucene_queries import TermQuery
from ...search.query import Query

F32 = np.float32
FLOAT_MAX = F32(np.finfo(np.float32).max)
Term = tuple[str, str]  # (field, term)


# --- StatisticsHelper, over a [n_values, n_docs] matrix with a presence mask -----------------------------------
def aggregate(values: np.ndarray, present: np.ndarray, how: str) -> np.ndarray:
    """``StatisticsHelper.get<how>`` per column over the present entries, in row order, in float32.

    ``how`` is ``sum``, ``mean`` (``avg``), ``max``, ``min`` or ``stddev``. A column with no present entry gives
    the helper's initial value (0f, or ``Float.MAX_VALUE`` for ``min``; the plugin only aggregates non-empty
    lists, so callers decide what an empty column means)."""
    values = np.asarray(values, dtype=F32)
    count = present.sum(axis=0).astype(F32)
    if how == "max":
        out = np.zeros(values.shape[1], dtype=F32)
        for row, mask in zip(values, present):
            out = np.where(mask & (row > out), row, out)
        return out
    if how == "min":
        out = np.full(values.shape[1], FLOAT_MAX, dtype=F32)
        for row, mask in zip(values, present):
            out = np.where(mask & (row < out), row, out)
        return out
    total = np.zeros(values.shape[1], dtype=F32)
    for row, mask in zip(values, present):
        total = np.where(mask, total + row, total)
    if how == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (total / count).astype(F32)
    if how in ("mean", "avg"):
        return mean
    if how == "stddev":
        temp = np.zeros(values.shape[1], dtype=F32)
        for row, mask in zip(values, present):
            diff = (row - mean).astype(F32)
            temp = np.where(mask, temp + diff * diff, temp)
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = (temp / count).astype(F32)
        return np.sqrt(variance.astype(np.float64)).astype(F32)
    raise ValueError(how)


def classic_idf(doc_freq: int, doc_count: int) -> np.float32:
    """``ClassicSimilarity.idf(docFreq, docCount)``."""
    return F32(math.log((doc_count + 1) / float(doc_freq + 1)) + 1.0)


def collection_stats(ctx: Any, terms: list[Term]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float32 ``(df, idf, ttf)`` per term over the shard; zeros for a term the index does not have."""
    df = np.zeros(len(terms), dtype=F32)
    idf = np.zeros(len(terms), dtype=F32)
    ttf = np.zeros(len(terms), dtype=F32)
    for i, (field, text) in enumerate(terms):
        doc_freq, total = ctx.term_stats(field, text)
        if doc_freq > 0:
            doc_count = ctx.field_stats(field)[0]
            df[i], idf[i], ttf[i] = F32(doc_freq), classic_idf(doc_freq, doc_count), F32(total)
    return df, idf, ttf


def term_freqs(segment: Any, docs: np.ndarray, terms: list[Term]) -> np.ndarray:
    """int32 ``[n_terms, n_docs]``: each term's frequency in each document of ``segment`` (0 when absent)."""
    out = np.zeros((len(terms), docs.shape[0]), dtype=np.int32)
    for i, (field, text) in enumerate(terms):
        inv = segment.inverted.get(field)
        postings = inv.postings(text) if inv is not None else None
        if postings is None or not docs.size:
            continue
        post_docs, freqs = postings
        pos = np.minimum(np.searchsorted(post_docs, docs), post_docs.shape[0] - 1)
        hit = post_docs[pos] == docs
        out[i, hit] = freqs[pos[hit]]
    return out


def in_segment(segment: Any, terms: list[Term]) -> np.ndarray:
    """bool per term: the segment has postings for it (``TermStates.get(leaf)`` is not null)."""
    present = np.zeros(len(terms), dtype=bool)
    for i, (field, text) in enumerate(terms):
        inv = segment.inverted.get(field)
        present[i] = inv is not None and inv.postings(text) is not None
    return present


# --- terms of a query (QueryVisitor.termCollector) ---------------------------------------------------------
def query_terms(query: Query, ctx: Any) -> list[Term]:
    """The (field, term) pairs of ``query`` after rewriting, first appearance first, ``must_not`` excluded."""
    found: dict[Term, None] = {}
    _collect(query.rewrite(ctx), ctx, found, 0)
    return list(found)


def _collect(query: Query, ctx: Any, found: dict[Term, None], depth: int) -> None:
    if depth > 200:
        return
    if isinstance(query, TermQuery):
        found.setdefault((query.field, query.term), None)
        return
    if isinstance(query, BooleanQuery):
        for occur, clause in query.clauses:
            if occur != MUST_NOT:
                _collect(clause, ctx, found, depth + 1)
        return
    for child in query.children():
        rewritten = child.rewrite(ctx)
        _collect(rewritten, ctx, found, depth + 1)


# --- positions, recomputed from _source ---------------------------------------------------------------------
def positions(ctx: Any, segment: Any, docs: np.ndarray, terms: list[Term]) -> list[dict[Term, list[int]]]:
    """Per document, each term's 1-based positions (``nextPosition() + 1``) in its field."""
    ids = [segment.ids[int(d)] for d in docs]
    stored = ctx.shard.get_sources(ids)
    fields = {field for field, _ in terms}
    wanted = set(terms)
    out: list[dict[Term, list[int]]] = []
    for doc_id in ids:
        found: dict[Term, list[int]] = {}
        hit = stored.get(doc_id)
        if hit is not None:
            source = json.loads(hit[0])
            parsed, _ = parse_document(ctx.shard.mapping, source, doc_id)
            for field in fields:
                mapper = ctx.field(field)
                if mapper is None or not mapper.is_text:
                    continue
                for term, position in _field_positions(parsed.text.get(field, []), mapper):
                    if (field, term) in wanted:
                        found.setdefault((field, term), []).append(position + 1)
        out.append(found)
    return out


def _field_positions(values: Iterable[str], mapper: Any) -> Iterable[tuple[str, int]]:
    analyzer = get_analyzer(mapper.analyzer)
    gap = int(mapper.params.get("position_increment_gap", 100))
    last = -1
    for i, value in enumerate(values):
        if i:
            last += gap
        start = last + 1
        for token in analyzer.tokens(str(value)):
            yield token.term, start + token.position
            last = start + token.position
