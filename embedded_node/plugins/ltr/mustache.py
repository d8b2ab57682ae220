"""The plugin's mustache, for feature templates (``template/mustache/CustomMustacheFactory.java``).

The plugin serialises a feature's template (object or string) to JSON text, renders it with mustache.java
configured for JSON content, then parses the result as a query. Consequences reproduced here:

* ``{{var}}`` writes the value's Java ``toString`` **JSON-escaped** (``JsonEscapeEncoder``: ``"``, ``\\`` and
  control characters), so a parameter value can never close a string or open a new object: params are data.
* ``{{{var}}}`` / ``{{& var}}`` write the raw value (the template author asked for it).
* ``{{#toJson}}var{{/toJson}}`` writes the value as JSON (lists, maps, numbers, strings), the way to inject a
  query vector into a *string* template; ``{{#join}}var{{/join}}`` (or ``{{#join delimiter='|'}}...``) joins a
  list, each element escaped like ``{{var}}``; ``{{#url}}...{{/url}}`` URL-encodes its rendered body.
* Sections iterate lists, push maps, skip falsy values (``null``, ``false``, ``""``, ``[]``); ``{{^x}}``
  inverts; ``{{! comments}}`` and ``{{=<% %>=}}`` delimiter changes work; partials (``{{> x}}``) are refused
  (no template loader; OpenSearch 3.8 disabled them, #386).

Numbers render as Java does (``Double.toString``: ``0.5``, ``1.0E-7``), booleans as ``true``/``false``, null
as nothing. Rendered output is never re-scanned for tags, so a value containing ``{{`` stays text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union
from urllib.parse import quote_plus

import numpy as np

try:  # a declared dependency (embedded_node.jsonutil); without it every list takes the generic path
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

_JOIN_DELIMITER = re.compile(r"^join\s+delimiter='(.*)'$", re.S)


class MustacheError(ValueError):
    """A template that mustache.java would refuse to compile or render."""


#: Characters one rendering may produce. A section repeats its body per list item, so a small stored template
#: and a long list param could otherwise render gigabytes; far above any real feature query (a 384-float
#: vector renders to ~8 KB).
MAX_RENDERED_CHARS = 4 * 1024 * 1024


class _Output(list):
    """The rendered pieces, refusing to grow past :data:`MAX_RENDERED_CHARS`."""

    size = 0

    def append(self, piece: str) -> None:  # type: ignore[override]
        self.size += len(piece)
        if self.size > MAX_RENDERED_CHARS:
            raise MustacheError(f"the template renders to more than {MAX_RENDERED_CHARS} characters with these "
                                "params: a list param repeats a section too often; send fewer items")
        super().append(piece)


@dataclass
class Var:
    name: str
    escaped: bool


@dataclass
class Section:
    name: str
    inverted: bool
    children: list["_Node"] = field(default_factory=list)
    raw_body: str = ""


_Node = Union[str, Var, Section]


class Template:
    """A compiled template; :meth:`render` is pure and thread-safe."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes = _parse(source)

    def render(self, params: dict[str, Any]) -> str:
        out: list[str] = _Output()
        _render(self.nodes, [params], out)
        return "".join(out)


def compile_template(source: str) -> Template:
    return Template(source)


# --- parsing ------------------------------------------------------------------------------------------------
def _parse(source: str) -> list[_Node]:
    root: list[_Node] = []
    stack: list[tuple[Section | None, list[_Node], int]] = [(None, root, 0)]
    open_, close = "{{", "}}"
    pos = 0
    while True:
        start = source.find(open_, pos)
        if start < 0:
            if pos < len(source):
                stack[-1][1].append(source[pos:])
            break
        if start > pos:
            stack[-1][1].append(source[pos:start])
        inner_start = start + len(open_)
        if open_ == "{{" and source.startswith("{", inner_start):
            end = source.find("}}}", inner_start + 1)
            if end < 0:
                raise MustacheError(f"Improperly closed variable at offset {start}")
            stack[-1][1].append(Var(_name(source[inner_start + 1:end], start), False))
            pos = end + 3
            continue
        end = source.find(close, inner_start)
        if end < 0:
            raise MustacheError(f"Improperly closed tag at offset {start}")
        content = source[inner_start:end].strip()
        pos = end + len(close)
        if not content:
            raise MustacheError(f"Empty mustache tag at offset {start}")
        sigil, rest = content[0], content[1:].strip()
        if sigil == "!":
            continue
        if sigil == "=":
            if not content.endswith("=") or len(content) < 3:
                raise MustacheError(f"Invalid delimiter change at offset {start}")
            parts = content[1:-1].split()
            if len(parts) != 2:
                raise MustacheError(f"Invalid delimiter change at offset {start}")
            open_, close = parts
            continue
        if sigil in "#^":
            section = Section(_name(rest, start), sigil == "^")
            stack[-1][1].append(section)
            stack.append((section, section.children, pos))
            continue
        if sigil == "/":
            name = _name(rest, start)
            section, _, body_start = stack[-1]
            if section is None:
                raise MustacheError(f"Closing unopened section [{name}] at offset {start}")
            if section.name != name:
                raise MustacheError(f"Mismatched start/end tags: {section.name} != {name}")
            section.raw_body = source[body_start:start]
            stack.pop()
            continue
        if sigil == ">":
            raise MustacheError(f"Mustache partials are not supported: [{rest}]")
        if sigil == "&":
            stack[-1][1].append(Var(_name(rest, start), False))
            continue
        stack[-1][1].append(Var(_name(content, start), True))
    if len(stack) > 1:
        raise MustacheError(f"Failed to close '{stack[-1][0].name}' tag")  # type: ignore[union-attr]
    return root


def _name(text: str, offset: int) -> str:
    name = text.strip()
    if not name:
        raise MustacheError(f"Empty mustache tag at offset {offset}")
    return name


# --- rendering ----------------------------------------------------------------------------------------------
_MISSING = object()


def lookup(name: str, scopes: list[Any]) -> Any:
    if name == ".":
        return scopes[-1]
    parts = name.split(".")
    for scope in reversed(scopes):
        found = _step(scope, parts[0])
        if found is _MISSING:
            continue
        for part in parts[1:]:
            found = _step(found, part)
            if found is _MISSING:
                return None
        return found
    return None


def _step(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key, _MISSING)
    if isinstance(value, list) and key.isdigit():
        index = int(key)
        return value[index] if index < len(value) else _MISSING
    return _MISSING


def _falsy(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (list, str)) and len(value) == 0)


def _render(nodes: list[_Node], scopes: list[Any], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Var):
            value = lookup(node.name, scopes)
            if value is not None:
                text = java_string(value)
                out.append(json_escape(text) if node.escaped else text)
        else:
            _render_section(node, scopes, out)


def _render_section(node: Section, scopes: list[Any], out: list[str]) -> None:
    if not node.inverted:
        if node.name == "toJson":
            value = lookup(node.raw_body.strip(), scopes)
            if value is not None:
                out.append(to_json(value))
            return
        delimiter = _join_delimiter(node.name)
        if delimiter is not None:
            value = lookup(node.raw_body.strip(), scopes)
            items = value if isinstance(value, list) else ([] if value is None else [value])
            out.append(delimiter.join(json_escape(java_string(item)) for item in items))
            return
        if node.name == "url":
            inner: list[str] = []
            _render(node.children, scopes, inner)
            out.append(quote_plus("".join(inner), safe="*").replace("~", "%7E"))  # java.net.URLEncoder
            return
    value = lookup(node.name, scopes)
    if node.inverted:
        if _falsy(value):
            _render(node.children, scopes, out)
        return
    if _falsy(value):
        return
    if isinstance(value, list):
        for item in value:
            _render(node.children, scopes + [item], out)
    else:
        _render(node.children, scopes + [value], out)


def _join_delimiter(name: str) -> str | None:
    if name == "join":
        return ","
    match = _JOIN_DELIMITER.match(name)
    return match.group(1) if match else None


# --- Java/Jackson formatting --------------------------------------------------------------------------------
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def json_escape(text: str) -> str:
    """Jackson ``JsonStringEncoder.quoteAsString``: quotes, backslashes and control characters only."""
    if not any(ch in _SHORT_ESCAPES or ord(ch) < 0x20 for ch in text):
        return text
    out = []
    for ch in text:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def java_double(value: float) -> str:
    """``Double.toString`` (JDK 19+: shortest round-trip digits, Java's plain/scientific switch)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    if 1e-3 <= abs(value) < 1e7:  # Python's repr is plain decimal here too, with the same shortest digits
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(str(d) for d in digits).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # position of the decimal point relative to the digit string
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{text}"
        if point >= len(text):
            return f"{prefix}{text}{'0' * (point - len(text))}.0"
        return f"{prefix}{text[:point]}.{text[point:]}"
    mantissa = f"{text[0]}.{text[1:] or '0'}"
    return f"{prefix}{mantissa}E{point - 1}"


def java_string(value: Any) -> str:
    """``Object.toString`` of a parsed JSON value as the plugin's mustache prints it."""
    if isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in value.items()) + "}"
    return str(value)


_NUMBER_TYPES = frozenset((float, int))
_FAST_LIST_MIN = 16


def _number_list_json(value: list[Any]) -> str | None:
    """:func:`to_json` of a long list of plain numbers (a query or user vector: up to thousands of floats per
    ``sltr`` bind), or None for any other list. Every element must be a ``float`` or ``int`` (never a ``bool``,
    ``str`` or container). orjson writes the list in one C call; where an element is 0 or of magnitude in
    [1e-3, 1e7), Java's ``Double.toString``, Python's ``repr`` and orjson all print the same shortest round-trip
    digits in plain decimal (``0.0``, ``-0.0``, ``0.05``, ``1.0``; ints as ints), and the few others (``2.3E-4``,
    ``1.0E7``, ``NaN``) are re-rendered one by one by :func:`to_json`."""
    if orjson is None or len(value) < _FAST_LIST_MIN or not set(map(type, value)) <= _NUMBER_TYPES:
        return None
    try:
        text = orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # an int beyond 64 bits
        return None
    numbers = np.asarray(value, dtype=np.float64)
    magnitude = np.abs(numbers)
    java_only = np.flatnonzero(~(((magnitude >= 1e-3) & (magnitude < 1e7)) | (magnitude == 0.0)))
    if java_only.size:
        parts = text[1:-1].split(",")  # numbers hold no comma
        for i in java_only.tolist():
            parts[i] = to_json(value[i])
        text = "[" + ",".join(parts) + "]"
    return text


def to_json(value: Any) -> str:
    """Compact JSON as ``XContentBuilder`` writes it (Java number formatting, non-ASCII kept)."""
    if isinstance(value, str):
        return '"' + json_escape(value) + '"'
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = java_double(value)
        return text if value == value and abs(value) != float("inf") else f'"{text}"'
    if isinstance(value, list):  # floats in [1e-3, 1e7) print as repr: the common query-vector case, fast
        fast = _number_list_json(value)
        if fast is not None:
            return fast
        return "[" + ",".join(repr(v) if type(v) is float and 1e-3 <= abs(v) < 1e7 else to_json(v)
                              for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    return to_json(str(value))
