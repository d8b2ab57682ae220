"""The statements a ``script_feature`` may use around its expression to fill ``params.extra_logging``.

The plugin passes script features ``params.extra_logging``, a ``Supplier<Map<String,Object>>`` that returns a
map only in the logging fetch phase (``ScriptFeature``, ``ExtraLoggingSupplier``; null otherwise). What a
script puts there is returned with the logged features as one more entry, ``{"name": "extra_logging",
"value": {...}}``, when the map was accessed (o19s ``docs/advanced-functionality.rst``, "Extra Logging").
The documented pattern, in painless::

    def m = params.extra_logging.get();
    if (m != null) { m.put('title_len', params.feature_vector.get('title_bm25') * 2); m.put('src', 'bm25'); }
    return params.feature_vector.get('title_bm25');

This module reads exactly that shape, without ``eval``: ``def|Map <var> = params.extra_logging.get()``,
``if (<var> != null) { ... }``, ``<var>.put('key', <expression or string literal>)`` (also directly on
``params.extra_logging.get()``), and a final ``return <expression>`` (or a bare expression). Expressions are
the evaluated painless subset of :mod:`.scripts`. Anything else is :class:`~.expressions.ExpressionError`.
The node evaluates a ``put`` only while logging, so an unguarded ``put`` does not fail at scoring time as the
plugin's null map would.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import expressions as ex
from .expression_parser import parse as parse_expression

_MAP = r"params(?:\.extra_logging|\[\s*'extra_logging'\s*\]|\[\s*\"extra_logging\"\s*\])\s*\.\s*get\s*\(\s*\)"
_DEF = re.compile(rf"^(?:def|Map(?:\s*<[^>]*>)?|var)\s+([A-Za-z_]\w*)\s*=\s*{_MAP}$", re.S)
_IF = re.compile(r"^if\s*\(\s*([A-Za-z_]\w*)\s*!=\s*null\s*\)\s*\{(.*)\}$", re.S)
_PUT = re.compile(rf"^([A-Za-z_]\w*|{_MAP})\s*\.\s*put\s*\(\s*('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,(.*)\)$",
                  re.S)
_STRING = re.compile(r"^('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")$", re.S)


@dataclass(frozen=True)
class ExtraLoggingScript:
    """The score expression and the ``(key, value)`` puts, in program order (a value is an AST or a string)."""

    score: ex.Node
    puts: tuple[tuple[str, ex.Node | str], ...]

    def extra_logging_values(self) -> list[tuple[str, ex.Node]]:
        """The puts whose value is an expression (string literals need no evaluation)."""
        return [(key, value) for key, value in self.puts if not isinstance(value, str)]


def _split(source: str) -> list[str]:
    """Top-level statements: split on ``;`` outside quotes and braces; a ``{...}`` block ends a statement."""
    out, depth, quote, start = [], 0, "", 0
    i = 0
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                out.append(source[start:i + 1])
                start = i + 1
        elif ch == ";" and depth == 0:
            out.append(source[start:i])
            start = i + 1
        i += 1
    out.append(source[start:])
    return [s.strip() for s in out if s.strip()]


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def parse(source: str) -> ExtraLoggingScript:
    maps: set[str] = set()
    puts: list[tuple[str, ex.Node | str]] = []
    score: ex.Node | None = None

    def statements(text: str, top: bool) -> None:
        nonlocal score
        items = _split(text)
        for index, stmt in enumerate(items):
            if (m := _DEF.match(stmt)) is not None:
                maps.add(m.group(1))
            elif (m := _IF.match(stmt)) is not None:
                if m.group(1) not in maps:
                    raise ex.ExpressionError(f"[{m.group(1)}] is not the extra_logging map in [{stmt}]")
                statements(m.group(2), False)
            elif (m := _PUT.match(stmt)) is not None:
                target = m.group(1)
                if not target.startswith("params") and target not in maps:
                    raise ex.ExpressionError(f"[{target}] is not the extra_logging map in [{stmt}]")
                value = m.group(3).strip()
                puts.append((_unquote(m.group(2)),
                             _unquote(value) if _STRING.match(value) else parse_expression(value, painless=True)))
            elif re.match(r"^return\b", stmt) and not (top and index == len(items) - 1):
                raise ex.ExpressionError(f"unreachable statement after [{stmt}]")
            elif top and index == len(items) - 1:
                expression = stmt[len("return"):] if re.match(r"^return\b", stmt) else stmt
                score = parse_expression(expression, painless=True)
            else:
                raise ex.ExpressionError(f"statement outside the evaluated subset: [{stmt}]")

    statements(source, True)
    if score is None:
        raise ex.ExpressionError("the script must end with [return <expression>]")
    return ExtraLoggingScript(score, tuple(puts))
