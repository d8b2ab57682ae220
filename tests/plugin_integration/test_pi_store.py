"""Feature stores: idempotent ensure/drop, and the list parsed from ``GET /_ltr``."""
from __future__ import annotations

from typing import Any

import pytest
from pi_recording import Responder

from plugin_integration import store as S
from plugin_integration.errors import ClusterError

LISTED = {"stores": {"_default_": {"store": "_default_", "index": ".ltrstore", "version": 2,
                                   "counts": {"feature": 0, "featureset": 1, "model": 3}}}}
NOT_FOUND = (404, {"error": {"type": "index_not_found_exception", "reason": "no such index [.ltrstore_x]"},
                   "status": 404})


def test_list_stores(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr", (200, LISTED))
    (info,) = S.list_stores(any_client)
    assert (info.name, info.index, info.is_default, info.counts["model"]) == ("_default_", ".ltrstore", True, 3)


def test_ensure_default_store_creates_once(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr", (200, {"stores": {}}))
    assert S.ensure_store(any_client) is True
    assert (responder.last.method, responder.last.path) == ("PUT", "/_ltr")
    responder.on("GET", "/_ltr", (200, LISTED))
    assert S.ensure_store(any_client) is False
    assert responder.last.method == "GET"


def test_ensure_named_store(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr/x", NOT_FOUND)
    assert S.ensure_store(any_client, "x") is True
    assert (responder.last.method, responder.last.path) == ("PUT", "/_ltr/x")


def test_ensure_tolerates_a_concurrent_create(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr/x", NOT_FOUND)
    responder.on("PUT", "/_ltr/x", (400, {"error": {"type": "resource_already_exists_exception",
                                                    "reason": "index [.ltrstore_x/abc] already exists"},
                                          "status": 400}))
    assert S.ensure_store(any_client, "x") is False


def test_drop_is_idempotent(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr/x", NOT_FOUND)
    assert S.drop_store(any_client, "x") is False
    assert all(c.method == "GET" for c in responder.calls)
    responder.on("GET", "/_ltr/x", (200, {"exists": True}))
    assert S.drop_store(any_client, "x") is True
    assert (responder.last.method, responder.last.path) == ("DELETE", "/_ltr/x")


def test_other_errors_propagate(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/_ltr/x", (403, {"error": {"type": "security_exception", "reason": "no ltr privilege"},
                                          "status": 403}))
    with pytest.raises(ClusterError, match="no ltr privilege"):
        S.ensure_store(any_client, "x")
