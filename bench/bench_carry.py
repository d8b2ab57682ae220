"""What carrying CF vectors over costs a reload (``indexer/carry.py``), side by side in one run.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_carry.py [--cf-dim 64] [--rounds 2]``.

The Icecat catalogue is loaded into a fresh embedded node (in-process, the default) with ``hashing:384`` text
vectors (MiniLM's size; fast, so the node's work dominates), CF vectors are set on every item with
``update_vectors``, and then the same catalogue is reloaded, alternating: without carrying (``carry_vectors=
False``: the CF vectors are lost), and with carrying (the default). ``update-vectors`` on the new version is
timed as well: it is what a user had to run after each reload before carrying existed.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CATALOG = ROOT / "tests" / "data" / "icecat" / "catalog.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cf-dim", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from opensearchpy import helpers

    from indexer.encoders import load_encoder
    from indexer.pipeline import LoadOptions, load_catalog
    from indexer.update_vectors import update_vectors
    from plugin_integration.client import make_client

    with tempfile.TemporaryDirectory() as tmp:
        client = make_client(None, tmp)
        encoder = load_encoder("hashing:384", modality="text")
        load_catalog(client, CATALOG, text_encoder=encoder)
        ids = [hit["_id"] for hit in helpers.scan(client, index="items", query={"_source": False})]
        vectors = Path(tmp) / "cf.npz"
        cf = np.random.default_rng(0).standard_normal((len(ids), args.cf_dim)).astype(np.float32)
        np.savez(vectors, ids=np.array(ids), vectors=cf)
        update_vectors(client, "items", vectors)
        plain, carried, updates = [], [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            load_catalog(client, CATALOG, text_encoder=encoder, options=LoadOptions(carry_vectors=False))
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            update_vectors(client, "items", vectors)  # the CF vectors the plain reload dropped
            updates.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = load_catalog(client, CATALOG, text_encoder=encoder)
            carried.append(time.perf_counter() - started)
            assert report.carried.copied == len(ids), report.carried
    best = min(plain), min(carried), min(updates)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {len(ids):,} items, "
          f"{args.cf_dim}-d CF vectors, best of {args.rounds}")
    print(f"reload without carrying:            {best[0]:6.2f} s")
    print(f"  + update-vectors afterwards:       {best[2]:6.2f} s  (total {best[0] + best[2]:.2f} s)")
    print(f"reload carrying the CF vectors:     {best[1]:6.2f} s  ({best[1] / best[0]:.2f}x the plain reload, "
          f"{best[1] / (best[0] + best[2]):.2f}x reload + update-vectors)")


if __name__ == "__main__":
    main()
