"""The grammar of the painless subset the Elasticsearch distribution evaluates (parsed with pyparsing).

A script is statements separated by ``;``: local declarations (``double x = <expr>;``, also ``float``, ``def``,
``int``, ``long``), then a final ``return <expr>`` or a bare expression. Expressions: numbers, ``true``/``false``,
``params.x`` / ``params['x']``, locals, ``( )``, unary ``- !``, ``* / %``, ``+ -``, comparisons, ``== !=``,
``&& ||``, the ternary ``?:``, ``Math.<fn>(...)``, the vector functions ``cosineSimilarity``, ``dotProduct``,
``l1norm``, ``l2norm`` (query vector from ``params``, field as a string, ``doc['f']`` or ``params.field``), and
``doc['f'].size()`` / ``doc['f'].isEmpty()`` / ``doc['f'].value`` (numeric fields). The result is an AST of tuples
that :mod:`.painless` evaluates, vectorized over documents and without ``eval``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyparsing as pp

pp.ParserElement.enable_packrat()

VECTOR_FUNCTIONS = ("cosineSimilarity", "dotProduct", "l1norm", "l2norm")
DECL_TYPES = ("double", "float", "def", "int", "long")

Node = tuple[Any, ...]


class PainlessSyntaxError(ValueError):
    """A script outside the subset: the message says where and what is accepted."""


def _binary(tokens: pp.ParseResults) -> Node:
    items = list(tokens[0])
    node = items[0]
    for i in range(1, len(items), 2):
        node = ("bin", items[i], node, items[i + 1])
    return node


def _unary(tokens: pp.ParseResults) -> Node:
    items = list(tokens[0])
    node = items[-1]
    for op in reversed(items[:-1]):
        node = ("un", op, node)
    return node


def _ternary(tokens: pp.ParseResults) -> Node:
    """pyparsing groups ``c ? a : b ? d : e`` as ``[c, '?', a, ':', b, '?', d, ':', e]``; nest to the right."""
    return _right_nest(list(tokens[0]))


def _right_nest(items: list[Any]) -> Node:
    if len(items) == 1:
        return items[0]
    return ("cond", items[0], items[2], _right_nest(items[4:]))


def _clean(node: Any) -> Any:
    """Unwrap the one-element ``ParseResults`` pyparsing leaves around a parse action's tuple."""
    while isinstance(node, pp.ParseResults) and len(node) == 1:
        node = node[0]
    if isinstance(node, (tuple, pp.ParseResults)):
        return tuple(_clean(child) for child in node)
    return node


def _grammar() -> pp.ParserElement:
    LP, RP, LB, RB, DOT, COMMA, SEMI = map(pp.Suppress, "()[].,;")
    number = pp.Regex(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fFdDlL]?").set_parse_action(
        lambda t: ("num", float(t[0].rstrip("fFdDlL"))))
    string = (pp.QuotedString("'", esc_char="\\") | pp.QuotedString('"', esc_char="\\")).set_parse_action(
        lambda t: ("str", t[0]))
    ident = pp.Word(pp.alphas + "_", pp.alphanums + "_")
    keyword = pp.Keyword
    boolean = (keyword("true") | keyword("false")).set_parse_action(lambda t: ("num", 1.0 if t[0] == "true" else 0.0))
    param = (keyword("params") + ((DOT + ident) | (LB + string + RB))).set_parse_action(
        lambda t: ("param", t[1] if isinstance(t[1], str) else t[1][1]))
    field_ref = string | param
    doc = (keyword("doc") + LB + field_ref + RB).set_parse_action(lambda t: t[1])
    doc_fn = (doc + DOT + (keyword("size") | keyword("isEmpty")) + LP + RP).set_parse_action(
        lambda t: ("docfn", t[0], t[1]))
    doc_value = (doc + DOT + keyword("value")).set_parse_action(lambda t: ("docvalue", t[0]))
    expr = pp.Forward()
    vector_fn = (pp.one_of(VECTOR_FUNCTIONS, as_keyword=True) + LP + expr + COMMA + (doc | field_ref) + RP
                 ).set_parse_action(lambda t: ("vec", t[0], t[1], t[2]))
    math_fn = (keyword("Math") + DOT + ident + LP + pp.Group(pp.Opt(pp.DelimitedList(expr))) + RP
               ).set_parse_action(lambda t: ("math", t[1], tuple(t[2])))
    local = ident.copy().set_parse_action(lambda t: ("local", t[0]))
    atom = (number | boolean | vector_fn | math_fn | doc_fn | doc_value | param | (LP + expr + RP) | local)
    expr <<= pp.infix_notation(atom, [
        (pp.one_of("- !"), 1, pp.OpAssoc.RIGHT, _unary),
        (pp.one_of("* / %"), 2, pp.OpAssoc.LEFT, _binary),
        (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT, _binary),
        (pp.one_of("<= >= < >"), 2, pp.OpAssoc.LEFT, _binary),
        (pp.one_of("== !="), 2, pp.OpAssoc.LEFT, _binary),
        (pp.Literal("&&"), 2, pp.OpAssoc.LEFT, _binary),
        (pp.Literal("||"), 2, pp.OpAssoc.LEFT, _binary),
        ((pp.Literal("?"), pp.Literal(":")), 3, pp.OpAssoc.RIGHT, _ternary),
    ])
    decl = (pp.one_of(DECL_TYPES, as_keyword=True).suppress() + ident + pp.Suppress("=") + expr + SEMI
            ).set_parse_action(lambda t: ("let", t[0], t[1]))
    final = (pp.Opt(keyword("return")).suppress() + expr + pp.Opt(SEMI)).set_parse_action(lambda t: ("ret", t[0]))
    return pp.Group(pp.ZeroOrMore(decl)) + final + pp.StringEnd()


_GRAMMAR = _grammar()


@lru_cache(maxsize=512)
def parse(source: str) -> tuple[tuple[Node, ...], Node]:
    """``(declarations, result expression)`` of ``source``; :class:`PainlessSyntaxError` outside the subset."""
    try:
        decls, final = _GRAMMAR.parse_string(source, parse_all=True)
    except pp.ParseBaseException as exc:
        raise PainlessSyntaxError(f"unexpected input at position {exc.loc} (line {exc.lineno}, column {exc.col}): "
                                  f"{exc.line!r}") from None
    return tuple(_clean(d) for d in decls), _clean(final[1])
