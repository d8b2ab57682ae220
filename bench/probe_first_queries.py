"""The fresh-node race of issue 14: first queries of several types on a just-started ``mmltr serve``.

Run: ``.venv/bin/python bench/probe_first_queries.py [--rounds 3] [--clients 20]``. Each round seeds a data
directory with one document, starts ``mmltr serve`` on it in a subprocess, and the moment the port accepts,
``--clients`` threads (released together) each send six searches of different query types. Before the fix, 54 of
120 such queries got 400 "unknown query [multi_match]"; it prints how many of all the queries did not answer 200.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opensearchpy import OpenSearch  # noqa: E402

from embedded_node.node import Node  # noqa: E402

QUERIES = [{"multi_match": {"query": "shoe", "fields": ["title"]}}, {"match": {"title": "shoe"}},
           {"term": {"brand": "acme"}}, {"range": {"price": {"gte": 1}}}, {"bool": {"must": [{"match_all": {}}]}},
           {"function_score": {"query": {"match_all": {}}, "field_value_factor": {"field": "price"}}}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_round(clients: int) -> list[object]:
    data_dir, port = tempfile.mkdtemp(prefix="mmltr-race-"), free_port()
    node = Node(data_dir)
    node.index_doc("items", "1", None, {"title": "red shoe", "brand": "acme", "price": 3}, refresh=True)
    node.close()
    proc = subprocess.Popen([sys.executable, "-m", "plugin_integration", "--data-dir", data_dir, "serve", "--port",
                             str(port)], stderr=subprocess.DEVNULL)
    results: list[object] = []
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                break
            except OSError:
                time.sleep(0.01)
        barrier = threading.Barrier(clients)

        def client() -> None:
            search = OpenSearch(hosts=[f"http://127.0.0.1:{port}"], timeout=60, max_retries=0)
            barrier.wait()
            for query in QUERIES:
                try:
                    search.search(index="items", body={"query": query})
                    results.append(200)
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    results.append(getattr(exc, "status_code", repr(exc)))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        proc.terminate()
        proc.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    failed = total = 0
    for number in range(args.rounds):
        results = one_round(args.clients)
        bad = [r for r in results if r != 200]
        print(f"round {number}: {len(bad)} of {len(results)} not 200 {bad[:5]}")
        failed, total = failed + len(bad), total + len(results)
    print(f"{failed} of {total} first queries failed")


if __name__ == "__main__":
    main()
