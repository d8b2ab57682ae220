"""Scripts for scoring: ``Script.parse``, the score-script contract and ``ScriptService.compile``.

The embedded node has no painless: script engines come from plugins (``ScriptPlugin.getScriptEngine``), keyed by
``lang``; the k-NN plugin mounts ``knn`` (its ``knn_score`` script). Compile-time problems surface the way
OpenSearch reports them: thrown while the shard builds the query, so ``QueryShardContext.toQuery`` wraps them as
``query_shard_exception`` "failed to create query: ..." (HTTP 400) with the original exception as ``caused_by``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import errors, jsonutil
from .query import Explanation

if TYPE_CHECKING:
    from .context import SearchContext


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
        source = jsonutil.dumps(source).decode()
    lang = body.get("lang", "painless" if stored is None else None)
    return ScriptSpec(str(lang) if lang is not None else "painless", source if source is None else str(source),
                      dict(params), stored)


def create_error(ctx: "SearchContext", cause: errors.EngineError) -> errors.EngineError:
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


def compile_score_script(ctx: "SearchContext", spec: ScriptSpec) -> ScoreScript:
    """``ScriptService.compile`` for the score context: the engine mounted for ``spec.lang`` compiles it.

    Raises the wrapped shard-level error, as ``QueryShardContext.toQuery`` reports a compile failure."""
    if spec.stored_id is not None:
        raise create_error(ctx, errors.resource_not_found(f"unable to find script [{spec.stored_id}] in cluster "
                                                          "state"))
    engine = ctx.node.plugins.script_engines.get(spec.lang)
    if engine is None:
        if spec.lang in ("painless", "expression", "mustache"):
            raise create_error(ctx, errors.illegal_argument(
                f"script lang [{spec.lang}] is not supported by the embedded node; use "
                "{\"lang\": \"knn\", \"source\": \"knn_score\"} for vector scores"))
        raise create_error(ctx, errors.illegal_argument(f"script_lang not supported [{spec.lang}]"))
    return engine(ctx, spec)
