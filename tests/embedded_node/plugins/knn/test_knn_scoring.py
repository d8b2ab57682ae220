"""k-NN score formulas per space type: against independent float64 references, Java's float loops, and
hand-computed examples from the k-NN plugin's tables (reference/fidelity.md §4, ltr-plugin.md §4.3)."""
from __future__ import annotations

import numpy as np
import pytest

from embedded_node.plugins.knn import ann, scoring
from embedded_node.version import version_id

F32 = np.float32
RTOL = 1e-6
ATOL = 1e-7  # scores near 0 (cosine of opposite vectors) carry float32's absolute error of 1 + cos


def _data(dim: int, n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + dim)
    return rng.normal(size=(n, dim)).astype(F32), rng.normal(size=dim).astype(F32)


def _reference(space: str, rows: np.ndarray, q: np.ndarray, half: bool = True) -> np.ndarray:
    """The plugin's formulas evaluated entirely in float64 (no float32 step at all)."""
    x, y = rows.astype(np.float64), q.astype(np.float64)
    if space == "l2":
        return 1.0 / (1.0 + ((x - y) ** 2).sum(axis=1))
    if space == "l1":
        return 1.0 / (1.0 + np.abs(x - y).sum(axis=1))
    if space == "linf":
        return 1.0 / (1.0 + np.abs(x - y).max(axis=1))
    if space == "innerproduct":
        d = x @ y
        return np.where(d > 0, 1.0 + d, 1.0 / (1.0 - d))
    cos = (x @ y) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y))
    return np.maximum((1.0 + cos) / 2.0, 0.0) if half else 1.0 + cos


@pytest.mark.parametrize("dim", [2, 16, 128, 384])
@pytest.mark.parametrize("space", ["l2", "linf", "innerproduct", "cosinesimil"])
def test_script_scores_match_float64_reference(space, dim):
    rows, q = _data(dim)
    got = scoring.script_scores(space, rows, q)
    assert got.dtype == F32
    np.testing.assert_allclose(got, _reference(space, rows, q), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("dim", [2, 16, 128])
def test_l1_matches_float64_reference(dim):
    # Java's l1Norm is a running float sum, so its own error grows with the dimension: compare loosely here
    # and bit for bit with the Java loop below.
    rows, q = _data(dim)
    np.testing.assert_allclose(scoring.script_scores("l1", rows, q), _reference("l1", rows, q), rtol=4e-6)


def _java_float_loop(q: np.ndarray, v: np.ndarray, term) -> F32:
    acc = F32(0.0)
    for a, b in zip(q.tolist(), v.tolist()):
        acc = F32(acc + term(F32(a), F32(b)))
    return acc


def test_l1_is_bit_exact_with_the_java_loop():
    rows, q = _data(97, n=40)
    got = scoring.l1(rows, q)
    want = [_java_float_loop(q, v, lambda a, b: F32(abs(F32(a - b)))) for v in rows]
    assert got.tobytes() == np.asarray(want, dtype=F32).tobytes()


def test_cosine_sequential_is_bit_exact_with_cosinesimil_optimized():
    rows, q = _data(61, n=40)
    qn = _java_float_loop(q, q, lambda a, b: F32(a * b))
    want = []
    for v in rows:
        dot = _java_float_loop(q, v, lambda a, b: F32(a * b))
        norm = _java_float_loop(v, v, lambda a, b: F32(a * b))
        product = F32(qn * norm)
        want.append(F32(float(dot) / np.sqrt(float(product))))
    got = scoring.cosine_script(rows, q, sequential=True)
    assert got.tobytes() == np.asarray(want, dtype=F32).tobytes()
    fast = scoring.cosine_script(rows, q)
    np.testing.assert_allclose(fast, got, rtol=0, atol=5e-7)


def test_cosine_before_2_19_is_one_plus_cos():
    rows, q = _data(24)
    got = scoring.script_scores("cosinesimil", rows, q, half_cosine_formula=False)
    np.testing.assert_allclose(got, _reference("cosinesimil", rows, q, half=False), rtol=RTOL, atol=ATOL)
    assert got.min() >= 0 and got.max() <= 2


@pytest.mark.parametrize("space,v,q,expected", [
    ("l2", [3.0, 4.0], [0.0, 0.0], 1 / 26),
    ("l1", [3.0, -4.0], [0.0, 0.0], 1 / 8),
    ("linf", [3.0, -4.0], [0.0, 0.0], 1 / 5),
    ("innerproduct", [3.0, 4.0], [1.0, 2.0], 12.0),  # dot 11 > 0: 1 + dot
    ("innerproduct", [-3.0, -4.0], [1.0, 2.0], 1 / 12),  # dot -11 <= 0: 1 / (1 - dot)
    ("innerproduct", [1.0, -1.0], [1.0, 1.0], 1.0),  # dot 0: both branches give 1
    ("cosinesimil", [0.0, 1.0], [1.0, 0.0], 0.5),  # orthogonal: (1 + 0) / 2
    ("cosinesimil", [-2.0, 0.0], [1.0, 0.0], 0.0),  # opposite: max((1 - 1) / 2, 0)
    ("cosinesimil", [5.0, 0.0], [1.0, 0.0], 1.0),  # same direction
])
def test_spec_examples(space, v, q, expected):
    got = scoring.script_scores(space, np.asarray([v], F32), np.asarray(q, F32))
    assert got[0] == F32(expected)


def test_cosine_with_a_zero_document_vector_scores_as_cos_zero():
    # cosinesimilOptimized returns 0 when |q|^2 * |v|^2 == 0 (the doc vector may be zero on a non-cosine field)
    got = scoring.script_scores("cosinesimil", np.zeros((1, 3), F32), np.asarray([1, 2, 3], F32))
    assert got[0] == F32(0.5)
    assert scoring.script_scores("cosinesimil", np.zeros((1, 3), F32), np.ones(3, F32), False)[0] == F32(1.0)


def test_translations_run_in_float32_java_order():
    raw = np.asarray([0.0, 0.1, 2.5, 1e30], dtype=F32)
    assert scoring.inverse_one_plus(raw).tobytes() == (F32(1) / (F32(1) + raw)).astype(F32).tobytes()
    dots = np.asarray([-3.0, -0.0, 0.0, 0.25], dtype=F32)
    assert scoring.inner_product_score(dots).tolist() == [F32(1) / F32(4), 1.0, 1.0, 1.25]
    cos = np.asarray([-1.0, -0.3, 0.0, 0.7, 1.0], dtype=F32)
    half = scoring.half_cosine(cos)
    faiss = scoring.faiss_cosine(cos)
    np.testing.assert_array_max_ulp(half, faiss, maxulp=1)
    assert half.tolist() == [((F32(1) + c) / F32(2)) for c in cos]


@pytest.mark.parametrize("engine", ["faiss", "lucene", "nmslib"])
@pytest.mark.parametrize("space", ["l2", "l1", "linf", "innerproduct", "cosinesimil"])
def test_knn_query_scores_match_reference(space, engine):
    rows, q = _data(48)
    got = scoring.query_scores(space, engine, rows, q)
    np.testing.assert_allclose(got, _reference(space, rows, q), rtol=4e-6 if space == "l1" else RTOL, atol=ATOL)


def test_hamming_bits_on_longs():
    values = np.asarray([0, 0b1011, -1], dtype=np.float64)
    bits = scoring.hamming_bits(values, 0b0001)
    assert bits.tolist() == [1.0, 2.0, 63.0]
    assert scoring.inverse_one_plus(bits).tolist() == [F32(0.5), F32(1) / F32(3), F32(1) / F32(64)]


@pytest.mark.parametrize("created,half", [("2.17.1", False), ("2.18.0", False), ("2.19.0", True), ("3.1.0", True)])
def test_cosine_formula_depends_on_index_creation_version(created, half):
    assert scoring.uses_half_cosine(version_id(created)) is half


@pytest.mark.parametrize("space", ["l2", "innerproduct", "cosinesimil", "l1", "linf"])
def test_exact_top_k_equals_a_full_sort(space):
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(5000, 24)).astype(F32)
    matrix[100] = matrix[200] = matrix[300]  # exact ties resolve by doc id
    q = matrix[300] + F32(0.001)
    allowed = rng.random(5000) < 0.9
    allowed[[100, 200, 300]] = True
    hits = ann.exact_top_k(matrix, allowed, space, "faiss", q, 10)
    idx = np.flatnonzero(allowed)
    scores = scoring.query_scores(space, "faiss", matrix[idx], q)
    order = np.lexsort((idx, -scores.astype(np.float64)))[:10]
    assert hits.docs.tolist() == sorted(idx[order].tolist())
    np.testing.assert_array_equal(hits.scores, scores[order][np.argsort(idx[order])])
    if space in ("l2", "cosinesimil"):
        assert {100, 200, 300} <= set(hits.docs.tolist())
