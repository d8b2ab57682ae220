"""Stored elements: features, featuresets and models as the plugin parses and stores them.

``StoredFeature``, ``StoredFeatureSet`` and ``StoredLtrModel`` (``com.o19s.es.ltr.feature.store``): request
bodies wrap the element in its type name (``AutoDetectParser``) next to an optional ``validation`` block; the
element may leave out ``name`` (taken from the URL, which it must match when given). The store document is
``{"name", "type", "<type>": element}`` (``IndexFeatureStore.toSource``), with the element re-serialised in
the plugin's field order so GET returns a normalised form.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from ...errors import EngineError, illegal_argument, parsing

FEATURE, FEATURESET, MODEL = "feature", "featureset", "model"
TYPES = (FEATURE, FEATURESET, MODEL)
MAX_FEATURES = 10000  # StoredFeatureSet.MAX_FEATURES
#: A feature template's size bound (OpenSearch's default ``script.max_size_in_bytes`` for stored scripts; the
#: node setting of that name, in MMLTR_NODE_SETTINGS, changes it): a stored template is compiled and rendered
#: on every search that uses it.
MAX_TEMPLATE_BYTES = 65_535
LANGUAGES = ("mustache", "derived_expression", "script_feature")


@dataclass
class StoredFeature:
    name: str
    params: list[str]
    template_language: str
    template: Any  # an object or a string

    def to_source(self) -> dict[str, Any]:
        return {"name": self.name, "params": list(self.params), "template_language": self.template_language,
                "template": self.template}


@dataclass
class StoredFeatureSet:
    name: str
    features: list[StoredFeature]

    def to_source(self) -> dict[str, Any]:
        return {"name": self.name, "features": [f.to_source() for f in self.features]}

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def append(self, features: list[StoredFeature], merge: bool) -> "StoredFeatureSet":
        """``StoredFeatureSet.append`` / ``merge``: same-named features fail, or replace in place."""
        out = list(self.features)
        index = {f.name: i for i, f in enumerate(out)}
        for feature in features:
            if feature.name in index:
                if not merge:
                    raise illegal_argument(f"Feature [{feature.name}] defined twice in this set: feature "
                                           "names must be unique in a set.")
                out[index[feature.name]] = feature
            else:
                index[feature.name] = len(out)
                out.append(feature)
        if len(out) > MAX_FEATURES:
            raise illegal_argument(f"The resulting feature set would be too large: [{len(out)}] features, at "
                                   f"most [{MAX_FEATURES}] are allowed")
        return StoredFeatureSet(self.name, out)


@dataclass
class StoredLtrModel:
    name: str
    feature_set: StoredFeatureSet
    type: str
    definition: Any  # string or object, echoed back as given
    feature_normalizers: dict[str, Any] | None

    def to_source(self) -> dict[str, Any]:
        model: dict[str, Any] = {"type": self.type, "definition": self.definition}
        if self.feature_normalizers:
            model["feature_normalizers"] = self.feature_normalizers
        return {"name": self.name, "feature_set": self.feature_set.to_source(), "model": model}


Element = StoredFeature | StoredFeatureSet | StoredLtrModel


def _check_keys(body: dict[str, Any], what: str, allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise parsing(f"[{what}] unknown field [{key}]")


def _name(body: dict[str, Any], what: str, url_name: str | None) -> str:
    name = body.get("name", url_name)
    if name is None:
        raise parsing(f"Field [name] is mandatory for [{what}]")
    if not isinstance(name, str) or not name:
        raise parsing(f"[{what}] failed to parse field [name]")
    if url_name is not None and name != url_name:
        # RestFeatureManager.addOrUpdate
        raise illegal_argument(f"Name mismatch, send request with [{name}] but [{url_name}] used in the URL")
    return name


def parse_feature(body: Any, url_name: str | None = None) -> StoredFeature:
    if not isinstance(body, dict):
        raise parsing("[feature] must be an object")
    _check_keys(body, "feature", {"name", "params", "template_language", "template"})
    name = _name(body, "feature", url_name)
    params = body.get("params", [])
    if params is None:
        params = []
    if isinstance(params, str):  # StoredFeature's ObjectParser: declareStringArray accepts a bare string too
        params = [params]
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise parsing("[feature] failed to parse field [params]")
    language = body.get("template_language", "mustache")
    if not isinstance(language, str):
        raise parsing("[feature] failed to parse field [template_language]")
    if "template" not in body or body["template"] is None:
        raise parsing(f"Field [template] is mandatory for feature [{name}]")
    template = body["template"]
    if not isinstance(template, (dict, str)):
        raise parsing("[feature] failed to parse field [template]: expected an object or a string")
    size = len((template if isinstance(template, str) else json.dumps(template, separators=(",", ":")))
               .encode("utf-8"))
    limit = _template_limit()
    if size > limit:
        raise illegal_argument(f"the template of feature [{name}] is {size} bytes, more than the {limit} allowed "
                               "(script.max_size_in_bytes, as for stored scripts); move large constants into params")
    return StoredFeature(name, list(params), language, template)


def _template_limit() -> int:
    """``script.max_size_in_bytes`` from the node settings in ``MMLTR_NODE_SETTINGS``, else the default."""
    try:
        value = json.loads(os.environ.get("MMLTR_NODE_SETTINGS") or "{}").get("script.max_size_in_bytes")
        return int(value) if value is not None and int(value) > 0 else MAX_TEMPLATE_BYTES
    except (ValueError, TypeError, AttributeError):
        return MAX_TEMPLATE_BYTES


def parse_features(items: Any, what: str) -> list[StoredFeature]:
    if not isinstance(items, list):
        raise parsing(f"[{what}] failed to parse field [features]")
    return [parse_feature(item) for item in items]


def parse_featureset(body: Any, url_name: str | None = None) -> StoredFeatureSet:
    if not isinstance(body, dict):
        raise parsing("[featureset] must be an object")
    _check_keys(body, "featureset", {"name", "features"})
    name = _name(body, "featureset", url_name)
    features = parse_features(body.get("features", []), "featureset")
    return StoredFeatureSet(name, []).append(features, merge=False)


def parse_model(body: Any, url_name: str | None = None, feature_set: StoredFeatureSet | None = None,
                ) -> StoredLtrModel:
    """``StoredLtrModel.parse``; ``feature_set`` is given by ``_createmodel`` (the set is copied in)."""
    if not isinstance(body, dict):
        raise parsing("[model] must be an object")
    _check_keys(body, "model", {"name", "model"} | ({"feature_set"} if feature_set is None else set()))
    name = _name(body, "model", url_name)
    if feature_set is None:
        if "feature_set" not in body:
            raise parsing(f"Field [feature_set] is mandatory for model [{name}]")
        feature_set = parse_featureset(body["feature_set"])
    spec = body.get("model")
    if not isinstance(spec, dict):
        raise parsing(f"Field [model] is mandatory for model [{name}]")
    _check_keys(spec, "model", {"type", "definition", "feature_normalizers"})
    type_ = spec.get("type")
    if not isinstance(type_, str):
        raise parsing(f"Field [type] is mandatory for model [{name}]")
    if "definition" not in spec or not isinstance(spec["definition"], (str, dict, list)):
        raise parsing(f"Field [definition] is mandatory for model [{name}]")
    normalizers = spec.get("feature_normalizers")
    if normalizers is not None and not isinstance(normalizers, dict):
        raise parsing("[model] failed to parse field [feature_normalizers]")
    return StoredLtrModel(name, feature_set, type_, spec["definition"], normalizers)


def parse_request(body: Any, kind: str, url_name: str) -> tuple[Element, dict[str, Any] | None]:
    """``{"<kind>": {...}, "validation": {...}}`` -> (element, validation), with ``AutoDetectParser`` and
    ``RestFeatureManager``'s checks and messages: exactly one element, of the URL's type, named as the URL."""
    if not isinstance(body, dict):
        raise parsing("request body is required")
    unknown = [k for k in body if k not in TYPES and k != "validation"]
    if unknown:
        raise parsing(f"[storable_elements] unknown field [{unknown[0]}]")
    elements = [k for k in body if k in TYPES]
    supported = ",".join(TYPES)
    if not elements:
        raise parsing(f"Element of type [{supported}] is mandatory.")
    if len(elements) > 1:
        raise EngineError("x_content_parse_exception", f"[storable_elements] failed to parse field [{elements[1]}]",
                          400, caused_by=illegal_argument(f"[{elements[1]}] already set, only one element can be "
                                                          f"set at a time ({supported})."))
    parsers = {FEATURE: parse_feature, FEATURESET: parse_featureset, MODEL: parse_model}
    found = elements[0]
    element = parsers[found](body[found], url_name)
    if found != kind:
        raise illegal_argument(f"Excepted a [{kind}] but encountered [{found}]")  # sic, the plugin's spelling
    if element.name != url_name:
        raise illegal_argument(f"Name mismatch, send request with [{element.name}] but [{url_name}] used in the URL")
    return element, parse_validation(body.get("validation"))


def parse_validation(body: Any) -> dict[str, Any] | None:
    """``FeatureValidation``: ``{"index": ..., "params": {...}}``."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise parsing("[validation] must be an object")
    _check_keys(body, "validation", {"index", "params"})
    if not isinstance(body.get("index"), str):
        raise parsing("Field [index] is mandatory for [validation]")
    params = body.get("params", {})
    if not isinstance(params, dict):
        raise parsing("[validation] failed to parse field [params]")
    return {"index": body["index"], "params": params}


def element_from_source(kind: str, source: dict[str, Any]) -> Element:
    """Re-read a stored document (``IndexFeatureStore.parse``)."""
    body = source.get(kind)
    if kind == FEATURE:
        return parse_feature(body)
    if kind == FEATURESET:
        return parse_featureset(body)
    return parse_model(body)


def element_type(element: Element) -> str:
    if isinstance(element, StoredFeature):
        return FEATURE
    if isinstance(element, StoredFeatureSet):
        return FEATURESET
    return MODEL
