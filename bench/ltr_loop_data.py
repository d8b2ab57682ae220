"""The LTR-loop benchmark fixture (issue 10), shared by ``bench_search.py`` and ``bench_feature_logging.py``.

An embedded node in ``data_dir`` holding, behind the alias ``items``:

- ``n`` synthetic products (``synthetic_products.products``: Zipfian title/description, 300 brands, 10 three-level
  categories, price) with ``category_levels``, ``rating`` and ``popularity``, a 384-d ``text_vector`` and a
  512-d ``image_vector`` (random unit vectors, ``cosinesimil``) and a 32-d ``cf_vector`` (``innerproduct``),
  in the items-index mapping of ``indexer.mappings.build_mappings``; written directly with
  ``opensearchpy.helpers.bulk`` (no encoder), refreshed and force-merged to one segment;
- a ``users`` index (``ltr.cli_profiles_cluster.users_index_body``) with ``users`` profiles (CF vector, text and
  image taste, category and brand affinities, price preference) and the neutral profile in its ``_meta``, as
  ``profiles build`` writes it;
- the full fused featureset with personal features (``fused_featureset(index_fields(...), personal=True)``),
  pushed as ``fused``;
- a LightGBM ``lambdarank`` model (``trees`` trees, 31 leaves) trained on synthetic feature rows with the
  featureset's names and plausible ranges, converted with ``ltr.convert.convert`` + ``keep_positive`` and uploaded
  with ``plugin_integration.models.upload_model`` as ``fused_bench``.

Everything is built once per parameter set and kept in ``data_dir`` (building 100k items takes minutes); a
marker file records the parameters and the build times.
"""
from __future__ import annotations

import gc
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
from opensearchpy import helpers

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from indexer.mappings import MappingOptions, VectorSpec, build_index_body  # noqa: E402
from indexer.schema import category_levels  # noqa: E402
from ltr.cli_profiles_cluster import users_index_body  # noqa: E402
from ltr.convert import convert, definition_json, keep_positive  # noqa: E402
from plugin_integration import featuresets as fs_mod  # noqa: E402
from plugin_integration import models as models_mod  # noqa: E402
from plugin_integration.client import make_client  # noqa: E402
from plugin_integration.fused_featureset import fused_featureset, index_fields  # noqa: E402
from plugin_integration.store import ensure_store  # noqa: E402
from synthetic_products import BRANDS, CATEGORIES, products  # noqa: E402

ALIAS = "items"
INDEX = "items-bench-v1"
USERS = "users"
FEATURESET = "fused"
MODEL = "fused_bench"
TEXT_DIM, IMAGE_DIM, CF_DIM = 384, 512, 32
F32 = np.float32


@dataclass(frozen=True)
class Params:
    docs: int = 100_000
    users: int = 1_000
    trees: int = 300
    leaves: int = 31

    def key(self) -> str:
        return f"d{self.docs}-u{self.users}-t{self.trees}-l{self.leaves}"


def default_data_dir(p: Params) -> Path:
    return Path("/tmp") / f"mmltr-bench-ltrloop-{p.key()}"


def unit(rng: np.random.Generator, dim: int, n: int | None = None) -> np.ndarray:
    v = rng.standard_normal((n or 1, dim)).astype(F32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v if n else v[0]


def documents(n: int) -> Iterator[dict[str, Any]]:
    rng = np.random.default_rng(3)
    for doc in products(n, dim=TEXT_DIM):
        vec = doc.pop("vector")
        doc_id = doc.pop("id")
        yield {"_index": INDEX, "_id": doc_id, "_source": {
            "id": doc_id, **doc, "category_levels": category_levels(doc["category"]),
            "text_vector": vec.tolist(), "image_vector": unit(rng, IMAGE_DIM).tolist(),
            "cf_vector": (rng.standard_normal(CF_DIM).astype(F32) * 0.3).tolist(),
            "popularity": float(int(rng.zipf(1.8)) % 100000), "rating": round(float(rng.uniform(1, 5)), 1)}}


def user_documents(n: int) -> Iterator[dict[str, Any]]:
    rng = np.random.default_rng(7)
    levels = sorted({lvl for c in CATEGORIES for lvl in category_levels(c)})
    for i in range(n):
        cats = rng.choice(len(levels), int(rng.integers(1, 6)), replace=False)
        brands = rng.choice(len(BRANDS), int(rng.integers(1, 8)), replace=False)
        yield {"_index": USERS, "_id": f"u{i}", "_source": {
            "user_id": f"u{i}", "cf_vector": (rng.standard_normal(CF_DIM).astype(F32) * 0.3).tolist(),
            "category_affinity": {levels[j]: round(float(rng.uniform(0.05, 1)), 3) for j in cats},
            "brand_affinity": {BRANDS[j]: round(float(rng.uniform(0.05, 1)), 3) for j in brands},
            "price_centre": round(float(rng.gamma(2, 40)), 2), "price_scale": round(float(rng.uniform(10, 60)), 2),
            "n_interactions": int(rng.integers(1, 200)),
            "text_taste": unit(rng, TEXT_DIM).tolist(), "image_taste": unit(rng, IMAGE_DIM).tolist()}}


NEUTRAL = {"user_id": None, "cf_vector": [0.0] * CF_DIM, "category_affinity": {}, "brand_affinity": {},
           "price_centre": 80.0, "price_scale": 40.0, "n_interactions": 0,
           "text_taste": [0.0] * TEXT_DIM, "image_taste": [0.0] * IMAGE_DIM}


def synthetic_rows(names: Sequence[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """Feature rows in each feature's range (docs/features.md): BM25 >= 0 (mostly 0 off the match), cosine
    [0, 1], inner products around 1, affinities mostly 0, decay (0, 1], log1p priors."""
    cols = []
    for name in names:
        if name.startswith("bm25_"):
            col = rng.gamma(2.0, 2.0, n) * (rng.random(n) < 0.5)
        elif name.startswith("knn_"):
            col = rng.beta(5, 5, n)
        elif name in ("cf_score", "taste_text", "taste_image"):
            col = 1.0 + rng.normal(0, 0.1, n)
        elif name.startswith("affinity_"):
            col = rng.uniform(0, 1, n) * (rng.random(n) < 0.2)
        elif name == "price_fit":
            col = rng.uniform(0, 1, n)
        else:
            col = np.log10(1 + rng.zipf(1.8, n).clip(max=1e5))
        cols.append(col)
    return np.column_stack(cols).astype(F32)


def train_definition(names: Sequence[str], trees: int, leaves: int) -> tuple[str, float]:
    import lightgbm as lgb

    rng = np.random.default_rng(11)
    groups = np.full(1000, 40)
    X = synthetic_rows(names, int(groups.sum()), rng)
    y = np.minimum(4, (X[:, 0] > 3).astype(int) + (X[:, names.index("knn_text")] > 0.55) + rng.integers(0, 3, len(X)))
    ds = lgb.Dataset(X, y, group=groups, feature_name=list(names), free_raw_data=False)
    booster = lgb.train({"objective": "lambdarank", "num_leaves": leaves, "learning_rate": 0.05,
                         "min_data_in_leaf": 5, "verbose": -1, "num_threads": 2}, ds, num_boost_round=trees)
    conversion = convert(booster, list(names))
    definition, offset = keep_positive(conversion.definition)
    return definition_json(definition), offset


def ensure(p: Params, data_dir: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """The client on the cached fixture (built if missing); and the build record."""
    data_dir = Path(data_dir or default_data_dir(p))
    marker = data_dir / "bench-fixture.json"
    if marker.exists():
        record = json.loads(marker.read_text())
        if record.get("params") == p.__dict__:
            return make_client(None, data_dir, timeout=600), record
    if data_dir.exists():
        import shutil
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    client = make_client(None, data_dir, timeout=600)
    record: dict[str, Any] = {"params": p.__dict__}
    options = MappingOptions(text=VectorSpec(TEXT_DIM), image=VectorSpec(IMAGE_DIM),
                             cf=VectorSpec(CF_DIM, space_type="innerproduct"))
    client.indices.create(index=INDEX, body=build_index_body(options))
    t0 = time.perf_counter()
    helpers.bulk(client, documents(p.docs), chunk_size=500, request_timeout=600)
    t1 = time.perf_counter()
    client.indices.refresh(index=INDEX)
    client.indices.forcemerge(index=INDEX, max_num_segments=1)
    t2 = time.perf_counter()
    client.indices.put_alias(index=INDEX, name=ALIAS)
    client.indices.create(index=USERS, body=users_index_body())
    helpers.bulk(client, user_documents(p.users), chunk_size=500, request_timeout=600)
    client.indices.put_mapping(index=USERS, body={"_meta": {"mmltr": {"neutral": NEUTRAL}}})
    client.indices.refresh(index=USERS)
    t3 = time.perf_counter()
    ensure_store(client)
    fs = fused_featureset(index_fields(client, ALIAS), FEATURESET, personal=True)
    fs_mod.push(client, fs)
    definition, offset = train_definition(list(fs.feature_names), p.trees, p.leaves)
    models_mod.upload_model(client, FEATURESET, MODEL, definition, feature_names=list(fs.feature_names))
    t4 = time.perf_counter()
    record.update(bulk_s=round(t1 - t0, 1), refresh_merge_s=round(t2 - t1, 1), users_s=round(t3 - t2, 1),
                  model_s=round(t4 - t3, 1), features=list(fs.feature_names), offset=offset)
    marker.write_text(json.dumps(record, indent=1))
    print(f"built fixture in {data_dir}: bulk {record['bulk_s']} s, refresh + force-merge (HNSW graphs) "
          f"{record['refresh_merge_s']} s, users {record['users_s']} s, featureset + train/convert/upload "
          f"{record['model_s']} s", flush=True)
    gc.collect()
    return client, record


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])
