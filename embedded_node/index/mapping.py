"""Index mappings: parsing, validation, dynamic additions and OpenSearch's GET-mapping rendering.

A :class:`Mapping` is immutable; ``merge`` returns a new one, so a search that started before a put-mapping
keeps a consistent view. Field paths are dotted (``attributes.model``); multi-fields are children of their
parent (``title.keyword``) and are indexed from the parent's value, as OpenSearch does.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping as ReadOnlyMap
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterator

from .. import errors
from ..dates import looks_like_date

if TYPE_CHECKING:
    from ..plugins.base import FieldType

FieldTypes = ReadOnlyMap[str, "FieldType"]
NO_FIELD_TYPES: FieldTypes = MappingProxyType({})

NUMERIC_TYPES = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
# Vector field types: the k-NN plugin's ``knn_vector`` and Elasticsearch's ``dense_vector`` (``dims``,
# ``similarity``), whose similarities the core reads as the k-NN space types they correspond to.
VECTOR_TYPES = ("knn_vector", "dense_vector")
DENSE_VECTOR_SPACES = {"cosine": "cosinesimil", "dot_product": "innerproduct", "max_inner_product": "innerproduct",
                       "l2_norm": "l2"}
INTEGER_RANGES = {
    "long": (-(2**63), 2**63 - 1), "integer": (-(2**31), 2**31 - 1), "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127), "unsigned_long": (0, 2**64 - 1),
}
ANALYZERS = {"standard", "whitespace", "keyword", "simple", "default"}
_COMMON = {"type", "index", "doc_values", "store", "null_value", "meta", "copy_to", "fields", "ignore_malformed",
           "coerce", "boost"}
_ALLOWED = {
    "text": {"type", "analyzer", "search_analyzer", "search_quote_analyzer", "index", "norms", "fields", "store",
             "similarity", "index_options", "position_increment_gap", "fielddata", "meta", "copy_to", "boost",
             "term_vector", "eager_global_ordinals", "index_phrases", "index_prefixes"},
    "keyword": {"type", "index", "doc_values", "store", "null_value", "ignore_above", "fields", "meta", "copy_to",
                "normalizer", "similarity", "norms", "index_options", "eager_global_ordinals", "boost",
                "split_queries_on_whitespace"},
    "boolean": _COMMON,
    "date": _COMMON | {"format", "locale"},
}
for _t in NUMERIC_TYPES:
    _ALLOWED[_t] = _COMMON | {"scaling_factor"}


@dataclass(frozen=True)
class FieldMapper:
    """One leaf field (or multi-field) of a mapping."""

    path: str
    type: str
    params: dict[str, Any]
    sub_fields: tuple["FieldMapper", ...] = ()

    @property
    def indexed(self) -> bool:
        return bool(self.params.get("index", True))

    @property
    def is_text(self) -> bool:
        return self.type == "text"

    @property
    def is_keyword(self) -> bool:
        return self.type == "keyword"

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES or self.type in ("date", "boolean")

    @property
    def is_vector(self) -> bool:
        return self.type in VECTOR_TYPES

    @property
    def analyzer(self) -> str:
        name = self.params.get("analyzer", "standard")
        return "standard" if name == "default" else name

    @property
    def search_analyzer(self) -> str:
        name = self.params.get("search_analyzer", self.params.get("analyzer", "standard"))
        return "standard" if name == "default" else name

    @property
    def has_norms(self) -> bool:
        return self.type == "text" and bool(self.params.get("norms", True))

    # --- k-NN -------------------------------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        return int(self.params["dimension"] if "dimension" in self.params else self.params["dims"])

    @property
    def space_type(self) -> str:
        if self.type == "dense_vector":
            return DENSE_VECTOR_SPACES.get(str(self.params.get("similarity") or "cosine"), "l2")
        method = self.params.get("method") or {}
        return str(self.params.get("space_type") or method.get("space_type") or "l2")

    @property
    def engine(self) -> str:
        method = self.params.get("method") or {}
        return str(method.get("engine") or "faiss")

    def to_mapping(self) -> dict[str, Any]:
        body = {"type": self.type}
        body.update({k: copy.deepcopy(v) for k, v in self.params.items() if k not in ("type", "fields")})
        if self.sub_fields:
            body["fields"] = {f.path.rsplit(".", 1)[1]: f.to_mapping() for f in self.sub_fields}
        return body


@dataclass(frozen=True)
class ObjectMapper:
    path: str
    properties: dict[str, "FieldMapper | ObjectMapper"] = field(default_factory=dict)
    dynamic: str | None = None
    enabled: bool = True

    def to_mapping(self, root: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.dynamic is not None:
            body["dynamic"] = self.dynamic
        if not self.enabled:
            body["enabled"] = False
        if self.properties:
            body["properties"] = {k: v.to_mapping() for k, v in sorted(self.properties.items())}
        if not root and not body:
            body["type"] = "object"
        return body


class Mapping:
    """The mapping of one index: an object tree plus a flat ``path -> FieldMapper`` view."""

    def __init__(self, root: ObjectMapper, meta: dict[str, Any] | None = None,
                 field_types: FieldTypes = NO_FIELD_TYPES) -> None:
        self.root = root
        self.meta = meta
        self.field_types = field_types
        self.fields: dict[str, FieldMapper] = {}
        self.objects: dict[str, ObjectMapper] = {"": root}
        for mapper in _walk(root):
            if isinstance(mapper, FieldMapper):
                self.fields[mapper.path] = mapper
                for sub in mapper.sub_fields:
                    self.fields[sub.path] = sub
            else:
                self.objects[mapper.path] = mapper

    @classmethod
    def empty(cls, field_types: FieldTypes = NO_FIELD_TYPES) -> "Mapping":
        return cls(ObjectMapper(""), None, field_types)

    @classmethod
    def parse(cls, body: dict[str, Any] | None, field_types: FieldTypes = NO_FIELD_TYPES) -> "Mapping":
        """Parse a mapping; ``field_types`` (the mounted plugins' types) stay with it for later merges."""
        return cls.empty(field_types).merge(body or {})

    def field(self, path: str) -> FieldMapper | None:
        return self.fields.get(path)

    def dynamic_for(self, object_path: str) -> str:
        """Effective ``dynamic`` setting for new fields under ``object_path`` (inherits from parents)."""
        path = object_path
        while True:
            obj = self.objects.get(path)
            if obj is not None and obj.dynamic is not None:
                return obj.dynamic
            if not path:
                return "true"
            path = path.rsplit(".", 1)[0] if "." in path else ""

    def vector_fields(self) -> list[FieldMapper]:
        return [f for f in self.fields.values() if f.is_vector]

    def to_dict(self) -> dict[str, Any]:
        body = self.root.to_mapping(root=True)
        if self.meta is not None:
            body = {"_meta": copy.deepcopy(self.meta), **body}
        return body

    def merge(self, body: dict[str, Any]) -> "Mapping":
        """Return a new mapping with ``body`` added; changing an existing field's type or params fails."""
        if not isinstance(body, dict):
            raise errors.mapper_parsing("Root mapping definition must be an object")
        body = dict(body)
        if "mappings" in body and isinstance(body["mappings"], dict) and len(body) == 1:
            body = dict(body["mappings"])
        meta = body.pop("_meta", self.meta)
        for ignored in ("_source", "_routing", "date_detection", "numeric_detection", "dynamic_templates",
                        "_field_names", "_all"):
            body.pop(ignored, None)
        root = _merge_object(self.root, "", body, self.field_types)
        return Mapping(root, meta, self.field_types)


def _walk(obj: ObjectMapper) -> Iterator["FieldMapper | ObjectMapper"]:
    for child in obj.properties.values():
        yield child
        if isinstance(child, ObjectMapper):
            yield from _walk(child)


# OpenSearch's metadata fields: never a mapped property, never a field inside a document's source.
METADATA_FIELDS = frozenset({"_id", "_index", "_source", "_routing", "_seq_no", "_primary_term", "_version",
                             "_field_names", "_ignored", "_nested_path", "_data_stream_timestamp"})


def _merge_object(existing: ObjectMapper, path: str, body: dict[str, Any], field_types: FieldTypes) -> ObjectMapper:
    unknown = set(body) - {"properties", "dynamic", "enabled", "type"}
    if unknown:
        name = path or "_doc"
        raise errors.mapper_parsing(
            f"Root mapping definition has unsupported parameters:  [{', '.join(sorted(unknown))}] on [{name}]"
            if not path else f"unknown parameter [{sorted(unknown)[0]}] on mapper [{path}] of type [object]")
    dynamic = body.get("dynamic", existing.dynamic)
    if dynamic is not None:
        dynamic = str(dynamic).lower()
        if dynamic not in ("true", "false", "strict", "runtime"):
            raise errors.mapper_parsing(f"Could not convert [dynamic] to boolean or strict: [{dynamic}]")
    enabled = bool(body.get("enabled", existing.enabled))
    props = dict(existing.properties)
    new_props = body.get("properties", {})
    if not isinstance(new_props, dict):
        raise errors.mapper_parsing(f"Expected map for property [properties] on field [{path or '_doc'}]")
    for name, spec in new_props.items():
        child_path = f"{path}.{name}" if path else name
        if child_path in METADATA_FIELDS:  # MapperService.checkFieldUniqueness
            raise errors.illegal_argument(f"Field [{child_path}] is defined twice. [{child_path}] is a metadata "
                                          "field; give the mapped field another name")
        if not name or name.startswith(".") or name.endswith(".") or ".." in name:
            raise errors.illegal_argument(f"field name cannot be empty or contain consecutive dots: [{child_path}]")
        if "." in name:  # "a.b": {...} is shorthand for nested objects
            head, rest = name.split(".", 1)
            spec = {"properties": {rest: spec}}
            name, child_path = head, (f"{path}.{head}" if path else head)
        if not isinstance(spec, dict):
            raise errors.mapper_parsing(f"Expected map for property [fields] on field [{child_path}] but got a "
                                        f"class {type(spec).__name__}")
        current = props.get(name)
        props[name] = _merge_child(current, child_path, spec, field_types)
    return ObjectMapper(path, props, dynamic, enabled)


def _merge_child(current: "FieldMapper | ObjectMapper | None", path: str, spec: dict[str, Any],
                 field_types: FieldTypes) -> "FieldMapper | ObjectMapper":
    ftype = spec.get("type")
    if ftype is not None and not isinstance(ftype, str):
        raise errors.mapper_parsing(f"No handler for type [{ftype}] declared on field [{path.rsplit('.', 1)[-1]}]")
    if ftype is None or ftype == "object":
        if isinstance(current, FieldMapper):
            raise errors.illegal_argument(f"can't merge a non object mapping [{path}] with an object mapping")
        return _merge_object(current or ObjectMapper(path), path, spec, field_types)
    if ftype == "nested":
        raise errors.mapper_parsing(f"the embedded node does not support [nested] fields (field [{path}]); "
                                    "map it as [object] or flatten it")
    if isinstance(current, ObjectMapper):
        raise errors.illegal_argument(f"can't merge a non object mapping [{path}] with an object mapping")
    new = parse_field(path, spec, field_types)
    if current is None:
        return new
    if current.type != new.type:
        raise errors.illegal_argument(
            f"mapper [{path}] cannot be changed from type [{current.type}] to [{new.type}]")
    return _merge_same_type(current, new)


def _merge_same_type(current: FieldMapper, new: FieldMapper) -> FieldMapper:
    for key in set(current.params) | set(new.params):
        if key in ("fields", "meta", "ignore_above"):
            continue
        if key in new.params and current.params.get(key) != new.params.get(key):
            raise errors.illegal_argument(
                f"Mapper for [{current.path}] conflicts with existing mapper:\n\t"
                f"Cannot update parameter [{key}] from [{current.params.get(key)}] to [{new.params.get(key)}]")
    subs = {s.path: s for s in current.sub_fields}
    for sub in new.sub_fields:
        subs[sub.path] = _merge_same_type(subs[sub.path], sub) if sub.path in subs else sub
    params = dict(current.params)
    params.update({k: v for k, v in new.params.items() if k in ("meta", "ignore_above")})
    return FieldMapper(current.path, current.type, params, tuple(subs.values()))


def parse_field(path: str, spec: dict[str, Any], field_types: FieldTypes = NO_FIELD_TYPES) -> FieldMapper:
    """Validate one field definition, failing as OpenSearch does on unknown types and parameters.

    ``field_types`` are the types the mounted plugins add (``MapperPlugin.getMappers``), e.g. ``knn_vector``."""
    ftype = spec["type"]
    allowed = _ALLOWED.get(ftype)
    if allowed is None and ftype in field_types:
        allowed = field_types[ftype].params
    if allowed is None:
        raise errors.mapper_parsing(f"No handler for type [{ftype}] declared on field [{path.rsplit('.', 1)[-1]}]")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise errors.mapper_parsing(f"unknown parameter [{unknown[0]}] on mapper [{path}] of type [{ftype}]")
    params = {k: copy.deepcopy(v) for k, v in spec.items() if k not in ("type", "fields")}
    if ftype == "text" or ftype == "keyword":
        for key in ("analyzer", "search_analyzer", "search_quote_analyzer"):
            if key in params and params[key] not in ANALYZERS:
                raise errors.mapper_parsing(f"analyzer [{params[key]}] has not been configured in mappings")
        if "normalizer" in params:
            raise errors.mapper_parsing(f"normalizer [{params['normalizer']}] not found for field [{path}]")
    if ftype == "scaled_float" and "scaling_factor" not in params:
        raise errors.mapper_parsing(f"Field [scaling_factor] is required for field [{path}]")
    plugin_type = field_types.get(ftype)
    if plugin_type is not None and plugin_type.validate is not None:
        plugin_type.validate(path, params)
    subs = []
    fields = spec.get("fields") or {}
    if not isinstance(fields, dict):
        raise errors.mapper_parsing(f"Expected map for property [fields] on field [{path}]")
    for sub_name, sub_spec in fields.items():
        if not isinstance(sub_spec, dict) or "type" not in sub_spec:
            raise errors.mapper_parsing(f"No type specified for field [{sub_name}]")
        subs.append(parse_field(f"{path}.{sub_name}", sub_spec, field_types))
    return FieldMapper(path, ftype, params, tuple(subs))


def dynamic_field_spec(value: Any) -> dict[str, Any] | None:
    """OpenSearch's default dynamic mapping for a JSON value (``None`` for null/empty arrays)."""
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "long"}
    if isinstance(value, float):
        return {"type": "float"}
    if isinstance(value, str):
        if looks_like_date(value):
            return {"type": "date"}
        return {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}}
    return None


def unwrap_mappings(body: Any) -> dict[str, Any]:
    """A ``mappings`` body with or without the legacy ``_doc`` type wrapper -> the mapping itself."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.mapper_parsing("Failed to parse mapping: [mappings] must be an object")
    if "_doc" in body and isinstance(body["_doc"], dict) and len(body) == 1:
        return body["_doc"]
    return body
