"""A stand-in for the saved-objects HTTP API of OpenSearch Dashboards / Kibana, for the install tests.

Our machines cannot run Dashboards or Kibana. This server keeps what the install path relies on, as the
products document it: ``GET /api/status`` answers with the product's name header (``osd-name`` /
``kbn-name``); every POST without the product's XSRF header is refused with 400; ``_bulk_get`` answers each
missing object with a 404 error entry; ``_import`` takes the NDJSON as the multipart field ``file``, refuses a
conflicting id unless ``overwrite=true``, reports references that resolve neither in the file nor in the
store as ``missing_references``; basic auth, when configured, answers 401 without it. It is a test double of
an HTTP API, not of the cluster (cluster behaviour is always tested on the embedded node).
"""
from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Standin:
    product: str  # "opensearch" or "kibana"
    credentials: tuple[str, str] | None = None
    store: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    @property
    def xsrf(self) -> str:
        return "osd-xsrf" if self.product == "opensearch" else "kbn-xsrf"

    @property
    def name_header(self) -> str:
        return "osd-name" if self.product == "opensearch" else "kbn-name"


def _handler(state: Standin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header(state.name_header, "standin")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if state.credentials is None:
                return True
            expected = "Basic " + base64.b64encode(":".join(state.credentials).encode()).decode()
            if self.headers.get("authorization") == expected:
                return True
            self._send(401, {"statusCode": 401, "error": "Unauthorized", "message": "Unauthorized"})
            return False

        def do_GET(self) -> None:  # noqa: N802
            state.requests.append(("GET", self.path, dict(self.headers)))
            if not self._authorised():
                return
            if urlparse(self.path).path == "/api/status":
                self._send(200, {"name": "standin", "version": {"number": "2.19.2"},
                                 "status": {"overall": {"state": "green"}}})
            else:
                self._send(404, {"statusCode": 404, "error": "Not Found"})

        def do_POST(self) -> None:  # noqa: N802
            state.requests.append(("POST", self.path, dict(self.headers)))
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if not self._authorised():
                return
            if self.headers.get(state.xsrf) is None:
                article = "the" if state.product == "opensearch" else "a"  # each product's own wording
                self._send(400, {"statusCode": 400, "error": "Bad Request",
                                 "message": f"Request must contain {article} {state.xsrf} header."})
                return
            url = urlparse(self.path)
            if url.path == "/api/saved_objects/_bulk_get":
                out = []
                for wanted in json.loads(body):
                    key = (wanted["type"], wanted["id"])
                    out.append(state.store.get(key) or {**wanted, "error": {"statusCode": 404, "error": "Not Found"}})
                self._send(200, {"saved_objects": out})
            elif url.path == "/api/saved_objects/_import":
                overwrite = parse_qs(url.query).get("overwrite") == ["true"]
                self._import(body, overwrite)
            else:
                self._send(404, {"statusCode": 404, "error": "Not Found"})

        def _import(self, body: bytes, overwrite: bool) -> None:
            head = f"content-type: {self.headers['content-type']}\r\n\r\n".encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
            files = [p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file"]
            if len(files) != 1:
                self._send(400, {"statusCode": 400, "error": "Bad Request", "message": "[file]: expected a file"})
                return
            objects = [json.loads(line) for line in files[0].get_payload(decode=True).decode().splitlines() if line]
            in_file = {(o["type"], o["id"]) for o in objects}
            errors, done = [], []
            for o in objects:
                key = (o["type"], o["id"])
                missing = [r for r in o.get("references", [])
                           if (r["type"], r["id"]) not in in_file and (r["type"], r["id"]) not in state.store]
                if missing:
                    errors.append({"type": o["type"], "id": o["id"], "error": {
                        "type": "missing_references", "references": [{"type": r["type"], "id": r["id"]} for r in missing]}})
                elif key in state.store and not overwrite:
                    errors.append({"type": o["type"], "id": o["id"], "error": {"type": "conflict"}})
                else:
                    done.append(o)
            for o in done:
                state.store[(o["type"], o["id"])] = o
            self._send(200, {"success": not errors, "successCount": len(done), "errors": errors,
                             "successResults": [{"type": o["type"], "id": o["id"]} for o in done]})

    return Handler


def start(state: Standin) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread
