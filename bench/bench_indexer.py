"""Indexer benchmarks, measured side by side in one run (results go to docs/benchmarks.md, section "Indexer").

1. Overlap: the text encoder alone on the catalogue's titles (titles/s) vs the whole pipeline (read, validate,
   embed, build documents, bulk into the embedded node, refresh, swap) on the same catalogue (docs/s).
2. Cache: the first run (empty embedding cache) vs a re-run of the unchanged catalogue (every vector cached).
3. Memory: peak RSS of a full load in a fresh process, for catalogues of growing size (rows replicated from the
   catalogue with new ids). The bulk target is a sink that acknowledges and discards, so the number is the
   indexer's own memory, not the storage engine's.

Usage::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_indexer.py [--catalog PATH] [--limit N] [--encoder minilm]
        [--device cpu] [--memory-sizes 20000,80000,200000] [--json bench/results/indexer.json]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ICECAT = ROOT.parent / "shared" / "data" / "icecat" / "catalog.jsonl.gz"


def _rows(catalog: Path, limit: int | None) -> list[dict[str, Any]]:
    opener = gzip.open if catalog.suffix == ".gz" else open
    rows = []
    with opener(catalog, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def _write(rows: list[dict[str, Any]], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path


def bench_overlap_and_cache(catalog: Path, encoder_spec: str, device: str, batch_size: int) -> dict[str, Any]:
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.items import Item, item_text
    from indexer.pipeline import LoadOptions, load_catalog
    from plugin_integration.client import make_client

    rows = [json.loads(line) for line in catalog.read_text(encoding="utf-8").splitlines()]
    titles = [item_text(Item(id=str(r["id"]), title=str(r["title"]).strip(), row=0)) for r in rows]
    encoder = load_encoder(encoder_spec, device=device, batch_size=64)
    encoder.encode(titles[:256])  # warm-up (first-call allocations, lazy kernels)

    started = time.perf_counter()
    for start in range(0, len(titles), batch_size):
        encoder.encode(titles[start:start + batch_size])
    standalone = len(titles) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp:
        client = make_client(None, Path(tmp) / "node")
        with EmbeddingCache(Path(tmp) / "cache.sqlite") as cache:
            options = LoadOptions(batch_size=batch_size)
            first = load_catalog(client, catalog, text_encoder=encoder, cache=cache, options=options)
            second = load_catalog(client, catalog, text_encoder=encoder, cache=cache, options=options)
        client.close()
    assert first.indexed == second.indexed == len(rows), (first.indexed, second.indexed, len(rows))
    assert second.embed.text_embedded == 0
    pipeline = first.indexed / first.seconds
    return {
        "rows": len(rows), "encoder": encoder.name, "device": device, "batch_size": batch_size,
        "standalone_titles_per_s": round(standalone, 1),
        "pipeline_docs_per_s": round(pipeline, 1),
        "pipeline_vs_standalone": round(pipeline / standalone, 3),
        "first_run_s": round(first.seconds, 2), "cached_run_s": round(second.seconds, 2),
        "cached_speedup": round(first.seconds / second.seconds, 1),
        "embed_seconds_first_run": round(first.embed.text_seconds, 2),
    }


def _memory_worker(catalog: str) -> None:
    """Run one full load into a discarding sink and print the process's peak RSS (child process only)."""
    import resource

    from opensearchpy import Connection, OpenSearch

    from indexer.encoders import load_encoder
    from indexer.pipeline import LoadOptions, load_catalog

    class Sink(Connection):
        """Acknowledges everything, stores nothing: isolates the indexer's memory from the storage engine's."""

        written = 0

        def perform_request(self, method: str, url: str, params: Any = None, body: Any = None, timeout: Any = None,
                            ignore: Any = (), headers: Any = None) -> Any:
            path = url.split("?")[0]
            if path.endswith("/_bulk"):
                lines = [json.loads(x) for x in body.decode().split("\n") if x.strip()][::2]
                Sink.written += len(lines)
                items = [{op: {"_id": meta["_id"], "status": 201}} for line in lines for op, meta in line.items()]
                return 200, {}, json.dumps({"errors": False, "items": items})
            if "_alias" in path and method == "GET":
                status, payload = (404, {"error": "none"}) if path.startswith("/_alias") else (200, {})
                if status >= 300 and status not in ignore:
                    self._raise_error(status, json.dumps(payload), "application/json")
                return status, {}, json.dumps(payload)
            if method == "HEAD":
                return 404, {}, ""
            if path.endswith("/_count"):
                return 200, {}, json.dumps({"count": Sink.written})
            if path.endswith("/_cluster/health"):
                return 200, {}, json.dumps({"number_of_data_nodes": 1})
            return 200, {}, json.dumps({"acknowledged": True})

    client = OpenSearch(hosts=[{"host": "sink", "port": 9200}], connection_class=Sink)
    report = load_catalog(client, catalog, text_encoder=load_encoder("hashing:384"),
                          options=LoadOptions(batch_size=256))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": report.indexed, "peak_rss_mb": round(peak_mb, 1), "seconds": round(report.seconds, 1)}))


def bench_memory(rows: list[dict[str, Any]], sizes: list[int]) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"catalog-{size}.jsonl"
            with open(path, "w", encoding="utf-8") as handle:
                for i in range(size):
                    row = dict(rows[i % len(rows)])
                    row["id"] = f"{row['id']}-{i // len(rows)}"
                    handle.write(json.dumps(row) + "\n")
            out = subprocess.run([sys.executable, __file__, "--memory-worker", str(path)], check=True,
                                 capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        info["cpu"] = fields.get("Model name", "").strip()
        info["cores"] = fields.get("CPU(s)", "").strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except ImportError:
        info["torch"] = None
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--catalog", type=Path, default=ICECAT)
    parser.add_argument("--limit", type=int, default=None, help="First N rows only (default: all).")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--memory-sizes", default="20000,80000,200000")
    parser.add_argument("--skip-overlap", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="Also write the results here.")
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_worker:
        _memory_worker(args.memory_worker)
        return
    rows = _rows(args.catalog, args.limit)
    results: dict[str, Any] = {"machine": machine(), "catalog": str(args.catalog)}
    if not args.skip_overlap:
        with tempfile.TemporaryDirectory() as tmp:
            results["overlap_and_cache"] = bench_overlap_and_cache(_write(rows, Path(tmp) / "catalog.jsonl"),
                                                                   args.encoder, args.device, args.batch_size)
        print(json.dumps(results["overlap_and_cache"], indent=2), flush=True)
    sizes = [int(s) for s in args.memory_sizes.split(",") if s]
    if sizes:
        results["memory"] = bench_memory(rows, sizes)
        print(json.dumps(results["memory"], indent=2), flush=True)
    print(json.dumps(results["machine"], indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
