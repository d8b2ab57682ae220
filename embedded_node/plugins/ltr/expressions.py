"""Lucene expressions (``derived_expression`` features): the AST, the function set and vectorized evaluation.

The plugin compiles a derived feature's template with Lucene's ``JavascriptCompiler``
(``PrecompiledExpressionFeature``) and evaluates it per document in double precision over the other features'
values and numeric query params; the result is cast to float. This package reproduces Lucene's grammar
(``Javascript.g4``, parsed by :mod:`.expression_parser`): numbers (decimal, ``0x`` hex, ``0`` octal),
variables (``a``, ``a.b``, ``doc['f'].value``), ``+ - * / %``, unary ``- + ! ~``, comparisons, ``&& ||``,
bitwise ``& | ^ << >> >>>`` (on Java ``long``), the ternary ``?:``, and Lucene's function set (``abs acos
acosh asin asinh atan atan2 atanh ceil cos cosh exp floor ln log10 logn max min pow sin sinh sqrt tan tanh``;
note Lucene has ``ln``, not ``log``). Nothing is ever passed to ``eval``: text becomes a small AST, and the
AST is evaluated with numpy over many documents at once.

The same parser, in *painless* mode, serves the ``script_feature`` subset (:mod:`.scripts`): ``return`` and a
trailing ``;``, ``Math.fn(...)``, number suffixes (``1.0f``, ``2L``), ``null`` and ``.get('key')`` accessors.
"""
from __future__ import annotations

import math
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
PAINLESS_EXTRA: dict[str, tuple[int, Callable[..., Value]]] = {
    "log": (1, np.log), "signum": (1, np.sign), "log1p": (1, np.log1p), "expm1": (1, np.expm1)}


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
        fn = (PAINLESS_EXTRA.get(node.fn) or FUNCTIONS[node.fn])[1]
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


