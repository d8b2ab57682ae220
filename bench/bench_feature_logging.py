"""Feature-logging throughput of the LTR loop (issue 10): ``log_features`` with the full fused featureset.

Run: ``.venv/bin/python bench/bench_feature_logging.py [--groups 2000] [--batch-size 32] [--data-dir DIR]``.

Fixture: the one ``bench_search.py`` uses (``bench/ltr_loop_data.py``: 100k items with text/image/CF vectors,
1,000 user profiles, the 14-feature fused featureset with personal features), cached between runs.

Workload: ``--groups`` query groups (synthetic queries, 20-50 judged documents each, drawn at random from the
index), two thirds with a known user's stored profile and one third anonymous (the neutral profile); the query
vectors are random unit vectors (no encoder). The contexts (profiles fetched, vectors drawn) are built before the
clock starts. Measured: ``plugin_integration.feature_logging.log_features`` end to end (param building, request
bodies, ``_msearch`` batches of ``--batch-size`` searches, parsing the ``_ltrlog`` of every hit) in logged rows
per second, the time per ``_msearch`` batch (from the progress callback), and side by side the same ``_msearch``
batches with the ``ids`` filter alone (no ``sltr``, no ``ltr_log``), so the LTR part's cost per row shows.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ltr_loop_data import ALIAS, FEATURESET, IMAGE_DIM, TEXT_DIM, Params, ensure, load_average, unit  # noqa: E402
from plugin_integration.feature_logging import log_features  # noqa: E402
from plugin_integration.featuresets import fetch  # noqa: E402
from plugin_integration.params import QueryContext  # noqa: E402
from plugin_integration.users import user_context  # noqa: E402
from synthetic_products import queries as synthetic_queries  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--min-docs", type=int, default=20)
    parser.add_argument("--max-docs", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--baseline-groups", type=int, default=500,
                        help="groups for the ids-only _msearch comparison")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    p = Params(docs=args.docs, users=args.users, trees=args.trees)
    print(f"load average before: {load_average()}", flush=True)
    client, record = ensure(p, args.data_dir)

    t0 = time.perf_counter()
    rng = np.random.default_rng(9)
    fs = fetch(client, FEATURESET)
    dims = {"cf": 32, "text": TEXT_DIM, "image": IMAGE_DIM}
    profiles: dict[str | None, object] = {}
    contexts: dict[str, QueryContext] = {}
    doc_ids: dict[str, list[str]] = {}
    for g, (text, vec) in enumerate(synthetic_queries(args.groups, dim=TEXT_DIM, seed=21)):
        user = None if rng.random() < 1 / 3 else f"u{int(rng.integers(args.users))}"
        if user not in profiles:
            profiles[user] = user_context(client, user).with_dimensions(**dims)
        qid = f"q{g}"
        contexts[qid] = QueryContext(text, text_vector=tuple(vec.tolist()),
                                     image_vector=tuple(unit(rng, IMAGE_DIM).tolist()), user=profiles[user], qid=qid)
        n = int(rng.integers(args.min_docs, args.max_docs + 1))
        doc_ids[qid] = [f"p{j}" for j in rng.choice(args.docs, n, replace=False)]
    total_rows = sum(len(v) for v in doc_ids.values())
    print(f"contexts for {args.groups} groups / {total_rows} judged rows built in {time.perf_counter() - t0:.1f} s "
          f"({len(profiles)} distinct profiles)")

    # warm-up: a few groups (template compilation, caches)
    warm = list(contexts)[:2 * args.batch_size]
    log_features(client, ALIAS, fs, {q: contexts[q] for q in warm}, {q: doc_ids[q] for q in warm},
                 batch_size=args.batch_size)

    marks: list[float] = []
    load_start = load_average()
    started = time.perf_counter()
    marks.append(started)
    result = log_features(client, ALIAS, fs, contexts, doc_ids, batch_size=args.batch_size,
                          progress=lambda done, total: marks.append(time.perf_counter()))
    elapsed = time.perf_counter() - started
    load_end = load_average()
    batch_ms = [(b - a) * 1000 for a, b in zip(marks, marks[1:])]
    rows = len(result.rows)

    # side by side: the same _msearch batches, ids filter only
    base_groups = list(contexts)[: args.baseline_groups]
    base_rows = 0
    base_started = time.perf_counter()
    for start in range(0, len(base_groups), args.batch_size):
        lines = []
        for q in base_groups[start:start + args.batch_size]:
            ids = doc_ids[q]
            lines += [{"index": ALIAS}, {"size": len(ids), "_source": False,
                                         "query": {"bool": {"filter": [{"ids": {"values": ids}}]}}}]
        responses = client.msearch(body=lines)["responses"]
        base_rows += sum(len(r["hits"]["hits"]) for r in responses)
    base_seconds = time.perf_counter() - base_started

    print(f"machine: {platform.machine()}, {Path('/proc/cpuinfo').read_text().count('processor')} CPUs, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"docs={args.docs} features={len(fs.feature_names)} groups={args.groups} rows={total_rows} "
          f"batch={args.batch_size} searches/_msearch")
    print(f"load average: start {load_start}, end {load_end}")
    print(f"log_features: {rows} rows logged ({result.missing_count} not found) in {elapsed:.1f} s = "
          f"{rows / elapsed:,.0f} rows/s   target >= 5,000 rows/s ({rows / elapsed / 5000:.2f}x)")
    print(f"per _msearch batch ({len(batch_ms)} batches, ~{rows / len(batch_ms):.0f} rows each): p50 "
          f"{statistics.median(batch_ms):.0f} ms, p90 {np.percentile(batch_ms, 90):.0f} ms, max {max(batch_ms):.0f} ms")
    per_row_us = (elapsed / rows - base_seconds / base_rows) * 1e6
    print(f"same _msearch, ids filter only ({len(base_groups)} groups): {base_rows / base_seconds:,.0f} rows/s; "
          f"the LTR part (params, sltr over 14 features, ltr_log, parsing) costs {per_row_us:.0f} us per row")
    client.close()


if __name__ == "__main__":
    main()
