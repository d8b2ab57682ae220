"""Recording transports for golden request tests: the real clients, no cluster.

``RecordingConnection`` is an opensearch-py ``Connection``; ``recording_es_node`` makes an elastic_transport
``BaseNode`` class for the ``elasticsearch`` client. Both record (method, path, params, body) and answer from a
``Responder``: canned (status, body) per (method, path), or a default. The clients' own serialisation, URL
building and error mapping all run, so the tests see exactly what would go over the wire.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple
from urllib.parse import parse_qsl

from opensearchpy import Connection, OpenSearch
from support.paths import GOLDEN

GOLDEN_DIR = GOLDEN


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    body: Any

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "params": self.params, "body": self.body}


Answer = tuple[int, Any]


@dataclass
class Responder:
    """Canned answers keyed by (METHOD, path); a callable answer gets the :class:`Call`."""

    routes: dict[tuple[str, str], Answer | Callable[[Call], Answer]] = field(default_factory=dict)
    default: Answer = (200, {"acknowledged": True})
    calls: list[Call] = field(default_factory=list)

    def on(self, method: str, path: str, answer: Answer | Callable[[Call], Answer]) -> Responder:
        self.routes[(method.upper(), path)] = answer
        return self

    def answer(self, call: Call) -> Answer:
        self.calls.append(call)
        found = self.routes.get((call.method, call.path), self.default)
        return found(call) if callable(found) else found

    @property
    def last(self) -> Call:
        return self.calls[-1]


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else str(value)


def _decode(body: Any) -> Any:
    if body is None:
        return None
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
    if not text.strip():
        return None
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > 1 or text.endswith("\n"):  # ndjson (_msearch, _bulk)
        return [json.loads(line) for line in lines]
    return json.loads(text)


class RecordingConnection(Connection):
    def __init__(self, host: str = "localhost", port: int | None = 9200, responder: Responder | None = None,
                 **kwargs: Any) -> None:
        super().__init__(host=host, port=port)
        self.responder = responder or Responder()

    def perform_request(self, method: str, url: str, params: Any = None, body: Any = None, timeout: Any = None,
                        ignore: Any = (), headers: Any = None) -> Any:
        call = Call(method.upper(), url, {k: _text(v) for k, v in (params or {}).items()}, _decode(body))
        status, answer = self.responder.answer(call)
        raw = answer if isinstance(answer, str) else json.dumps(answer)
        if not (200 <= status < 300) and status not in ignore:
            self._raise_error(status, raw, "application/json")
        return status, {"content-type": "application/json"}, raw


def opensearch_client(responder: Responder) -> OpenSearch:
    return OpenSearch(hosts=[{"host": "localhost", "port": 9200}], connection_class=RecordingConnection,
                      responder=responder)


class _NodeResponse(NamedTuple):
    """What an elastic_transport node returns: response meta and the raw body."""

    meta: Any
    body: bytes


def elasticsearch_client(responder: Responder) -> Any:
    from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
    from elasticsearch import Elasticsearch

    class RecordingNode(BaseNode):
        def perform_request(self, method: str, target: str, body: Any = None, headers: Any = None,
                            request_timeout: Any = None) -> _NodeResponse:
            path, _, query = target.partition("?")
            call = Call(method.upper(), path, dict(parse_qsl(query)), _decode(body))
            status, answer = responder.answer(call)
            meta = ApiResponseMeta(status=status, http_version="1.1", duration=0.0, node=self.config,
                                   headers=HttpHeaders({"x-elastic-product": "Elasticsearch",
                                                        "content-type": "application/json"}))
            return _NodeResponse(meta, json.dumps(answer).encode())

    return Elasticsearch(hosts=["http://localhost:9200"], node_class=RecordingNode, max_retries=0)


def assert_golden(name: str, actual: Any) -> None:
    """Compare ``actual`` with ``tests/golden/<name>``; ``MMLTR_UPDATE_GOLDEN=1`` rewrites the file."""
    path = GOLDEN_DIR / name
    text = json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("MMLTR_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} is missing; run with MMLTR_UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(text) == expected, f"request differs from {path}"
