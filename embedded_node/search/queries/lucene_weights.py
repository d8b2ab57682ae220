"""Weights of the Lucene-level queries: each reproduces the float32 arithmetic of the Lucene scorer it stands for.

- ``TermWeight``: ``TermQuery`` + ``LeafSimScorer`` + (Legacy)BM25 (:mod:`...similarity`); a field without norms
  scores with ``cache[1]``; ``similarity: boolean`` fields score the boost.
- ``BooleanWeight``: ``BooleanWeight.scorerSupplier`` + ``Boolean2ScorerSupplier``, per segment. Clauses whose
  scorer would be null in the segment (a term absent from it) are dropped first (a required one empties the
  segment); if the remaining SHOULD count equals ``minimum_should_match`` they become required. Then:
  required = conjunction, ``(float)`` of the double sum of the scoring (MUST) scores, FILTER adds 0;
  optional = disjunction (WAND/DisjunctionSumScorer/BooleanScorer all sum in double, cast once), with
  ``MinShouldMatchSumScorer`` semantics when msm > 1; both present -> ``ReqOptSumScorer`` (msm 0) or
  ``ConjunctionScorer(req, opt)`` (msm > 0), each ``(float)(double(req) + double(opt))``.
- ``DisjunctionMaxWeight``: ``DisjunctionMaxScorer``: ``scoreMax`` float, ``otherScoreSum`` double,
  ``(float)(scoreMax + otherScoreSum * tie)``.
- constant-score weights live in :mod:`.constant_weights`.

Two evaluation modes give identical numbers: with many candidates (a first-stage search) a compound weight
works in segment doc-id space and children scatter their postings into accumulators (O(postings)); with few
candidates (a rescore window, an explanation) everything is computed over the candidate list only, so an
expensive child (a script, an LTR feature) is never evaluated outside it. A conjunction in doc-id space switches
to the candidate list as soon as one of its required clauses matches few documents (an ``ids`` filter).

Double sums of a few float32 scores are exact (their exponents are far less than 29 bits apart), so the order
Lucene's priority queues visit clauses in does not change any result. ``explain`` returns Lucene's
explanation trees (descriptions and values) as OpenSearch prints them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...similarity import bm25_scorer, java_float_str
from ..query import Explanation, MatchNoneWeight, Weight, empty, membership
from .lucene_clauses import FILTER, MUST, MUST_NOT, SHOULD, to_string

F32 = np.float32
F64 = np.float64
_OCCUR_STR = {MUST: "+", FILTER: "#", SHOULD: "", MUST_NOT: "-"}  # BooleanClause.Occur.toString()


def has_scorer(weight: Weight, segment: Any) -> bool:
    """Whether Lucene would build a (non-null) scorer for ``weight`` in ``segment``."""
    fn = getattr(weight, "has_scorer", None)
    if callable(fn):
        return bool(fn(segment))
    return not isinstance(weight, MatchNoneWeight)


def is_dense(segment: Any, docs: np.ndarray) -> bool:
    """Work in segment doc-id space (O(postings) scatter) rather than over the candidate list."""
    return docs.shape[0] * 8 >= segment.max_doc


def project(hit_docs: np.ndarray, hit_scores: np.ndarray, docs: np.ndarray, max_doc: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Map a sorted hit list (segment doc ids, scores) onto the candidate ``docs``."""
    n = docs.shape[0]
    if hit_docs.shape[0] == 0 or n == 0:
        return empty(docs)
    if n * 8 >= max_doc:  # dense candidates: scatter then gather, O(max_doc)
        mask_all = np.zeros(max_doc, dtype=bool)
        mask_all[hit_docs] = True
        score_all = np.zeros(max_doc, dtype=F32)
        score_all[hit_docs] = hit_scores
        return mask_all[docs], score_all[docs]
    mask, idx = membership(docs, hit_docs)
    scores = np.zeros(n, dtype=F32)
    scores[mask] = hit_scores[idx[mask]]
    return mask, scores


def in_candidates(segment: Any, docs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (segment doc ids) are among the candidates ``docs``: a mask over ``values``.

    Few values against sorted candidates (a search's live docs): a binary search each, instead of a bitmap of
    the whole segment (scattering 100k candidates costs far more than the query it serves)."""
    if values.shape[0] == 0 or docs.shape[0] == 0:
        return np.zeros(values.shape[0], dtype=bool)
    if values.shape[0] * 8 < docs.shape[0] and _increasing(segment, docs):
        probe = values.astype(docs.dtype, copy=False)
        pos = np.minimum(np.searchsorted(docs, probe), docs.shape[0] - 1)
        return docs[pos] == probe
    candidate = np.zeros(segment.max_doc, dtype=bool)
    candidate[docs] = True
    return candidate[values]


def _increasing(segment: Any, docs: np.ndarray) -> bool:
    """``docs`` strictly increasing: known for the segment's live docs (the search's candidates), else checked."""
    known = getattr(segment, "is_live_docs", None)
    if known is not None and known(docs):
        return True
    return bool(np.all(docs[1:] > docs[:-1]))


def child_sparse(weight: Weight, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
    """A child's matches as (positions, scores): segment doc ids when ``dense``, else indexes into ``docs``.

    Weights of this module answer directly from postings; any other weight is scored on the candidates.
    """
    if isinstance(weight, SparseWeight):
        return weight.sparse(segment, docs, dense)
    mask, scores = weight.score(segment, docs)
    idx = np.flatnonzero(mask)
    return (docs[idx] if dense else idx), scores[idx]


class SparseWeight(Weight):
    """A weight computed as sparse matches; ``score`` maps them onto the candidates."""

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def score(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if docs.shape[0] == 0:
            return empty(docs)
        dense = is_dense(segment, docs)
        pos, scores = self.sparse(segment, docs, dense)
        if dense:
            return project(pos, scores, docs, segment.max_doc)
        mask = np.zeros(docs.shape[0], dtype=bool)
        mask[pos] = True
        out = np.zeros(docs.shape[0], dtype=F32)
        out[pos] = scores
        return mask, out


class TermWeight(SparseWeight):
    def __init__(self, query: Any, ctx: Any, boost: np.float32, needs_scores: bool) -> None:
        super().__init__(query)
        self.field, self.term = query.field, query.term
        self.boost = F32(boost)
        self.needs_scores = needs_scores
        mapper = ctx.field(self.field)
        self.boolean_similarity = bool(mapper is not None and str(mapper.params.get("similarity", "BM25")) == "boolean")
        self.scorer = None
        doc_freq, _ = ctx.term_stats(self.field, self.term)
        if needs_scores and doc_freq > 0 and not self.boolean_similarity:
            doc_count, sum_ttf, _ = ctx.field_stats(self.field)
            self.scorer = bm25_scorer(float(self.boost), doc_freq, doc_count, sum_ttf)
        self._hits: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _segment_hits(self, segment: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(docs, freqs, scores) of the term's postings in ``segment``, scored once per segment."""
        cached = self._hits.get(id(segment))
        if cached is not None:
            return cached
        inv = segment.inverted.get(self.field)
        postings = inv.postings(self.term) if inv is not None else None
        if postings is None:
            return None
        docs, freqs = postings
        self._hits[id(segment)] = hit = (docs, freqs, self._scores(inv, docs, freqs))
        return hit

    def _scores(self, inv: Any, docs: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        """The scores of postings ``docs``/``freqs`` (element-wise float32 arithmetic: any subset scores alike)."""
        if self.scorer is not None:
            norms = inv.norms[docs] if inv.norms is not None else None
            return self.scorer.score(freqs, norms)
        if self.needs_scores and self.boolean_similarity:
            return np.full(docs.shape[0], self.boost, dtype=F32)
        return np.zeros(docs.shape[0], dtype=F32)

    def _candidate_hits(self, segment: Any, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(positions, scores) of the few candidates ``docs`` in a long posting list, scoring only them (a
        rescore window or logged documents against a frequent term); None to score the whole list once."""
        if id(segment) in self._hits:
            return None
        inv = segment.inverted.get(self.field)
        postings = inv.postings(self.term) if inv is not None else None
        if postings is None or docs.shape[0] * 4 >= postings[0].shape[0]:
            return None
        mask, idx = membership(docs, postings[0])
        pos = np.flatnonzero(mask)
        at = idx[pos]
        return pos, self._scores(inv, postings[0][at], postings[1][at])

    def has_scorer(self, segment: Any) -> bool:
        inv = segment.inverted.get(self.field)
        return inv is not None and inv.postings(self.term) is not None

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        if not dense:
            few = self._candidate_hits(segment, docs)
            if few is not None:
                return few
        hit = self._segment_hits(segment)
        if hit is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=F32)
        if dense:
            return hit[0], hit[2]
        mask, idx = membership(docs, hit[0])
        pos = np.flatnonzero(mask)
        return pos, hit[2][idx[pos]]

    def explain(self, segment: Any, doc: int) -> Explanation:
        hit = self._segment_hits(segment)
        if hit is not None:
            pos = int(np.searchsorted(hit[0], doc))
            if pos < hit[0].shape[0] and int(hit[0][pos]) == doc:
                freq = float(hit[1][pos])
                if self.boolean_similarity:
                    detail = Explanation(float(self.boost), f"score(BooleanSimilarity, freq={java_float_str(freq)}), "
                                         "computed from:", [Explanation(float(self.boost), "boost, query boost")])
                else:
                    inv = segment.inverted[self.field]
                    norm = None if inv.norms is None else int(inv.norms[doc])
                    detail = self.scorer.explain(freq, norm) if self.scorer is not None else Explanation(0.0, "")
                return Explanation(float(hit[2][pos]), f"weight({to_string(self.query)} in {doc}) "
                                   "[PerFieldSimilarity], result of:", [detail])
        return Explanation.no_match("no matching term")


class BooleanWeight(SparseWeight):
    def __init__(self, query: Any, weights: list[tuple[str, Weight]], msm: int, needs_scores: bool) -> None:
        super().__init__(query)
        self.weights = weights
        self.msm = msm
        self.needs_scores = needs_scores

    def _plan(self, segment: Any) -> tuple[list[Weight], list[Weight], list[Weight], list[Weight], int] | None:
        must, filt, should, must_not = [], [], [], []
        for occur, w in self.weights:
            alive = has_scorer(w, segment)
            if occur in (MUST, FILTER) and not alive:
                return None
            if alive:
                {MUST: must, FILTER: filt, SHOULD: should, MUST_NOT: must_not}[occur].append(w)
        msm = self.msm
        if len(should) == msm:
            must, should, msm = must + should, [], 0
        if not must and not filt and not should:
            return None
        if len(should) < msm:
            return None
        if not self.needs_scores and msm == 0 and (must or filt):
            should = []
        return must, filt, should, must_not, msm

    def has_scorer(self, segment: Any) -> bool:
        return self._plan(segment) is not None

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        plan = self._plan(segment)
        if plan is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=F32)
        must, filt, should, must_not, msm = plan
        size = segment.max_doc if dense else docs.shape[0]
        required = len(must) + len(filt)
        if required:
            req_count = np.zeros(size, dtype=np.int32)
            req_sum = np.zeros(size, dtype=F64)
            for w, scoring in [(w, True) for w in must] + [(w, False) for w in filt]:
                pos, s = child_sparse(w, segment, docs, dense)
                if dense and pos.shape[0] * 8 < segment.max_doc:
                    return self._within(segment, docs, pos)
                req_count[pos] += 1
                if scoring:
                    req_sum[pos] += s
            mask = req_count == required
            scores = req_sum.astype(F32)
        if should:
            opt_count = np.zeros(size, dtype=np.int32)
            opt_sum = np.zeros(size, dtype=F64)
            for w in should:
                pos, s = child_sparse(w, segment, docs, dense)
                opt_count[pos] += 1
                opt_sum[pos] += s
            opt_mask = opt_count >= max(msm, 1)
            opt_score = opt_sum.astype(F32)
            if not required:
                mask, scores = opt_mask, opt_score
            else:
                both = (scores.astype(F64) + opt_score.astype(F64)).astype(F32)
                if msm > 0:
                    mask, scores = mask & opt_mask, both
                else:
                    scores = np.where(opt_mask, both, scores)
        for w in must_not:
            pos, _ = child_sparse(w, segment, docs, dense)
            mask[pos] = False
        hits = np.flatnonzero(mask)
        return hits, scores[hits]

    def _within(self, segment: Any, docs: np.ndarray, lead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense mode once a required clause turned out selective (an ``ids`` filter, a rare term): every hit is
        one of its matches, so the whole query is evaluated on those candidates only (the candidate-list mode,
        the same numbers), as Lucene's conjunction leads with its cheapest clause. Returns segment doc ids."""
        lead = np.unique(lead)
        narrowed = lead[in_candidates(segment, docs, lead)].astype(docs.dtype, copy=False)
        pos, scores = self.sparse(segment, narrowed, False)
        return narrowed[pos], scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        """``BooleanWeight.explain``; the value is the scorer's (as Lucene pulls a scorer to compute it)."""
        subs: list[Explanation] = []
        fail = False
        match_count = should_count = 0
        for (occur, w), (_, q) in zip(self.weights, self.query.clauses):
            e = w.explain(segment, doc)
            if e.match:
                if occur in (MUST, SHOULD):
                    subs.append(e)
                elif occur == FILTER:
                    subs.append(Explanation(0.0, "match on required clause, product of:",
                                            [Explanation(0.0, f"{_OCCUR_STR[FILTER]} clause"), e]))
                else:
                    subs.append(Explanation.no_match(f"match on prohibited clause ({to_string(q)})", [e]))
                    fail = True
                if occur != MUST_NOT:
                    match_count += 1
                if occur == SHOULD:
                    should_count += 1
            elif occur in (MUST, FILTER):
                subs.append(Explanation.no_match(f"no match on required clause ({to_string(q)})", [e]))
                fail = True
        if fail:
            return Explanation.no_match("Failure to meet condition(s) of required/prohibited clause(s)", subs)
        if match_count == 0:
            return Explanation.no_match("No matching clauses", subs)
        if should_count < self.msm:
            return Explanation.no_match(f"Failure to match minimum number of optional clauses: {self.msm}", subs)
        _, scores = self.score(segment, np.asarray([doc], dtype=np.int32))
        return Explanation(float(scores[0]), "sum of:", subs)


class DisjunctionMaxWeight(SparseWeight):
    def __init__(self, query: Any, weights: list[Weight], tie: np.float32) -> None:
        super().__init__(query)
        self.weights = weights
        self.tie = F32(tie)

    def has_scorer(self, segment: Any) -> bool:
        return any(has_scorer(w, segment) for w in self.weights)

    def sparse(self, segment: Any, docs: np.ndarray, dense: bool) -> tuple[np.ndarray, np.ndarray]:
        size = segment.max_doc if dense else docs.shape[0]
        score_max = np.zeros(size, dtype=F32)
        other_sum = np.zeros(size, dtype=F64)
        matched = np.zeros(size, dtype=bool)
        for w in self.weights:
            if not has_scorer(w, segment):
                continue
            pos, s = child_sparse(w, segment, docs, dense)
            current = score_max[pos]
            ge = s >= current
            other_sum[pos] += np.where(ge, current, s)
            score_max[pos] = np.where(ge, s, current)
            matched[pos] = True
        hits = np.flatnonzero(matched)
        scores = (score_max[hits].astype(F64) + other_sum[hits] * F64(self.tie)).astype(F32)
        return hits, scores

    def explain(self, segment: Any, doc: int) -> Explanation:
        subs = []
        score_max, other = 0.0, 0.0
        for w in self.weights:
            e = w.explain(segment, doc)
            if e.match:
                subs.append(e)
                if e.value >= score_max:
                    other += score_max
                    score_max = e.value
                else:
                    other += e.value
        if not subs:
            return Explanation.no_match("No matching clause")
        value = float(F32(score_max + other * float(self.tie)))
        desc = "max of:" if self.tie == F32(0) else f"max plus {java_float_str(self.tie)} times others of:"
        return Explanation(value, desc, subs)
