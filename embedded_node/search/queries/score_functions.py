"""The score functions of ``function_score``: parsing (``ScoreFunctionBuilder``) and per-doc values.

A parsed :class:`FunctionSpec` is bound to an index by ``bind(ctx)`` (``ScoreFunctionBuilder.toFunction``),
which returns a :class:`BoundFunction`: ``values(segment, docs, sub_scores) -> float64[]`` plus the function's
``weight`` (``ScoreFunction.getWeight``: 1 unless a ``weight`` wraps it). Arithmetic is Java's:

* ``weight`` and ``field_value_factor.factor`` are floats (``parser.floatValue()``), widened to double where
  they multiply; ``WeightFactorFunction`` returns ``inner * weight`` in double, a bare ``weight`` is
  ``1.0 * weight`` (``SCORE_ONE``);
* ``field_value_factor`` (``FieldValueFactorFunction``): the doc's first (smallest) value, or ``missing``, or an
  ``exception`` "Missing value for field [f]"; then ``modifier(value * factor)`` in double (``log`` = log10,
  ``log1p`` = log10(v+1), ``log2p`` = log10(v+2), ``ln``, ``ln1p`` = log1p(v), ``ln2p`` = log1p(v+1), ``square``,
  ``sqrt``, ``reciprocal``); a negative result is an ``illegal_argument_exception``;
* decay functions (``DecayFunctionBuilder``): per value ``max(0, |v - origin| - offset)``, reduced by
  ``multi_value_mode`` (default ``min``; distances sorted first, as ``SortingNumericDoubleValues``), a doc without
  the field has distance 0 (``FieldData.replaceMissing(.., 0)``), then ``gauss`` ``exp(0.5*d²/s')`` with
  ``s' = 0.5*scale²/ln(decay)``, ``exp`` ``exp(s'*|d|)`` with ``s' = ln(decay)/scale``, ``linear``
  ``max(0, (s'-|d|)/s')`` with ``s' = scale/(1-decay)``; dates take ``origin`` (default now, date math allowed),
  ``scale``/``offset`` as time values;
* ``script_score`` with the k-NN ``knn_score`` script: the script's float value, widened;
* ``random_score`` (``RandomScoreFunction``): with ``seed`` + ``field`` (``_seq_no``, a keyword or an integer
  field) ``murmur3_x86_32(bytes of the first value, saltedSeed)``, salted with the index name's Java
  ``hashCode`` and shard 0; without a seed, hppc's ``BitMixer.mix(docBase + doc, saltedSeed)`` seeded from the
  request time (random per request, as in OpenSearch); the value is ``(hash & 0xFFFFFF) / 2^24``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import errors
from ..parse_utils import as_float
from ..query import Explanation
from ..scripts import ScriptSpec, compile_score_script, parse_script
from . import datemath
from . import random_hash as rh
from .termlevel import create_error

F32 = np.float32
MODIFIERS = ("none", "log", "log1p", "log2p", "ln", "ln1p", "ln2p", "square", "sqrt", "reciprocal")
MULTI_VALUE_MODES = ("min", "max", "avg", "sum", "median")
DECAYS = ("gauss", "exp", "linear")
FUNCTION_NAMES = ("field_value_factor", "script_score", "random_score", "weight") + DECAYS


class BoundFunction:
    weight: float = 1.0
    description: str = "function"

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        raise NotImplementedError

    def explain(self, segment: Any, doc: int, sub_score: float, ctx: Any) -> Explanation:
        value = self.values(segment, np.asarray([doc], np.int32), np.asarray([sub_score], np.float32), ctx)[0]
        return Explanation(float(F32(value)), self.description)


@dataclass
class FunctionSpec:
    """One parsed function: ``kind`` plus its JSON body, and the optional ``weight`` wrapped around it."""

    kind: str
    body: Any
    weight: float | None = None

    def bind(self, ctx: Any) -> BoundFunction:
        inner = None if self.kind == "weight" else _BINDERS[self.kind](self.body, ctx)
        if self.weight is None:
            return inner
        return WeightFactor(inner, float(F32(self.weight)))


def parse_function(kind: str, body: Any) -> FunctionSpec:
    """Validate a function body at parse time (the parts that need no mapping)."""
    if kind not in FUNCTION_NAMES:
        raise errors.parsing(f"unknown field [{kind}]")
    if kind == "field_value_factor":
        _parse_fvf(body)
    elif kind == "script_score":
        if not isinstance(body, dict):
            raise errors.parsing("[script_score] malformed function, expected an object")
        bad = [k for k in body if k != "script"]
        if bad:
            raise errors.parsing(f"[script_score] query does not support [{bad[0]}]")
        if body.get("script") is None:
            raise errors.parsing("[script_score] requires 'script' field")
        body = parse_script(body["script"], "script_score")
    elif kind == "random_score":
        if not isinstance(body, dict) or set(body) - {"seed", "field"}:
            bad = sorted(set(body) - {"seed", "field"})[0] if isinstance(body, dict) else "body"
            raise errors.parsing(f"[random_score] query does not support [{bad}]")
    elif kind in DECAYS:
        _split_decay(body, kind)
    return FunctionSpec(kind, body)


def check_weight(weight: float) -> float:
    """``ScoreFunctionBuilder.checkWeight``."""
    if weight < 0:
        raise errors.illegal_argument("[weight] cannot be negative for a filtering function")
    return weight


# --- weight -------------------------------------------------------------------------------------------------
class WeightFactor(BoundFunction):
    """``WeightFactorFunction``: ``inner(doc) * weight`` in double (``inner`` None is ``SCORE_ONE``)."""

    def __init__(self, inner: BoundFunction | None, weight: float) -> None:
        self.inner, self.weight = inner, weight
        self.description = "product of:"

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        base = np.ones(docs.shape[0]) if self.inner is None else self.inner.values(segment, docs, sub_scores, ctx)
        return base * self.weight

    def explain(self, segment: Any, doc: int, sub_score: float, ctx: Any) -> Explanation:
        inner = (Explanation(1.0, "constant score 1.0 - no function provided") if self.inner is None
                 else self.inner.explain(segment, doc, sub_score, ctx))
        return Explanation(float(F32(F32(inner.value) * F32(self.weight))), "product of:",
                           [inner, Explanation(self.weight, "weight")])


# --- field_value_factor ---------------------------------------------------------------------------------------
def _parse_fvf(body: Any) -> tuple[str, float, str, float | None]:
    if not isinstance(body, dict):
        raise errors.parsing("[field_value_factor] malformed function, expected an object")
    bad = [k for k in body if k not in ("field", "factor", "modifier", "missing")]
    if bad:
        raise errors.parsing(f"[field_value_factor] query does not support [{bad[0]}]")
    if body.get("field") is None:
        raise errors.parsing("[field_value_factor] required field 'field' missing")
    modifier = str(body.get("modifier", "none")).lower()
    if modifier not in MODIFIERS:
        raise errors.illegal_argument(f"Illegal modifier [{body.get('modifier')}] for [field_value_factor]; "
                                      f"expected one of {list(MODIFIERS)}")
    factor = float(F32(as_float(body.get("factor", 1.0), "field_value_factor", "factor")))
    missing = as_float(body["missing"], "field_value_factor", "missing") if body.get("missing") is not None \
        else None
    return str(body["field"]), factor, modifier, missing


class FieldValueFactor(BoundFunction):
    def __init__(self, body: Any, ctx: Any) -> None:
        self.field, self.factor, self.modifier, self.missing = _parse_fvf(body)
        mapper = ctx.field(self.field)
        if mapper is None and self.missing is None:
            raise create_error(ctx, errors.EngineError(
                "exception", f"Unable to find a field mapper for field [{self.field}]. No 'missing' value "
                "defined.", 500))
        if mapper is not None and not mapper.is_numeric:
            raise create_error(ctx, errors.illegal_argument(
                f"field [{self.field}] of type [{mapper.type}] has no numeric doc values; [field_value_factor] "
                "needs a numeric, date or boolean field"))
        default = f"?:{self.missing}" if self.missing is not None else ""
        self.description = (f"field value function: {self.modifier}(doc['{self.field}'].value{default} * "
                             f"factor={self.factor})")

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        num = segment.numerics.get(self.field)
        has = num.has[docs] if num is not None else np.zeros(docs.shape[0], dtype=bool)
        if not has.all() and self.missing is None:
            raise errors.EngineError("exception", f"Missing value for field [{self.field}]", 500)
        value = np.where(has, num.min[docs] if num is not None else 0.0, self.missing if self.missing is not None
                         else 0.0)
        result = _modify(self.modifier, value * self.factor)
        negative = result < 0
        if negative.any():
            i = int(np.flatnonzero(negative)[0])
            message = (f"field value function must not produce negative scores, but got: [{result[i]!r}] for "
                       f"field value: [{value[i]!r}]")
            if self.modifier == "ln":
                message += "; consider using ln1p or ln2p instead of ln to avoid negative scores"
            elif self.modifier == "log":
                message += "; consider using log1p or log2p instead of log to avoid negative scores"
            raise errors.illegal_argument(message)
        return result


def _modify(modifier: str, v: np.ndarray) -> np.ndarray:
    """``FieldValueFactorFunction.Modifier.apply`` in double."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if modifier == "log":
            return np.log10(v)
        if modifier == "log1p":
            return np.log10(v + 1)
        if modifier == "log2p":
            return np.log10(v + 2)
        if modifier == "ln":
            return np.log(v)
        if modifier == "ln1p":
            return np.log1p(v)
        if modifier == "ln2p":
            return np.log1p(v + 1)
        if modifier == "square":
            return v * v
        if modifier == "sqrt":
            return np.sqrt(v)
        if modifier == "reciprocal":
            return 1.0 / v
    return v


# --- decay functions ---------------------------------------------------------------------------------------------
def _split_decay(body: Any, kind: str) -> tuple[str, dict[str, Any], str]:
    if not isinstance(body, dict):
        raise errors.parsing("malformed score function score parameters.")
    mode = "min"
    field = params = None
    for key, value in body.items():
        if isinstance(value, dict):
            field, params = key, value
        elif key == "multi_value_mode":
            mode = str(value).lower()
            if mode not in MULTI_VALUE_MODES:
                raise errors.illegal_argument(f"Illegal MultiValueMode [{value}]")
        else:
            raise errors.parsing("malformed score function score parameters.")
    if field is None or params is None:
        raise errors.parsing("malformed score function score parameters.")
    return field, params, mode


class Decay(BoundFunction):
    def __init__(self, kind: str, body: Any, ctx: Any) -> None:
        self.kind = kind
        self.field, params, self.mode = _split_decay(body, kind)
        mapper = ctx.field(self.field)
        if mapper is None:
            raise errors.parsing(f"unknown field [{self.field}]")
        bad = [k for k in params if k not in ("origin", "scale", "offset", "decay")]
        if bad:
            raise create_error(ctx, errors.EngineError("parse_exception", f"parameter [{bad[0]}] not supported!",
                                                       400))
        decay = as_float(params.get("decay", 0.5), kind, "decay")
        if mapper.type == "date":
            if params.get("scale") is None:
                raise create_error(ctx, errors.EngineError("parse_exception", "[scale] must be set for date "
                                                                              "fields.", 400))
            origin_value = params.get("origin")
            origin = ctx.now_ms if origin_value is None else datemath.parse(
                origin_value, mapper.params.get("format"), False, ctx.now_ms, None)
            scale = _time_value(ctx, params["scale"], "scale")
            offset = _time_value(ctx, params.get("offset", "0d"), "offset")
        elif mapper.is_numeric and mapper.type != "boolean":
            if params.get("scale") is None or params.get("origin") is None:
                raise create_error(ctx, errors.EngineError(
                    "parse_exception", "both [scale] and [origin] must be set for numeric fields.", 400))
            origin = as_float(params["origin"], kind, "origin")
            scale = as_float(params["scale"], kind, "scale")
            offset = as_float(params.get("offset", 0.0), kind, "offset")
        else:
            raise errors.parsing(f"field [{self.field}] is of type [{mapper.type}], but only numeric types are "
                                 "supported.")
        if scale <= 0.0:
            raise create_error(ctx, errors.illegal_argument("function_score : scale must be > 0.0."))
        if decay <= 0.0 or decay >= 1.0:
            raise create_error(ctx, errors.illegal_argument("function_score : decay must be in the range [0..1]."))
        if offset < 0.0:
            raise create_error(ctx, errors.illegal_argument("function_score : offset must be > 0.0"))
        self.origin, self.offset = float(origin), float(offset)
        if kind == "gauss":
            self.scale = 0.5 * math.pow(scale, 2.0) / math.log(decay)
        elif kind == "exp":
            self.scale = math.log(decay) / scale
        else:
            self.scale = scale / (1.0 - decay)
        self.description = f"Function for field {self.field}:"

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        return self.evaluate(self.distances(segment, docs))

    def evaluate(self, d: np.ndarray) -> np.ndarray:
        if self.kind == "gauss":
            return np.exp(0.5 * (d * d) / self.scale)
        if self.kind == "exp":
            return np.exp(self.scale * np.abs(d))
        return np.maximum(0.0, (self.scale - np.abs(d)) / self.scale)

    def distances(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        out = np.zeros(docs.shape[0], dtype=np.float64)
        num = segment.numerics.get(self.field)
        if num is None or docs.shape[0] == 0:
            return out
        starts, ends = num.offsets[docs], num.offsets[docs + 1]
        counts = ends - starts
        present = counts > 0
        if not present.any():
            return out
        if counts.max() == 1:
            out[present] = np.maximum(0.0, np.abs(num.values[starts[present]] - self.origin) - self.offset)
            return out
        group = np.repeat(np.flatnonzero(present), counts[present])
        idx = np.concatenate([np.arange(s, e) for s, e in zip(starts[present], ends[present])])
        dist = np.maximum(0.0, np.abs(num.values[idx] - self.origin) - self.offset)
        order = np.lexsort((dist, group))
        dist, group = dist[order], group[order]
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        n = counts[present]
        if self.mode == "min":
            red = dist[first]
        elif self.mode == "max":
            red = dist[first + n - 1]
        elif self.mode in ("sum", "avg"):
            red = np.add.reduceat(dist, first)
            if self.mode == "avg":
                red = red / n
        else:
            lo = dist[first + (n - 1) // 2]
            hi = dist[first + n // 2]
            red = np.where(n % 2 == 1, hi, (lo + hi) / 2)
        out[np.flatnonzero(present)] = red
        return out


def _time_value(ctx: Any, value: Any, key: str) -> float:
    try:
        return datemath.parse_time_value_millis(value, f"DecayFunctionParser.{key}")
    except errors.EngineError as exc:
        raise create_error(ctx, exc) from None


# --- script_score --------------------------------------------------------------------------------------------
class ScriptFunction(BoundFunction):
    def __init__(self, spec: ScriptSpec, ctx: Any) -> None:
        self.script = compile_score_script(ctx, spec)
        self.description = f"script score function, computed with script: {self.script.description}"

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        return self.script.scores(segment, docs).astype(np.float64)


# --- random_score ----------------------------------------------------------------------------------------------
class RandomScore(BoundFunction):
    def __init__(self, body: dict[str, Any], ctx: Any) -> None:
        self.rh = rh
        salt = rh.to_int32((rh.java_string_hash(ctx.index_name) << 10) | 0)
        seed_value = body.get("seed")
        self.field = body.get("field")
        if seed_value is None:
            self.source = None
            seed = rh.long_hash(int(ctx.now_ms))
        else:
            seed = rh.parse_seed(seed_value)
            if self.field is None or self.field == "_id":
                raise create_error(ctx, errors.illegal_argument(
                    "[random_score] with a [seed] needs a [field]; the embedded node supports [_seq_no], keyword "
                    "and integer fields (not [_id])"))
            if self.field != "_seq_no":
                mapper = ctx.field(self.field)
                if mapper is None:
                    raise create_error(ctx, errors.illegal_argument(
                        f"Field [{self.field}] is not mapped on [{ctx.index_name}] and cannot be used as a source "
                        "of random numbers."))
                if not (mapper.is_keyword or mapper.type in ("long", "integer", "short", "byte")):
                    raise create_error(ctx, errors.illegal_argument(
                        f"[random_score] on field [{self.field}] of type [{mapper.type}] is not supported by the "
                        "embedded node; use _seq_no, a keyword or an integer field"))
            self.source = self.field
        self.salted = rh.mix(seed, salt)
        self.description = "random score function (seed: {}, field: {})".format(seed_value, self.field)

    def values(self, segment: Any, docs: np.ndarray, sub_scores: np.ndarray, ctx: Any) -> np.ndarray:
        rh = self.rh
        if self.source is None:
            base = _doc_base(ctx, segment)
            hashes = [rh.mix(base + int(d), self.salted) for d in docs.tolist()]
        else:
            values = rh.first_values(segment, self.source, docs, ctx)
            hashes = [self.salted if v is None else rh.murmur3_32(v, self.salted) for v in values]
        arr = np.asarray(hashes, dtype=np.int64) & 0x00FFFFFF
        return (arr.astype(F32) / F32(1 << 24)).astype(F32).astype(np.float64)


def _doc_base(ctx: Any, segment: Any) -> int:
    base = 0
    for seg, _ in ctx.segments:
        if seg is segment:
            return base
        base += seg.max_doc
    return base


_BINDERS = {
    "field_value_factor": lambda body, ctx: FieldValueFactor(body, ctx),
    "gauss": lambda body, ctx: Decay("gauss", body, ctx),
    "exp": lambda body, ctx: Decay("exp", body, ctx),
    "linear": lambda body, ctx: Decay("linear", body, ctx),
    "script_score": lambda body, ctx: ScriptFunction(body, ctx),
    "random_score": lambda body, ctx: RandomScore(body, ctx),
}
