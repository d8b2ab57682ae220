"""``dense_vector`` similarities and their ``_score`` (Elasticsearch's ``DenseVectorFieldMapper.VectorSimilarity``).

The ``knn`` search section and the ``knn`` query score a hit with the field's ``similarity`` (Elasticsearch
reference, ``dense_vector`` -> ``similarity``), for float vectors:

==================  ==========================================  ==========================================
similarity          raw value                                   ``_score``
==================  ==========================================  ==========================================
``l2_norm``         Euclidean distance ``d``                    ``1 / (1 + d^2)``
``dot_product``     ``q . v`` (both unit length)                ``(1 + q . v) / 2``
``cosine``          ``cos(q, v)``                               ``(1 + cos) / 2``
``max_inner_product``  ``q . v`` (any length)                   ``1 / (1 - dot)`` if ``dot < 0`` else ``dot + 1``
==================  ==========================================  ==========================================

These differ from the k-NN plugin's spaces (``knn_score`` cosinesimil is ``1 + cos`` before 2.19, innerproduct
is translated the same way as ``max_inner_product``) and from the painless functions, which return the plain
value (:mod:`.painless`). Sums run in float64 and round once to float32, as for the k-NN plugin's exact scores.
"""
from __future__ import annotations

import numpy as np

F32 = np.float32
SIMILARITIES = ("l2_norm", "dot_product", "cosine", "max_inner_product")

#: The k-NN plugin space type a similarity corresponds to (the core's vector accessors speak in space types; it
#: only uses them to refuse zero vectors for cosine).
SPACE_OF = {"l2_norm": "l2", "dot_product": "innerproduct", "cosine": "cosinesimil",
            "max_inner_product": "innerproduct"}


def dots(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``q . v`` per row, float64."""
    return rows.astype(np.float64) @ query.astype(np.float64)


def norms(rows: np.ndarray) -> np.ndarray:
    """``|v|`` per row, float64."""
    r = rows.astype(np.float64)
    return np.sqrt(np.einsum("ij,ij->i", r, r))


def cosines(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The plain cosine per row (float64); a zero row reads 0 (Elasticsearch refuses zero vectors for cosine at
    index time, so only other similarities can hold one)."""
    q = query.astype(np.float64)
    denom = norms(rows) * float(np.sqrt(q @ q))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = dots(rows, query) / denom
    return np.where(denom > 0, out, 0.0)


def squared_l2(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    diff = rows.astype(np.float64) - query.astype(np.float64)
    return np.einsum("ij,ij->i", diff, diff)


def knn_scores(similarity: str, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The ``_score`` of a ``knn`` hit for ``similarity`` (table above), float32."""
    if similarity == "l2_norm":
        out = 1.0 / (1.0 + squared_l2(rows, query))
    elif similarity == "dot_product":
        out = (1.0 + dots(rows, query)) / 2.0
    elif similarity == "cosine":
        out = (1.0 + cosines(rows, query)) / 2.0
    elif similarity == "max_inner_product":
        d = dots(rows, query)
        out = np.where(d < 0, 1.0 / (1.0 - np.minimum(d, 0.0)), d + 1.0)
    else:  # the mapper validates similarities; this is a programming error
        raise ValueError(f"unknown similarity {similarity!r}")
    return np.maximum(out, 0.0).astype(F32)
