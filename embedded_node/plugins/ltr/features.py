"""Compiling stored features (``StoredFeature.optimize``) and binding them to a search (``doToQuery``).

* ``mustache`` (``PrecompiledTemplateFeature``): the template (an object is first serialised to compact JSON)
  is compiled once; at query time every declared param must be present ("Missing required param(s)"), the
  template is rendered (:mod:`.mustache`) and the text parsed through the node's own query DSL, so a feature
  is an ordinary query bound with ``create_weight``. Failures become "Cannot create query while parsing
  feature [name]".
* ``derived_expression`` (``PrecompiledExpressionFeature``): a Lucene expression over other features of the
  set and numeric params (:mod:`.expressions`); each variable must be a feature or a declared param, not both.
* ``script_feature`` (``ScriptFeature``): see :mod:`.scripts`.

Derived and script features match every document, like the plugin's ``DerivedExpressionQuery``/``LtrScript``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import expressions as ex
from .expression_parser import parse as parse_expression
from . import ltr_errors, scripts
from .elements import LANGUAGES, StoredFeature, StoredFeatureSet
from .json_template import RENDER, JsonTemplate, json_template
from .mustache import MustacheError, Template, compile_template
from ...errors import EngineError, illegal_argument
from ...jsonutil import loads as json_loads
from ...search.dsl import DslParser


@dataclass
class CompiledFeature:
    name: str
    params: list[str]
    language: str
    template: Template | None = None
    structure: JsonTemplate | None = None  # the template as a JSON document with placeholders, when it is one
    expression: ex.Node | None = None
    script: scripts.ScriptSpec | None = None


@dataclass
class CompiledFeatureSet:
    name: str
    features: list[CompiledFeature]
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = [f.name for f in self.features]

    def ordinal(self, name: str) -> int:
        return self.names.index(name)


def compile_feature(feature: StoredFeature) -> CompiledFeature:
    language = feature.template_language
    if language not in LANGUAGES:
        raise illegal_argument(f"Unsupported template language [{language}] for feature [{feature.name}], "
                               f"expected one of {list(LANGUAGES)}")
    out = CompiledFeature(feature.name, list(feature.params), language)
    try:
        if language == "mustache":
            text = feature.template if isinstance(feature.template, str) else \
                json.dumps(feature.template, ensure_ascii=False, separators=(",", ":"))
            out.template = compile_template(text)
            out.structure = json_template(out.template)
        elif language == "derived_expression":
            if not isinstance(feature.template, str):
                raise illegal_argument(f"A derived_expression template must be a string, feature "
                                       f"[{feature.name}]")
            out.expression = parse_expression(feature.template)
        else:
            out.script = scripts.parse_script(feature.template, feature.name)
    except (MustacheError, ex.ExpressionError) as exc:
        raise illegal_argument(f"Could not compile the template of feature [{feature.name}]: {exc}") from None
    return out


def compile_featureset(stored: StoredFeatureSet) -> CompiledFeatureSet:
    compiled = CompiledFeatureSet(stored.name, [compile_feature(f) for f in stored.features])
    for feature in compiled.features:
        if feature.expression is None:
            continue
        for var in ex.variables(feature.expression):
            is_feature, is_param = var.text in compiled.names, var.text in feature.params
            if is_feature and is_param:
                raise illegal_argument(f"Derived feature [{feature.name}]: variable [{var.text}] is both a "
                                       "feature and a param")
            if not is_feature and not is_param:
                raise illegal_argument(f"Derived feature [{feature.name}] refers to unknown feature or param "
                                       f"[{var.text}]")
    return compiled


# --- binding to a search ----------------------------------------------------------------------------------
Resolver = Callable[[list[np.ndarray], int], np.ndarray]


@dataclass
class BoundFeature:
    """One feature ready to score: a DSL weight, a vector expression, or nothing (not in active_features)."""

    name: str
    weight: Any = None
    evaluate: Callable[[np.ndarray, int], np.ndarray] | None = None  # (vector so far, n docs) -> float32
    # a script feature that reads params.extra_logging: (vector, n docs) -> [{key: value}] per document
    extra_logging: Callable[[np.ndarray, int], list[dict[str, Any]]] | None = None

    @property
    def active(self) -> bool:
        return self.weight is not None or self.evaluate is not None


def bind_features(cset: CompiledFeatureSet, ctx: Any, params: dict[str, Any],
                  active: set[str] | None) -> list[BoundFeature]:
    bound = []
    for feature in cset.features:
        if active is not None and feature.name not in active:
            bound.append(BoundFeature(feature.name))
            continue
        missing = [p for p in feature.params if p not in params]
        if missing:
            raise ltr_errors.missing_params(missing)
        bound.append(_bind(feature, cset, ctx, params))
    return bound


def _bind(feature: CompiledFeature, cset: CompiledFeatureSet, ctx: Any,
          params: dict[str, Any]) -> BoundFeature:
    if feature.template is not None:
        return BoundFeature(feature.name, weight=_query_weight(feature.name, ctx, lambda: _template_query(
            feature, params)))
    if feature.expression is not None:
        return BoundFeature(feature.name, evaluate=_derived(feature, cset, params))
    spec = feature.script
    assert spec is not None
    merged = scripts.script_params(spec, params)
    if spec.ast is None:
        return BoundFeature(feature.name, weight=_query_weight(
            feature.name, ctx, lambda: scripts.delegate_query(spec, merged)))
    extra = _extra_logging(feature.name, spec.extra_logging, cset, merged) if spec.logs_extra else None
    return BoundFeature(feature.name, evaluate=_script(feature.name, spec.ast, cset, merged), extra_logging=extra)


def _extra_logging(name: str, puts: tuple[tuple[str, Any], ...], cset: CompiledFeatureSet,
                   params: dict[str, Any]) -> Callable[[np.ndarray, int], list[dict[str, Any]]]:
    """Per document, the map the script's puts fill in the logging phase (numbers as doubles, as painless
    evaluates them here; strings as given)."""
    values = [(key, value if isinstance(value, str) else _script(name, value, cset, params, np.float64))
              for key, value in puts]

    def run(vector: np.ndarray, n: int) -> list[dict[str, Any]]:
        columns = [(key, value if isinstance(value, str) else value(vector, n).tolist()) for key, value in values]
        return [{key: (value if isinstance(value, str) else value[i]) for key, value in columns} for i in range(n)]

    return run


def _template_query(feature: CompiledFeature, params: dict[str, Any]) -> Any:
    """The rendered template, parsed: substituted into the parsed template directly where that gives the same
    document (:class:`.json_template.JsonTemplate`: no rendering of ~1,800 floats to text and parsing them back)."""
    if feature.structure is not None:
        tree = feature.structure.build(params)
        if tree is not RENDER:
            return tree
    return json_loads(feature.template.render(params), "rendered feature template")  # type: ignore[union-attr]


def _query_weight(name: str, ctx: Any, build: Callable[[], Any]) -> Any:
    try:
        query = DslParser(ctx.node.plugins.queries).parse(build())
        return query.rewrite(ctx).create_weight(ctx, 1.0, True)
    except EngineError as exc:
        raise ltr_errors.feature_query(name, ctx.index_name, exc) from None
    except MustacheError as exc:
        raise ltr_errors.feature_query(name, ctx.index_name, illegal_argument(str(exc))) from None


def _column_reader(cset: CompiledFeatureSet, name: str) -> Callable[[np.ndarray], np.ndarray]:
    ordinal = cset.ordinal(name)
    return lambda vector: vector[:, ordinal].astype(np.float64)


def _derived(feature: CompiledFeature, cset: CompiledFeatureSet,
             params: dict[str, Any]) -> Callable[[np.ndarray, int], np.ndarray]:
    readers: dict[str, Any] = {}
    for var in ex.variables(feature.expression):  # type: ignore[arg-type]
        if var.text in cset.names:
            readers[var.text] = _column_reader(cset, var.text)
        else:
            value = params.get(var.text)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise illegal_argument(f"parameter: {var.text} expected to be of type Double for derived "
                                       f"feature [{feature.name}]")
            readers[var.text] = float(value)
    return _vector_evaluator(feature.expression, lambda var: readers[var.text])  # type: ignore[arg-type]


def _script(name: str, ast: ex.Node, cset: CompiledFeatureSet, params: dict[str, Any],
            dtype: Any = np.float32) -> Callable[[np.ndarray, int], np.ndarray]:
    readers: dict[ex.Var, Any] = {}
    for var in ex.variables(ast):
        if var.path[1] == scripts.FEATURE_VECTOR and len(var.path) == 3:
            if var.path[2] not in cset.names:
                raise illegal_argument(f"script_feature [{name}]: unknown feature [{var.path[2]}] in "
                                       "params.feature_vector")
            readers[var] = _column_reader(cset, var.path[2])
        else:
            readers[var] = scripts.param_value(params, var.path[1], name)
    return _vector_evaluator(ast, lambda var: readers[var], dtype)


def _vector_evaluator(ast: ex.Node, reader_of: Callable[[ex.Var], Any],
                      dtype: Any = np.float32) -> Callable[[np.ndarray, int], np.ndarray]:
    def evaluate(vector: np.ndarray, n: int) -> np.ndarray:
        def resolve(var: ex.Var) -> Any:
            reader = reader_of(var)
            return reader(vector) if callable(reader) else reader

        result = np.broadcast_to(np.asarray(ex.evaluate(ast, resolve), dtype=np.float64), (n,))
        return result.astype(dtype)

    return evaluate
