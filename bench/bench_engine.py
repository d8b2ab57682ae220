"""Embedded node benchmark (issue 2): bulk indexing, first-stage latency, memory, reopen time.

Run: ``.venv/bin/python bench/bench_engine.py [--docs 100000]``. Prints the measurements and the ratio of
each to its target; results are recorded in docs/benchmarks.md with the machine.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from opensearchpy import helpers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_products import products, queries  # noqa: E402

from plugin_integration.client import make_client  # noqa: E402

MAPPING = {
    "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"}},
    "mappings": {"properties": {
        "title": {"type": "text"}, "description": {"type": "text"},
        "brand": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
        "category": {"type": "text"}, "price": {"type": "float"},
        "text_vector": {"type": "knn_vector", "dimension": 384, "space_type": "cosinesimil",
                        "method": {"name": "hnsw", "engine": "faiss"}}}},
}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _fresh_process_rss(data_dir: Path) -> float:
    """RSS of a new process that opens the data dir and serves first-stage queries: the node's own footprint,
    without the benchmark's generated documents."""
    import subprocess

    code = (
        "import sys; sys.path.insert(0, 'bench');"
        "from bench_engine import rss_mb; from synthetic_products import queries;"
        "from plugin_integration.client import make_client;"
        f"c = make_client(None, {str(data_dir)!r});"
        "[c.search(index='bench', body={'size': 10, 'query': {'bool': {'should': ["
        "{'multi_match': {'query': t, 'fields': ['title^2', 'description', 'brand']}},"
        "{'knn': {'text_vector': {'vector': v.tolist(), 'k': 100}}}]}}}) for t, v in queries(20)];"
        "print(rss_mb())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    return float(out.stdout.strip().splitlines()[-1])


def actions(n: int):
    for p in products(n):
        vec = p.pop("vector")
        p["text_vector"] = vec.tolist()
        yield {"_index": "bench", "_id": p.pop("id"), "_source": p}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="mmltr-bench-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}; docs={args.docs}")
    try:
        client = make_client(None, data_dir)
        client.indices.create(index="bench", body=MAPPING)
        docs = list(actions(args.docs))  # generate first so generation time is not counted
        t0 = time.perf_counter()
        ok, failed = helpers.bulk(client, docs, chunk_size=500, max_chunk_bytes=50 * 1024 * 1024,
                                  raise_on_error=False)
        acknowledged = time.perf_counter() - t0
        client.indices.put_settings(index="bench", body={"index": {"refresh_interval": "1s"}})
        client.indices.refresh(index="bench")  # builds the segment and, as the k-NN plugin does, its HNSW graph
        elapsed = time.perf_counter() - t0
        assert ok == args.docs and not failed, failed[:3]
        del docs
        gc.collect()
        rate = args.docs / elapsed
        print(f"bulk: {args.docs} docs acknowledged in {acknowledged:.1f}s = {args.docs / acknowledged:,.0f} docs/s; "
              f"refresh (segment + HNSW graph) {elapsed - acknowledged:.1f}s")
        print(f"bulk + refresh: {args.docs} docs searchable in {elapsed:.1f}s = {rate:,.0f} docs/s "
              f"(target >= 2,000: x{rate / 2000:.2f})")
        print(f"memory: RSS {rss_mb():,.0f} MB after indexing (includes the benchmark's generated documents)")
        latencies = []
        t = time.perf_counter()
        first_text, first_vec = next(queries(1, seed=98))
        client.search(index="bench", body={"size": 10, "query": {"knn": {"text_vector": {
            "vector": first_vec.tolist(), "k": 100}}}})
        print(f"first knn query (the graph was built by the refresh): {time.perf_counter() - t:.2f}s")
        for text, vec in queries(args.queries):
            body = {"size": 10, "_source": False, "query": {"bool": {"should": [
                {"multi_match": {"query": text, "fields": ["title^2", "description", "brand"]}},
                {"knn": {"text_vector": {"vector": vec.tolist(), "k": 100}}}]}}}
            t = time.perf_counter()
            client.search(index="bench", body=body)
            latencies.append((time.perf_counter() - t) * 1000)
        p50, p99 = np.percentile(latencies[10:], [50, 99])
        print(f"first stage (multi_match 3 fields + knn k=100): p50 {p50:.1f} ms (target <= 30: x{30 / p50:.2f}), "
              f"p99 {p99:.1f} ms (target <= 100: x{100 / p99:.2f})")
        client.close()
        t = time.perf_counter()
        client = make_client(None, data_dir)
        n = client.count(index="bench")["count"]
        reopen = time.perf_counter() - t
        print(f"reopen: {reopen:.2f}s to first count ({n} docs) (target <= 5 s: x{5 / reopen:.2f})")
        text, vec = next(queries(1, seed=99))
        t = time.perf_counter()
        client.search(index="bench", body={"size": 10, "query": {"knn": {"text_vector": {"vector": vec.tolist(),
                                                                                         "k": 100}}}})
        print(f"first knn query after reopen (loads the persisted HNSW graph): {time.perf_counter() - t:.2f}s")
        client.close()
        print(f"memory of a fresh process serving the index (reopen + 20 first-stage queries): "
              f"{_fresh_process_rss(data_dir):,.0f} MB RSS (target <= 2,048 MB)")
        print(f"data dir size: {sum(p.stat().st_size for p in data_dir.rglob('*') if p.is_file()) / 1e6:,.0f} MB")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
