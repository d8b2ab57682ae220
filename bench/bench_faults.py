"""Index load through injected faults: rows read, indexed, rejected and lost, faults injected, time vs healthy.

Loads the same synthetic catalogue (no images, no text vectors, so that the numbers are about the cluster path)
twice with ``mmltr index load``: once on a healthy embedded node, once through ``MMLTR_FAULTS`` (429/503,
connections dropped before and after the node ran the request, slow answers, partial ``_bulk`` item failures on
every ``_bulk``; 503/drops on everything else). Prints one table; results go to docs/reliability.md.

    .venv/bin/python bench/bench_faults.py --rows 5000 --chunk-size 100
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from embedded_node.rest.faults import ENV  # noqa: E402
from plugin_integration.cli import main  # noqa: E402
from plugin_integration.client import make_client  # noqa: E402

PLAN = {"seed": 14, "rules": [
    {"path": "*/_bulk", "429": 0.1, "503": 0.1, "drop": 0.03, "drop_after": 0.05, "slow": 0.1, "slow_s": 0.01,
     "bulk_item": 0.1},
    {"path": "*", "503": 0.1, "drop": 0.03, "slow": 0.05, "slow_s": 0.01},
]}


def _catalogue(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(json.dumps({"id": f"p{i:06d}", "title": f"product {i} model {i % 97}",
                                  "brand": f"brand {i % 13}", "price": float(i % 500)}) + "\n")
    with open(path, "ab") as raw:
        raw.write(b'{"id": "bad", "title": "caf\xe9"}\n')  # one row that is not UTF-8 (Latin-1 e-acute)


def _run(root: Path, name: str, catalogue: Path, chunk: int, plan: dict | None) -> dict:
    data_dir = root / name
    if plan is not None:
        os.environ[ENV] = json.dumps(plan)
    holder = make_client(None, data_dir)
    os.environ.pop(ENV, None)
    try:
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "index", "load", str(catalogue),
                                           "--text-encoder", "none", "--no-progress", "--chunk-size", str(chunk),
                                           "--rejects", str(root / f"{name}-rejects.jsonl")])
        seconds = time.perf_counter() - started
        holder.indices.refresh(index="items")
        indexed = holder.count(index="items")["count"]
        rejects = root / f"{name}-rejects.jsonl"
        rejected = len(rejects.read_text().splitlines()) if rejects.exists() else 0
        injected = dict(getattr(holder.transport.get_connection().router, "injected", {}))
    finally:
        holder.close()
    return {"exit": result.exit_code, "seconds": seconds, "indexed": indexed, "rejected": rejected,
            "injected": injected}


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--chunk-size", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        catalogue = root / "catalog.jsonl"
        _catalogue(catalogue, args.rows)
        read = args.rows + 1
        healthy = _run(root, "healthy", catalogue, args.chunk_size, None)
        faulty = _run(root, "faulty", catalogue, args.chunk_size, PLAN)
    print(f"rows read: {read:,} (one of them not UTF-8); bulk chunk {args.chunk_size}")
    print(f"{'run':<8} {'exit':>4} {'indexed':>8} {'rejected':>8} {'lost':>5} {'seconds':>8}  injected faults")
    for name, run in (("healthy", healthy), ("faulty", faulty)):
        lost = read - run["indexed"] - run["rejected"]
        faults = ", ".join(f"{k} {v}" for k, v in sorted(run["injected"].items())) or "none"
        print(f"{name:<8} {run['exit']:>4} {run['indexed']:>8,} {run['rejected']:>8,} {lost:>5} "
              f"{run['seconds']:>8.1f}  {faults}")


if __name__ == "__main__":
    main_()
