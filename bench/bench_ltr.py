"""LTR plugin benchmark on the embedded node: ``sltr`` rescore latency and ``ltr_log`` logging throughput.

Run: ``.venv/bin/python bench/bench_ltr.py [--docs 100000] [--queries 60] [--data-dir /tmp/mmltr-bench-ltr]``.

Setup: ``--docs`` synthetic products (``bench/synthetic_products.py``: Zipfian text in title/description,
brand, category, price, a 384-d unit vector; plus popularity and rating) in one index, force-merged, kept in
``--data-dir`` between runs. A 12-feature set: BM25 ``match`` on title, description, brand and category, a
``multi_match`` over title+description, exact ``knn_score`` cosine on the vector (string template with
``{{#toJson}}``), ``field_value_factor`` on popularity (log1p) and rating, a ``gauss`` price decay around a
param, a ``constant_score`` category filter, a brand-affinity ``function_score`` and a ``derived_expression``.
The model: LightGBM ``LGBMRanker`` (lambdarank, 300 trees, 31 leaves) trained on random data and converted
exactly to ``model/xgboost+json`` by the straightforward rule of ``reference/fidelity.md`` §3.2
(``split_condition = nextup_f32(floor_f32(threshold))``, ``missing`` from ``default_left``/``missing_type``,
float32 leaves).

Measured through opensearch-py (in-process transport), after warm-up:

1. end-to-end latency of a search: ``multi_match`` first stage + ``sltr`` rescore over a 400-doc window
   (``query_weight`` 0), reported as p50/p90; and the same search without the rescore, side by side, so the
   rescore's own cost is the difference;
2. logging throughput: ``_msearch`` batches of logging searches (``ids`` filter over judged docs + ``sltr``
   featureset filter named ``logged`` + ``ltr_log``), in (query, doc) rows per second; and side by side the
   same ``_msearch`` with the ``ids`` filter alone, so the cost of the LTR part per logged row is the
   difference.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from opensearchpy import helpers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ltr.convert import convert_model  # noqa: E402
from plugin_integration.client import make_client  # noqa: E402
from synthetic_products import CATEGORIES, queries as synthetic_queries, products  # noqa: E402

F32 = np.float32
INDEX = "ltrbench"
FEATURES = ["bm25_title", "bm25_description", "bm25_brand", "bm25_category", "bm25_text", "knn_text",
            "popularity", "rating", "price_fit", "category_match", "brand_affinity", "title_x_popularity"]
KNN = ('{"script_score":{"query":{"match_all":{}},"script":{"lang":"knn","source":"knn_score","params":'
       '{"field":"vector","query_value":{{#toJson}}query_vector{{/toJson}},"space_type":"cosinesimil"}}}}')


def featureset() -> dict[str, Any]:
    def match(name: str, field: str) -> dict[str, Any]:
        return {"name": name, "params": ["keywords"], "template": {"match": {field: "{{keywords}}"}}}

    def fvf(name: str, field: str, modifier: str) -> dict[str, Any]:
        return {"name": name, "params": [], "template": {"function_score": {
            "query": {"exists": {"field": field}}, "boost_mode": "replace",
            "field_value_factor": {"field": field, "modifier": modifier, "missing": 0}}}}

    return {"featureset": {"features": [
        match("bm25_title", "title"), match("bm25_description", "description"), match("bm25_brand", "brand"),
        match("bm25_category", "category"),
        {"name": "bm25_text", "params": ["keywords"], "template": {"multi_match": {
            "query": "{{keywords}}", "fields": ["title", "description"]}}},
        {"name": "knn_text", "params": ["query_vector"], "template": KNN},
        fvf("popularity", "popularity", "log1p"), fvf("rating", "rating", "none"),
        {"name": "price_fit", "params": ["price_center"], "template": {"function_score": {
            "query": {"exists": {"field": "price"}}, "boost_mode": "replace",
            "gauss": {"price": {"origin": "{{price_center}}", "scale": 50}}}}},
        {"name": "category_match", "params": ["category"], "template": {"constant_score": {
            "filter": {"term": {"category_kw": "{{category}}"}}}}},
        {"name": "brand_affinity", "params": ["brand"], "template": {"function_score": {
            "query": {"match_all": {}}, "boost_mode": "replace", "functions": [
                {"filter": {"term": {"brand": "{{brand}}"}}, "weight": 2.0}, {"weight": 0.1}],
            "score_mode": "max"}}},
        {"name": "title_x_popularity", "params": [], "template_language": "derived_expression",
         "template": "bm25_title * popularity"},
    ]}}


def documents(n: int) -> Iterator[dict[str, Any]]:
    rng = np.random.default_rng(3)
    for doc in products(n):
        vec = doc.pop("vector")
        yield {"_index": INDEX, "_id": doc.pop("id"), "_source": {
            **doc, "category_kw": doc["category"], "vector": vec.tolist(),
            "popularity": int(rng.zipf(1.8)) % 100000, "rating": round(float(rng.uniform(1, 5)), 1)}}


def ensure_index(client: Any, n: int) -> None:
    if client.indices.exists(index=INDEX) and client.count(index=INDEX)["count"] == n:
        return
    if client.indices.exists(index=INDEX):
        client.indices.delete(index=INDEX)
    client.indices.create(index=INDEX, body={"settings": {"index": {"refresh_interval": "-1"}}, "mappings": {
        "properties": {"title": {"type": "text"}, "description": {"type": "text"}, "brand": {"type": "text"},
                       "category": {"type": "text"}, "category_kw": {"type": "keyword"},
                       "price": {"type": "float"}, "popularity": {"type": "integer"},
                       "rating": {"type": "float"},
                       "vector": {"type": "knn_vector", "dimension": 384,
                                  "method": {"name": "hnsw", "space_type": "cosinesimil",
                                             "engine": "faiss"}}}}})
    started = time.perf_counter()
    helpers.bulk(client, documents(n), chunk_size=2000, request_timeout=600)
    client.indices.forcemerge(index=INDEX, max_num_segments=1)
    print(f"indexed {n} docs in {time.perf_counter() - started:.1f}s")


def train_model() -> dict[str, Any]:
    import lightgbm as lgb

    rng = np.random.default_rng(11)
    groups = np.full(500, 40)
    X = rng.gamma(2.0, 2.0, size=(int(groups.sum()), len(FEATURES))).astype(F32)
    X[rng.random(X.shape) < 0.1] = np.nan
    y = rng.integers(0, 5, size=X.shape[0])
    ranker = lgb.LGBMRanker(objective="lambdarank", n_estimators=300, num_leaves=31, learning_rate=0.05,
                            min_child_samples=5, verbose=-1)
    ranker.fit(X, y, group=groups)
    return convert_model(ranker.booster_, FEATURES)


def params(text: str, vector: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    return {"keywords": text, "query_vector": [float(v) for v in vector],
            "price_center": float(rng.uniform(20, 200)),
            "category": CATEGORIES[int(rng.integers(len(CATEGORIES)))],
            "brand": f"brand{int(rng.integers(300))}"}


def tree_evaluation_ms(client: Any, window: int) -> float:
    """The compiled model's ``score`` on a ``window`` x 12 float32 matrix (median of 20), inside the engine."""
    from embedded_node.plugins.ltr.plugin import plugin

    node = client.transport.get_connection().node
    model = plugin(node).load_model(".ltrstore", "bench_model")
    X = np.random.default_rng(2).gamma(2.0, 2.0, size=(window, len(FEATURES))).astype(F32)
    X[np.random.default_rng(3).random(X.shape) < 0.1] = model.fill
    times = []
    for _ in range(20):
        started = time.perf_counter()
        model.score(X)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--window", type=int, default=400)
    parser.add_argument("--log-batches", type=int, default=5)
    parser.add_argument("--data-dir", default="/tmp/mmltr-bench-ltr")
    args = parser.parse_args()
    client = make_client(None, args.data_dir, timeout=600)
    ensure_index(client, args.docs)
    ltr = client.plugins.ltr
    if not client.indices.exists(index=".ltrstore"):
        ltr.create_default_store()
    if not client.transport.perform_request("HEAD", "/_ltr/_featureset/bench"):
        ltr.create_featureset(id="bench", body=featureset())
    if not client.transport.perform_request("HEAD", "/_ltr/_model/bench_model"):
        started = time.perf_counter()
        definition = train_model()
        ltr.create_model_from_set(name="bench", body={"model": {"name": "bench_model", "model": {
            "type": "model/xgboost+json", "definition": definition}}})
        leaves = sum(str(t).count("'leaf'") for t in definition["splits"])
        took = time.perf_counter() - started
        print(f"trained + converted + uploaded 300 trees ({leaves} leaves) in {took:.1f}s")

    rng = np.random.default_rng(5)
    qs = list(synthetic_queries(args.queries + 10))
    fields = ["title^2", "description", "brand", "category"]
    plain_ms, rescored_ms = [], []
    for i, (text, vec) in enumerate(qs):
        p = params(text, vec, rng)
        plain = {"size": 10, "query": {"multi_match": {"query": text, "fields": fields}}}
        body = {**plain, "rescore": {"window_size": args.window, "query": {
            "rescore_query": {"sltr": {"model": "bench_model", "params": p}},
            "query_weight": 0.0, "rescore_query_weight": 1.0}}}
        for target, payload in ((plain_ms, plain), (rescored_ms, body)):
            started = time.perf_counter()
            client.search(index=INDEX, body=payload)
            if i >= 10:  # warm-up
                target.append((time.perf_counter() - started) * 1000)

    ids = [f"p{i}" for i in range(args.docs)]
    rows = base_rows = 0
    log_seconds = base_seconds = 0.0
    for batch in range(args.log_batches + 1):
        lines: list[Any] = []
        plain_lines: list[Any] = []
        for k in range(20):
            text, vec = qs[(batch * 20 + k) % len(qs)]
            judged = [ids[j] for j in rng.choice(args.docs, 50, replace=False)]
            lines += [{"index": INDEX}, {"size": 50, "_source": False, "query": {"bool": {"filter": [
                {"ids": {"values": judged}},
                {"sltr": {"_name": "logged", "featureset": "bench", "params": params(text, vec, rng)}}]}},
                "ext": {"ltr_log": {"log_specs": {"name": "log", "named_query": "logged"}}}}]
            plain_lines += [{"index": INDEX}, {"size": 50, "_source": False, "query": {"bool": {"filter": [
                {"ids": {"values": judged}}]}}}]
        for target, payload in (("base", plain_lines), ("log", lines)):
            started = time.perf_counter()
            responses = client.msearch(body=payload)["responses"]
            elapsed = time.perf_counter() - started
            hits = sum(len(r["hits"]["hits"]) for r in responses)
            if not batch:  # the first batch is warm-up
                continue
            if target == "log":
                assert all("_ltrlog" in h["fields"] for r in responses for h in r["hits"]["hits"])
                rows, log_seconds = rows + hits, log_seconds + elapsed
            else:
                base_rows, base_seconds = base_rows + hits, base_seconds + elapsed

    trees_ms = tree_evaluation_ms(client, args.window)
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"docs={args.docs} window={args.window} trees=300 features={len(FEATURES)} "
          f"queries={len(rescored_ms)}")
    print(f"first stage only      p50 {statistics.median(plain_ms):7.1f} ms  p90 "
          f"{percentile(plain_ms, 90):7.1f} ms")
    print(f"with sltr rescore     p50 {statistics.median(rescored_ms):7.1f} ms  p90 "
          f"{percentile(rescored_ms, 90):7.1f} ms  (target p50 <= 60 ms)")
    print(f"of which the 300-tree evaluation alone ({args.window} docs, in-engine): {trees_ms:.1f} ms")
    print(f"logging via _msearch  {rows / log_seconds:7.0f} rows/s over {rows} rows (target >= 2000 rows/s)")
    per_row_us = (log_seconds - base_seconds * rows / max(base_rows, 1)) / rows * 1e6
    print(f"same _msearch, ids filter only (no sltr, no ltr_log): {base_rows / base_seconds:7.0f} rows/s; "
          f"the LTR part costs {per_row_us:.0f} us per logged row")
    client.close()


if __name__ == "__main__":
    main()
