"""Feature templates that are JSON documents: params substituted into the parsed template, without rendering.

Why: binding a featureset renders each template to text and parses it back, per search; for vector params that
is ~1,800 floats written and read again. A template whose tags stand only where a whole JSON value or a string
goes is parsed once with placeholders, and each bind substitutes exactly the values the rendered text would
parse to (anything that might not round-trip falls back to rendering, so results and errors are unchanged).
"""
from __future__ import annotations

import math
import re
from typing import Any

from .mustache import Template, Var, java_string, lookup

try:  # a declared dependency (embedded_node.jsonutil); without it every template is rendered
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

_SLOT = "Z~mmltr-slot-{}~Z"  # starts with a character that is neither an escape letter nor a hex digit
_SLOT_RE = re.compile(r"Z~mmltr-slot-(\d+)~Z")
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1  # the ints orjson parses as ints (beyond: floats)
_FLOAT_ONLY = frozenset((float,))


class _Unsupported(Exception):
    """A param value whose rendered JSON would not parse back to itself: render the template instead."""


class JsonTemplate:
    """A template that is a JSON document with tags only in whole-value or in-string positions.

    ``{{#toJson}}x{{/toJson}}`` where a JSON value stands, ``{{x}}`` where a value stands (``"origin": {{c}}``)
    or inside a string (``"query": "{{keywords}}"``), and nothing else: no other section, no unescaped variable,
    no tag in an object key or after an unfinished escape. :meth:`build` returns what parsing the rendered
    template returns, without rendering it: the document (parsed once, with a placeholder per tag) is copied
    and each placeholder replaced by the value the rendered text would parse to. A value whose rendering would
    not parse back to itself (``None`` where a value stands, a string or list in a bare ``{{x}}``, a
    non-finite float, an int beyond 64 bits, a string with lone surrogates) makes :meth:`build` return
    :data:`RENDER` so the caller renders the template (and gets the same result or error as before).
    """

    def __init__(self, skeleton: bytes, names: list[str], kinds: list[str],
                 whole: list[tuple[tuple[Any, ...], int]], inner: list[tuple[Any, ...]]) -> None:
        self.skeleton = skeleton
        self.names = names
        self.kinds = kinds  # per tag: "json" ({{#toJson}}), "bare" ({{x}} as a value), "string" ({{x}} in a string)
        self.whole = whole  # (path, tag) of the values that are one tag
        self.inner = inner  # paths of the strings holding tags

    def build(self, params: dict[str, Any]) -> Any:
        try:
            values = [_slot_value(lookup(name, [params]), kind) for name, kind in zip(self.names, self.kinds)]
        except _Unsupported:
            return RENDER
        tree = orjson.loads(self.skeleton)
        for path, slot in self.whole:
            if not path:
                return values[slot]
            _container(tree, path)[path[-1]] = values[slot]
        for path in self.inner:
            parent = _container(tree, path)
            parent[path[-1]] = _SLOT_RE.sub(lambda m: values[int(m.group(1))], parent[path[-1]])
        return tree


RENDER = object()
"""What :meth:`JsonTemplate.build` returns when the template must be rendered and parsed instead."""


def json_template(template: Template) -> JsonTemplate | None:
    """The :class:`JsonTemplate` form of ``template``, or None when it has another shape (render it)."""
    if orjson is None or "mmltr-slot" in template.source:
        return None
    parts: list[str] = []
    names: list[str] = []
    kinds: list[str] = []
    in_string = escape = False
    for node in template.nodes:
        if isinstance(node, str):
            for ch in node:
                if escape:
                    escape = False
                elif in_string and ch == "\\":
                    escape = True
                elif ch == '"':
                    in_string = not in_string
            parts.append(node)
            continue
        if escape:
            return None
        if isinstance(node, Var):
            if not node.escaped:
                return None
            names.append(node.name)
            kinds.append("string" if in_string else "bare")
        elif node.name == "toJson" and not node.inverted and not in_string:
            names.append(node.raw_body.strip())
            kinds.append("json")
        else:
            return None
        slot = _SLOT.format(len(names) - 1)
        parts.append(slot if in_string else f'"{slot}"')
    try:
        tree = orjson.loads("".join(parts))
    except orjson.JSONDecodeError:
        return None
    whole: list[tuple[tuple[Any, ...], int]] = []
    inner: list[tuple[Any, ...]] = []
    found: list[int] = []
    if not _find_slots(tree, (), kinds, whole, inner, found) or sorted(found) != list(range(len(names))):
        return None
    return JsonTemplate(orjson.dumps(tree), names, kinds, whole, inner)


def _find_slots(value: Any, path: tuple[Any, ...], kinds: list[str], whole: list, inner: list,
                found: list[int]) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if "mmltr-slot" in key or not _find_slots(item, path + (key,), kinds, whole, inner, found):
                return False
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if not _find_slots(item, path + (i,), kinds, whole, inner, found):
                return False
    elif isinstance(value, str):
        slots = [int(m.group(1)) for m in _SLOT_RE.finditer(value)]
        if not slots:
            return "mmltr-slot" not in value
        found.extend(slots)
        if all(kinds[s] == "string" for s in slots):
            inner.append(path)
        elif len(slots) == 1 and value == _SLOT.format(slots[0]):
            whole.append((path, slots[0]))
        else:
            return False
    return True


def _container(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


def _slot_value(value: Any, kind: str) -> Any:
    if kind == "string":  # JSON-escaped inside the string: parsing gives the text back
        text = "" if value is None else java_string(value)
        return text if text.isascii() or _utf8(text) else _unsupported()
    if kind == "bare":  # the Java toString as raw JSON: only numbers and booleans parse back to themselves
        if value is True or value is False or (type(value) in (int, float) and _plain_scalar(value)):
            return value
        _unsupported()
    if value is None:  # the toJson section writes nothing
        _unsupported()
    return _json_value(value)


def _json_value(value: Any) -> Any:
    """``loads(to_json(value))`` for values where that is the value itself (a fresh copy of containers)."""
    kind = type(value)
    if kind is list:
        if value and set(map(type, value)) <= _FLOAT_ONLY:  # a vector: finite floats round-trip
            total = sum(value)  # finite unless an element is not (or the sum overflows: then look)
            if total - total != 0.0 and not all(map(math.isfinite, value)):
                _unsupported()
            return list(value)
        return [_json_value(v) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            _unsupported()
        return {_json_value(k): _json_value(v) for k, v in value.items()}
    if value is None or value is True or value is False:
        return value
    if kind is str:
        return value if value.isascii() or _utf8(value) else _unsupported()
    if kind in (int, float) and _plain_scalar(value):
        return value
    _unsupported()


def _plain_scalar(value: int | float) -> bool:
    if type(value) is int:
        return _INT_MIN <= value <= _INT_MAX
    return value - value == 0.0  # finite (NaN and infinities render as strings)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unsupported() -> Any:
    raise _Unsupported
