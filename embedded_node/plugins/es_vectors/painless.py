"""The ``painless`` script engine of the Elasticsearch distribution: a documented subset, for ``script_score``.

Elasticsearch scores vectors exactly with painless (the o19s plugin's docs define vector features this way)::

    {"script_score": {"query": {"exists": {"field": "v"}},
                      "script": {"source": "(1.0 + cosineSimilarity(params.query_vector, 'v')) / 2.0",
                                 "params": {"query_vector": [...]}}}}

The subset (grammar in :mod:`.painless_grammar`) is evaluated vectorized over the matched documents. The vector
functions return the plain values, as Elasticsearch's ``ScoreScriptUtils`` does: ``cosineSimilarity`` the cosine
in [-1, 1] (not the k-NN plugin's ``1 + cos``), ``dotProduct`` the dot product, ``l1norm``/``l2norm`` the L1/L2
distance. A document without a vector makes them fail ("A document doesn't have a value for a vector field!"),
so scripts guard with ``doc['v'].size() == 0 ? 0 : ...`` or with the query; the ternary evaluates only the
branch each document takes. ``script_score`` then refuses a negative result ("Must be a non-negative score!").
Anything outside the subset (``_score``, loops, other methods) is a ``script_exception`` "compile error" that
names the problem.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ... import errors
from ...search.scripts import ScoreScript, ScriptSpec, create_error
from .painless_grammar import VECTOR_FUNCTIONS, Node, PainlessSyntaxError, parse

F32 = np.float32
_MATH: dict[str, tuple[int, Callable[..., Any]]] = {
    "abs": (1, np.abs), "sqrt": (1, np.sqrt), "log": (1, np.log), "log10": (1, np.log10), "exp": (1, np.exp),
    "floor": (1, np.floor), "ceil": (1, np.ceil), "max": (2, np.maximum), "min": (2, np.minimum),
    "pow": (2, np.power)}
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "%": np.fmod, "<": np.less,
    "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal,
    "&&": np.logical_and, "||": np.logical_or}


def compile_error(ctx: Any, source: str, reason: str) -> errors.EngineError:
    """``ScriptException`` "compile error", wrapped as the shard reports a query it could not build."""
    cause = errors.EngineError("script_exception", "compile error", 400, caused_by=errors.illegal_argument(reason),
                               script_stack=[source[:100]], script=source, lang="painless")
    return create_error(ctx, cause)


def runtime_error(source: str, reason: str) -> errors.EngineError:
    return errors.EngineError("script_exception", "runtime error", 400, caused_by=errors.illegal_argument(reason),
                              script_stack=[source[:100]], script=source, lang="painless")


def compile_painless(ctx: Any, spec: ScriptSpec) -> ScoreScript:
    """``PainlessScriptEngine.compile`` for the score context, restricted to the documented subset."""
    source = spec.source or ""
    try:
        decls, result = parse(source)
    except PainlessSyntaxError as exc:
        raise compile_error(ctx, source, f"the embedded node evaluates a painless subset (numbers, params, "
                                         f"locals, arithmetic, comparisons, ?:, Math.*, {', '.join(VECTOR_FUNCTIONS)}, "
                                         f"doc['f'].size()/isEmpty()/value; docs/elasticsearch.md): {exc}") from None
    script = PainlessScoreScript(ctx, source, spec.params, decls, result)
    script.check()
    return script


class PainlessScoreScript(ScoreScript):
    """One compiled script bound to an index; ``scores`` evaluates it over a batch of documents."""

    def __init__(self, ctx: Any, source: str, params: dict[str, Any], decls: tuple[Node, ...],
                 result: Node) -> None:
        self.ctx, self.source, self.params = ctx, source, params
        self.decls, self.result = decls, result
        self.description = source

    # -- compile-time checks: every name resolves, every vector function names a dense_vector field ------------
    def check(self) -> None:
        known: set[str] = set()
        for _, name, expr in self.decls:
            self._check(expr, known)
            known.add(name)
        self._check(self.result, known)

    def _check(self, node: Node, known: set[str]) -> None:
        kind = node[0]
        if kind == "local" and node[1] not in known:
            hint = (" (_score is not available in the embedded node's painless subset)" if node[1] == "_score"
                    else "")
            raise compile_error(self.ctx, self.source, f"cannot resolve symbol [{node[1]}]{hint}")
        if kind == "param" and node[1] not in self.params:
            return  # a missing param reads null at run time in painless; checked where it is used
        if kind == "math":
            arity = _MATH.get(node[1])
            if arity is None or arity[0] != len(node[2]):
                raise compile_error(self.ctx, self.source, f"unknown call [Math.{node[1]}] with [{len(node[2])}] "
                                                           f"arguments; supported: {sorted(_MATH)}")
        if kind == "vec":
            field = self._field_name(node[3])
            mapper = self.ctx.field(field)
            if mapper is None or mapper.type != "dense_vector":
                raise compile_error(self.ctx, self.source, f"field [{field}] is not a [dense_vector] field: "
                                                           f"{node[1]} needs one")
            self._query_vector(node[2], mapper.dimension)
        if kind in ("docfn", "docvalue"):
            self._field_name(node[1])
        for child in node[1:]:
            if isinstance(child, tuple) and child and isinstance(child[0], str):
                self._check(child, known)
            elif isinstance(child, tuple):
                for item in child:
                    if isinstance(item, tuple):
                        self._check(item, known)

    def _field_name(self, node: Node) -> str:
        if node[0] == "str":
            return str(node[1])
        value = self.params.get(node[1])
        if not isinstance(value, str):
            raise compile_error(self.ctx, self.source, f"params.{node[1]} must be a field name (a string)")
        return value

    def _query_vector(self, node: Node, dims: int) -> np.ndarray:
        if node[0] != "param":
            raise compile_error(self.ctx, self.source, "the query vector of a vector function must be a param "
                                                       "(params.query_vector)")
        value = self.params.get(node[1])
        if not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  for v in value):
            raise compile_error(self.ctx, self.source, f"params.{node[1]} must be an array of numbers")
        if len(value) != dims:
            raise errors.illegal_argument(f"The query vector has a different number of dimensions [{len(value)}] "
                                          f"than the document vectors [{dims}].")
        return np.asarray(value, dtype=np.float64).astype(F32)

    # -- evaluation -----------------------------------------------------------------------------------------------
    def scores(self, segment: Any, docs: np.ndarray) -> np.ndarray:
        env: dict[str, np.ndarray] = {}
        every = np.arange(docs.shape[0])
        for _, name, expr in self.decls:
            env[name] = np.broadcast_to(np.asarray(self._eval(expr, segment, docs, every, env), np.float64),
                                        docs.shape).copy()
        out = np.broadcast_to(np.asarray(self._eval(self.result, segment, docs, every, env), np.float64),
                              docs.shape)
        return out.astype(F32)

    def _eval(self, node: Node, segment: Any, docs: np.ndarray, idx: np.ndarray, env: dict[str, np.ndarray]) -> Any:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "param":
            value = self.params.get(node[1])
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise runtime_error(self.source, f"params.{node[1]} is not a number ({value!r})")
            return float(value)
        if kind == "local":
            return env[node[1]][idx]
        if kind == "un":
            value = self._eval(node[2], segment, docs, idx, env)
            return np.negative(value) if node[1] == "-" else np.logical_not(value)
        if kind == "bin":
            op = node[1]
            left = self._eval(node[2], segment, docs, idx, env)
            right = self._eval(node[3], segment, docs, idx, env)
            with np.errstate(divide="ignore", invalid="ignore"):
                return _BINARY[op](left, right)
        if kind == "cond":
            test = np.broadcast_to(np.asarray(self._eval(node[1], segment, docs, idx, env), bool), idx.shape)
            out = np.zeros(idx.shape[0], np.float64)
            if test.any():
                out[test] = self._eval(node[2], segment, docs, idx[test], env)
            if (~test).any():
                out[~test] = self._eval(node[3], segment, docs, idx[~test], env)
            return out
        if kind == "math":
            args = [self._eval(a, segment, docs, idx, env) for a in node[2]]
            with np.errstate(divide="ignore", invalid="ignore"):
                return _MATH[node[1]][1](*args)
        if kind == "docfn":
            has = self._has(segment, self._field_name(node[1]), docs[idx])
            return (has.astype(np.float64)) if node[2] == "size" else ~has
        if kind == "docvalue":
            return self._doc_value(segment, self._field_name(node[1]), docs[idx])
        if kind == "vec":
            return self._vector_function(node, segment, docs[idx])
        raise runtime_error(self.source, f"cannot evaluate [{kind}]")

    def _has(self, segment: Any, field: str, docs: np.ndarray) -> np.ndarray:
        vectors = segment.vectors.get(field)
        if vectors is not None:
            return vectors.has[docs]
        numerics = segment.numerics.get(field)
        if numerics is not None:
            return numerics.has[docs]
        mapper = self.ctx.field(field)
        if mapper is None:
            raise runtime_error(self.source, f"No field found for [{field}] in mapping")
        return np.zeros(docs.shape[0], bool)

    def _doc_value(self, segment: Any, field: str, docs: np.ndarray) -> np.ndarray:
        mapper = self.ctx.field(field)
        if mapper is None or not mapper.is_numeric:
            raise runtime_error(self.source, f"doc['{field}'].value needs a numeric field")
        numerics = segment.numerics.get(field)
        if numerics is None or not numerics.has[docs].all():
            raise runtime_error(self.source, f"A document doesn't have a value for a field! Use doc[<field>].size()"
                                             f"==0 to check if a document is missing a field! (field [{field}])")
        return numerics.min[docs].astype(np.float64)

    def _vector_function(self, node: Node, segment: Any, docs: np.ndarray) -> np.ndarray:
        field = self._field_name(node[3])
        mapper = self.ctx.field(field)
        query = self._query_vector(node[2], mapper.dimension)
        vectors = segment.vectors.get(field)
        if docs.size and (vectors is None or not vectors.has[docs].all()):
            raise runtime_error(self.source, "A document doesn't have a value for a vector field!")
        if not docs.size:
            return np.zeros(0, np.float64)
        rows = vectors.matrix[docs].astype(np.float64)
        q = query.astype(np.float64)
        fn = node[1]
        if fn == "dotProduct":
            return rows @ q
        if fn == "cosineSimilarity":
            qn = math.sqrt(float(q @ q))
            dn = np.sqrt(np.einsum("ij,ij->i", rows, rows))
            with np.errstate(divide="ignore", invalid="ignore"):
                return (rows @ q) / (dn * qn)
        diff = rows - q
        if fn == "l1norm":
            return np.abs(diff).sum(axis=1)
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))  # l2norm
