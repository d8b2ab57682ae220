"""The I/O side of ``mmltr profiles build``: item metadata in, profiles and CF item vectors out to the cluster.

A CLI module, so it may compose packages (DESIGN.md §3): the catalogue is read by the indexer's reader
(``indexer.catalog.read_catalog``, bad rows rejected with their row and reason), profiles go to the ``users``
index and CF vectors onto the items through the indexer's bulk writer (``indexer.bulk.bulk_write``), after
the indexer's mapping check of the vector field (``indexer.update_vectors.prepare_vector_field``). The field
name of CF vectors on the items is the items-index schema's (``indexer.schema.CF_VECTOR``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from opensearchpy import NotFoundError, helpers

from indexer.bulk import BulkReport, FailedDoc, bulk_write
from indexer.catalog import read_catalog
from indexer.items import Item
from indexer.items import Reject as ItemReject
from indexer.mappings import VectorSpec
from indexer.schema import BRAND, CATEGORY, CF_VECTOR, ID, PRICE
from indexer.update_vectors import prepare_vector_field
from plugin_integration.cluster_info import detect

from .cli_render import console
from .profiles.model import ItemVectors, UserProfiles

#: Item columns profiles use besides the vectors (``ItemAttributes.from_frame``).
ITEM_COLUMNS = (CATEGORY, BRAND, PRICE)


def catalog_frame(path: Path, text_field: str, image_field: str, images_dir: Path | None,
                  on_reject: Callable[[ItemReject], None]) -> pd.DataFrame:
    """``id``, category, brand, price and the vector columns of the catalogue's valid rows (vector columns
    are not part of the catalogue contract: they arrive as attributes)."""
    columns = [ID, *ITEM_COLUMNS, text_field, image_field]

    def row(item: Item) -> dict[str, Any]:
        values = {ID: item.id, CATEGORY: item.category, BRAND: item.brand, PRICE: item.price}
        return {**values, text_field: item.attributes.get(text_field), image_field: item.attributes.get(image_field)}

    rows = [row(item) for item in read_catalog(path, images_dir=images_dir, on_reject=on_reject)]
    return pd.DataFrame(rows, columns=columns)


def index_frame(client: Any, alias: str, text_field: str, image_field: str) -> pd.DataFrame | None:
    """The same columns, scanned from the items index; None (and a warning) when there is no such index or it
    is empty."""
    fields = [*ITEM_COLUMNS, text_field, image_field]
    query = {"query": {"match_all": {}}, "_source": fields}
    try:
        rows = [{ID: hit["_id"], **{f: hit.get("_source", {}).get(f) for f in fields}}
                for hit in helpers.scan(client, index=alias, query=query)]
    except NotFoundError:
        console.print(f"[yellow]no index {alias!r}: affinity, price and taste stay neutral "
                      "(pass --catalog)[/yellow]")
        return None
    if not rows:
        console.print(f"[yellow]{alias!r} returned no items: affinity, price and taste stay neutral "
                      "(pass --catalog)[/yellow]")
        return None
    return pd.DataFrame(rows, columns=[ID, *fields])


def users_index_body() -> dict[str, Any]:
    """Settings and mappings of the ``users`` index: profiles are fetched by id and sent as query
    parameters, never searched, so vectors are stored (``index: false``) rather than k-NN indexed, and
    affinity maps are kept as unindexed objects (their keys are data, not fields)."""
    stored = {"type": "float", "index": False, "doc_values": False}
    return {"settings": {"index": {"number_of_shards": 1, "number_of_replicas": 0}},
            "mappings": {"dynamic": "strict", "properties": {
                "user_id": {"type": "keyword"},
                "cf_vector": stored, "text_taste": stored, "image_taste": stored,
                "category_affinity": {"type": "object", "enabled": False},
                "brand_affinity": {"type": "object", "enabled": False},
                "price_centre": {"type": "double"}, "price_scale": {"type": "double"},
                "n_interactions": {"type": "integer"}}}}


def profile_actions(profiles: UserProfiles, index: str) -> Iterator[dict[str, Any]]:
    """Bulk ``index`` actions, one document per user, ``_id`` = ``user_id`` (a rebuild replaces profiles)."""
    for profile in profiles:
        yield {"_op_type": "index", "_index": index, "_id": profile.user_id, "_source": profile.to_document()}


def cf_update_actions(items: ItemVectors, index: str, also: Iterable[str] = (),
                      field: str = CF_VECTOR) -> Iterator[dict[str, Any]]:
    """Bulk partial ``update`` actions setting ``field`` on each item; ids in ``also`` that the model never
    saw (new items) get the default vector, so every item in the index has a defined CF vector."""
    known = set(items.item_ids)
    for item_id, vector in zip(items.item_ids, items.vectors):
        yield {"_op_type": "update", "_index": index, "_id": item_id,
               "doc": {field: [float(x) for x in vector]}}
    default = [float(x) for x in items.default]
    for item_id in also:
        if item_id not in known:
            yield {"_op_type": "update", "_index": index, "_id": item_id, "doc": {field: default}}


def write_profiles_index(client: Any, profiles: UserProfiles, index: str) -> BulkReport:
    """Create the ``users`` index if missing, index every profile, refresh."""
    if not client.indices.exists(index=index):
        client.indices.create(index=index, body=users_index_body())
    report = bulk_write(client, profile_actions(profiles, index))
    # The neutral profile (zero vectors at the profiles' dimensions, the population's price preference) rides
    # in the mapping's _meta: serving gives it to anonymous and unknown users (plugin_integration.users).
    client.indices.put_mapping(index=index, body={"_meta": {"mmltr": {"neutral": profiles.neutral().to_document()}}})
    client.indices.refresh(index=index)
    return report


def write_cf_vectors(client: Any, items: ItemVectors, alias: str, all_item_ids: Iterable[str]) -> BulkReport:
    """Set the CF vector of every item behind ``alias`` (the default vector for items the model never saw),
    after checking (or adding) the field's ``knn_vector`` mapping; refresh."""
    index, _ = prepare_vector_field(client, alias, CF_VECTOR, VectorSpec(items.dim, space_type="innerproduct"),
                                    detect(client).vectors)
    report = bulk_write(client, cf_update_actions(items, index, all_item_ids))
    client.indices.refresh(index=alias)
    return report


def missing_documents(failed: list[FailedDoc]) -> tuple[list[FailedDoc], list[FailedDoc]]:
    """``(not in the index, other failures)``: a partial update of an id the index lacks answers 404."""
    return [f for f in failed if f.status == 404], [f for f in failed if f.status != 404]
