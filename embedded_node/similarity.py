"""BM25 exactly as OpenSearch scores it: Lucene's ``BM25Similarity`` in float32, behind ``LegacyBM25Similarity``.

OpenSearch's default ``BM25`` similarity is ``LegacyBM25Similarity(k1=1.2, b=0.75)``, whose
``scorer(boost, ...)`` is ``BM25Similarity.scorer(boost * (1 + k1), ...)``: the (k1+1) factor of classic BM25
that Lucene 8 dropped (LUCENE-8563). Every formula below follows ``BM25Similarity`` (Lucene 8.8.1 bytecode,
identical in 9.x) operation by operation, in Java's types (``reference/fidelity.md`` §1.2-1.4):

    idf     = (float) Math.log(1 + (N - n + 0.5D) / (n + 0.5D))            N = docCount(field), n = docFreq
    avgdl   = (float) (sumTotalTermFreq / (double) N)
    cache[i]= 1f / (k1 * ((1 - b) + b * LENGTH_TABLE[i] / avgdl))          one float per norm byte
    weight  = boost' * idf,  boost' = boost * (1 + k1) (legacy) or boost (plain Lucene)
    score   = weight - weight / (1f + freq * cache[norm])

A document without norms (``norms: false``, keyword fields) is scored with ``cache[1]`` (``LeafSimScorer``
uses norm value 1 when a field has no norms), and fields indexed without frequencies report ``freq = 1``.

The explanation builders reproduce ``BM25Scorer.explain`` (values and description strings) so the embedded
``explain`` output has OpenSearch's shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .index.norms import LENGTH_TABLE as _LENGTH_TABLE_INT
from .index.norms import byte4_to_int, int_to_byte4, int_to_byte4_scalar
from .search.query import Explanation

F32 = np.float32

K1 = F32(1.2)
B = F32(0.75)
NUM_NORM_BYTES = 256

#: ``BM25Similarity.LENGTH_TABLE``: decoded field length per norm byte, as float.
LENGTH_TABLE = _LENGTH_TABLE_INT.astype(F32)

__all__ = ["K1", "B", "LENGTH_TABLE", "Bm25Scorer", "avgdl", "bm25_scorer", "byte4_to_int", "idf",
           "int_to_byte4", "int_to_byte4_scalar", "java_float_str", "norm_inverse_cache", "score", "term_weight"]


def idf(doc_freq: int, doc_count: int) -> np.float32:
    """``BM25Similarity.idf``: computed in double, then cast to float."""
    return F32(math.log(1 + (int(doc_count) - int(doc_freq) + 0.5) / (int(doc_freq) + 0.5)))


def avgdl(sum_total_term_freq: int, doc_count: int) -> np.float32:
    """``BM25Similarity.avgFieldLength``: ``(float) (sumTotalTermFreq / (double) docCount)``."""
    return F32(int(sum_total_term_freq) / float(doc_count))


def norm_inverse_cache(avg: np.float32, k1: np.float32 = K1, b: np.float32 = B) -> np.ndarray:
    """The per-query ``cache`` of ``BM25Similarity.scorer``: float32[256], Java's float evaluation order.

    ``1f / (k1 * ((1 - b) + b * LENGTH_TABLE[i] / avgdl))`` = t1 = b*dl; t2 = t1/avgdl; t3 = (1-b)+t2; t4 = k1*t3.
    """
    avg, k1, b = F32(avg), F32(k1), F32(b)
    t2 = (b * LENGTH_TABLE) / avg
    t3 = (F32(1) - b) + t2
    return (F32(1) / (k1 * t3)).astype(F32)


def scorer_boost(boost: float, legacy: bool = True, k1: np.float32 = K1) -> np.float32:
    """The boost ``BM25Similarity`` receives: ``boost * (1 + k1)`` in float for Legacy BM25, else ``boost``."""
    return F32(F32(boost) * (F32(1) + F32(k1))) if legacy else F32(boost)


def term_weight(boost: float, idf_value: np.float32, legacy: bool = True, k1: np.float32 = K1) -> np.float32:
    """``BM25Scorer.weight`` = ``boost' * idf`` (float), with ``boost'`` from :func:`scorer_boost`."""
    return F32(scorer_boost(boost, legacy, k1) * F32(idf_value))


def score(weight: np.float32, cache: np.ndarray, freqs: np.ndarray, norm_bytes: np.ndarray | None) -> np.ndarray:
    """Vectorized ``BM25Scorer.score``: ``weight - weight / (1f + freq * cache[norm])``, float32 per operation.

    ``norm_bytes`` is ``None`` for a field without norms (every document then uses ``cache[1]``).
    """
    w = F32(weight)
    f = np.asarray(freqs).astype(F32)
    if norm_bytes is None:
        inv = cache[1]
    else:
        inv = cache[np.asarray(norm_bytes, dtype=np.uint8)]
    return (w - w / (F32(1) + f * inv)).astype(F32)


@dataclass(frozen=True)
class Bm25Scorer:
    """One term's scorer for one field: Lucene's ``BM25Scorer`` plus the statistics it was built from."""

    boost: np.float32  # the boost BM25Similarity received (already * (1 + k1) for Legacy)
    idf: np.float32
    avgdl: np.float32
    cache: np.ndarray
    weight: np.float32
    doc_freq: int
    doc_count: int
    k1: np.float32 = K1
    b: np.float32 = B

    def score(self, freqs: np.ndarray, norm_bytes: np.ndarray | None) -> np.ndarray:
        return score(self.weight, self.cache, freqs, norm_bytes)

    def explain(self, freq: float, norm_byte: int | None) -> Explanation:
        """``BM25Scorer.explain``: ``score(freq=F), computed as boost * idf * tf from:`` [boost], idf, tf."""
        norm = 1 if norm_byte is None else int(norm_byte) & 0xFF
        f = F32(freq)
        freq_expl = Explanation(float(f), "freq, occurrences of term within document")
        subs: list[Explanation] = []
        if self.boost != F32(1):
            subs.append(Explanation(float(self.boost), "boost"))
        subs.append(self.explain_idf())
        subs.append(self._explain_tf(freq_expl, norm))
        value = self.weight - self.weight / (F32(1) + f * self.cache[norm])
        return Explanation(float(F32(value)), f"score(freq={java_float_str(f)}), computed as boost * idf * tf from:",
                           subs)

    def explain_idf(self) -> Explanation:
        return Explanation(float(self.idf), "idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:", [
            Explanation(self.doc_freq, "n, number of documents containing term"),
            Explanation(self.doc_count, "N, total number of documents with field"),
        ])

    def _explain_tf(self, freq_expl: Explanation, norm: int) -> Explanation:
        dl = LENGTH_TABLE[norm]
        dl_desc = "dl, length of field (approximate)" if norm > 39 else "dl, length of field"
        subs = [
            freq_expl,
            Explanation(float(self.k1), "k1, term saturation parameter"),
            Explanation(float(self.b), "b, length normalization parameter"),
            Explanation(float(dl), dl_desc),
            Explanation(float(self.avgdl), "avgdl, average length of field"),
        ]
        norm_inverse = F32(1) / (self.k1 * ((F32(1) - self.b) + self.b * dl / self.avgdl))
        tf = F32(1) - F32(1) / (F32(1) + F32(freq_expl.value) * norm_inverse)
        return Explanation(float(tf), "tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:", subs)


def bm25_scorer(boost: float, doc_freq: int, doc_count: int, sum_total_term_freq: int, legacy: bool = True,
                k1: float = 1.2, b: float = 0.75) -> Bm25Scorer:
    """``(Legacy)BM25Similarity.scorer(boost, collectionStats, termStats)`` for one term of one field."""
    k1_f, b_f = F32(k1), F32(b)
    idf_value = idf(doc_freq, doc_count)
    avg = avgdl(sum_total_term_freq, doc_count)
    sim_boost = scorer_boost(boost, legacy, k1_f)
    return Bm25Scorer(sim_boost, idf_value, avg, norm_inverse_cache(avg, k1_f, b_f), F32(sim_boost * idf_value),
                      int(doc_freq), int(doc_count), k1_f, b_f)


def java_float_str(value: float) -> str:
    """Java's ``Float.toString`` (shortest round-trip digits, JDK 19+): ``1.0``, ``0.3``, ``2.2``, ``1.0E7``.

    Used where Lucene concatenates a float into a description (``score(freq=1.0)``, ``max plus 0.3 times``,
    ``^2.0`` in query strings).
    """
    f = F32(value)
    if np.isnan(f):
        return "NaN"
    if np.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0:
        return "-0.0" if np.signbit(f) else "0.0"
    mag = abs(float(f))
    if 1e-3 <= mag < 1e7:
        text = np.format_float_positional(f, unique=True, trim="0")
        return text if "." in text else text + ".0"
    sci = np.format_float_scientific(f, unique=True, trim="0", exp_digits=1)
    mantissa, exponent = sci.split("e")
    if "." not in mantissa or mantissa.endswith("."):
        mantissa = mantissa.rstrip(".") + ".0"
    return f"{mantissa}E{int(exponent)}"
