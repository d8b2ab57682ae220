"""REST routing for the embedded node: the same paths, methods and status codes as OpenSearch.

Both doors into the node (the in-process opensearch-py connection and the HTTP server) call
:meth:`Router.dispatch`, so they behave identically. Handlers take a :class:`RestRequest` and return a
:class:`RestResponse`; an :class:`~..errors.EngineError` anywhere becomes OpenSearch's error body.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from .. import errors, jsonutil
from . import filter_path

log = logging.getLogger(__name__)

MAX_CONTENT_LENGTH = 100 * 1024 * 1024  # OpenSearch's http.max_content_length default (100mb)
JSON = "application/json; charset=UTF-8"


@dataclass
class RestRequest:
    method: str
    path: str
    params: dict[str, str]
    body: bytes | None
    path_params: dict[str, str] = field(default_factory=dict)
    node: Any = None

    def json(self, required: bool = False) -> Any:
        if not self.body or not self.body.strip():
            if required:
                raise errors.parsing("request body is required")
            return None
        return jsonutil.loads(self.body)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None:
            return default
        text = str(value).lower()
        if text in ("", "true"):
            return True
        if text == "false":
            return False
        raise errors.illegal_argument(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")


@dataclass
class RestResponse:
    status: int
    body: Any = None  # JSON-able object, or str for text/plain
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers (``Allow``...)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)
        if isinstance(self.body, str):
            return self.body.encode()
        return jsonutil.dumps(self.body)


Handler = Callable[[RestRequest], RestResponse]


@dataclass(frozen=True)
class RestRoute:
    """One route a REST handler serves (``RestHandler.routes()``): method, path template, handler."""

    method: str
    path: str
    handler: Handler


@dataclass
class _Route:
    method: str
    parts: tuple[str, ...]
    handler: Handler

    @property
    def specificity(self) -> tuple[int, int]:
        literals = sum(1 for p in self.parts if not p.startswith("{"))
        return (len(self.parts), literals)


class Router:
    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        parts = tuple(p for p in template.strip("/").split("/") if p)
        self._routes.append(_Route(method.upper(), parts, handler))
        self._routes.sort(key=lambda r: r.specificity, reverse=True)

    def add_routes(self, routes: Iterable[RestRoute]) -> None:
        for route in routes:
            self.add(route.method, route.path, route.handler)

    def route(self, method: str, *templates: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            for template in templates:
                for m in method.split("|"):
                    self.add(m, template, fn)
            return fn

        return deco

    def _match(self, parts: list[str]) -> tuple[list[tuple[_Route, dict[str, str]]], set[str]]:
        found = []
        methods: set[str] = set()
        for route in self._routes:
            if len(route.parts) != len(parts):
                continue
            params: dict[str, str] = {}
            for tpl, seg in zip(route.parts, parts):
                if tpl.startswith("{"):
                    params[tpl[1:-1]] = seg
                elif tpl != seg:
                    break
            else:
                found.append((route, params))
                methods.add(route.method)
        return found, methods

    def dispatch(self, node: Any, method: str, path: str, params: dict[str, Any] | None,
                 body: bytes | None) -> RestResponse:
        method = method.upper()
        params = {k: (v if isinstance(v, str) else _param_str(v)) for k, v in (params or {}).items()}
        try:
            if body is not None and len(body) > MAX_CONTENT_LENGTH:
                raise errors.content_too_long(len(body), MAX_CONTENT_LENGTH)
            raw_parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
            parts = [unquote(p) for p in raw_parts]
            candidates, methods = self._match(parts)
            lookup = "GET" if method == "HEAD" else method
            chosen = next(((r, p) for r, p in candidates if r.method == method), None) or \
                next(((r, p) for r, p in candidates if r.method == lookup), None)
            if chosen is None:
                if method == "OPTIONS":  # RestController.handleOptionsRequest: 200, empty, the valid methods
                    return RestResponse(200, "", "text/plain; charset=UTF-8", {"Allow": _allow(methods)})
                if methods:  # RestController.handleUnsupportedHttpMethod: a simple error body and Allow
                    return RestResponse(405, {"error": errors.method_not_allowed(method, path, _allowed(methods))
                                              .reason, "status": 405}, headers={"Allow": _allow(methods)})
                raise errors.no_handler(method, path)
            route, path_params = chosen
            request = RestRequest(method, path, params, body, path_params, node)
            response = route.handler(request)
        except errors.EngineError as exc:
            response = RestResponse(exc.status, exc.to_body())
        except RecursionError:
            err = errors.EngineError("x_content_parse_exception", "request is nested too deeply", 400)
            response = RestResponse(400, err.to_body())
        except Exception as exc:  # never a bare traceback to the client: an OpenSearch-shaped 500
            log.exception("unhandled error for %s %s", method, path)
            err = errors.EngineError("exception", f"internal error in the embedded node: {type(exc).__name__}: {exc}",
                                     500)
            response = RestResponse(500, err.to_body())
        response = filter_path.apply(response, params.get("filter_path"))
        if method == "HEAD":
            response = RestResponse(response.status, None, response.content_type)
        response.headers.update(getattr(getattr(node, "profile", None), "headers", None) or {})  # X-Elastic-Product
        return response


def _allowed(methods: set[str]) -> list[str]:
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


def _allow(methods: set[str]) -> str:
    return ",".join(_allowed(methods))


def _param_str(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def ok(body: Any = None, status: int = 200) -> RestResponse:
    return RestResponse(status, body if body is not None else {"acknowledged": True})


def acknowledged(**extra: Any) -> RestResponse:
    return RestResponse(200, {"acknowledged": True, **extra})
