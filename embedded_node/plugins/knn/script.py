"""The k-NN plugin's script engine (``lang: knn``, ``KNNScoringScriptEngine``) and its ``knn_score`` script.

``knn_score`` scores a document's vector against ``params.query_value`` exactly (``KNNScoreScriptFactory`` +
``KNNScoringSpace``). Compile-time problems (missing params, unknown space, wrong dimension, wrong field type,
zero vector with cosine) are raised as :func:`~embedded_node.search.scripts.create_error` wraps them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import errors
from ...search.scripts import ScoreScript, ScriptSpec, create_error
from . import scoring

F32 = np.float32


def compile_knn_script(ctx: Any, spec: ScriptSpec) -> ScoreScript:
    """``KNNScoringScriptEngine.compile``: the only script of the engine is ``knn_score``."""
    if spec.source != "knn_score":
        raise create_error(ctx, errors.illegal_argument(f"Unknown script name {spec.source}"))
    return KnnScoreScript(ctx, spec.params)


class KnnScoreScript(ScoreScript):
    """``KNNScoreScriptFactory`` + ``KNNScoreScript``: exact ``knn_score`` of a doc's vector; 0.0 without one."""

    def __init__(self, ctx: Any, params: dict[str, Any]) -> None:
        self.field = str(_param(ctx, params, "field"))
        space = str(_param(ctx, params, "space_type"))
        raw_query = _param(ctx, params, "query_value")
        self.space = space.lower()
        if self.space not in scoring.SCRIPT_SPACES:
            raise create_error(ctx, errors.illegal_argument(
                "Invalid space type. Please refer to the available space types."))
        mapper = ctx.field(self.field)
        if self.space == "hammingbit":
            self._init_hamming(ctx, mapper, raw_query)
            return
        if self.space == "hamming":  # binary knn_vector fields only; the embedded node maps float vectors only
            raise create_error(ctx, errors.illegal_argument(
                "Incompatible field_type for hamming space. The data type should be [BINARY] but got "
                f"{'FLOAT' if mapper is not None and mapper.is_vector else 'a non knn_vector field'}"))
        if mapper is None or not mapper.is_vector:
            raise create_error(ctx, errors.illegal_argument(
                f"Incompatible field_type for {self.space} space. The field type must be knn_vector."))
        query = _float_vector(ctx, raw_query)
        if query.shape[0] != mapper.dimension:
            raise create_error(ctx, errors.EngineError(
                "illegal_state_exception", f"Object's dimension={query.shape[0]} does not match the expected "
                f"dimension={mapper.dimension}.", 500))
        self.query = query
        self.query_norm_sq = scoring.squared_norm_script(query)
        if self.space == "cosinesimil" and not np.any(query):
            raise create_error(ctx, errors.illegal_argument(
                "zero vector is not supported when space type is [cosinesimil]"))
        self.half_cosine = scoring.uses_half_cosine(ctx.shard.settings.get("index.version.created"))
        self.hamming = False
        self.description = f"knn_score({self.field}, {self.space})"

    def _init_hamming(self, ctx: Any, mapper: Any, raw_query: Any) -> None:
        if mapper is None or mapper.type != "long":
            raise create_error(ctx, errors.illegal_argument(
                f"Incompatible field_type for {self.space} space. The field type must be either long or binary."
                " (binary knn_vector fields are not supported by the embedded node)"))
        if isinstance(raw_query, bool) or not isinstance(raw_query, int):
            raise create_error(ctx, errors.illegal_argument("Object cannot be parsed as a Long."))
        self.hamming = True
        self.query_long = int(raw_query)
        self.description = f"knn_score({self.field}, {self.space})"

    def scores(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        out = np.zeros(docs.shape[0], dtype=F32)
        if self.hamming:
            values = segment.numerics.get(self.field)
            if values is None:
                return out
            has = values.has[docs]
            if has.any():
                bits = scoring.hamming_bits(values.min[docs[has]], self.query_long)
                out[has] = scoring.inverse_one_plus(bits)
            return out
        vectors = segment.vectors.get(self.field)
        if vectors is None:
            return out
        has = vectors.has[docs]
        if has.any():
            rows = vectors.matrix[docs[has]]
            out[has] = scoring.script_scores(self.space, rows, self.query, self.half_cosine, self.query_norm_sq)
        return out


def _param(ctx: Any, params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None:
        raise create_error(ctx, errors.illegal_argument(f"Missing parameter [{name}]"))
    return value


_NUMBER_TYPES = frozenset((int, float))  # exact types: the check is one C-level pass over a query vector


def _float_vector(ctx: Any, value: Any) -> np.ndarray:
    """``KNNScoringSpaceUtil.convertVectorToPrimitive``: a list of numbers, each ``Number.floatValue()``."""
    if not isinstance(value, list) or not (set(map(type, value)) <= _NUMBER_TYPES or all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        raise create_error(ctx, errors.illegal_argument("query_value must be an array of numbers for a "
                                                        "knn_vector field"))
    with np.errstate(over="ignore"):
        return np.asarray(value, dtype=np.float64).astype(F32)
