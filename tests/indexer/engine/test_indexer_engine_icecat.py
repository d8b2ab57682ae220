"""The real Icecat catalogue (19,406 products) end to end into the embedded node."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.cache import EmbeddingCache
from indexer.encoders import load_encoder
from indexer.items import Reject
from indexer.pipeline import LoadOptions, load_catalog
from indexer.versions import live_indices
from support.paths import ICECAT_CATALOG

ICECAT = ICECAT_CATALOG
pytestmark = pytest.mark.skipif(not ICECAT.is_file(), reason=f"Icecat catalogue not found at {ICECAT}")


def _icecat(client: Any, encoder_spec: str, cache: Any = None, **options: Any) -> tuple[Any, list[Reject]]:
    rejects: list[Reject] = []
    report = load_catalog(
        client,
        ICECAT,
        text_encoder=load_encoder(encoder_spec, device="cpu"),
        cache=cache,
        options=LoadOptions(batch_size=128, **options),
        on_reject=rejects.append,
    )
    return report, rejects


def test_icecat_indexes_every_product_with_a_text_vector(inproc_client: Any) -> None:
    report, rejects = _icecat(inproc_client, "hashing:64")
    assert rejects == [] and report.rows_read == report.indexed == 19_406
    assert report.embed.image_url_skipped == 0  # no image encoder: URLs are only stored
    assert inproc_client.count(index="items")["count"] == 19_406
    doc = inproc_client.get(index="items", id=_first_id())["_source"]
    assert doc["image"].startswith("http") and "attributes" in doc and len(doc["text_vector"]) == 64


@pytest.mark.slow
def test_icecat_with_minilm_then_a_cached_reload(inproc_client: Any, tmp_path: Path) -> None:
    if os.environ.get("MMLTR_SKIP_SLOW_ICECAT"):
        pytest.skip("MMLTR_SKIP_SLOW_ICECAT is set")
    # titles only: the whole catalogue through the real model and the cache is the point; title + description
    # (the default) doubles the embedding time (~10 min on the 2-core machine) for no other coverage
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first, rejects = _icecat(inproc_client, "minilm", cache, text_fields=("title",))
        second, _ = _icecat(inproc_client, "minilm", cache, text_fields=("title",))
    assert rejects == [] and first.indexed == second.indexed == 19_406
    # Icecat repeats some titles: a repeated title is a cache hit even in the first run
    assert first.embed.text_embedded + first.embed.text_cached == 19_406 < first.embed.text_embedded + 1_000
    assert second.embed.text_cached == 19_406
    assert second.embed.text_embedded == 0 and live_indices(inproc_client, "items") == ["items-v2"]
    vector = np.asarray(inproc_client.get(index="items", id=_first_id())["_source"]["text_vector"])
    assert vector.shape == (384,) and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def _first_id() -> str:
    import gzip
    import json

    with gzip.open(ICECAT, "rt", encoding="utf-8") as handle:
        return str(json.loads(handle.readline())["id"])
