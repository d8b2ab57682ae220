"""The ``mmltr-features`` index: one document per logged (query, document[, user]) row, for Dashboards.

Why an index beside the Parquet table: Dashboards and Kibana can only chart what is in the cluster. Feature
distributions ("how does ``bm25_title`` spread over grade 0 and grade 4 documents?") are then one aggregation
per feature, split by ``grade``, filtered by ``featureset`` or ``run_id``.

The layout is wide (one ``float`` field per feature, named as in the featureset), not one document per feature
value: ten times fewer documents, and an average or percentiles of a feature is a plain metric aggregation.
The mapping is explicit (``dynamic: false``): ``timestamp`` date; ``run_id``, ``alias``, ``featureset``,
``judgments``, ``qid``, ``query``, ``user_id``, ``doc_id`` keyword; ``grade`` integer; one ``float`` per
feature. Every feature of the default fused featureset (:data:`FUSED_FEATURES`) is mapped up front, so the
saved objects (:mod:`.dashboards_objects`) can chart them before anything was logged; a featureset with other
feature names adds them to the mapping when it is logged (:func:`ensure_index`).
"""
from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from indexer import schema

from .errors import translated
from .feature_logging import LoggedFeatures
from .fused_featureset import IndexFields, fused_specs
from .judged_contexts import JudgedGroups
from .records_bulk import index_records

log = logging.getLogger(__name__)

FEATURES_INDEX = "mmltr-features"
KEYWORDS = ("run_id", "alias", "featureset", "judgments", "qid", "query", "user_id", "doc_id")
_ALL_FIELDS = IndexFields(index="items", text=schema.TEXT_FIELDS,
                          vectors={schema.TEXT_VECTOR: 1, schema.IMAGE_VECTOR: 1, schema.CF_VECTOR: 1},
                          numeric=schema.NUMERIC_FIELDS, keywords=(f"{schema.CATEGORY_LEVELS}", schema.BRAND_KEYWORD))
#: The feature names of the fused featureset on an index with every field, personal features included.
FUSED_FEATURES: tuple[str, ...] = tuple(spec.name for spec in fused_specs(_ALL_FIELDS, personal=True))


def mapping(feature_names: Iterable[str] = FUSED_FEATURES) -> dict[str, Any]:
    """The index mapping: the row's keys, its grade and one ``float`` per feature (the fused ones always)."""
    props: dict[str, Any] = {"timestamp": {"type": "date"}, "grade": {"type": "integer"}}
    props |= {k: {"type": "keyword"} for k in KEYWORDS}
    for name in (*FUSED_FEATURES, *feature_names):
        if name in props and props[name] != {"type": "float"}:
            raise ValueError(f"feature name {name!r} collides with a field of {FEATURES_INDEX}; rename the "
                             f"feature (reserved: {', '.join(sorted(props))})")
        props[name] = {"type": "float"}
    return {"dynamic": False, "properties": props}


def records(groups: JudgedGroups, logged: LoggedFeatures, *, run_id: str, timestamp: dt.datetime | None = None,
            **context: Any) -> Iterator[dict[str, Any]]:
    """One document per logged row (``context``: alias, featureset, judgments). A feature the cluster logged
    without a value (NaN) is left out of the document, so aggregations skip it instead of reading 0."""
    when = (timestamp or dt.datetime.now(dt.timezone.utc)).isoformat()
    for row in logged.rows:
        key = row.qid  # the logger's qid is the group key of judged_contexts
        doc: dict[str, Any] = {"run_id": run_id, "timestamp": when, **context, "qid": groups.qid[key],
                               "query": groups.query[key], "doc_id": row.doc_id,
                               "grade": groups.grades[key][row.doc_id]}
        if groups.user[key] is not None:
            doc["user_id"] = groups.user[key]
        for name, value in zip(logged.feature_names, row.values):
            if value is not None and not math.isnan(value):
                doc[name] = float(value)
        yield doc


def ensure_index(client: Any, feature_names: Sequence[str], index: str = FEATURES_INDEX) -> None:
    """Create the index, or add the mapping of feature names it does not have yet (existing fields are never
    changed: a field's type cannot change in place)."""
    body = mapping(feature_names)
    with translated(f"could not prepare the logged-features index {index!r}"):
        if not client.indices.exists(index=index):
            client.indices.create(index=index, body={"mappings": body})
            return
        current = client.indices.get_mapping(index=index)
        props: dict[str, Any] = {}
        for entry in current.values():
            props |= (entry.get("mappings") or {}).get("properties") or {}
        missing = {k: v for k, v in body["properties"].items() if k not in props}
        if missing:
            client.indices.put_mapping(index=index, body={"properties": missing})


def write(client: Any, docs: Iterable[Mapping[str, Any]], feature_names: Sequence[str],
          index: str = FEATURES_INDEX) -> int:
    """Bulk-index the rows (ids ``<run_id>:<n>``) and refresh; returns how many were written."""
    ensure_index(client, feature_names, index)
    written = index_records(client, index, ((f"{doc['run_id']}:{n}", doc) for n, doc in enumerate(docs)))
    log.info("wrote %d logged rows to %s", written, index)
    return written
