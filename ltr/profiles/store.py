"""Profiles and CF item vectors at rest: Parquet files.

Parquet: one row per user (``user_id``, ``cf_vector``, ``category_affinity``/``brand_affinity`` as maps,
``price_centre``, ``price_scale``, ``text_taste``, ``image_taste``, ``n_interactions``); the population price
preference travels in the schema metadata so the neutral profile survives a round trip. Item vectors: ``id``,
the vector column, plus the default vector in the metadata.

Column names are the profile's attribute names (:class:`~ltr.profiles.model.UserProfile`), not index fields:
what the cluster stores (the ``users`` index, CF vectors on the items index, whose field name belongs to the
indexer's schema) is the CLI's business (``ltr.cli_profiles_cluster``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .model import ItemVectors, UserProfiles

META_KEY = b"mmltr.profiles"
#: The column of the item-vectors file (named after ``UserProfile.cf_vector``, the vectors' other half).
VECTOR_COLUMN = "cf_vector"


def _vector_column(matrix: np.ndarray) -> pa.Array:
    flat = pa.array(np.ascontiguousarray(matrix, dtype=np.float32).ravel())
    return pa.FixedSizeListArray.from_arrays(flat, int(matrix.shape[1]))


def _matrix(column: pa.ChunkedArray, dim: int) -> np.ndarray:
    if len(column) == 0:
        return np.zeros((0, dim), dtype=np.float32)
    flat = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(flat, dtype=np.float32).reshape(-1, dim)


def write_profiles(path: str | Path, profiles: UserProfiles) -> None:
    maps = pa.map_(pa.string(), pa.float32())
    columns: dict[str, pa.Array] = {
        "user_id": pa.array(profiles.user_ids, pa.string()),
        "cf_vector": _vector_column(profiles.cf_vectors),
        "category_affinity": pa.array([list(m.items()) for m in profiles.category_affinity], maps),
        "brand_affinity": pa.array([list(m.items()) for m in profiles.brand_affinity], maps),
        "price_centre": pa.array(profiles.price_centre, pa.float64()),
        "price_scale": pa.array(profiles.price_scale, pa.float64()),
        "n_interactions": pa.array(profiles.n_interactions, pa.int64()),
    }
    dims = {"cf": profiles.cf_vectors.shape[1], "text": profiles.text_taste.shape[1],
            "image": profiles.image_taste.shape[1]}
    if dims["text"]:
        columns["text_taste"] = _vector_column(profiles.text_taste)
    if dims["image"]:
        columns["image_taste"] = _vector_column(profiles.image_taste)
    meta = {"population_price_centre": profiles.population_price_centre,
            "population_price_scale": profiles.population_price_scale, "dims": dims}
    table = pa.table(columns).replace_schema_metadata({META_KEY: orjson.dumps(meta)})
    pq.write_table(table, path)


def read_profiles(path: str | Path) -> UserProfiles:
    table = pq.read_table(path)
    meta = orjson.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    if "dims" not in meta:
        raise ValueError(f"{path} is not an mmltr profiles file (no {META_KEY.decode()} metadata); build it "
                         "with 'mmltr profiles build'")
    dims = meta["dims"]

    def vectors(name: str, dim: int) -> np.ndarray:
        if name not in table.column_names:
            return np.zeros((len(table), 0), np.float32)
        return _matrix(table[name], dim)

    def maps(name: str) -> list[dict[str, float]]:
        return [dict(pairs) if pairs else {} for pairs in table[name].to_pylist()]

    return UserProfiles(tuple(table["user_id"].to_pylist()), vectors("cf_vector", dims["cf"]),
                        maps("category_affinity"), maps("brand_affinity"),
                        table["price_centre"].to_numpy(), table["price_scale"].to_numpy(),
                        vectors("text_taste", dims["text"]), vectors("image_taste", dims["image"]),
                        table["n_interactions"].to_numpy(), _nan(meta["population_price_centre"]),
                        _nan(meta["population_price_scale"]))


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def write_item_vectors(path: str | Path, items: ItemVectors) -> None:
    table = pa.table({"id": pa.array(items.item_ids, pa.string()), VECTOR_COLUMN: _vector_column(items.vectors)})
    meta = {"dim": items.dim, "default": [float(x) for x in items.default]}
    pq.write_table(table.replace_schema_metadata({META_KEY: orjson.dumps(meta)}), path)


def read_item_vectors(path: str | Path) -> ItemVectors:
    table = pq.read_table(path)
    meta = orjson.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    if "dim" not in meta:
        raise ValueError(f"{path} is not an mmltr item-vectors file; build it with 'mmltr profiles build'")
    return ItemVectors(tuple(table["id"].to_pylist()), _matrix(table[VECTOR_COLUMN], meta["dim"]),
                       np.asarray(meta["default"], dtype=np.float32))

