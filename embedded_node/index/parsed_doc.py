"""Turning a ``_source`` object into per-field values against a mapping (OpenSearch's DocumentParser).

Parsing happens before anything is written, so a bad document fails alone with a ``mapper_parsing_exception``
that names the field, the document id and the fix, and nothing of it is half-written. Unmapped fields follow the
``dynamic`` setting; new mappings are returned as a mapping update for the shard to merge.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import errors
from ..search.queries import datemath
from ..dates import parse_date_millis
from .mapping import INTEGER_RANGES, METADATA_FIELDS, FieldMapper, Mapping, dynamic_field_spec


_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass
class ParsedDoc:
    text: dict[str, list[str]] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    numbers: dict[str, list[float]] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    mapping_update: dict[str, Any] | None = None


def parse_document(mapping: Mapping, source: Any, doc_id: str) -> tuple[ParsedDoc, Mapping]:
    """Parse ``source``; return the values and the (possibly dynamically extended) mapping."""
    if not isinstance(source, dict):
        raise errors.mapper_parsing("failed to parse, document is empty" if source in (None, "")
                                    else "failed to parse: the document must be a JSON object")
    parser = _Parser(mapping, doc_id)
    parser.parse_object(source, "")
    if parser.update:
        mapping = mapping.merge({"properties": parser.update})
        parser = _Parser(mapping, doc_id)
        parser.parse_object(source, "")
        if parser.update:  # pragma: no cover - a dynamic update must converge in one pass
            raise errors.mapper_parsing(f"dynamic mapping did not converge for document [{doc_id}]")
    return parser.doc, mapping


class _Parser:
    def __init__(self, mapping: Mapping, doc_id: str) -> None:
        self.mapping = mapping
        self.fields = mapping.fields
        self.doc_id = doc_id
        self.doc = ParsedDoc()
        self.update: dict[str, Any] = {}

    def parse_object(self, obj: dict[str, Any], path: str) -> None:
        for key, value in obj.items():
            if not key or key[0] == "." or key[-1] == "." or ".." in key or not key.strip(". "):
                raise errors.mapper_parsing(
                    f"failed to parse: field name cannot be empty or contain only dots: [{key}] in document "
                    f"with id '{self.doc_id}'")
            full = f"{path}.{key}" if path else key
            if full in METADATA_FIELDS:
                raise errors.mapper_parsing(
                    f"failed to parse field [{full}] of type [{full}] in document with id '{self.doc_id}'. "
                    f"Preview of field's value: '{_preview(value)}'", caused_by=metadata_field_in_document(full))
            self.parse_value(full, value)

    def parse_value(self, path: str, value: Any) -> None:
        mapper = self.fields.get(path)
        if mapper is not None:
            if type(value) is not list and value is not None and mapper.type != "knn_vector":
                self.add_scalar(mapper, value)  # the common case: one scalar value
            else:
                self.add_field(mapper, value)
            return
        obj_mapper = self.mapping.objects.get(path)
        if obj_mapper is not None:
            if not obj_mapper.enabled:
                return
            for item in value if isinstance(value, list) else [value]:
                if item is None:
                    continue
                if not isinstance(item, dict):
                    raise errors.mapper_parsing(
                        f"object mapping for [{path}] tried to parse field [{path.rsplit('.', 1)[-1]}] as object, "
                        f"but found a concrete value")
                self.parse_object(item, path)
            return
        self.dynamic(path, value)

    def dynamic(self, path: str, value: Any) -> None:
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if "." in path and parent not in self.mapping.objects and self.mapping.field(parent) is None:
            self._ensure_object_path(parent)
        mode = self.mapping.dynamic_for(parent)
        if mode in ("false", "runtime"):
            return
        leaf = path.rsplit(".", 1)[-1]
        if mode == "strict":
            raise errors.EngineError(
                "strict_dynamic_mapping_exception",
                f"mapping set to strict, dynamic introduction of [{leaf}] within [{parent or '_doc'}] is not "
                "allowed", 400)
        sample = value
        if isinstance(value, list):
            sample = next((v for v in value if v is not None), None)
        if isinstance(sample, dict):
            self._put_update(path, {"type": "object"})
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    for key, sub in item.items():
                        self.dynamic(f"{path}.{key}", sub) if self.mapping.field(f"{path}.{key}") is None \
                            else self.add_field(self.mapping.fields[f"{path}.{key}"], sub)
            return
        spec = dynamic_field_spec(sample)
        if spec is not None:
            self._put_update(path, spec)

    def _ensure_object_path(self, path: str) -> None:
        self._put_update(path, {"type": "object"})

    def _put_update(self, path: str, spec: dict[str, Any]) -> None:
        node = self.update
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {"properties": {}}).setdefault("properties", {})
        existing = node.get(parts[-1])
        if existing is None:
            node[parts[-1]] = dict(spec) if spec.get("type") != "object" else {"properties": {}}

    # --- typed values --------------------------------------------------------------------------------------
    def add_field(self, mapper: FieldMapper, value: Any) -> None:
        if mapper.is_vector:
            self.add_vector(mapper, value)
            return
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, list):
                self.add_field(mapper, item)
                continue
            if item is None:
                item = mapper.params.get("null_value")
                if item is None:
                    continue
            self.add_scalar(mapper, item)

    def add_scalar(self, mapper: FieldMapper, item: Any, copied: bool = False) -> None:
        ftype = mapper.type
        if isinstance(item, dict):
            raise self._fail(mapper, item, f"Can't get text on a START_OBJECT at field [{mapper.path}]",
                             "illegal_state_exception")
        if ftype == "text":
            text = item if type(item) is str else _as_text(item)
            self.doc.text.setdefault(mapper.path, []).append(text)
        elif ftype == "keyword":
            text = item if type(item) is str else _as_text(item)
            limit = mapper.params.get("ignore_above")
            if limit is None or len(text) <= int(limit):
                self.doc.keywords.setdefault(mapper.path, []).append(text)
        elif ftype == "boolean":
            self.doc.numbers.setdefault(mapper.path, []).append(self._boolean(mapper, item))
        elif ftype == "date":
            try:
                millis = _parse_date(mapper, item)
            except ValueError as exc:
                if mapper.params.get("ignore_malformed"):
                    return
                raise self._fail(mapper, item, str(exc), "illegal_argument_exception")
            self.doc.numbers.setdefault(mapper.path, []).append(millis)
        else:
            number = self._number(mapper, item)
            if number is None:
                return
            self.doc.numbers.setdefault(mapper.path, []).append(number)
        if mapper.sub_fields and ftype in ("text", "keyword"):
            for sub in mapper.sub_fields:
                self.add_scalar(sub, item)
        if not copied and mapper.params.get("copy_to"):
            self.copy_to(mapper, item)

    def copy_to(self, mapper: FieldMapper, item: Any) -> None:
        """``copy_to``: the value is also indexed in each target field (not in ``_source``), as one more value
        of it; a missing target is mapped dynamically from the value. Not transitive: a copied value is not
        copied on from the target (as in OpenSearch)."""
        targets = mapper.params["copy_to"]
        for target in [targets] if isinstance(targets, str) else list(targets):
            target_mapper = self.fields.get(str(target))
            if target_mapper is None:
                if str(target) in self.mapping.objects:
                    raise errors.mapper_parsing(f"Cannot copy to field [{target}] since it is mapped as an object")
                self.dynamic(str(target), item)
            elif target_mapper.is_vector:
                raise errors.mapper_parsing(f"[copy_to] cannot copy to the vector field [{target}]")
            else:
                self.add_scalar(target_mapper, item, copied=True)

    def _boolean(self, mapper: FieldMapper, item: Any) -> float:
        if isinstance(item, bool):
            return 1.0 if item else 0.0
        if item in ("true", "false"):
            return 1.0 if item == "true" else 0.0
        if item == "":
            return 0.0
        raise self._fail(mapper, item, f"Failed to parse value [{item}] as only [true] or [false] are allowed.",
                         "illegal_argument_exception")

    def _number(self, mapper: FieldMapper, item: Any) -> float | None:
        try:
            if isinstance(item, bool):
                raise ValueError(f"Current token (VALUE_{str(item).upper()}) not numeric, can not use numeric "
                                 "value accessors")
            number = float(item) if not isinstance(item, str) else float(item.strip())
            if math.isnan(number) or math.isinf(number):
                if mapper.type in INTEGER_RANGES or mapper.type == "scaled_float":
                    raise ValueError(f"For input string: \"{item}\"")
            if mapper.type in INTEGER_RANGES:
                lo, hi = INTEGER_RANGES[mapper.type]
                if isinstance(item, str) and not mapper.params.get("coerce", True) and not item.strip().lstrip(
                        "-").isdigit():
                    raise ValueError(f"For input string: \"{item}\"")
                number = float(math.trunc(number))
                if number < lo or number > hi:
                    raise ValueError(f"Value [{item}] is out of range for {mapper.type}")
            elif mapper.type in ("float", "half_float"):
                with np.errstate(over="ignore"):
                    number = float((np.float32 if mapper.type == "float" else np.float16)(number))
                if not math.isfinite(number):  # NumberType.FLOAT.parse: a value beyond the type is infinite
                    raise ValueError(f"[{mapper.type}] supports only finite values, but got [Infinity]")
            elif mapper.type == "scaled_float":
                factor = float(mapper.params["scaling_factor"])
                number = round(number * factor) / factor
            return number
        except ValueError as exc:
            if mapper.params.get("ignore_malformed"):
                return None
            raise self._fail(mapper, item, str(exc) if "range" in str(exc) or "Current token" in str(exc)
                             else f"For input string: \"{item}\"", "number_format_exception") from None

    def add_vector(self, mapper: FieldMapper, value: Any) -> None:
        if value is None:
            return
        try:
            vec = np.asarray(value) if isinstance(value, list) and value else None
        except (ValueError, TypeError, OverflowError):  # ragged ([1, [0], 3]) or not numbers at all
            vec = None
        if vec is None or vec.ndim != 1 or vec.dtype.kind not in "iuf":
            raise errors.mapper_parsing(
                f"failed to parse field [{mapper.path}] of type [knn_vector] in document with id '{self.doc_id}'. "
                "A knn_vector must be a JSON array of numbers", caused_by=errors.illegal_argument(
                    "Vector value must be an array of numbers"))
        if len(value) != mapper.dimension:
            raise errors.mapper_parsing(
                f"failed to parse field [{mapper.path}] of type [knn_vector] in document with id '{self.doc_id}'. "
                f"Preview of field's value: '{_preview(value)}'",
                caused_by=errors.illegal_argument(
                    f"Vector dimension mismatch. Expected: {mapper.dimension}, Given: {len(value)}"))
        largest = float(np.abs(vec).max())  # one reduction: NaN, infinities and float32 overflow all fail it
        if not largest <= _FLOAT32_MAX:
            raise errors.mapper_parsing(
                f"failed to parse field [{mapper.path}] of type [knn_vector] in document with id '{self.doc_id}'.",
                caused_by=errors.illegal_argument("KNN vector values cannot be NaN or Infinity"))
        vec32 = vec.astype(np.float32)
        if mapper.space_type == "cosinesimil" and (largest == 0.0 or not vec32.any()):
            raise errors.mapper_parsing(
                f"failed to parse field [{mapper.path}] of type [knn_vector] in document with id '{self.doc_id}'.",
                caused_by=errors.illegal_argument(
                    "zero vector is not supported when space type is [cosinesimil]"))
        self.doc.vectors[mapper.path] = vec32

    def _fail(self, mapper: FieldMapper, item: Any, cause: str, cause_type: str) -> errors.EngineError:
        return errors.mapper_parsing(
            f"failed to parse field [{mapper.path}] of type [{mapper.type}] in document with id '{self.doc_id}'. "
            f"Preview of field's value: '{_preview(item)}'",
            caused_by=errors.EngineError(cause_type, cause, 400))


def _parse_date(mapper: FieldMapper, item: Any) -> float:
    """Dates with the mapping's ``format`` when it has one (custom Java patterns), else the default."""
    fmt = mapper.params.get("format")
    if not fmt:
        return parse_date_millis(item)
    try:
        return float(datemath.parse(item, fmt, False, 0.0, None))
    except errors.EngineError as exc:
        raise ValueError(f"failed to parse date field [{item}] with format [{fmt}]: {exc.reason}") from None


def _as_text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return repr(item)
    return str(item)


def metadata_field_in_document(name: str) -> errors.EngineError:
    return errors.mapper_parsing(f"Field [{name}] is a metadata field and cannot be added inside a document. Use "
                                 "the index API request parameters.")


def _preview(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
