"""Soak: the embedded node served over HTTP under a steady mixed load from a second process, for minutes.

Run: ``.venv/bin/python bench/bench_soak.py [--seconds 180] [--threads 16] [--docs 5000]``.

The node runs in a child process (``--serve DIR PORT``: the same ``make_server`` as ``mmltr serve``, default
HTTP settings). This process builds a small world through opensearch-py (``--docs`` products with title,
description, brand, popularity and a 16-d vector; an LTR featureset of four features; a 50-tree xgboost model),
then runs ``--threads`` client threads for ``--seconds``, each a fixed role, round-robin over:

- search (half the threads): ``multi_match`` first stage, ``sltr`` rescore over the top 100;
- bulk: 50 partial ``update`` actions (a new popularity), ``refresh=false``;
- logging: ``sltr`` in a bool filter on 20 ids with ``ext.ltr_log`` (feature logging, as mmltr does it).

It prints per operation: count, errors (any non-2xx, timeout or connection error), p50/p99 latency; requests/s;
the server's RSS (``/proc/<pid>/status``) every 10 s. A test never asserts on these; they go to
docs/reliability.md with the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opensearchpy import OpenSearch  # noqa: E402

INDEX = "products"
WORDS = ("red", "blue", "green", "shoe", "boot", "jacket", "shirt", "lamp", "chair", "table", "phone", "case",
         "cable", "leather", "wool", "cotton", "steel", "light", "heavy", "small", "large", "pro", "mini", "max")
BRANDS = ("acme", "globex", "initech", "umbrella", "hooli")
FEATURES = [
    {"name": "title_bm25", "params": ["keywords"], "template_language": "mustache",
     "template": {"match": {"title": "{{keywords}}"}}},
    {"name": "description_bm25", "params": ["keywords"], "template_language": "mustache",
     "template": {"match": {"description": "{{keywords}}"}}},
    {"name": "popularity", "params": [], "template_language": "mustache",
     "template": {"function_score": {"query": {"match_all": {}}, "field_value_factor": {
         "field": "popularity", "modifier": "log1p", "missing": 0}}}},
    {"name": "brand_match", "params": ["brand"], "template_language": "mustache",
     "template": {"constant_score": {"filter": {"term": {"brand": "{{brand}}"}}, "boost": 1.0}}},
]


def serve(data_dir: str, port: int) -> None:
    """The child process: the node over HTTP until killed."""
    from embedded_node.node import open_node
    from embedded_node.rest.server import make_server

    server = make_server(open_node(data_dir), "127.0.0.1", port)
    print("ready", flush=True)
    server.serve_forever()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def model_definition(rng: random.Random, trees: int = 50) -> str:
    """A valid ``model/xgboost+json`` ensemble: depth-2 trees over the four features."""
    def tree(depth: int, node_id: list[int]) -> dict:
        nid = node_id[0]
        node_id[0] += 1
        if depth == 0:
            return {"nodeid": nid, "leaf": round(rng.uniform(-0.1, 0.1), 6)}
        left, right = tree(depth - 1, node_id), tree(depth - 1, node_id)
        return {"nodeid": nid, "depth": 2 - depth, "split": rng.choice([f["name"] for f in FEATURES]),
                "split_condition": round(rng.uniform(0.1, 3.0), 4), "yes": left["nodeid"], "no": right["nodeid"],
                "missing": left["nodeid"], "children": [left, right]}
    return json.dumps([tree(2, [0]) for _ in range(trees)])


def build_world(client: OpenSearch, docs: int, rng: random.Random) -> None:
    client.indices.create(index=INDEX, body={"settings": {"index.knn": True}, "mappings": {"properties": {
        "title": {"type": "text"}, "description": {"type": "text"}, "brand": {"type": "keyword"},
        "popularity": {"type": "float"}, "vec": {"type": "knn_vector", "dimension": 16}}}})
    lines = []
    vectors = np.random.default_rng(0).standard_normal((docs, 16)).astype(np.float32)
    for i in range(docs):
        lines.append(json.dumps({"index": {"_index": INDEX, "_id": f"p{i}"}}))
        lines.append(json.dumps({"title": " ".join(rng.sample(WORDS, 3)),
                                 "description": " ".join(rng.choices(WORDS, k=12)),
                                 "brand": rng.choice(BRANDS), "popularity": rng.randint(0, 1000),
                                 "vec": vectors[i].tolist()}))
        if len(lines) >= 2000:
            client.bulk(body="\n".join(lines) + "\n")
            lines = []
    if lines:
        client.bulk(body="\n".join(lines) + "\n")
    client.indices.refresh(index=INDEX)
    client.plugins.ltr.create_default_store()
    client.transport.perform_request("POST", "/_ltr/_featureset/soak", body={"featureset": {
        "name": "soak", "features": FEATURES}})
    client.transport.perform_request("POST", "/_ltr/_featureset/soak/_createmodel", body={"model": {
        "name": "soak_model", "model": {"type": "model/xgboost+json", "definition": model_definition(rng)}}})


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"search": [], "bulk": [], "logging": []}
        self.errors: dict[str, list[str]] = {"search": [], "bulk": [], "logging": []}

    def record(self, op: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies[op].append(ms)
            if error:
                self.errors[op].append(error)


def worker(role: str, port: int, docs: int, stop: threading.Event, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    client = OpenSearch(hosts=[f"http://127.0.0.1:{port}"], timeout=60, max_retries=0)
    while not stop.is_set():
        keywords = " ".join(rng.sample(WORDS, 2))
        params = {"keywords": keywords, "brand": rng.choice(BRANDS)}
        started = time.perf_counter()
        error = None
        try:
            if role == "search":
                result = client.search(index=INDEX, body={
                    "size": 10, "query": {"multi_match": {"query": keywords, "fields": ["title", "description"]}},
                    "rescore": {"window_size": 100, "query": {"query_weight": 0, "rescore_query_weight": 1,
                                "rescore_query": {"sltr": {"model": "soak_model", "params": params}}}}})
                assert result["hits"]["hits"] is not None
            elif role == "bulk":
                lines = []
                for _ in range(50):
                    lines.append(json.dumps({"update": {"_index": INDEX, "_id": f"p{rng.randrange(docs)}"}}))
                    lines.append(json.dumps({"doc": {"popularity": rng.randint(0, 1000)}}))
                result = client.bulk(body="\n".join(lines) + "\n", refresh="false")
                if result["errors"]:
                    error = "bulk item errors"
            else:
                ids = [f"p{rng.randrange(docs)}" for _ in range(20)]
                result = client.search(index=INDEX, body={"size": 20, "query": {"bool": {"filter": [
                    {"ids": {"values": ids}}, {"sltr": {"_name": "logged", "featureset": "soak", "params": params}}]}},
                    "ext": {"ltr_log": {"log_specs": {"name": "log", "named_query": "logged"}}}})
                if any("_ltrlog" not in hit.get("fields", {}) for hit in result["hits"]["hits"]):
                    error = "a hit without its feature log"
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the soak
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        stats.record(role, (time.perf_counter() - started) * 1000, error)
    client.close()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--serve", nargs=2, metavar=("DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average before: {os.getloadavg()}")
    data_dir = tempfile.mkdtemp(prefix="mmltr-soak-")
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", data_dir, str(port)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        rng = random.Random(7)
        client = OpenSearch(hosts=[f"http://127.0.0.1:{port}"], timeout=120)
        t0 = time.perf_counter()
        build_world(client, args.docs, rng)
        print(f"world: {args.docs} docs, 4 features, 50-tree model in {time.perf_counter() - t0:.1f} s; "
              f"server RSS {rss_mb(proc.pid):.0f} MB")
        roles = ["search"] * (args.threads // 2) + ["bulk"] * (args.threads // 4)
        roles += ["logging"] * (args.threads - len(roles))
        stats, stop = Stats(), threading.Event()
        threads = [threading.Thread(target=worker, args=(role, port, args.docs, stop, stats, i), daemon=True)
                   for i, role in enumerate(roles)]
        rss = [(0.0, rss_mb(proc.pid))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        while (elapsed := time.perf_counter() - started) < args.seconds:
            time.sleep(min(10.0, args.seconds - elapsed))
            rss.append((time.perf_counter() - started, rss_mb(proc.pid)))
            done = sum(len(v) for v in stats.latencies.values())
            print(f"  t={rss[-1][0]:5.0f} s  requests {done:6d}  server RSS {rss[-1][1]:6.0f} MB", flush=True)
        stop.set()
        for thread in threads:
            thread.join(120)
        wall = time.perf_counter() - started
        total = sum(len(v) for v in stats.latencies.values())
        errors = sum(len(v) for v in stats.errors.values())
        print(f"\n{args.threads} threads ({roles.count('search')} search, {roles.count('bulk')} bulk, "
              f"{roles.count('logging')} logging) for {wall:.0f} s: {total} requests, {total / wall:.1f} requests/s, "
              f"{errors} errors; load average after: {os.getloadavg()}")
        for op, values in stats.latencies.items():
            print(f"  {op:<8} n={len(values):6d}  errors {len(stats.errors[op]):4d}  p50 {pct(values, 50):8.1f} ms"
                  f"  p99 {pct(values, 99):8.1f} ms  max {max(values, default=float('nan')):8.1f} ms")
            for message in sorted(set(stats.errors[op]))[:5]:
                print(f"      {stats.errors[op].count(message)} x {message}")
        print(f"  server RSS: start {rss[0][1]:.0f} MB, end {rss[-1][1]:.0f} MB, max {max(r for _, r in rss):.0f} MB;"
              f" over time: " + ", ".join(f"{t:.0f}s={r:.0f}" for t, r in rss))
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
