"""Hostile requests against a served embedded node: each one's status and error type, as a Markdown table.

Run: ``.venv/bin/python bench/probe_hostile.py``. The node is served in-process on a free loopback port with
default HTTP settings; requests go over raw sockets (some are not valid HTTP). The table goes to
docs/reliability.md; each row also has a regression test under tests/embedded_node/rest/.
"""
from __future__ import annotations

import gzip
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from embedded_node.node import Node  # noqa: E402
from embedded_node.rest.server import make_server  # noqa: E402
from support.http_raw import raw_request  # noqa: E402

J = "application/json"


def http(method: str, path: str, body: bytes | str | dict | list | None = None, headers: dict | None = None,
         raw_headers: bytes = b"") -> bytes:
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else (body or b"")
    head = {"Host": "localhost", "Content-Type": J, **(headers or {})}
    if data and "Transfer-Encoding" not in head:
        head.setdefault("Content-Length", str(len(data)))
    text = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items() if v is not None)
    return text.encode("latin-1") + raw_headers + b"\r\n" + data


CASES: list[tuple[str, bytes]] = [
    ("search `{\"query\":{\"match_all\":1}}`", http("POST", "/items/_search", {"query": {"match_all": 1}})),
    ("search `{\"_source\":{\"excludes\":[1]}}`", http("POST", "/items/_search", {"_source": {"excludes": [1]}})),
    ("`_bulk` action with `\"if_seq_no\":\"x\"`", http("POST", "/_bulk", '{"index":{"_index":"items","_id":"x",'
                                                     '"if_seq_no":"x","if_primary_term":1}}\n{"a":1}\n')),
    ("`_bulk` action with `\"_index\":{}`", http("POST", "/_bulk", '{"index":{"_index":{},"_id":"x"}}\n{"a":1}\n')),
    ("vector `[1,[0],3,4]`", http("PUT", "/items/_doc/2", {"v": [1, [0], 3, 4]})),
    ("alias action with `\"index\":1`", http("POST", "/_aliases", {"actions": [{"add": {"index": 1, "alias": "a"}}]})),
    ("`_msearch` header `{\"index\":5}`", http("POST", "/_msearch", '{"index":5}\n{"query":{"match_all":{}}}\n')),
    ("mapping `{\"type\":[]}`", http("PUT", "/m1", {"mappings": {"properties": {"t": {"type": []}}}})),
    ("float field value `1e300`", http("PUT", "/items/_doc/3", {"price": 1e300})),
    ("`_mget` with `\"docs\":1`", http("POST", "/_mget", {"docs": 1})),
    ("`_cluster/settings` with `\"persistent\":1`", http("PUT", "/_cluster/settings", {"persistent": 1})),
    ("scroll with `\"scroll_id\":[1]`", http("POST", "/_search/scroll", {"scroll_id": [1], "scroll": "1m"})),
    ("`_forcemerge?max_num_segments=x`", http("POST", "/items/_forcemerge?max_num_segments=x")),
    ("`PATCH /items`", http("PATCH", "/items")),
    ("`OPTIONS /items`", http("OPTIONS", "/items")),
    ("30 MB `match` text", http("POST", "/items/_search", {"query": {"match": {"title": "shoe " * 6_000_000}}})),
    ("`match` text of 1,025 words", http("POST", "/items/_search", {"query": {"match": {"title": " ".join(
        f"w{i}" for i in range(1025))}}})),
    ("`bool` nested 40 deep", http("POST", "/items/_search", '{"query":' + '{"bool":{"must":' * 40
                                   + '{"match_all":{}}' + "}}" * 40 + "}")),
    ("JSON nested 3,000 deep", http("POST", "/items/_search", '{"query":' + '{"bool":{"must":[' * 3000
                                    + '{"match_all":{}}' + "]}}" * 3000 + "}")),
    ("`bool` with 1,025 `should` clauses", http("POST", "/items/_search", {"query": {"bool": {"should": [
        {"term": {"title": f"t{i}"}} for i in range(1025)]}}})),
    ("`DELETE /live` (an alias)", http("DELETE", "/live")),
    ("alias name `..`", http("POST", "/_aliases", {"actions": [{"add": {"index": "items", "alias": ".."}}]})),
    ("alias name `a/b`", http("POST", "/_aliases", {"actions": [{"add": {"index": "items", "alias": "a/b"}}]})),
    ("alias name with NUL", http("POST", "/_aliases", {"actions": [{"add": {"index": "items", "alias": "a\0b"}}]})),
    ("mapped field `_id`", http("PUT", "/m2", {"mappings": {"properties": {"_id": {"type": "keyword"}}}})),
    ("mapped field `_source`", http("PUT", "/m3", {"mappings": {"properties": {"_source": {"type": "keyword"}}}})),
    ("document field `_id`", http("PUT", "/items/_doc/4", {"_id": "x"})),
    ("document field `_source`", http("PUT", "/items/_doc/5", {"_source": "x"})),
    ("`Content-Type: text/plain` body", http("POST", "/items/_search", "{}", {"Content-Type": "text/plain"})),
    ("body without `Content-Type`", http("POST", "/items/_search", "{}", {"Content-Type": None})),
    ("cross-site `POST /_aliases remove_index` (text/plain, `Origin: http://evil.example`)", http(
        "POST", "/_aliases", {"actions": [{"remove_index": {"index": "items"}}]},
        {"Content-Type": "text/plain", "Origin": "http://evil.example"})),
    ("`Host: evil.example` (DNS rebinding)", http("GET", "/", headers={"Host": "evil.example:9200"})),
    ("`Content-Length: abc`", http("POST", "/_search", headers={"Content-Length": "abc"}, body=b"{}")),
    ("two different `Content-Length`s", http("POST", "/_search", b"{} ", raw_headers=b"Content-Length: 2\r\n")),
    ("`Content-Length` and `Transfer-Encoding: chunked`", http(
        "POST", "/_search", b"2\r\n{}\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked", "Content-Length": "2"})),
    ("chunk size `zz`", http("POST", "/_search", b"zz\r\n{}\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"})),
    ("non-gzip body sent as gzip", http("POST", "/_search", "{}", {"Content-Encoding": "gzip"})),
    ("1 MiB gzip inflating to 1 GiB", http("POST", "/_search", gzip.compress(b"\0" * (8 << 20), 9) * 128,
                                          {"Content-Encoding": "gzip"})),
    ("`Content-Length: 200000000` (over 100 MB)", http("POST", "/_search", headers={"Content-Length": "200000000"})),
    ("request line `GARBAGE`", b"GARBAGE\r\n\r\n"),
]


def main() -> None:
    node = Node(tempfile.mkdtemp(prefix="mmltr-probe-"))
    node.create_index("items", {"settings": {"index.knn": True}, "mappings": {"properties": {
        "title": {"type": "text"}, "price": {"type": "float"}, "v": {"type": "knn_vector", "dimension": 4}}}})
    node.index_doc("items", "1", None, {"title": "red shoe", "price": 3, "v": [1, 2, 3, 4]}, refresh=True)
    node.update_aliases([{"add": {"index": "items", "alias": "live"}}])
    server = make_server(node, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print("| hostile input | status | error type | time |\n|---|---|---|---|")
    for label, data in CASES:
        started = time.perf_counter()
        status, _, body = raw_request(port, data, timeout=60)
        took = time.perf_counter() - started
        try:
            error = json.loads(body).get("error") if body else None
        except ValueError:
            error = "(not JSON)"
        kind = error.get("type") if isinstance(error, dict) else ("(string) " + error[:40] if error else "")
        print(f"| {label} | {status} | {kind} | {took:.2f} s |")
    print(f"\nindex [items] still there: {'items' in node.indices}")
    server.shutdown()
    server.server_close()
    node.close()


if __name__ == "__main__":
    main()
