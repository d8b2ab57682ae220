"""A safe parser and vectorized evaluator for Lucene expressions (``derived_expression`` features).

The plugin compiles a derived feature's template with Lucene's ``JavascriptCompiler``
(``PrecompiledExpressionFeature``) and evaluates it per document in double precision over the other features'
values and numeric query params; the result is cast to float. This module reproduces Lucene's grammar
(``Javascript.g4``): numbers (decimal, ``0x`` hex, ``0`` octal), variables (``a``, ``a.b``,
``doc['f'].value``), ``+ - * / %``, unary ``- + ! ~``, comparisons, ``&& ||``, bitwise ``& | ^ << >> >>>`` (on
Java ``long``), the ternary ``?:``, and Lucene's function set (``abs acos acosh asin asinh atan atan2 atanh
ceil cos cosh exp floor ln log10 logn max min pow sin sinh sqrt tan tanh``; note Lucene has ``ln``, not
``log``). Nothing is ever passed to ``eval``: text becomes a small AST, and the AST is evaluated with numpy
over many documents at once.

The same parser, in *painless* mode, serves the ``script_feature`` subset (:mod:`.scripts`): ``return`` and a
trailing ``;``, ``Math.fn(...)``, number suffixes (``1.0f``, ``2L``), ``null`` and ``.get('key')`` accessors.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

Value = Union[float, np.ndarray]


class ExpressionError(ValueError):
    """The expression does not compile (Lucene's ``ParseException``)."""


# --- AST ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    path: tuple[str, ...]  # ("doc", "f", "value") for doc['f'].value; ("a", "b") for a.b

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Null:
    pass


@dataclass(frozen=True)
class Unary:
    op: str
    arg: "Node"


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Cond:
    test: "Node"
    then: "Node"
    other: "Node"


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple["Node", ...]


Node = Union[Num, Var, Null, Unary, Binary, Cond, Call]


def _asinh(a: Value) -> Value:  # org.apache.lucene.util.MathUtil.asinh
    sign = np.where(np.signbit(a), -1.0, 1.0)
    a = np.abs(a)
    return sign * np.log(np.sqrt(a * a + 1.0) + a)


def _atanh(a: Value) -> Value:  # MathUtil.atanh
    mult = np.where(np.signbit(a), -0.5, 0.5)
    a = np.abs(a)
    return mult * np.log((1.0 + a) / (1.0 - a))


FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "abs": (1, np.abs), "acos": (1, np.arccos), "acosh": (1, lambda a: np.log(np.sqrt(a * a - 1.0) + a)),
    "asin": (1, np.arcsin), "asinh": (1, _asinh), "atan": (1, np.arctan), "atan2": (2, np.arctan2),
    "atanh": (1, _atanh), "ceil": (1, np.ceil), "cos": (1, np.cos), "cosh": (1, np.cosh), "exp": (1, np.exp),
    "floor": (1, np.floor), "ln": (1, np.log), "log10": (1, np.log10),
    "logn": (2, lambda base, x: np.log(x) / np.log(base)), "max": (2, np.maximum), "min": (2, np.minimum),
    "pow": (2, np.power), "sin": (1, np.sin), "sinh": (1, np.sinh), "sqrt": (1, np.sqrt), "tan": (1, np.tan),
    "tanh": (1, np.tanh),
}
# java.lang.Math names accepted by the painless subset (``Math.log`` is the natural log there).
PAINLESS_MATH = {"abs", "acos", "asin", "atan", "atan2", "ceil", "cos", "cosh", "exp", "floor", "log",
                 "log10", "max", "min", "pow", "sin", "sinh", "sqrt", "tan", "tanh", "signum", "log1p",
                 "expm1"}
_PAINLESS_EXTRA: dict[str, tuple[int, Callable[..., Value]]] = {
    "log": (1, np.log), "signum": (1, np.sign), "log1p": (1, np.log1p), "expm1": (1, np.expm1)}

# --- lexer --------------------------------------------------------------------------------------------------
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
            arity = (_PAINLESS_EXTRA.get(name) or FUNCTIONS[name])[0]
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


def variables(node: Node) -> list[Var]:
    """Variables in first-appearance order."""
    out: list[Var] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Var):
            if cur not in out:
                out.append(cur)
        elif isinstance(cur, Unary):
            stack.append(cur.arg)
        elif isinstance(cur, Binary):
            stack.extend([cur.right, cur.left])
        elif isinstance(cur, Cond):
            stack.extend([cur.other, cur.then, cur.test])
        elif isinstance(cur, Call):
            stack.extend(reversed(cur.args))
    return out


# --- evaluation ---------------------------------------------------------------------------------------------
def evaluate(node: Node, resolve: Callable[[Var], Value]) -> Value:
    """Evaluate in float64 (Java double semantics); ``resolve`` maps a variable to a scalar or an array."""
    with np.errstate(all="ignore"):
        return _eval(node, resolve)


def _to_long(x: Value) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    clipped = np.clip(np.nan_to_num(arr, nan=0.0), -9.223372036854776e18, 9.223372036854775e18)
    return np.trunc(clipped).astype(np.int64)


def _bool(x: Value) -> Value:
    return np.asarray(x) != 0


def _eval(node: Node, resolve: Callable[[Var], Value]) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Var):
        return resolve(node)
    if isinstance(node, Null):
        return math.nan
    if isinstance(node, Unary):
        x = _eval(node.arg, resolve)
        if node.op == "-":
            return np.negative(x)
        if node.op == "+":
            return x
        if node.op == "!":
            return np.where(np.asarray(x) == 0, 1.0, 0.0)
        return (~_to_long(x)).astype(np.float64)
    if isinstance(node, Cond):
        test = _bool(_eval(node.test, resolve))
        return np.where(test, _eval(node.then, resolve), _eval(node.other, resolve))
    if isinstance(node, Call):
        fn = (_PAINLESS_EXTRA.get(node.fn) or FUNCTIONS[node.fn])[1]
        return fn(*[np.asarray(_eval(a, resolve), dtype=np.float64) for a in node.args])
    left, right = _eval(node.left, resolve), _eval(node.right, resolve)
    return _binary(node.op, left, right)


def _binary(op: str, a: Value, b: Value) -> Value:
    if op == "+":
        return np.add(a, b)
    if op == "-":
        return np.subtract(a, b)
    if op == "*":
        return np.multiply(a, b)
    if op == "/":
        return np.true_divide(a, b)
    if op == "%":
        return np.fmod(a, b)
    if op in ("<", "<=", ">", ">=", "==", "!="):
        fn = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal,
              "!=": np.not_equal}[op]
        return fn(a, b).astype(np.float64)
    if op == "&&":
        return (_bool(a) & _bool(b)).astype(np.float64)
    if op == "||":
        return (_bool(a) | _bool(b)).astype(np.float64)
    la, lb = _to_long(a), _to_long(b)
    if op == "&":
        return (la & lb).astype(np.float64)
    if op == "|":
        return (la | lb).astype(np.float64)
    if op == "^":
        return (la ^ lb).astype(np.float64)
    shift = lb & 63
    if op == "<<":
        return np.left_shift(la, shift).astype(np.float64)
    if op == ">>":
        return np.right_shift(la, shift).astype(np.float64)
    return np.right_shift(la.astype(np.uint64), shift.astype(np.uint64)).astype(np.int64).astype(np.float64)


__all__ = ["ExpressionError", "Node", "Var", "parse", "variables", "evaluate", "FUNCTIONS"]
