"""``ignore_unavailable``, ``allow_no_indices`` and ``expand_wildcards`` on the index APIs (``IndicesOptions``).

OpenSearch resolves an index expression (``IndexNameExpressionResolver``) under three options, each with a
per-API default (``IndicesOptions.strictExpandOpen()`` for get/exists/mapping/settings, the delete-index
request's ``fromOptions(false, true, true, true)``, ``strictExpandOpenAndForbidClosed()`` for refresh):

* ``ignore_unavailable`` (default false): a concrete name that does not exist is skipped instead of a 404
  ``index_not_found_exception`` ("no such index [x]"); ``DELETE /missing?ignore_unavailable=true`` answers
  ``{"acknowledged": true}``;
* ``allow_no_indices`` (default true): when false, a wildcard that matches nothing, or an expression that
  resolves to no index at all, is a 404 ``index_not_found_exception``;
* ``expand_wildcards`` (``open``, ``closed``, ``hidden``, ``none``, ``all``, comma-separated): what a wildcard
  may expand to; ``none`` expands to nothing; an unknown value is a 400 "No valid expand wildcard value [x]".
  The node has no closed indices, so ``closed`` adds nothing. As elsewhere in the node, an index is hidden when
  ``index.hidden`` is true or its name starts with ``.`` (the LTR stores are system indices), and a wildcard that
  itself starts with ``.`` may match it.

The boolean options accept only ``true``/``false`` (and an empty value for true), as OpenSearch's
``RestRequest.paramAsBoolean`` does.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from .. import errors
from .router import RestRequest

_WILDCARD_STATES = {"open": {"open"}, "closed": {"closed"}, "hidden": {"hidden"}, "none": set(),
                    "all": {"open", "closed", "hidden"}}


@dataclass(frozen=True)
class IndicesOptions:
    ignore_unavailable: bool = False
    allow_no_indices: bool = True
    expand: frozenset[str] = frozenset({"open"})
    ignore_aliases: bool = False  # IGNORE_ALIASES: an alias name is refused, wildcards skip aliases (delete index)

    def with_request(self, req: RestRequest) -> "IndicesOptions":
        """These defaults, overridden by the request's ``ignore_unavailable``/``allow_no_indices``/
        ``expand_wildcards`` parameters (``IndicesOptions.fromRequest``)."""
        expand = self.expand
        raw = req.param("expand_wildcards")
        if raw is not None:
            expand = parse_expand_wildcards(str(raw))
        return IndicesOptions(req.flag("ignore_unavailable", self.ignore_unavailable),
                              req.flag("allow_no_indices", self.allow_no_indices), expand, self.ignore_aliases)


STRICT_EXPAND_OPEN = IndicesOptions()
DELETE_INDEX = IndicesOptions(expand=frozenset({"open", "closed"}), ignore_aliases=True)


def parse_expand_wildcards(raw: str) -> frozenset[str]:
    states: set[str] = set()
    for value in (v.strip() for v in raw.split(",")):
        if value not in _WILDCARD_STATES:
            raise errors.illegal_argument(f"No valid expand wildcard value [{value}]")
        states |= _WILDCARD_STATES[value]
    return frozenset(states)


def _is_hidden(name: str, shard: Any) -> bool:
    return name.startswith(".") or str(shard.settings.get("index.hidden", "false")).lower() == "true"


def _expand(node: Any, pattern: str, options: IndicesOptions) -> list[str]:
    if "open" not in options.expand:  # ``none`` (or ``closed`` alone: the node has no closed index)
        return []
    hidden_ok = "hidden" in options.expand or pattern.startswith(".")
    matched = [name for name, shard in node.indices.items()
               if fnmatch.fnmatchcase(name, pattern) and (hidden_ok or not _is_hidden(name, shard))]
    for alias, targets in ({} if options.ignore_aliases else node.aliases).items():
        if fnmatch.fnmatchcase(alias, pattern):
            matched.extend(t for t in targets if t not in matched)
    return matched


def resolve_names(node: Any, expression: str | None, options: IndicesOptions) -> list[str]:
    """Concrete index names for ``expression`` (names, aliases, wildcards, ``-exclusions``, ``_all``)."""
    parts = [p for p in (expression or "").split(",") if p] or ["_all"]
    out: list[str] = []
    for part in parts:
        exclude = part.startswith("-") and bool(out)
        pattern = part[1:] if exclude else part
        if pattern == "_all":
            pattern = "*"
        if "*" in pattern or "?" in pattern:
            matched = _expand(node, pattern, options)
            if not matched and not options.allow_no_indices and not exclude:
                raise errors.index_not_found(pattern)
        elif pattern in node.indices:
            matched = [pattern]
        elif pattern in node.aliases:
            if options.ignore_aliases:
                raise errors.illegal_argument(f"The provided expression [{pattern}] matches an alias, specify the "
                                              "corresponding concrete indices instead.")
            matched = list(node.aliases[pattern])
        elif options.ignore_unavailable or exclude:
            continue
        else:
            raise errors.index_not_found(pattern)
        if exclude:
            out = [n for n in out if n not in matched]
        else:
            out.extend(n for n in matched if n not in out)
    if not out and not options.allow_no_indices:
        raise errors.index_not_found(expression or "_all")
    return out


def resolve(node: Any, expression: str | None, options: IndicesOptions) -> list[Any]:
    return [node.indices[name] for name in resolve_names(node, expression, options)]
