"""Encoder throughput on this machine: titles/s and images/s, through the indexer's own embedding path.

Run: ``HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_encoders.py [--device auto|cpu|cuda] [--titles N]
[--images N] [--image-size PX]``. The same command gives the GPU numbers on a machine that has one
(``--device cuda``: fp16).

* titles/s: ``minilm`` (the default text encoder) on the first N Icecat titles, 256 per call as the pipeline
  sends them, after one warm-up call.
* images/s: ``efficientnet-lite0`` and the ``classical`` descriptor on a generated catalogue of N product
  images (JPEG, ``--image-size`` pixels), through :class:`indexer.embedding.Embedder` with no cache, so the
  figure includes reading the files and decoding and resizing them (two decode threads), as in a load.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CATALOG = ROOT / "tests" / "data" / "icecat" / "catalog.jsonl.gz"


def titles_per_s(device: str, n: int, batch_size: int) -> float:
    from indexer.encoders import load_encoder

    with gzip.open(CATALOG, "rt", encoding="utf-8") as handle:
        titles = [json.loads(line)["title"] for _, line in zip(range(n), handle)]
    encoder = load_encoder("minilm", modality="text", device=device, batch_size=batch_size)
    encoder.encode(titles[:256])  # warm-up
    started = time.perf_counter()
    for i in range(0, len(titles), 256):
        encoder.encode(titles[i : i + 256])
    return len(titles) / (time.perf_counter() - started)


def images_per_s(spec: str, device: str, n: int, size: int, batch_size: int) -> float:
    from indexer.catalog import read_catalog
    from indexer.embedding import Embedder
    from indexer.encoders import load_encoder
    from indexer.synthetic import generate_catalog

    with tempfile.TemporaryDirectory() as tmp:
        made = generate_catalog(Path(tmp), n, seed=3, image_size=size)
        items = list(read_catalog(made.path, images_dir=made.images_dir))
        encoder = load_encoder(spec, modality="image", device=device, batch_size=batch_size)
        embedder = Embedder(None, encoder, None, image_batch_size=batch_size)
        try:
            embedder.embed(items[:batch_size])  # warm-up
            started = time.perf_counter()
            for i in range(0, len(items), 4 * batch_size):
                embedded, rejected = embedder.embed(items[i : i + 4 * batch_size])
                assert not rejected, rejected[:1]
            return len(items) / (time.perf_counter() - started)
        finally:
            embedder.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--titles", type=int, default=4096)
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from indexer.encoders import resolve_device

    device = resolve_device(args.device)
    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") else None
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), device {device}{f' ({gpu}, fp16)' if gpu else ''}")
    print(f"minilm:              {titles_per_s(device, args.titles, args.batch_size):8.1f} titles/s "
          f"({args.titles} Icecat titles)")
    for spec in ("efficientnet-lite0", "classical"):
        rate = images_per_s(spec, device, args.images, args.image_size, args.batch_size)
        print(f"{spec + ':':<20} {rate:8.1f} images/s ({args.images} JPEGs, {args.image_size} px, "
              f"read + decode + encode)")


if __name__ == "__main__":
    main()
