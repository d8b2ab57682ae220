"""Declarative feature kinds: a readable YAML entry (``kind: bm25, field: title``) rendered into the LTR plugin's
mustache template, defined on every document.

Why every feature is wrapped: the plugin logs a feature only for documents its query matches; a document the query
does not match gets "missing", which plugin versions treat differently (0.0 on 2.19, NaN on 3.x). So every kind
here matches every document: the real query sits in a ``bool.should`` beside ``constant_score(match_all)`` with
boost 0, and a document the real query does not match reads exactly 0. The kinds also keep neutral neutral:

============  ==========================================================================  ==================
kind          value                                                                       range
============  ==========================================================================  ==================
bm25          Lucene BM25 of ``match`` on ``field`` with ``keywords``; 0 without a match   [0, inf)
vector        ``knn_score`` of the document's vector vs a param vector, exact              cosinesimil [0, 1]
              (``script_score``); 0 without a vector. ``innerproduct`` for user vectors:   (2.19+ indices),
              a zero (neutral) user vector reads 1.0 on every document that has one,      innerproduct
              and cosinesimil, which rejects a zero vector, is never used for them.       [0.5, 2]
affinity      max over the user's liked values the document has (``function_score`` of    [0, max affinity]
              ``term`` filters with weights, from ``params.affinity_functions``); a
              document with none of them, or an anonymous user, reads 0
decay         ``gauss`` decay of ``field`` around a param origin with a param scale       (0, 1]; 0 without
              (the user's price preference)                                                the field
field_value   ``field_value_factor`` with ``modifier`` (``log1p``: log10(1 + x)),          [0, inf)
              ``missing`` 0
============  ==========================================================================  ==================

The param names (``keywords``, ``query_text_vector``, ...) are the vocabulary of :mod:`.params`.

A ``vector`` feature is written in the cluster's syntax: its ``flavour`` option (``opensearch`` when absent;
``featureset init`` writes ``elasticsearch`` for an Elasticsearch cluster, from ``ClusterInfo.vectors``) picks the
:class:`~indexer.vector_dialect.VectorDialect`: ``knn_score`` on OpenSearch, a painless ``cosineSimilarity`` /
``dotProduct`` script on Elasticsearch, with the same values (see the dialect's table).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from indexer.vector_dialect import dialect_for

from . import params as P

KINDS = ("bm25", "vector", "affinity", "decay", "field_value")
VECTOR_SPACES = ("cosinesimil", "innerproduct", "l2")
FLAVOURS = ("opensearch", "elasticsearch")
MODIFIERS = ("none", "log", "log1p", "log2p", "ln", "ln1p", "ln2p", "square", "sqrt", "reciprocal")


class FeatureKindError(ValueError):
    """A declarative feature entry that cannot be rendered (names the feature and the fix)."""


@dataclass(frozen=True)
class FeatureSpec:
    """One declarative feature: its name, kind, document field and kind options (YAML keys besides these)."""

    name: str
    kind: str
    field: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        name = data.get("name")
        kind = data.get("kind")
        where = f"feature {name!r}" if name else "a feature"
        if kind not in KINDS:
            raise FeatureKindError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(data.get("field"), str) or not data["field"]:
            raise FeatureKindError(f"{where}: kind {kind} needs \"field\" (the document field it reads)")
        options = {k: v for k, v in data.items() if k not in ("name", "kind", "field")}
        return cls(name=str(name), kind=str(kind), field=data["field"], options=options)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "field": self.field, **dict(self.options)}

    def render(self) -> tuple[Any, tuple[str, ...]]:
        """``(template, params)`` of the plugin feature."""
        return _RENDERERS[self.kind](self)

    def option(self, key: str, default: Any = None, choices: tuple[str, ...] | None = None) -> Any:
        value = self.options.get(key, default)
        if value is None:
            raise FeatureKindError(f"feature {self.name!r} (kind {self.kind}) needs \"{key}\"")
        if choices is not None and value not in choices:
            raise FeatureKindError(f"feature {self.name!r}: {key} {value!r} is not one of {', '.join(choices)}")
        return value


def defined_everywhere(query: Mapping[str, Any]) -> dict[str, Any]:
    """``query``'s score where it matches, exactly 0 elsewhere; matches every document."""
    return {"bool": {"should": [{"constant_score": {"filter": {"match_all": {}}, "boost": 0.0}}, dict(query)]}}


def _bm25(spec: FeatureSpec) -> tuple[Any, tuple[str, ...]]:
    param = spec.option("param", P.KEYWORDS)
    return defined_everywhere({"match": {spec.field: "{{" + param + "}}"}}), (param,)


def _vector(spec: FeatureSpec) -> tuple[Any, tuple[str, ...]]:
    param = spec.option("param")
    space = spec.option("space_type", "cosinesimil", VECTOR_SPACES)
    flavour = spec.option("flavour", "opensearch", FLAVOURS)
    # A JSON string template: the vector param is injected as JSON with {{#toJson}}, which a query object
    # cannot carry. Only documents with the vector run the script (the ``exists`` query).
    inner = dialect_for(flavour).exact_score(spec.field, param, space)
    return ('{"bool":{"should":[{"constant_score":{"filter":{"match_all":{}},"boost":0.0}},%s]}}' % inner,
            (param,))


def _affinity(spec: FeatureSpec) -> tuple[Any, tuple[str, ...]]:
    param = spec.option("param")
    functions, keys = P.affinity_param_names(param)
    inner = ('{"function_score":{"query":{"terms":{"%s":{{#toJson}}%s{{/toJson}}}},'
             '"functions":{{#toJson}}%s{{/toJson}},"score_mode":"max","boost_mode":"replace"}}'
             % (spec.field, keys, functions))
    return ('{"bool":{"should":[{"constant_score":{"filter":{"match_all":{}},"boost":0.0}},%s]}}' % inner,
            (functions, keys))


def _decay(spec: FeatureSpec) -> tuple[Any, tuple[str, ...]]:
    origin = spec.option("origin", P.PRICE_CENTRE)
    scale = spec.option("scale", P.PRICE_SCALE)
    function = spec.option("function", "gauss", ("gauss", "exp", "linear"))
    inner = ('{"function_score":{"query":{"exists":{"field":"%s"}},"%s":{"%s":{"origin":{{%s}},"scale":{{%s}}}},'
             '"boost_mode":"replace"}}' % (spec.field, function, spec.field, origin, scale))
    return ('{"bool":{"should":[{"constant_score":{"filter":{"match_all":{}},"boost":0.0}},%s]}}' % inner,
            (origin, scale))


def _field_value(spec: FeatureSpec) -> tuple[Any, tuple[str, ...]]:
    modifier = spec.option("modifier", "log1p", MODIFIERS)
    return ({"function_score": {"query": {"match_all": {}}, "field_value_factor": {
        "field": spec.field, "modifier": modifier, "missing": 0}, "boost_mode": "replace"}}, ())


_RENDERERS: dict[str, Callable[[FeatureSpec], tuple[Any, tuple[str, ...]]]] = {
    "bm25": _bm25, "vector": _vector, "affinity": _affinity, "decay": _decay, "field_value": _field_value}
