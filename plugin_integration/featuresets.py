"""Featuresets as values: ``Feature`` / ``FeatureSet`` (read from JSON or YAML, checked, serialised to the
plugin's body), and ``push`` / ``fetch`` / ``diff`` against a feature store.

The order of features is part of the contract: it is the ordinal the plugin logs and a model is trained on, so
``diff`` reports a reordering as a change.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

try:  # optional: featureset files may be YAML
    import yaml
except ModuleNotFoundError:  # pragma: no cover - PyYAML is not a dependency
    yaml = None  # type: ignore[assignment]

from . import ltr_api
from .feature_kinds import FeatureKindError, FeatureSpec

log = logging.getLogger(__name__)

TEMPLATE_LANGUAGES = ("mustache", "derived_expression", "script_feature")
_TAG = re.compile(r"\{\{\s*([#^/&]?)\s*([^{}\s]+?)\s*\}\}")
_TOJSON = re.compile(r"\{\{\s*#toJson\s*\}\}\s*([^{}\s]+?)\s*\{\{\s*/toJson\s*\}\}")
_LAMBDA = re.compile(r"\{\{\s*#(toJson|join)\s*\}\}\s*([^{}\s]+?)\s*\{\{\s*/\1\s*\}\}")
_MUSTACHE_KEYWORDS = {"toJson", "join", "."}


class FeatureSetError(ValueError):
    """A featureset that the plugin would reject or that could not do what it says; lists every problem."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(self.problems))


@dataclass(frozen=True)
class Feature:
    """One LTR feature: a templated query (``mustache``), an expression over other features
    (``derived_expression``) or a score script (``script_feature``), with the sltr params it needs."""

    name: str
    template: Any
    params: tuple[str, ...] = ()
    template_language: str = "mustache"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "params": list(self.params), "template_language": self.template_language,
                "template": self.template}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Feature:
        if not isinstance(data, Mapping):
            raise FeatureSetError([f"a feature must be an object, got {type(data).__name__}"])
        if "kind" in data:  # a declarative entry (featureset init's YAML): render its template
            try:
                template, kind_params = FeatureSpec.from_dict(data).render()
            except FeatureKindError as exc:
                raise FeatureSetError([str(exc)]) from None
            return cls(name=data.get("name"), template=template, params=kind_params)  # type: ignore[arg-type]
        params = data.get("params") or ()
        if isinstance(params, str):
            params = (params,)
        return cls(name=data.get("name"), template=data.get("template"),  # type: ignore[arg-type]
                   params=tuple(params), template_language=data.get("template_language") or "mustache")

    def problems(self) -> list[str]:
        """What the plugin would reject (or render into a broken query), in words that name the fix."""
        out: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            return [f"a feature has no name (got {self.name!r}); give every feature a unique \"name\""]
        label = f"feature {self.name!r}"
        if self.name != self.name.strip() or any(ord(c) < 32 for c in self.name):
            out.append(f"{label}: names cannot have surrounding spaces or control characters")
        if any(not isinstance(p, str) or not p for p in self.params):
            out.append(f"{label}: \"params\" must be a list of names")
        if self.template_language not in TEMPLATE_LANGUAGES:
            out.append(f"{label}: unknown template_language {self.template_language!r}; use one of "
                       f"{', '.join(TEMPLATE_LANGUAGES)}")
        elif self.template is None:
            out.append(f"Field [template] is mandatory for feature [{self.name}]")
        elif self.template_language == "mustache":
            out.extend(f"{label}: {p}" for p in _mustache_problems(self.template, self.params))
        elif self.template_language == "derived_expression" and not isinstance(self.template, str):
            out.append(f"{label}: a derived_expression template is an expression string, e.g. \"f1 * 2\"")
        elif self.template_language == "script_feature" and not (
                isinstance(self.template, Mapping) and ("source" in self.template or "id" in self.template)):
            out.append(f"{label}: a script_feature template is a script object with \"source\" (and \"lang\")")
        return out


def _mustache_problems(template: Any, params: Sequence[str]) -> list[str]:
    if isinstance(template, Mapping):
        text = json.dumps(template, ensure_ascii=False)
        if len(template) != 1:
            return [f"a query template has exactly one top-level key (the query type), got {sorted(template)}"]
    elif isinstance(template, str):
        text = template
        rendered = _render_probe(template)
        if rendered is not None:
            try:
                parsed = json.loads(rendered)
            except ValueError as exc:
                return [f"the template string is not valid JSON once its {{{{params}}}} are filled in ({exc}); "
                        "a placeholder inside a JSON string stays quoted, a {{#toJson}}vector{{/toJson}} is not"]
            if not isinstance(parsed, dict) or len(parsed) != 1:
                return ["a query template renders to an object with exactly one key (the query type)"]
    else:
        return ["a mustache template is a query object or a JSON string"]
    used = {name for prefix, name in _TAG.findall(text) if prefix in ("", "&", "#", "^")}
    used = {n for n in used if n not in _MUSTACHE_KEYWORDS and not n.startswith(".")}
    used |= {name for _, name in _LAMBDA.findall(text)}
    undeclared = sorted(used - set(params))
    if undeclared:
        return [f"the template uses {', '.join('{{' + u + '}}' for u in undeclared)} but \"params\" does not list "
                f"{'it' if len(undeclared) == 1 else 'them'}; add to \"params\" so the plugin checks they are given"]
    return []


def _render_probe(template: str) -> str | None:
    """Fill placeholders with dummies to check the JSON structure; None when the template uses sections we
    do not model (then only the plugin can tell)."""
    probe = _TOJSON.sub("[0]", template)
    if re.search(r"\{\{\s*[#^/>]", probe):
        return None
    pieces: list[str] = []
    last = 0
    for match in _TAG.finditer(probe):
        before = probe[last:match.start()]
        pieces.append(before)
        in_string = _inside_json_string(probe[:match.start()])
        pieces.append("x" if in_string else "0")
        last = match.end()
    pieces.append(probe[last:])
    return "".join(pieces)


def _inside_json_string(prefix: str) -> bool:
    quotes = 0
    escaped = False
    for ch in prefix:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quotes += 1
    return quotes % 2 == 1


@dataclass(frozen=True)
class FeatureSet:
    """An ordered, named list of features; ``version`` is the store's document version when fetched."""

    name: str
    features: tuple[Feature, ...]
    validation: Mapping[str, Any] | None = field(default=None, compare=False)
    version: int | None = field(default=None, compare=False)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def params(self) -> tuple[str, ...]:
        """Every sltr param some feature declares, in first-use order."""
        return tuple(dict.fromkeys(p for f in self.features for p in f.params))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "features": [f.to_dict() for f in self.features]}

    def body(self, validation: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The create/update body: the set wrapped in its type name, plus an optional ``validation`` block."""
        body: dict[str, Any] = {"featureset": self.to_dict()}
        checked = validation if validation is not None else self.validation
        if checked:
            body["validation"] = dict(checked)
        return body

    def problems(self) -> list[str]:
        out: list[str] = []
        if not isinstance(self.name, str) or not self.name.strip():
            out.append("the featureset has no name; set \"name\" (or name the file after it)")
        if not self.features:
            out.append("the featureset has no features; a featureset needs at least one feature")
        names = [f.name for f in self.features]
        dupes = sorted({n for n in names if names.count(n) > 1 and isinstance(n, str)})
        out.extend(f"Feature [{n}] defined twice in this set: feature names must be unique in a set" for n in dupes)
        for feature in self.features:
            out.extend(feature.problems())
        return out

    def validate(self, source: str | None = None) -> FeatureSet:
        problems = self.problems()
        if problems:
            raise FeatureSetError(problems, source)
        return self

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str | None = None) -> FeatureSet:
        """Read our file format (``{"name", "features"}``), the plugin's body (``{"featureset": {...},
        "validation"}``) or a GET response (``{"_source": {"featureset": {...}}, "_version"}``)."""
        if not isinstance(data, Mapping):
            raise FeatureSetError([f"a featureset must be a JSON/YAML object, got {type(data).__name__}"])
        version = data.get("_version")
        source = data.get("_source", data)
        inner = source.get("featureset", source)
        if not isinstance(inner, Mapping):
            raise FeatureSetError(["\"featureset\" must be an object with \"features\""])
        features = inner.get("features")
        if features is None:
            features = []
        if not isinstance(features, list):
            raise FeatureSetError(["\"features\" must be a list of features"])
        set_name = inner.get("name") or source.get("name") or name
        return cls(name=set_name, features=tuple(Feature.from_dict(f) for f in features),  # type: ignore[arg-type]
                   validation=source.get("validation"), version=int(version) if version is not None else None)

    @classmethod
    def from_file(cls, path: str | Path) -> FeatureSet:
        """Load and validate a JSON (or, when PyYAML is installed, YAML) featureset file; the name defaults to
        the file's stem. Errors name the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FeatureSetError([f"cannot read the file ({exc.strerror})"], str(path)) from exc
        data = _parse(text, path)
        try:
            return cls.from_dict(data, name=path.stem).validate(str(path))
        except FeatureSetError as exc:
            if exc.source is None:
                raise FeatureSetError(exc.problems, str(path)) from None
            raise


def _parse(text: str, path: Path) -> Any:
    if path.suffix.lower() in (".yml", ".yaml"):
        if yaml is None:
            raise FeatureSetError(["YAML needs PyYAML (pip install pyyaml); or write the featureset as JSON"],
                                  str(path)) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FeatureSetError([f"not valid YAML: {exc}"], str(path)) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FeatureSetError([f"not valid JSON: {exc}"], str(path)) from None


# -- cluster operations ------------------------------------------------------------------------------------------


def push(client: Any, featureset: FeatureSet, store: str | None = None, replace: bool = False,
         validation: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Create the featureset (a conflict if it exists), or with ``replace`` create-or-update it.

    Replacing a set never changes existing models: each model holds its own copy of the set it was created
    from. ``validation`` (``{"params": {...}, "index": "..."}``) makes the plugin run every feature once.
    """
    featureset.validate()
    body = featureset.body(validation)
    if replace:
        return ltr_api.update_featureset(client, featureset.name, body, store)
    return ltr_api.create_featureset(client, featureset.name, body, store)


def fetch(client: Any, name: str, store: str | None = None) -> FeatureSet:
    """The stored featureset (with its document ``version``, the one ``_createmodel?version=`` checks)."""
    return FeatureSet.from_dict(ltr_api.get_featureset(client, name, store), name=name)


def list_featuresets(client: Any, store: str | None = None, prefix: str | None = None,
                     page_size: int = 100) -> list[FeatureSet]:
    hits = ltr_api.search_all(client, "featureset", store, prefix, page_size)
    return [FeatureSet.from_dict(hit) for hit in hits]


@dataclass(frozen=True)
class FeatureChange:
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FeatureSetDiff:
    """What pushing ``local`` would change in ``remote``: features added, removed, changed, and order."""

    name: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[FeatureChange, ...]
    local_order: tuple[str, ...]
    remote_order: tuple[str, ...]

    @property
    def reordered(self) -> bool:
        common = set(self.local_order) & set(self.remote_order)
        return [n for n in self.local_order if n in common] != [n for n in self.remote_order if n in common]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)

    def render(self) -> str:
        if self.is_empty:
            return f"featureset {self.name!r}: no differences"
        lines = [f"featureset {self.name!r}: local (+) vs stored (-)"]
        lines += [f"  + {n}" for n in self.added]
        lines += [f"  - {n}" for n in self.removed]
        lines += [f"  ~ {c.name}: {', '.join(c.fields)} differ" for c in self.changed]
        if self.reordered:
            lines.append("  order: " + " ".join(self.remote_order) + "  ->  " + " ".join(self.local_order))
            lines.append("  (ordinals changed: models trained on the stored order need retraining)")
        return "\n".join(lines)


def diff(local: FeatureSet, remote: FeatureSet) -> FeatureSetDiff:
    """Compare two featuresets feature by feature (templates compared as canonical JSON)."""
    remote_by_name = {f.name: f for f in remote.features}
    local_by_name = {f.name: f for f in local.features}
    changed = []
    for feature in local.features:
        other = remote_by_name.get(feature.name)
        if other is not None:
            fields = _changed_fields(feature, other)
            if fields:
                changed.append(FeatureChange(feature.name, fields))
    return FeatureSetDiff(
        name=local.name,
        added=tuple(n for n in local.feature_names if n not in remote_by_name),
        removed=tuple(n for n in remote.feature_names if n not in local_by_name),
        changed=tuple(changed), local_order=local.feature_names, remote_order=remote.feature_names)


def _changed_fields(a: Feature, b: Feature) -> tuple[str, ...]:
    fields: Iterable[str] = ("template_language", "params", "template")
    return tuple(f for f in fields if _canonical(getattr(a, f)) != _canonical(getattr(b, f)))


def _canonical(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
