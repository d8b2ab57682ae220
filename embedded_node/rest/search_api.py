"""``_search``, ``_msearch`` and ``_count``."""
from __future__ import annotations

import time
from typing import Any

from .. import errors, jsonutil
from ..search import executor
from ..search import scroll as scrolls
from .collector import gc_paused
from .router import RestRequest, RestResponse, Router, ok

_MSEARCH_HEADER = {"index", "indices", "search_type", "preference", "routing", "request_cache",
                   "allow_no_indices", "ignore_unavailable", "expand_wildcards", "allow_partial_search_results",
                   "ccs_minimize_roundtrips", "cancel_after_time_interval", "phase_took"}


def register(router: Router) -> None:
    for method in ("GET", "POST"):
        router.add(method, "/_search", search)
        router.add(method, "/{index}/_search", search)
        router.add(method, "/_msearch", msearch)
        router.add(method, "/{index}/_msearch", msearch)
        router.add(method, "/_count", count)
        router.add(method, "/_search/scroll", scroll)
        router.add(method, "/_search/scroll/{scroll_id}", scroll)
        router.add(method, "/{index}/_count", count)
    router.add("DELETE", "/_search/scroll", clear_scroll)
    router.add("DELETE", "/_search/scroll/{scroll_id}", clear_scroll)


def search(req: RestRequest) -> RestResponse:
    return ok(executor.search(req.node, req.path_params.get("index"), req.json(), req.params))


def count(req: RestRequest) -> RestResponse:
    return ok(executor.count(req.node, req.path_params.get("index"), req.json(), req.params))


def msearch(req: RestRequest) -> RestResponse:
    # The response is encoded inside the pause: were the collector re-enabled while the parsed responses (one
    # log entry per feature per hit) are still alive, its next collection would walk all of them (~7 % of
    # feature logging).
    with gc_paused():
        return RestResponse(200, jsonutil.dumps(_msearch(req)))


def _msearch(req: RestRequest) -> dict[str, Any]:
    started = time.perf_counter()
    lines = [line for line in (req.body or b"").split(b"\n") if line.strip()]
    if not lines:
        raise errors.action_validation("no requests added")
    if len(lines) % 2:
        raise errors.illegal_argument("The msearch request must be terminated by a newline [\\n]")
    responses: list[dict[str, Any]] = []
    for i in range(0, len(lines), 2):
        header = jsonutil.loads(lines[i])
        if not isinstance(header, dict):
            raise errors.parsing(f"msearch header at line [{i + 1}] must be an object")
        unknown = set(header) - _MSEARCH_HEADER
        if unknown:
            raise errors.illegal_argument(f"key [{sorted(unknown)[0]}] is not supported in the metadata section")
        index = header.get("index", header.get("indices", req.path_params.get("index")))
        if index is not None and not isinstance(index, str):
            index = _header_indices(index)
        params = {k: str(v) for k, v in header.items() if k not in ("index", "indices")}
        for key in ("rest_total_hits_as_int", "typed_keys"):
            if key in req.params:
                params[key] = req.params[key]
        try:
            body = jsonutil.loads(lines[i + 1])
            result = executor.search(req.node, index, body, params)
            result["status"] = 200
            responses.append(result)
        except errors.EngineError as exc:
            responses.append({**exc.to_body()})
    return {"took": int((time.perf_counter() - started) * 1000), "responses": responses}


def _header_indices(value: Any) -> str:
    """``XContentMapValues.nodeStringArrayValue``: a scalar is its text (``5`` names index ``5``), a list its
    items' texts; an object is refused (OpenSearch would make an index name of its ``toString``)."""
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, (dict, list)) for v in items):
        raise errors.EngineError("x_content_parse_exception",
                                 f"[index] must be a string or an array of strings, found [{value}]", 400)
    return ",".join(("true" if v else "false") if isinstance(v, bool) else str(v) for v in items)


def scroll(req: RestRequest) -> RestResponse:
    body = req.json() or {}
    if not isinstance(body, dict):
        raise errors.parsing("scroll request body must be an object")
    scroll_id = req.path_params.get("scroll_id") or body.get("scroll_id") or req.param("scroll_id")
    if scroll_id is not None and not isinstance(scroll_id, str):
        raise errors.parsing(f"[scroll_id] must be a string, found [{scroll_id}]")
    if not scroll_id:
        raise errors.action_validation("scrollId is missing")
    return ok(scrolls.continue_scroll(req.node, scroll_id, body.get("scroll") or req.param("scroll")))


def clear_scroll(req: RestRequest) -> RestResponse:
    body = req.json() or {}
    if not isinstance(body, dict):
        raise errors.parsing("clear scroll request body must be an object")
    ids = req.path_params.get("scroll_id") or body.get("scroll_id")
    if isinstance(ids, str):
        ids = ids.split(",")
    elif ids is not None:
        ids = jsonutil.string_list(ids, "scroll_id")
    return ok(scrolls.clear_scroll(req.node, ids))
