"""The k-NN plugin's ``knn_vector`` field type (``KNNVectorFieldMapper``): its parameters and their validation.

Only float vectors with a ``dimension`` and a ``method`` (or the defaults) are supported: no trained models
(``model_id``) and no byte/binary ``data_type``. The core keeps the parsed field as a plain ``FieldMapper``; its
vector accessors (``dimension``, ``space_type``, ``engine``) read these parameters.
"""
from __future__ import annotations

from typing import Any

from ... import errors
from ..base import FieldType

KNN_SPACES = {"l2", "l1", "linf", "cosinesimil", "innerproduct", "hamming", "hammingbit"}
KNN_ENGINES = {"faiss", "lucene", "nmslib"}
ENGINE_SPACES = {
    "faiss": {"l2", "innerproduct", "cosinesimil", "hamming"},
    "lucene": {"l2", "cosinesimil", "innerproduct", "hamming"},
    "nmslib": {"l2", "l1", "linf", "cosinesimil", "innerproduct"},
}

KNN_VECTOR_PARAMS = frozenset({"type", "dimension", "data_type", "space_type", "method", "mode",
                               "compression_level", "model_id", "doc_values", "store"})


def validate_knn_vector(path: str, params: dict[str, Any]) -> None:
    if "model_id" in params:
        raise errors.mapper_parsing(f"[model_id] on field [{path}] needs a trained k-NN model, which the embedded "
                                    "node does not support; give [dimension] and [method] instead")
    dim = params.get("dimension")
    if dim is None:
        raise errors.mapper_parsing(f"Dimension value missing for vector: {path}")
    try:
        dim_int = int(dim)
    except (TypeError, ValueError):
        raise errors.mapper_parsing(f"Unable to parse [dimension] from provided value [{dim}] for vector [{path}]")
    if isinstance(dim, float) or dim_int <= 0 or dim_int > 16000:
        raise errors.mapper_parsing(f"Dimension value must be greater than 0 and less than or equal to 16000 "
                                    f"for vector: {path}")
    params["dimension"] = dim_int
    data_type = params.get("data_type", "float")
    if data_type != "float":
        raise errors.mapper_parsing(f"data_type [{data_type}] of field [{path}] is not supported by the embedded "
                                    "node; use [float]")
    method = params.get("method")
    if method is not None:
        if not isinstance(method, dict):
            raise errors.mapper_parsing(f"Unable to parse [method] for vector [{path}]")
        bad = sorted(set(method) - {"name", "engine", "space_type", "parameters"})
        if bad:
            raise errors.mapper_parsing(f"Invalid parameter for method: {bad[0]}")
        name = method.get("name", "hnsw")
        if name not in ("hnsw", "ivf", "flat"):
            raise errors.mapper_parsing(f"Invalid method name: {name}")
        engine = method.get("engine", "faiss")
        if engine not in KNN_ENGINES:
            raise errors.mapper_parsing(f"Invalid engine: {engine}")
        if "space_type" in method and "space_type" in params and method["space_type"] != params["space_type"]:
            raise errors.mapper_parsing(
                "Space type in \"method\" and top-level space type should be same or one of them should be defined")
    space = params.get("space_type") or (method or {}).get("space_type") or "l2"
    if space not in KNN_SPACES:
        raise errors.mapper_parsing(f"Unable to parse [space_type] from provided value [{space}] for vector [{path}]")
    engine = (method or {}).get("engine", "faiss")
    if space not in ENGINE_SPACES[engine]:
        raise errors.mapper_parsing(f"{engine} engine does not support space type [{space}] (field [{path}])")


KNN_VECTOR = FieldType(KNN_VECTOR_PARAMS, validate_knn_vector)
