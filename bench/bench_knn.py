"""k-NN benchmark: exact (numpy BLAS) vs HNSW (faiss) on one index, side by side in one run.

Run: ``.venv/bin/python bench/bench_knn.py [--docs 100000] [--dim 384] [--queries 200]``.

One index, one segment (force-merged) of ``--docs`` unit vectors in ``cosinesimil`` space. The same queries run
with ``index.embedded.ann_threshold`` above the segment size (exact search) and at its default 50,000 (HNSW),
switched with a settings update, so both paths see the same data, process and machine state. Reported:
graph build time, latency through opensearch-py (``client.search``) and inside the engine (the per-segment
search alone), recall@10 of HNSW against the exact top 10 for ``ef_search`` 100/200/400, and the cost of a
``knn_score`` ``script_score`` over a 400-doc rescore window.

Data: ``--data clustered`` (default) draws documents around 2,000 random centres (like sentence embeddings,
which cluster by topic) and queries near random documents; ``--data gaussian`` uses isotropic random vectors,
the hardest case for a graph index.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from opensearchpy import helpers

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugin_integration.client import make_client  # noqa: E402
from embedded_node.plugins.knn import ann, scoring  # noqa: E402
from embedded_node.plugins.knn.script import KnnScoreScript  # noqa: E402
from embedded_node.node import open_node, release_node  # noqa: E402
from embedded_node.search.context import SearchContext  # noqa: E402

F32 = np.float32
INDEX = "knnbench"


def make_data(kind: str, n: int, n_queries: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        docs = rng.standard_normal((n, dim)).astype(F32)
        queries = rng.standard_normal((n_queries, dim)).astype(F32)
    else:
        centres = rng.standard_normal((2000, dim)).astype(F32)
        docs = centres[rng.integers(0, 2000, n)] + F32(0.6) * rng.standard_normal((n, dim)).astype(F32)
        picks = rng.integers(0, n, n_queries)
        queries = docs[picks] + F32(0.6) * rng.standard_normal((n_queries, dim)).astype(F32)
    docs /= np.linalg.norm(docs, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return docs.astype(F32), queries.astype(F32)


def pct(values: list[float]) -> str:
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--data", choices=["clustered", "gaussian"], default="clustered")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"numpy {np.__version__}; docs={args.docs} dim={args.dim} data={args.data}")
    docs, queries = make_data(args.data, args.docs, args.queries, args.dim)
    data_dir = Path(tempfile.mkdtemp(prefix="mmltr-knn-bench-"))
    client = make_client(None, data_dir)
    node = open_node(str(data_dir))
    try:
        client.indices.create(index=INDEX, body={
            "settings": {"index": {"knn": True, "number_of_replicas": 0, "refresh_interval": "-1",
                                   "embedded.ann_threshold": 10 ** 9}},
            "mappings": {"properties": {"vec": {"type": "knn_vector", "dimension": args.dim,
                                                "space_type": "cosinesimil",
                                                "method": {"name": "hnsw", "engine": "faiss",
                                                           "parameters": {"m": 16, "ef_construction": 100}}}}}})
        t = time.perf_counter()
        helpers.bulk(client, ({"_index": INDEX, "_id": str(i), "_source": {"vec": v.tolist()}}
                              for i, v in enumerate(docs)), chunk_size=1000, max_chunk_bytes=64 * 1024 * 1024)
        client.indices.refresh(index=INDEX)
        client.indices.forcemerge(index=INDEX, max_num_segments=1)
        print(f"indexing: {args.docs} docs in {time.perf_counter() - t:.1f} s "
              f"({len(node.indices[INDEX].segments)} segment)")

        def search(q: np.ndarray, k: int = 10, **extra) -> tuple[list[int], float]:
            body = {"size": k, "_source": False, "query": {"knn": {"vec": {"vector": q.tolist(), "k": k, **extra}}}}
            t0 = time.perf_counter()
            resp = client.search(index=INDEX, body=body)
            return [int(h["_id"]) for h in resp["hits"]["hits"]], (time.perf_counter() - t0) * 1000

        shard = node.indices[INDEX]
        segment = shard.segments[0]
        allowed = segment.live & segment.vectors["vec"].has

        def engine_ms(q: np.ndarray, threshold: int, ef: int = 100, k: int = 10) -> float:
            config = ann.AnnConfig(threshold, 16, 100, ef)
            t0 = time.perf_counter()
            ann.search_segment(segment, "vec", "cosinesimil", "faiss", q, k, allowed, config, False)
            return (time.perf_counter() - t0) * 1000

        # --- exact ----------------------------------------------------------------------------------------
        exact_ids, exact_lat, exact_engine = [], [], []
        for q in queries:
            ids, ms = search(q)
            exact_ids.append(ids)
            exact_lat.append(ms)
            exact_engine.append(engine_ms(q, 10 ** 9))
        # --- HNSW -----------------------------------------------------------------------------------------
        client.indices.put_settings(index=INDEX, body={"index": {"embedded.ann_threshold": 50_000}})
        t = time.perf_counter()
        search(queries[0])
        build = time.perf_counter() - t
        print(f"HNSW graph build (m=16, ef_construction=100, lazily on the first query): {build:.1f} s")
        rows = {}
        for ef in (100, 200, 400):
            lat, eng, recall = [], [], []
            for q, want in zip(queries, exact_ids):
                ids, ms = search(q, method_parameters={"ef_search": ef})
                lat.append(ms)
                eng.append(engine_ms(q, 50_000, ef))
                recall.append(len(set(ids) & set(want)) / 10)
            rows[ef] = (lat, eng, float(np.mean(recall)))
        print(f"{'k=10':<22}{'client.search':<36}{'engine (segment search)':<36}recall@10")
        print(f"{'exact (BLAS)':<22}{pct(exact_lat):<36}{pct(exact_engine):<36}1.000")
        for ef, (lat, eng, rec) in rows.items():
            print(f"{'HNSW ef_search=' + str(ef):<22}{pct(lat):<36}{pct(eng):<36}{rec:.3f}")
        p_exact = np.percentile(exact_engine, 50)
        p_hnsw = np.percentile(rows[100][1], 50)
        print(f"engine speed-up HNSW(ef=100) vs exact at p50: x{p_exact / p_hnsw:.1f}")
        k100 = [engine_ms(q, 50_000, 100, 100) for q in queries[:50]]
        k100x = [engine_ms(q, 10 ** 9, 100, 100) for q in queries[:50]]
        print(f"k=100 engine: exact {pct(k100x)}; HNSW {pct(k100)}")
        # --- script_score over a rescore window -----------------------------------------------------------
        ctx = SearchContext(node, shard, shard.acquire_searcher())
        script = KnnScoreScript(ctx, {"field": "vec", "query_value": queries[0].tolist(),
                                      "space_type": "cosinesimil"})
        rng = np.random.default_rng(5)
        window_ms = []
        for q in queries:
            window = np.sort(rng.choice(args.docs, 400, replace=False)).astype(np.int32)
            script.query = q
            script.query_norm_sq = scoring.squared_norm_script(q)
            t0 = time.perf_counter()
            script.scores(segment, window)
            window_ms.append((time.perf_counter() - t0) * 1000)
        print(f"knn_score script over a 400-doc window (engine): {pct(window_ms)}")
        rescored = []
        for q in queries:
            body = {"size": 10, "_source": False,
                    "query": {"knn": {"vec": {"vector": q.tolist(), "k": 400}}},
                    "rescore": {"window_size": 400, "query": {"rescore_query": {"script_score": {
                        "query": {"match_all": {}}, "script": {"lang": "knn", "source": "knn_score", "params": {
                            "field": "vec", "query_value": q.tolist(), "space_type": "cosinesimil"}}}},
                        "query_weight": 0.0, "rescore_query_weight": 1.0}}}
            t0 = time.perf_counter()
            client.search(index=INDEX, body=body)
            rescored.append((time.perf_counter() - t0) * 1000)
        print(f"client.search knn k=400 (HNSW) + script_score rescore of 400: {pct(rescored)}")
    finally:
        release_node(node)
        client.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
