"""Scripts for scoring: ``Script.parse`` and the k-NN plugin's ``knn_score`` script (``lang: knn``).

The embedded node has no painless; the only script engine is the k-NN plugin's ``KNNScoringScriptEngine``,
whose single script ``knn_score`` scores a document's vector against ``params.query_value`` exactly
(``KNNScoreScriptFactory`` + ``KNNScoringSpace``). Compile-time problems (missing params, unknown space, wrong
dimension, wrong field type, zero vector with cosine) surface the way OpenSearch reports them: thrown while the
shard builds the query, so ``QueryShardContext.toQuery`` wraps them as ``query_shard_exception`` "failed to
create query: ..." (HTTP 400) with the original exception as ``caused_by``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ... import errors
from ...search.query import Explanation
from . import scoring

F32 = np.float32


@dataclass(frozen=True)
class ScriptSpec:
    """A parsed ``script`` object (``org.opensearch.script.Script``)."""

    lang: str
    source: str | None
    params: dict[str, Any] = field(default_factory=dict)
    stored_id: str | None = None


def parse_script(body: Any, owner: str) -> ScriptSpec:
    """``Script.parse``: a string is painless source; an object has ``source``/``id``, ``lang``, ``params``."""
    if isinstance(body, str):
        return ScriptSpec("painless", body)
    if not isinstance(body, dict):
        raise errors.parsing(f"[{owner}] failed to parse field [script]")
    unknown = [k for k in body if k not in ("source", "id", "lang", "params", "options")]
    if unknown:
        raise errors.parsing(f"[script] unknown field [{unknown[0]}]")
    source, stored = body.get("source"), body.get("id")
    if source is not None and stored is not None:
        raise errors.illegal_argument("must specify either [source] for an inline script or [id] for a stored "
                                      "script")
    if source is None and stored is None:
        raise errors.illegal_argument("must specify either [source] for an inline script or [id] for a stored "
                                      "script")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise errors.parsing("[script] params must be an object")
    if isinstance(source, (dict, list)):
        from ... import jsonutil

        source = jsonutil.dumps(source).decode()
    lang = body.get("lang", "painless" if stored is None else None)
    return ScriptSpec(str(lang) if lang is not None else "painless", source if source is None else str(source),
                      dict(params), stored)


def create_error(ctx: Any, cause: errors.EngineError) -> errors.EngineError:
    """An exception thrown while building the query, as ``QueryShardContext.toQuery`` wraps it."""
    return errors.query_shard(f"failed to create query: {cause.reason}", ctx.index_name, caused_by=cause)


class ScoreScript:
    """A compiled score script bound to one index: ``scores(segment, docs)`` gives float32 per doc."""

    needs_score = False

    def scores(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def explain(self, segment: Any, doc: int) -> Explanation:
        value = float(self.scores(segment, np.asarray([doc], dtype=np.int32))[0])
        return Explanation(value, self.description)

    description = "script score"


def compile_score_script(ctx: Any, spec: ScriptSpec) -> ScoreScript:
    """``ScriptService.compile`` for the score context; raises the wrapped shard-level error."""
    if spec.stored_id is not None:
        raise create_error(ctx, errors.resource_not_found(f"unable to find script [{spec.stored_id}] in cluster "
                                                          "state"))
    if spec.lang != "knn":
        if spec.lang in ("painless", "expression", "mustache"):
            raise create_error(ctx, errors.illegal_argument(
                f"script lang [{spec.lang}] is not supported by the embedded node; use "
                "{\"lang\": \"knn\", \"source\": \"knn_score\"} for vector scores"))
        raise create_error(ctx, errors.illegal_argument(f"script_lang not supported [{spec.lang}]"))
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


def _float_vector(ctx: Any, value: Any) -> np.ndarray:
    """``KNNScoringSpaceUtil.convertVectorToPrimitive``: a list of numbers, each ``Number.floatValue()``."""
    if not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                              for v in value):
        raise create_error(ctx, errors.illegal_argument("query_value must be an array of numbers for a "
                                                        "knn_vector field"))
    with np.errstate(over="ignore"):
        return np.asarray(value, dtype=np.float64).astype(F32)
