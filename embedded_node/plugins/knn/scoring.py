"""Exact vector scores per ``space_type``: raw distances and the k-NN plugin's score translations.

Two families of formulas (``reference/fidelity.md`` §4, ``reference/ltr-plugin.md`` §4.3):

* **``knn`` query** (``SpaceType.scoreTranslation`` + ``KNNWeight.normalizeScore`` for faiss/nmslib, Lucene's
  ``VectorSimilarityFunction`` for the lucene engine): ``l2`` ``1/(1+d²)``; ``l1``/``linf`` ``1/(1+d)``;
  ``cosinesimil`` ``max((2-(1-cos))/2, 0)`` (faiss) or ``max((1+cos)/2, 0)`` (lucene); ``innerproduct``
  ``dot <= 0 ? 1/(1-dot) : 1+dot``.
* **``knn_score`` script** (``KNNScoringSpace``/``KNNScoringUtil``): the same, except ``cosinesimil``, which is
  ``max((1+cos)/2, 0)`` for indices created on or after 2.19.0 and ``1+cos`` before.

Every translation runs in float32 in Java's operation order. Raw values:

* ``KNNScoringUtil.l1Norm`` and ``cosinesimilOptimized`` are plain Java loops summing in float, in index order,
  with each product/difference rounded to float (Java never contracts to FMA). :func:`l1` reproduces its loop
  bit for bit (a float32 ``cumsum``); :func:`cosine_script` can (``sequential=True``) but by default sums in
  float64 for speed (a 400-doc rescore window in ~0.1 ms instead of ~1 ms), within ~2e-7 of Java's value.
* ``l2Squared``/``innerProduct`` call Lucene's ``VectorUtil`` (4-way unrolled, FMA or Panama SIMD depending on
  the JVM and CPU) and faiss computes with its own SIMD kernels, so those are not bit-reproducible; we sum in
  float64 and round once, the value every float32 implementation approximates (within ~1e-7 relative).
"""
from __future__ import annotations

import numpy as np

from ...version import version_id

F32 = np.float32
F64 = np.float64
ONE = F32(1.0)
TWO = F32(2.0)
ZERO = F32(0.0)

SCRIPT_SPACES = ("l2", "l1", "linf", "innerproduct", "cosinesimil", "hammingbit", "hamming")
QUERY_SPACES = ("l2", "l1", "linf", "innerproduct", "cosinesimil")

# index.version.created of 2.19.0, in the node's own id scheme (node._version_id), compared as integers.
_HALF_COSINE_SINCE = "2.19.0"


# --- raw values ------------------------------------------------------------------------------------------------
_CHUNK_ROWS = 32  # float64 temporaries of 32 x dim stay small (below malloc's mmap threshold for dim <= 512)


def _f64_rows(rows: np.ndarray, query: np.ndarray, kernel: str) -> tuple[np.ndarray, ...]:
    """Row-wise float64 reductions, in chunks: ``dot`` (q.v), ``l2`` (|v-q|²), ``dotnorm`` (q.v and |v|²).

    Converting a whole rescore window to float64 at once allocates megabyte temporaries whose page faults cost
    more than the arithmetic; 32-row chunks keep a 400-doc window near 0.2 ms.
    """
    n = rows.shape[0]
    q = query.astype(F64)
    first = np.empty(n, dtype=F64)
    second = np.empty(n, dtype=F64) if kernel == "dotnorm" else None
    for start in range(0, n, _CHUNK_ROWS):
        block = rows[start:start + _CHUNK_ROWS].astype(F64)
        if kernel == "l2":
            block -= q
            first[start:start + _CHUNK_ROWS] = np.einsum("ij,ij->i", block, block)
        else:
            first[start:start + _CHUNK_ROWS] = block @ q
            if second is not None:
                second[start:start + _CHUNK_ROWS] = np.einsum("ij,ij->i", block, block)
    return (first,) if second is None else (first, second)


def dot(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``VectorUtil.dotProduct`` per row: float64 accumulation, one rounding to float32."""
    return _f64_rows(rows, query, "dot")[0].astype(F32)


def squared_l2(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``VectorUtil.squareDistance`` per row (direct differences, never the |x|²-2x·q+|q|² expansion)."""
    return _f64_rows(rows, query, "l2")[0].astype(F32)


def l1(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``KNNScoringUtil.l1Norm``: ``distance += Math.abs(q[i] - v[i])`` in float, in index order (bit exact)."""
    q = query.astype(F32)
    out = np.empty(rows.shape[0], dtype=F32)
    for start in range(0, rows.shape[0], _CHUNK_ROWS):
        out[start:start + _CHUNK_ROWS] = sequential_sum(np.abs(q[None, :] - rows[start:start + _CHUNK_ROWS]))
    return out


def linf(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``KNNScoringUtil.lInfNorm``: the max of float differences (exact in float32)."""
    q = query.astype(F32)
    out = np.empty(rows.shape[0], dtype=F32)
    for start in range(0, rows.shape[0], _CHUNK_ROWS):
        out[start:start + _CHUNK_ROWS] = np.abs(q[None, :] - rows[start:start + _CHUNK_ROWS]).max(axis=1)
    return out


def squared_norm_script(vector: np.ndarray) -> F32:
    """``KNNScoringUtil.getVectorMagnitudeSquared`` (float32 result of the float64 sum)."""
    v = vector.astype(F64)
    return F32(np.dot(v, v))


def sequential_sum(terms: np.ndarray) -> np.ndarray:
    """Java's ``float acc = 0; for (...) acc += t[i];`` per row, bit for bit (a float32 running sum)."""
    if terms.shape[0] == 0:
        return np.zeros(0, dtype=F32)
    return np.cumsum(terms.astype(F32), axis=1, dtype=F32)[:, -1]


def cosine_script(rows: np.ndarray, query: np.ndarray, query_norm_sq: F32 | None = None,
                  sequential: bool = False) -> np.ndarray:
    """``KNNScoringUtil.cosinesimilOptimized``.

    Java sums ``dot`` and ``|v|²`` in float in index order, takes ``normalizedProduct = |q|² * |v|²`` in float,
    and returns ``(float)(dot / Math.sqrt(normalizedProduct))`` (0 when the product is 0). With
    ``sequential=True`` the sums are emulated bit for bit (about 10x slower); by default they are float64 sums
    rounded once (BLAS), which differ from Java's running float sums by ~1e-7 relative, and everything after
    the sums follows Java's order exactly.
    """
    n = rows.shape[0]
    if n == 0:
        return np.zeros(0, dtype=F32)
    q = query.astype(F32)
    v = rows.astype(F32, copy=False)
    if sequential:
        qn = sequential_sum((q * q)[None, :])[0] if query_norm_sq is None else F32(query_norm_sq)
        dots = sequential_sum(v * q[None, :])
        norms = sequential_sum(v * v)
    else:
        qn = squared_norm_script(q) if query_norm_sq is None else F32(query_norm_sq)
        dots64, norms64 = _f64_rows(v, q, "dotnorm")
        dots, norms = dots64.astype(F32), norms64.astype(F32)
    product = (qn * norms).astype(F32)
    safe = np.where(product == 0, ONE, product).astype(F64)
    cos = (dots.astype(F64) / np.sqrt(safe)).astype(F32)
    return np.where(product == 0, ZERO, cos).astype(F32)


def cosine_lucene(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Lucene ``VectorUtil.cosine``: ``(float)(dot / Math.sqrt((double)|a|² * (double)|b|²))``."""
    dots64, norms64 = _f64_rows(rows, query, "dotnorm")
    d = dots64.astype(F32).astype(F64)
    vn = norms64.astype(F32).astype(F64)
    qn = F64(F32(np.dot(query.astype(F64), query.astype(F64))))
    product = vn * qn
    safe = np.where(product == 0, 1.0, product)
    return np.where(product == 0, ZERO, (d / np.sqrt(safe)).astype(F32)).astype(F32)


def hamming_bits(values: np.ndarray, query: int) -> np.ndarray:
    """``Long.bitCount(q ^ v)`` per value (``KNNScoringUtil.calculateHammingBit`` on long fields)."""
    x = np.bitwise_xor(values.astype(np.int64), np.int64(query)).view(np.uint64)
    count = np.zeros(x.shape[0], dtype=np.int64)
    for shift in range(0, 64, 8):
        count += _POPCOUNT8[((x >> np.uint64(shift)) & np.uint64(0xFF)).astype(np.intp)]
    return count.astype(F32)


_POPCOUNT8 = np.asarray([bin(i).count("1") for i in range(256)], dtype=np.int64)


# --- translations (float32, Java order) ------------------------------------------------------------------------
def inverse_one_plus(raw: np.ndarray) -> np.ndarray:
    """``1 / (1 + raw)`` in float: l2 (raw = d²), l1, linf, hamming."""
    raw = np.asarray(raw, dtype=F32)
    return (ONE / (ONE + raw)).astype(F32)


def inner_product_score(dots: np.ndarray) -> np.ndarray:
    """``KNNWeight.normalizeScore(-dot)``: ``s >= 0 ? 1/(1+s) : -s + 1`` with ``s = -dot`` (also Lucene's
    ``scaleMaxInnerProductScore``; both give 1 at dot = 0)."""
    s = -np.asarray(dots, dtype=F32)
    with np.errstate(divide="ignore", over="ignore"):
        pos = (ONE / (ONE + np.where(s >= 0, s, ZERO))).astype(F32)
    return np.where(s >= 0, pos, (-s + ONE).astype(F32)).astype(F32)


def half_cosine(cos: np.ndarray) -> np.ndarray:
    """``Math.max((1 + cos) / 2, 0)`` (script on indices >= 2.19, Lucene engine)."""
    cos = np.asarray(cos, dtype=F32)
    return np.maximum(((ONE + cos) / TWO).astype(F32), ZERO).astype(F32)


def faiss_cosine(cos: np.ndarray) -> np.ndarray:
    """``SpaceType.COSINESIMIL.scoreTranslation(raw) = max((2 - raw) / 2, 0)`` with faiss' ``raw = 1 - cos``."""
    raw = (ONE - np.asarray(cos, dtype=F32)).astype(F32)
    return np.maximum(((TWO - raw) / TWO).astype(F32), ZERO).astype(F32)


# --- public entry points ---------------------------------------------------------------------------------------
def script_scores(space: str, rows: np.ndarray, query: np.ndarray, half_cosine_formula: bool = True,
                  query_norm_sq: F32 | None = None) -> np.ndarray:
    """``knn_score`` for float vectors ``rows`` (``KNNScoringSpace``); ``space`` is already validated."""
    if space == "l2":
        return inverse_one_plus(squared_l2(rows, query))
    if space == "l1":
        return inverse_one_plus(l1(rows, query))
    if space == "linf":
        return inverse_one_plus(linf(rows, query))
    if space == "innerproduct":
        return inner_product_score(dot(rows, query))
    if space == "cosinesimil":
        cos = cosine_script(rows, query, query_norm_sq)
        return half_cosine(cos) if half_cosine_formula else (ONE + cos).astype(F32)
    raise ValueError(f"no float formula for space [{space}]")


def query_raw(space: str, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The engine's raw value per row: d² (l2), d (l1/linf), cosine (cosinesimil), dot (innerproduct)."""
    if space == "l2":
        return squared_l2(rows, query)
    if space == "l1":
        return l1(rows, query)
    if space == "linf":
        return linf(rows, query)
    if space == "innerproduct":
        return dot(rows, query)
    if space == "cosinesimil":
        return cosine_lucene(rows, query)
    raise ValueError(f"no float formula for space [{space}]")


def translate(space: str, engine: str, raw: np.ndarray) -> np.ndarray:
    """Score of a ``knn`` query hit from :func:`query_raw` (``SpaceType.scoreTranslation`` / Lucene)."""
    if space in ("l2", "l1", "linf"):
        return inverse_one_plus(raw)
    if space == "innerproduct":
        return inner_product_score(raw)
    if space == "cosinesimil":
        return half_cosine(raw) if engine == "lucene" else faiss_cosine(raw)
    raise ValueError(f"no translation for space [{space}]")


def query_scores(space: str, engine: str, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    return translate(space, engine, query_raw(space, rows, query))


def uses_half_cosine(version_created: str | None) -> bool:
    """Whether an index scores ``knn_score`` cosine as ``(1+cos)/2`` (created >= 2.19.0) or ``1+cos``."""
    if not version_created:
        return True
    try:
        return int(version_created) >= int(version_id(_HALF_COSINE_SINCE))
    except ValueError:
        return True
