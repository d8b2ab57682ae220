"""Parsing Lucene expressions (and the painless subset) into the AST of :mod:`.expressions`.

A hand-written recursive-descent parser for Lucene's ``Javascript.g4`` grammar; operator precedence from
lowest to highest: ``?:``, ``||``, ``&&``, ``|``, ``^``, ``&``, equality, relational, shifts, additive,
multiplicative, unary. Errors are :class:`~.expressions.ExpressionError` with Lucene's wording where it has
one ("Unrecognized function call (log)."). In *painless* mode it also accepts ``return``, ``;``, number
suffixes, ``null``, ``Math.fn(...)`` and ``.get('key')`` accessors (see :mod:`.scripts`).
"""
from __future__ import annotations

import re

from .expressions import (FUNCTIONS, PAINLESS_EXTRA, PAINLESS_MATH, Binary, Call, Cond, ExpressionError, Node,
                          Null, Num, Unary, Var)

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<hex>0[xX][0-9a-fA-F]+[lL]?)
  | (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fFdDlL]?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<id>[_$a-zA-Z][_$a-zA-Z0-9]*)
  | (?P<op>>>>|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&|^?:(),.\[\];])
""", re.X)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"Invalid expression '{text}': unexpected character '{text[pos]}' at "
                                  f"position {pos}.")
        kind = match.lastgroup or ""
        if kind != "ws":
            out.append((kind, match.group(), pos))
        pos = match.end()
    return out


# --- parser -------------------------------------------------------------------------------------------------
_BINARY_LEVELS = [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", "<=", ">", ">="),
                  ("<<", ">>", ">>>"), ("+", "-"), ("*", "/", "%")]


class _Parser:
    def __init__(self, text: str, painless: bool) -> None:
        self.text = text
        self.painless = painless
        self.toks = _tokens(text)
        self.i = 0

    def fail(self, detail: str) -> ExpressionError:
        return ExpressionError(f"Invalid expression '{self.text}': {detail}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def accept(self, value: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] in ("op", "id") and tok[1] == value:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            tok = self.peek()
            raise self.fail(f"expected '{value}' but found "
                            f"{'end of expression' if tok is None else repr(tok[1])}.")

    def parse(self) -> Node:
        if not self.toks:
            raise self.fail("Unexpected end of expression.")
        if self.painless:
            self.accept("return")
        node = self.conditional()
        if self.painless:
            while self.accept(";"):
                pass
        tok = self.peek()
        if tok is not None:
            raise self.fail(f"unexpected token '{tok[1]}' at position {tok[2]}.")
        return node

    def conditional(self) -> Node:
        test = self.binary(0)
        if self.accept("?"):
            then = self.conditional()
            self.expect(":")
            return Cond(test, then, self.conditional())
        return test

    def binary(self, level: int) -> Node:
        if level == len(_BINARY_LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while True:
            tok = self.peek()
            if tok is None or tok[0] != "op" or tok[1] not in _BINARY_LEVELS[level]:
                return node
            self.i += 1
            node = Binary(tok[1], node, self.binary(level + 1))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in ("-", "+", "!", "~"):
            self.i += 1
            return Unary(tok[1], self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("Unexpected end of expression.")
        kind, text, _ = tok
        self.i += 1
        if kind == "op" and text == "(":
            node = self.conditional()
            self.expect(")")
            return node
        if kind in ("num", "hex"):
            return Num(self.number(text))
        if kind == "id":
            if self.painless and text == "null":
                return Null()
            return self.identifier(text)
        raise self.fail(f"unexpected token '{text}'.")

    def number(self, text: str) -> float:
        if self.painless:
            text = text.rstrip("fFdDlL") if not text.lower().startswith("0x") else text.rstrip("lL")
        elif text[-1] in "fFdDlL" and not text.lower().startswith("0x"):
            raise self.fail(f"unexpected number suffix in '{text}'.")
        if text.lower().startswith("0x"):
            return float(int(text, 16))
        if len(text) > 1 and text[0] == "0" and text.isdigit():
            try:
                return float(int(text, 8))
            except ValueError:
                raise self.fail(f"invalid octal number '{text}'.") from None
        return float(text)

    def identifier(self, first: str) -> Node:
        path = [first]
        while True:
            if self.accept("."):
                tok = self.peek()
                if tok is None or tok[0] != "id":
                    raise self.fail("expected a name after '.'.")
                self.i += 1
                if self.painless and tok[1] == "get" and self.accept("("):
                    path.append(self.string_arg())
                    self.expect(")")
                else:
                    path.append(tok[1])
            elif self.accept("["):
                tok = self.peek()
                if tok is None or tok[0] not in ("str", "num"):
                    raise self.fail("expected a string or integer index inside [].")
                self.i += 1
                path.append(_unquote(tok[1]) if tok[0] == "str" else tok[1])
                self.expect("]")
            elif self.accept("("):
                return self.call(path)
            else:
                return Var(tuple(path))

    def string_arg(self) -> str:
        tok = self.peek()
        if tok is None or tok[0] != "str":
            raise self.fail("expected a quoted key in get(...).")
        self.i += 1
        return _unquote(tok[1])

    def call(self, path: list[str]) -> Node:
        name = ".".join(path)
        if self.painless:
            if len(path) != 2 or path[0] != "Math" or path[1] not in PAINLESS_MATH:
                raise self.fail(f"unsupported method call '{name}(...)'; the script_feature subset allows "
                                f"Math.{{{', '.join(sorted(PAINLESS_MATH))}}}.")
            name = path[1]
            arity = (PAINLESS_EXTRA.get(name) or FUNCTIONS[name])[0]
        else:
            if name not in FUNCTIONS:
                raise self.fail(f"Unrecognized function call ({name}).")
            arity = FUNCTIONS[name][0]
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.conditional())
            while self.accept(","):
                args.append(self.conditional())
            self.expect(")")
        if len(args) != arity:
            raise self.fail(f"Expected ({arity}) arguments for function call ({name}), but found "
                            f"({len(args)}).")
        return Call(name, tuple(args))


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse(text: str, *, painless: bool = False) -> Node:
    if not isinstance(text, str):
        raise ExpressionError(f"Invalid expression '{text}': an expression must be a string.")
    return _Parser(text, painless).parse()


