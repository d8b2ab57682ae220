"""``script_feature``: a documented painless subset evaluated here, anything else handed to ``script_score``.

The plugin compiles a script feature in the ScoreScript context (``ScriptFeature``) with these params
(precedence low to high): the script's literal ``params``, the ``sltr`` params, and the renaming map
``extra_script_params`` (``{"sltr_param": "script_param"}``); it adds ``params.feature_vector``, a map view of
the other features' values for the current document. A script feature matches every document.

The embedded node evaluates, vectorized and without ``eval``, scripts of the form
``[return] <expression>[;]`` where the expression uses numbers, ``+ - * / %``, comparisons, ``&& || !``, the
ternary ``?:``, ``Math.<fn>(...)`` and these reads:

* ``params.feature_vector.get('name')`` / ``params.feature_vector['name']``: another feature's value (0.0 or
  NaN when it did not match, like the plugin's vector);
* ``params.x`` / ``params['x']`` / ``params.get('x')``: a numeric param.

A script that fills ``params.extra_logging`` (``def m = params.extra_logging.get(); if (m != null) {
m.put('k', <expression>); } return <expression>``) is read by :mod:`.script_statements`; its puts are logged
with the features as ``{"name": "extra_logging", "value": {...}}``.

A script in another language (``knn_score`` with ``lang: knn``) or a painless script outside the subset that
does not read ``feature_vector`` is turned into ``{"script_score": {"query": {"match_all": {}}, "script":
...}}`` and bound through the query DSL, so whatever the node's ``script_score`` supports works as a feature.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import expressions as ex
from . import script_statements
from .expression_parser import parse as parse_expression
from ...errors import EngineError, illegal_argument

FEATURE_VECTOR = "feature_vector"
EXTRA_LOGGING = "extra_logging"
EXTRA_SCRIPT_PARAMS = "extra_script_params"


@dataclass(frozen=True)
class ScriptSpec:
    """A parsed ``script_feature`` template: the script, its literal params and the renaming map."""

    lang: str
    source: str
    params: dict[str, Any]
    extra_params: dict[str, str]
    ast: ex.Node | None  # set when the source is inside the evaluated subset
    extra_logging: tuple[tuple[str, Any], ...] = ()  # ``(key, AST | string)`` puts into params.extra_logging
    logs_extra: bool = False  # the script reads params.extra_logging (its map is then logged)


def parse_script(template: Any, feature: str) -> ScriptSpec:
    """Validate the ``Script`` object of a script feature (``Script.parse``)."""
    if isinstance(template, str):
        template = {"source": template}
    if not isinstance(template, dict):
        raise illegal_argument(f"script_feature [{feature}]: the template must be a script object")
    unknown = set(template) - {"lang", "source", "inline", "params", "options", "id"}
    if unknown:
        raise illegal_argument(f"[script] unknown field [{sorted(unknown)[0]}]")
    if "id" in template:
        raise illegal_argument(f"script_feature [{feature}]: stored scripts are not supported by the "
                               "embedded node; inline the script source")
    source = template.get("source", template.get("inline"))
    if not isinstance(source, str):
        raise illegal_argument(f"script_feature [{feature}]: must specify either [source] for an inline "
                               "script or [id] for a stored script")
    lang = str(template.get("lang", "painless"))
    params = dict(template.get("params") or {})
    extra = params.pop(EXTRA_SCRIPT_PARAMS, None) or {}
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise illegal_argument(f"script_feature [{feature}]: [{EXTRA_SCRIPT_PARAMS}] must map sltr param "
                               "names to script param names")
    if "term_stat" in params:
        raise illegal_argument(f"script_feature [{feature}]: [term_stat] injection (params.termStats) is not "
                               "supported by the embedded node; use a term_stat query feature, which computes "
                               "the same statistics")
    ast = None
    if lang == "painless" and EXTRA_LOGGING in source:
        try:
            parsed = script_statements.parse(source)
        except ex.ExpressionError as exc:
            raise illegal_argument(f"script_feature [{feature}]: {exc}; the embedded node evaluates [def m = "
                                   "params.extra_logging.get(); if (m != null) {{ m.put('key', <expression>); }} "
                                   "return <expression>]") from None
        used = [v for node in [parsed.score] + [v for _, v in parsed.extra_logging_values()]
                for v in ex.variables(node)]
        bad = next((v.text for v in used if not _supported_var(v)), None)
        if bad is not None:
            raise illegal_argument(f"script_feature [{feature}]: [{bad}] is outside the evaluated subset "
                                   "(params.feature_vector.get('name') and params.name)")
        return ScriptSpec(lang, source, params, dict(extra), parsed.score, parsed.puts, True)
    if lang == "painless":
        try:
            ast = parse_expression(source, painless=True)
        except ex.ExpressionError as exc:
            if FEATURE_VECTOR in source:
                raise illegal_argument(f"script_feature [{feature}]: {exc}; the embedded node evaluates "
                                       "scripts of the form [return] <expression> over "
                                       "params.feature_vector.get('name'), numeric params and Math functions"
                                       ) from None
        else:
            if any(not _supported_var(v) for v in ex.variables(ast)):
                if FEATURE_VECTOR in source:
                    bad = next(v.text for v in ex.variables(ast) if not _supported_var(v))
                    raise illegal_argument(f"script_feature [{feature}]: [{bad}] is outside the evaluated "
                                           "subset (params.feature_vector.get('name') and params.name)")
                ast = None
    return ScriptSpec(lang, source, params, dict(extra), ast)


def _supported_var(var: ex.Var) -> bool:
    path = var.path
    if len(path) == 2 and path[0] == "params":
        return True
    return len(path) == 3 and path[0] == "params" and path[1] == FEATURE_VECTOR


def script_params(spec: ScriptSpec, sltr_params: dict[str, Any]) -> dict[str, Any]:
    """The params the script sees: literal < sltr params < ``extra_script_params`` renames."""
    merged = dict(spec.params)
    merged.update(sltr_params)
    for ltr_name, script_name in spec.extra_params.items():
        if ltr_name in sltr_params:
            merged[script_name] = sltr_params[ltr_name]
    return merged


def delegate_query(spec: ScriptSpec, params: dict[str, Any]) -> dict[str, Any]:
    """The ``script_score`` query a non-subset script feature runs as (it matches every document)."""
    script: dict[str, Any] = {"lang": spec.lang, "source": spec.source}
    if params:
        script["params"] = params
    return {"script_score": {"query": {"match_all": {}}, "script": script}}


def param_value(params: dict[str, Any], name: str, feature: str) -> float:
    if name not in params:
        raise EngineError("script_exception", f"script_feature [{feature}]: params.{name} is null (no such "
                          "param)", 400)
    value = params[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EngineError("script_exception", f"script_feature [{feature}]: params.{name} must be a number "
                          "in the evaluated subset", 400)
    return float(value)
