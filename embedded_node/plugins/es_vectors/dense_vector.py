"""The ``dense_vector`` field type of Elasticsearch 8 (``DenseVectorFieldMapper``): parameters and validation.

Supported: float vectors (``element_type: float``, the default) with ``dims``, ``index`` (default true),
``similarity`` (default ``cosine`` for indexed fields, as since 8.11) and ``index_options`` (``hnsw``,
``int8_hnsw``, ``int4_hnsw``, ``bbq_hnsw``, ``flat``, ``int8_flat``, ``int4_flat``, ``bbq_flat`` with their
``m``/``ef_construction``/``confidence_interval``). The node searches every vector exactly and scores the float
values, so quantized ``index_options`` are accepted but not emulated (a real cluster's quantized scores differ
slightly; ``knn`` rescoring on the float vectors brings them back). ``byte``/``bit`` vectors and an omitted
``dims`` (inferred from the first document by Elasticsearch) are refused with the way out.
"""
from __future__ import annotations

from typing import Any

from ... import errors
from ..base import FieldType
from .similarity import SIMILARITIES

MAX_DIMS = 4096
INDEX_TYPES = {"hnsw", "int8_hnsw", "int4_hnsw", "bbq_hnsw", "flat", "int8_flat", "int4_flat", "bbq_flat"}
_OPTION_KEYS = {"type", "m", "ef_construction", "confidence_interval", "rescore_vector"}

DENSE_VECTOR_PARAMS = frozenset({"type", "dims", "index", "similarity", "element_type", "index_options", "meta"})


def validate_dense_vector(path: str, params: dict[str, Any]) -> None:
    """Check a ``dense_vector`` mapping as ``DenseVectorFieldMapper.Builder`` does; normalises ``dims`` to int."""
    element = params.get("element_type", "float")
    if element not in ("float", "byte", "bit"):
        raise errors.mapper_parsing(f"invalid element_type [{element}]; available types are [float, byte, bit]")
    if element != "float":
        raise errors.mapper_parsing(f"element_type [{element}] of field [{path}] is not supported by the embedded "
                                    "node; use [float]")
    dims = params.get("dims")
    if dims is None:
        raise errors.mapper_parsing(f"[dims] is required for field [{path}] on the embedded node (Elasticsearch "
                                    "would infer it from the first document); give the vector's dimension")
    if isinstance(dims, bool) or not isinstance(dims, (int, str)) or not str(dims).isdigit():
        raise errors.mapper_parsing(f"Failed to parse mapping: [dims] on mapper [{path}] of type [dense_vector] "
                                    f"must be an integer, found [{dims}]")
    if not 1 <= int(dims) <= MAX_DIMS:
        raise errors.mapper_parsing(f"The number of dimensions should be in the range [1, {MAX_DIMS}] but was "
                                    f"[{dims}]")
    params["dims"] = int(dims)
    index = params.get("index", True)
    if index not in (True, False, "true", "false"):
        raise errors.mapper_parsing(f"Failed to parse value [{index}] as only [true] or [false] are allowed.")
    indexed = index in (True, "true")
    similarity = params.get("similarity")
    if similarity is not None:
        if similarity not in SIMILARITIES:
            raise errors.mapper_parsing(f"Unknown value [{similarity}] for field [similarity] - accepted values "
                                        f"are {list(SIMILARITIES)}")
        if not indexed:
            raise errors.mapper_parsing(f"Field [similarity] can only be specified for a field of type "
                                        f"[dense_vector] when it is indexed (field [{path}])")
    options = params.get("index_options")
    if options is not None:
        if not indexed:
            raise errors.mapper_parsing(f"Field [index_options] can only be specified for a field of type "
                                        f"[dense_vector] when it is indexed (field [{path}])")
        if not isinstance(options, dict) or "type" not in options:
            raise errors.mapper_parsing("[index_options] requires field [type] to be configured")
        if options["type"] not in INDEX_TYPES:
            raise errors.mapper_parsing(f"Unknown vector index options type [{options['type']}] for field "
                                        f"[{path}]; one of {sorted(INDEX_TYPES)}")
        bad = sorted(set(options) - _OPTION_KEYS)
        if bad:
            raise errors.mapper_parsing(f"Mapping definition for [{path}] has unsupported parameters: "
                                        f"[{bad[0]} : {options[bad[0]]}]")


DENSE_VECTOR = FieldType(DENSE_VECTOR_PARAMS, validate_dense_vector)


def similarity_of(params: dict[str, Any]) -> str:
    """The field's similarity (``cosine`` when omitted, Elasticsearch's default since 8.11)."""
    return str(params.get("similarity") or "cosine")
