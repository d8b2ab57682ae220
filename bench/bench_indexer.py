"""Indexer benchmarks, measured side by side in one run (recorded in docs/benchmarks.md, "Indexer").

1. Overlap: the text encoder alone on the catalogue's titles (titles/s) vs the whole pipeline (read,
   validate, embed, build documents, bulk into the embedded node, refresh, swap) on the same catalogue
   (docs/s). The catalogue is cut into segments and the two passes alternate per segment, so load from other
   processes on a shared machine falls on both sides alike.
2. Cache: the first run (empty embedding cache) vs a re-run of the unchanged catalogue (all vectors cached).
   Both are also run against a sink that acknowledges and discards every document: the indexer's own cost,
   as against a real cluster whose ingest work happens in other processes (the embedded node runs
   in-process and shares the GIL and the two cores with the pipeline).
3. Memory: peak RSS of a full load in a fresh process, for catalogues of growing size (rows replicated
   from the catalogue with new ids). The bulk target is the sink, so the number is the indexer's own
   memory, not the storage engine's.

Usage::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_indexer.py [--catalog PATH] [--limit N]
        [--encoder minilm] [--device cpu] [--rounds 4] [--memory-sizes 20000,200000,1000000]
        [--json bench/results/indexer.json]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ICECAT = ROOT / "tests" / "data" / "icecat" / "catalog.jsonl.gz"  # copy of the shared Icecat catalogue


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


def bench_overlap_and_cache(
    segments: list[Path], encoder_spec: str, device: str, batch_size: int, targets: list[str]
) -> dict[str, Any]:
    """Alternate the encoder alone and the pipeline into each target over the same segments (so background
    load hits all of them alike), then re-run every target on the unchanged segments with a warm cache."""
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.items import Item, item_text
    from indexer.pipeline import LoadOptions, load_catalog

    encoder = load_encoder(encoder_spec, device=device, batch_size=64)
    rows_per_segment: list[int] = []
    standalone_s: list[float] = []
    first: dict[str, list[float]] = {t: [] for t in targets}
    cached: dict[str, list[float]] = {t: [] for t in targets}
    with tempfile.TemporaryDirectory() as tmp, _targets(targets, Path(tmp)) as clients:
        caches = {t: EmbeddingCache(Path(tmp) / f"cache-{t}.sqlite") for t in targets}
        for number, segment in enumerate(segments):
            rows = [json.loads(line) for line in segment.read_text(encoding="utf-8").splitlines()]
            titles = [item_text(Item(id=str(r["id"]), title=str(r["title"]).strip(), row=0)) for r in rows]
            if number == 0:  # untimed warm-up of the encoder and of every target (imports, first allocations)
                encoder.encode(titles[:1024])
                warm = _write(rows[:512], Path(tmp) / "warm-up.jsonl")
                for target in targets:
                    load_catalog(
                        clients[target], warm, text_encoder=encoder, options=LoadOptions(alias="warm-up")
                    )
            started = time.perf_counter()
            for start in range(0, len(titles), batch_size):
                encoder.encode(titles[start : start + batch_size])
            standalone_s.append(time.perf_counter() - started)
            rows_per_segment.append(len(rows))
            for target in targets:
                report = load_catalog(
                    clients[target],
                    segment,
                    text_encoder=encoder,
                    cache=caches[target],
                    options=LoadOptions(alias=f"bench-{number}", batch_size=batch_size),
                )
                assert report.indexed == len(rows), (target, report.indexed, len(rows))
                first[target].append(report.seconds)
        for number, segment in enumerate(segments):
            for target in targets:
                report = load_catalog(
                    clients[target],
                    segment,
                    text_encoder=encoder,
                    cache=caches[target],
                    options=LoadOptions(alias=f"bench-{number}", batch_size=batch_size, keep=0),
                )
                assert report.embed.text_embedded == 0 and report.indexed == rows_per_segment[number]
                cached[target].append(report.seconds)
        for cache in caches.values():
            cache.close()
    rows_total = sum(rows_per_segment)
    standalone = rows_total / sum(standalone_s)
    results: dict[str, Any] = {
        "rows": rows_total,
        "rounds": len(segments),
        "encoder": encoder.name,
        "device": device,
        "batch_size": batch_size,
        "standalone_titles_per_s": round(standalone, 1),
        "targets": {},
    }
    for target in targets:
        pipeline = rows_total / sum(first[target])
        results["targets"][target] = {
            "docs_per_s": round(pipeline, 1),
            "vs_standalone": round(pipeline / standalone, 3),
            "per_round_ratio": [round(s / f, 3) for s, f in zip(standalone_s, first[target])],
            "first_run_s": round(sum(first[target]), 2),
            "cached_run_s": round(sum(cached[target]), 2),
            "cached_docs_per_s": round(rows_total / sum(cached[target]), 1),
            "cached_speedup": round(sum(first[target]) / sum(cached[target]), 1),
        }
    return results


@contextlib.contextmanager
def _targets(names: list[str], tmp: Path) -> Iterator[dict[str, Any]]:
    """Clients for: the embedded node in-process, the embedded node in its own process (``mmltr serve``,
    reached over HTTP on loopback), and the discarding sink."""
    from opensearchpy import OpenSearch

    from plugin_integration.client import make_client

    clients: dict[str, Any] = {}
    server = None
    try:
        for name in names:
            if name == "inprocess":
                clients[name] = make_client(None, tmp / "node-inprocess")
            elif name == "http":
                port = _free_port()
                server = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "from plugin_integration.cli import main; main()",
                        "--data-dir",
                        str(tmp / "node-http"),
                        "serve",
                        "--port",
                        str(port),
                    ],
                    cwd=str(ROOT),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                clients[name] = OpenSearch(hosts=[f"http://127.0.0.1:{port}"], timeout=120)
                _wait_for(clients[name])
            elif name == "sink":
                clients[name] = sink_client()
            else:
                raise SystemExit(f"unknown target {name!r}; use inprocess, http, sink")
        yield clients
    finally:
        for client in clients.values():
            client.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(client: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            client.cluster.health()
            return
        except Exception:  # noqa: BLE001 - the server is still starting
            time.sleep(0.2)
    raise SystemExit("the embedded node did not start (mmltr serve)")


def sink_client() -> Any:
    """A client whose cluster acknowledges everything and stores nothing: the indexer's own cost, as against a
    fast remote cluster whose ingest work happens in other processes."""
    from opensearchpy import Connection, OpenSearch

    class Sink(Connection):
        """Acknowledges everything, stores nothing."""

        written: dict[str, int] = {}

        def close(self) -> None:
            return None

        def perform_request(
            self,
            method: str,
            url: str,
            params: Any = None,
            body: Any = None,
            timeout: Any = None,
            ignore: Any = (),
            headers: Any = None,
        ) -> Any:
            path = url.split("?")[0]
            if path.endswith("/_bulk"):  # only the action lines are read; sources are discarded unparsed
                actions = [json.loads(x) for x in body.decode().split("\n")[0::2] if x.strip()]
                items = []
                for action in actions:
                    ((op, meta),) = action.items()
                    Sink.written[meta["_index"]] = Sink.written.get(meta["_index"], 0) + 1
                    items.append({op: {"_id": meta["_id"], "status": 201}})
                return 200, {}, json.dumps({"errors": False, "items": items})
            if "_alias" in path and method == "GET":
                status, payload = (404, {"error": "none"}) if path.startswith("/_alias") else (200, {})
                if status >= 300 and status not in ignore:
                    self._raise_error(status, json.dumps(payload), "application/json")
                return status, {}, json.dumps(payload)
            if method == "HEAD":
                return 404, {}, ""
            if method == "PUT" and path.count("/") == 1:  # index creation
                Sink.written[path.strip("/")] = 0
            if path.endswith("/_count"):
                return 200, {}, json.dumps({"count": Sink.written.get(path.strip("/").split("/")[0], 0)})
            if path.endswith("/_cluster/health"):
                return 200, {}, json.dumps({"number_of_data_nodes": 1})
            return 200, {}, json.dumps({"acknowledged": True})

    return OpenSearch(hosts=[{"host": "sink", "port": 9200}], connection_class=Sink)


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that over ``exec`` from the forked
    parent, so a child of a big process would report the parent's size."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _memory_worker(catalog: str) -> None:
    """Run one full load into a discarding sink and print the process's peak RSS (child process only)."""
    from indexer.encoders import load_encoder
    from indexer.pipeline import LoadOptions, load_catalog

    client = sink_client()
    report = load_catalog(
        client, catalog, text_encoder=load_encoder("hashing:384"), options=LoadOptions(batch_size=256)
    )
    peak_mb = _peak_rss_mb()
    print(
        json.dumps(
            {"rows": report.indexed, "peak_rss_mb": round(peak_mb, 1), "seconds": round(report.seconds, 1)}
        )
    )


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
            out = subprocess.run(
                [sys.executable, __file__, "--memory-worker", str(path)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--catalog", type=Path, default=ICECAT)
    parser.add_argument("--limit", type=int, default=None, help="First N rows only (default: all).")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=8, help="Alternating encoder/pipeline segments.")
    parser.add_argument("--targets", default="inprocess,http,sink", help="Bulk targets (comma-separated).")
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
            size = -(-len(rows) // args.rounds)
            segments = [
                _write(rows[i : i + size], Path(tmp) / f"segment-{i // size}.jsonl")
                for i in range(0, len(rows), size)
            ]
            results["overlap_and_cache"] = bench_overlap_and_cache(
                segments, args.encoder, args.device, args.batch_size, args.targets.split(",")
            )
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
