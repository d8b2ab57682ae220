"""Scroll contexts: ``?scroll=1m`` keeps a search's ordered hits so ``/_search/scroll`` can page through them.

The context pins the segments (and live-docs arrays) the search saw, like OpenSearch's scroll keeps its reader
open, so later writes do not shift pages. Contexts expire after their keep-alive.
"""
from __future__ import annotations

import base64
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import errors
from ..settings import parse_interval
from .response import build_response

if TYPE_CHECKING:
    from ..node import Node
    from .request import SearchRequest

MAX_OPEN = 500


@dataclass
class ScrollContext:
    rows: list
    results: list
    request: "SearchRequest"
    position: int
    expires: float


_LOCK = threading.Lock()


def _contexts(node: "Node") -> dict[str, ScrollContext]:
    return node.extensions.setdefault("scrolls", {})


def _expire(node: "Node") -> None:
    now = time.time()
    scrolls = _contexts(node)
    for key in [k for k, v in scrolls.items() if v.expires < now]:
        del scrolls[key]


def open_scroll(node: "Node", rows: list, request: "SearchRequest", keep_alive: str) -> tuple[str, list]:
    seconds = parse_interval(keep_alive, "scroll")
    with _LOCK:
        _expire(node)
        if len(_contexts(node)) >= MAX_OPEN:
            raise errors.EngineError("search_context_missing_exception" if False else "illegal_argument_exception",
                                     f"Trying to create too many scroll contexts. Must be less than or equal to: "
                                     f"[{MAX_OPEN}].", 400)
        scroll_id = base64.urlsafe_b64encode(os.urandom(18)).decode()
        results = list({id(r): r for r, _ in rows}.values())
        _contexts(node)[scroll_id] = ScrollContext(rows, results, request, request.size, time.time() + seconds)
    return scroll_id, rows[:request.size]


def continue_scroll(node: "Node", scroll_id: str, keep_alive: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    with _LOCK:
        _expire(node)
        ctx = _contexts(node).get(scroll_id)
        if ctx is None:
            raise errors.EngineError("search_context_missing_exception",
                                     f"No search context found for id [{scroll_id}]", 404)
        page = ctx.rows[ctx.position:ctx.position + ctx.request.size]
        ctx.position += len(page)
        if keep_alive:
            ctx.expires = time.time() + parse_interval(keep_alive, "scroll")
    response = build_response(node, ctx.results, page, ctx.request, len(ctx.results), started)
    response["_scroll_id"] = scroll_id
    return response


def clear_scroll(node: "Node", scroll_ids: list[str] | None) -> dict[str, Any]:
    with _LOCK:
        scrolls = _contexts(node)
        if scroll_ids is None or scroll_ids == ["_all"]:
            freed = len(scrolls)
            scrolls.clear()
        else:
            freed = sum(1 for sid in scroll_ids if scrolls.pop(sid, None) is not None)
    return {"succeeded": True, "num_freed": freed}
