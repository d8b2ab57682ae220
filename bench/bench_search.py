"""Serving latency of the LTR loop (issue 10): ``Searcher.search`` with the ``sltr`` rescore vs the first stage alone.

Run: ``.venv/bin/python bench/bench_search.py [--docs 100000] [--queries 300] [--window 400] [--data-dir DIR]``.

Fixture (``bench/ltr_loop_data.py``, built once and cached in ``/tmp/mmltr-bench-ltrloop-<params>``): 100k items
with text/image/CF vectors behind the alias ``items``, a ``users`` index with 1,000 profiles and the neutral
profile, the full fused featureset with personal features (14 features), and a 300-tree x 31-leaf LightGBM
lambdarank model converted exactly and uploaded.

Measured through the Python API (``plugin_integration.search.Searcher``, opensearch-py, in-process transport),
after warm-up, alternating per query: ``search(text, user, model, k=10, window=400)`` and the first stage alone
(``model=None``), same query, same user. Users: two thirds known (``u0..``), one third anonymous (``None``: the
neutral profile). The query encoders are a stub (``RandomEncoders``): ``text_vectors`` / ``image_vectors`` return a
random unit vector (the image one as a joint text-image encoder would; ``--image-feedback`` instead returns None so
the Searcher derives it from the top hits' image vectors, one more search). Encoder time is measured in
``bench_encoders.py``; here it is ~0.
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

from ltr_loop_data import ALIAS, IMAGE_DIM, MODEL, TEXT_DIM, Params, ensure, load_average  # noqa: E402
from plugin_integration.search import Searcher  # noqa: E402
from synthetic_products import queries as synthetic_queries  # noqa: E402


class RandomEncoders:
    """Stands in for ``indexer.query_encoders.QueryEncoders``: random unit query vectors, no model."""

    def __init__(self, seed: int = 0, image: bool = True) -> None:
        self.rng = np.random.default_rng(seed)
        self.image = image

    def _unit(self, n: int, dim: int) -> np.ndarray:
        v = self.rng.standard_normal((n, dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def text_vectors(self, queries):
        return self._unit(len(queries), TEXT_DIM)

    def image_vectors(self, queries):
        return self._unit(len(queries), IMAGE_DIM) if self.image else None


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def line(label: str, values: list[float]) -> str:
    return (f"{label:<34} n={len(values):4d}  p50 {statistics.median(values):7.1f} ms  p90 {pct(values, 90):7.1f} ms"
            f"  p99 {pct(values, 99):7.1f} ms  mean {statistics.fmean(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--trees", type=int, default=300)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--window", type=int, default=400)
    parser.add_argument("--image-feedback", action="store_true",
                        help="no query image vector from the encoder: the Searcher's top-hits mean (one more search)")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    p = Params(docs=args.docs, users=args.users, trees=args.trees)
    print(f"load average before: {load_average()}", flush=True)
    t0 = time.perf_counter()
    client, record = ensure(p, args.data_dir)
    print(f"fixture ready in {time.perf_counter() - t0:.1f} s (build record: bulk {record['bulk_s']} s, refresh + "
          f"force-merge {record['refresh_merge_s']} s, users {record['users_s']} s, model {record['model_s']} s)")
    t0 = time.perf_counter()
    searcher = Searcher(client, ALIAS, encoders=RandomEncoders(image=not args.image_feedback))
    print(f"Searcher built in {(time.perf_counter() - t0) * 1000:.1f} ms; features: {', '.join(record['features'])}")

    rng = np.random.default_rng(5)
    qs = [text for text, _ in synthetic_queries(args.queries + args.warmup)]
    users = [None if rng.random() < 1 / 3 else f"u{int(rng.integers(args.users))}" for _ in qs]
    rescored: dict[str, list[float]] = {"known": [], "anonymous": []}
    plain: dict[str, list[float]] = {"known": [], "anonymous": []}
    hits_rescored = []
    load_start = load_average()
    for i, (text, user) in enumerate(zip(qs, users)):
        kind = "anonymous" if user is None else "known"
        order = ((True, rescored), (False, plain)) if i % 2 else ((False, plain), (True, rescored))
        for with_model, target in order:
            started = time.perf_counter()
            hits = searcher.search(text, user, MODEL if with_model else None, k=10, window=args.window)
            elapsed = (time.perf_counter() - started) * 1000
            if i >= args.warmup:
                target[kind].append(elapsed)
                if with_model:
                    hits_rescored.append(len(hits))
    load_end = load_average()
    all_r = rescored["known"] + rescored["anonymous"]
    all_p = plain["known"] + plain["anonymous"]
    print(f"machine: {platform.machine()}, {Path('/proc/cpuinfo').read_text().count('processor')} CPUs, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"docs={args.docs} window={args.window} trees={args.trees} features={len(record['features'])} "
          f"queries={len(all_r)} (+{args.warmup} warm-up) image query vector: "
          f"{'top-hits mean' if args.image_feedback else 'encoder (stub)'}")
    print(f"load average: start {load_start}, end {load_end}")
    print(line("first stage alone (model=None)", all_p))
    print(line("with sltr rescore (window 400)", all_r) + "   target p50 <= 80, p99 <= 200")
    for kind in ("known", "anonymous"):
        print(line(f"  rescore, {kind} users", rescored[kind]))
        print(line(f"  first stage, {kind} users", plain[kind]))
    p50_r, p50_p = statistics.median(all_r), statistics.median(all_p)
    print(f"ratio rescore / first stage: p50 x{p50_r / p50_p:.2f}, p99 x{pct(all_r, 99) / pct(all_p, 99):.2f}; "
          f"rescore adds {p50_r - p50_p:.1f} ms at p50")
    print(f"vs target: p50 {80 / statistics.median(all_r):.2f}x, p99 {200 / pct(all_r, 99):.2f}x of budget headroom;"
          f" hits per page: {min(hits_rescored)}-{max(hits_rescored)}")
    client.close()


if __name__ == "__main__":
    main()
