"""A small runner for the LTR plugin's REST YAML conformance cases (``fstore/*.yml``), ported to Python.

The plugin's suite (o19s/elasticsearch-learning-to-rank ``src/yamlRestTest/resources/rest-api-spec/test/fstore``
and ``src/test/resources/rest-api-spec/test/fstore``; the OpenSearch fork runs the same cases from
``src/javaRestTest`` with ``allowed_warnings`` for the system index) is a list of ``do`` steps (an API call, with
an optional ``catch``; path parts are URL-encoded as the YAML runner encodes them) followed by assertions (``match``, ``is_true``, ``is_false``, ``length``, ``gt``, ``gte``).
This module maps the suite's API names to paths (the plugin's ``rest-api-spec/api/ltr.*.json``) and runs the
steps through opensearch-py's transport, so a case reads almost line for line like the YAML it came from.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from opensearchpy import OpenSearch, TransportError

_STORE_APIS: dict[str, tuple[str, str]] = {
    # name: (method, path after /_ltr[/{store}])
    "create_store": ("PUT", ""), "delete_store": ("DELETE", ""), "get_store": ("GET", ""),
    "create_feature": ("PUT", "/_feature/{name}"), "update_feature": ("POST", "/_feature/{name}"),
    "get_feature": ("GET", "/_feature/{name}"), "delete_feature": ("DELETE", "/_feature/{name}"),
    "list_feature": ("GET", "/_feature"),
    "create_featureset": ("PUT", "/_featureset/{name}"), "update_featureset": ("POST", "/_featureset/{name}"),
    "get_featureset": ("GET", "/_featureset/{name}"), "delete_featureset": ("DELETE", "/_featureset/{name}"),
    "list_featureset": ("GET", "/_featureset"),
    "create_model": ("PUT", "/_model/{name}"), "update_model": ("POST", "/_model/{name}"),
    "get_model": ("GET", "/_model/{name}"), "delete_model": ("DELETE", "/_model/{name}"),
    "list_model": ("GET", "/_model"),
    "add_features_to_set": ("POST", "/_featureset/{name}/_addfeatures"),
    "create_model_from_set": ("POST", "/_featureset/{name}/_createmodel"),
}
_CATCH_STATUS = {"missing": 404, "bad_request": 400, "conflict": 409, "forbidden": 403}


class Steps:
    """Runs ``do`` steps and keeps the last response body for the assertions that follow."""

    def __init__(self, client: OpenSearch) -> None:
        self.client = client
        self.last: Any = None

    # -- do --------------------------------------------------------------------------------------------------
    def do(self, api: str, catch: str | None = None, body: Any = None, **args: Any) -> Any:
        method, path, params = self._resolve(api, dict(args))
        try:
            result = self.client.transport.perform_request(method, path, params=params or None, body=body)
        except TransportError as exc:
            if catch is None:
                raise
            status = exc.status_code if isinstance(exc.status_code, int) else 500
            self.last = exc.info
            if catch in _CATCH_STATUS:
                assert status == _CATCH_STATUS[catch], (api, status, exc.info)
            else:
                assert catch.startswith("/") and catch.endswith("/"), catch
                text = exc.info if isinstance(exc.info, str) else repr(exc.info)
                assert re.search(catch[1:-1], str(text)), (catch, exc.info)
            return exc.info
        assert catch is None, f"{api} was expected to fail with {catch}, got {result}"
        self.last = result
        return result

    def _resolve(self, api: str, args: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        if api.startswith("ltr."):
            name = api[4:]
            if name == "list_stores":
                return "GET", "/_ltr", args
            if name == "cache_stats":
                return "GET", "/_ltr/_cachestats", args
            if name == "get_stats":
                stat = args.pop("stat", None)
                return "GET", "/_plugins/_ltr/stats" + (f"/{stat}" if stat else ""), args
            method, tail = _STORE_APIS[name]
            store = args.pop("store", None)
            base = "/_ltr" + (f"/{quote(store, safe='')}" if store else "")
            if "{name}" in tail:
                tail = tail.replace("{name}", quote(args.pop("name"), safe=""))
            if name == "add_features_to_set" and "query" in args:
                tail += "/" + quote(args.pop("query"), safe="*")
            return method, base + tail, args
        if api == "indices.exists":
            return "HEAD", "/" + args.pop("index"), args
        if api == "indices.create":
            return "PUT", "/" + args.pop("index"), args
        if api == "indices.delete":
            return "DELETE", "/" + args.pop("index"), args
        if api == "indices.refresh":
            return "POST", "/" + (args.pop("index", "") + "/_refresh").lstrip("/"), args
        if api == "index":
            index, doc_id = args.pop("index"), args.pop("id")
            args.pop("type", None)
            return "PUT", f"/{index}/_doc/{doc_id}", args
        if api == "search":
            return "POST", f"/{args.pop('index')}/_search", args
        raise KeyError(api)

    # -- assertions ------------------------------------------------------------------------------------------
    def value(self, path: str) -> Any:
        """A dotted path into the last response (``hits.hits.0._id``); ``''`` is the whole response."""
        current = self.last
        if path == "":
            return current
        for part in path.split("."):
            if isinstance(current, list):
                current = current[int(part)]
            else:
                current = current[part]
        return current

    def match(self, path: str, expected: Any) -> None:
        actual = self.value(path)
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"

    def length(self, path: str, expected: int) -> None:
        assert len(self.value(path)) == expected, (path, self.value(path))

    def is_true(self, path: str) -> None:
        assert self.value(path), path
