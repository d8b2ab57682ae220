"""Partial updates of vectors computed after indexing (CF item vectors), without re-embedding anything.

Each document gets an ``update`` action with ``doc: {<field>: vector}``: only that field changes. The
field's ``knn_vector`` mapping is added first when the index does not have it yet (adding a field is
allowed on a live index); a mapping with another dimension is an error that names both dimensions. Ids that
are not in the index come back from the cluster as ``document_missing_exception`` and are reported, never
dropped.

This module is the one writer of vectors onto existing items (``index update-vectors``, ``index load
--cf-vectors``, and ``profiles build`` through :func:`prepare_vector_field`).

Vector files: Parquet or JSONL(.gz) rows with an id column (``id``, ``item_id`` or ``doc_id``) and a list
column (``vector`` or the field name); or ``.npz`` with ``ids`` and ``vectors`` arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .bulk import BulkOptions, FailedDoc, bulk_write, update_action
from .schema import CF_VECTOR
from .errors import ClusterStateError, IndexerError
from .items import Reject
from .mappings import VectorSpec, field_mappings, vector_field_mapping
from .vector_dialect import OPENSEARCH, VectorDialect
from .readers import iter_records
from .versions import live_indices

log = logging.getLogger(__name__)

_ID_COLUMNS = ("id", "item_id", "doc_id")


@dataclass
class UpdateReport:
    index: str
    field: str
    dim: int = 0
    rows_read: int = 0
    updated: int = 0
    rejected: int = 0
    failed: list[FailedDoc] = field(default_factory=list)
    mapping_added: bool = False


def read_vectors(path: str | Path, field_name: str = CF_VECTOR) -> Iterator[tuple[int, str | None, Any]]:
    """Yield ``(row, id, vector-or-error-text)`` from a vector file, streaming (except ``.npz``)."""
    path = Path(path)
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "ids" not in data or "vectors" not in data:
                raise IndexerError(f"{path}: an .npz vector file needs arrays 'ids' and 'vectors'")
            for row, (doc_id, vector) in enumerate(zip(data["ids"], data["vectors"]), start=1):
                yield row, str(doc_id), vector
        return
    for record in iter_records(path):
        if record.data is None:
            yield record.row, None, record.error or "unreadable row"
            continue
        doc_id = next((record.data[c] for c in _ID_COLUMNS if record.data.get(c) is not None), None)
        vector = record.data.get("vector", record.data.get(field_name))
        yield record.row, None if doc_id is None else str(doc_id), vector


def update_vectors(
    client: Any,
    target: str,
    path: str | Path,
    *,
    field_name: str = CF_VECTOR,
    spec: VectorSpec | None = None,
    normalize: bool = False,
    bulk_options: BulkOptions = BulkOptions(),
    on_reject: Callable[[Reject], None] | None = None,
    on_result: Callable[[bool, int], None] | None = None,
    dialect: VectorDialect = OPENSEARCH,
) -> UpdateReport:
    """Set ``field_name`` on the documents of ``target`` (an alias with one index, or an index) from ``path``.

    ``spec`` gives the space type and HNSW parameters used if the field must be added (its ``dim`` is replaced
    by the file's); the default is inner product, the similarity of matrix-factorisation vectors.
    """
    index = _concrete_index(client, target)
    report = UpdateReport(index=index, field=field_name)
    rows = _valid_rows(read_vectors(path, field_name), str(path), report, on_reject, normalize)
    first = next(rows, None)
    if first is None:
        log.warning("%s: no valid vectors; nothing to update", path)
        return report
    report.dim = int(first[2].shape[0])
    base = spec or VectorSpec(dim=report.dim, space_type="innerproduct")
    report.mapping_added = _ensure_mapping(
        client,
        index,
        field_name,
        VectorSpec(report.dim, base.space_type, base.engine, base.m, base.ef_construction),
        dialect,
    )

    def actions() -> Iterator[dict[str, Any]]:
        for row, doc_id, vector in _chain(first, rows):
            if vector.shape[0] != report.dim:
                _reject_dimension(report, row, doc_id, vector, path, on_reject)
                continue
            yield update_action(index, doc_id, {field_name: vector.tolist()}, row)

    bulk = bulk_write(client, actions(), bulk_options, on_result)
    report.updated, report.failed = bulk.ok, bulk.failed
    return report


def _reject_dimension(report: UpdateReport, row: int, doc_id: str, vector: np.ndarray, path: str | Path,
                      on_reject: Callable[[Reject], None] | None) -> None:
    report.rejected += 1
    if on_reject is not None:
        on_reject(Reject(row, doc_id, f"vector has {vector.shape[0]} dimensions; the others have {report.dim}",
                         "vector", stage="validate", source=str(path), kind="bad_vector"))


@dataclass
class UpdatePlan:
    """What :func:`update_vectors` would do (``index update-vectors --dry-run``): ``report.updated`` counts the
    documents it would update, ``missing`` the valid rows whose id is not in the index (they would fail)."""

    report: UpdateReport
    missing: int = 0
    missing_examples: list[str] = field(default_factory=list)
    mapped_dim: int | None = None


def plan_update(client: Any, target: str, path: str | Path, *, field_name: str = CF_VECTOR,
                normalize: bool = False, on_reject: Callable[[Reject], None] | None = None,
                dialect: VectorDialect = OPENSEARCH, chunk: int = 500) -> UpdatePlan:
    """Validate ``path`` against ``target`` as :func:`update_vectors` would, reading only: rows, dimensions,
    the field's mapping, and which ids the index lacks (``_mget`` without sources)."""
    index = _concrete_index(client, target)
    plan = UpdatePlan(UpdateReport(index=index, field=field_name))
    report = plan.report
    existing = field_mappings(client, index).get(field_name)
    plan.mapped_dim = dialect.mapped_dimension(existing) if existing is not None else None
    ids: list[str] = []
    for row, doc_id, vector in _valid_rows(read_vectors(path, field_name), str(path), report, on_reject, normalize):
        report.dim = report.dim or int(vector.shape[0])
        if vector.shape[0] != report.dim:
            _reject_dimension(report, row, doc_id, vector, path, on_reject)
            continue
        report.updated += 1
        ids.append(doc_id)
        if len(ids) >= chunk:
            _count_missing(client, index, ids, plan)
            ids = []
    if ids:
        _count_missing(client, index, ids, plan)
    if plan.mapped_dim is not None and report.dim and plan.mapped_dim != report.dim:
        raise ClusterStateError(
            f"{index}: field '{field_name}' is mapped with dimension {plan.mapped_dim}, but the vectors have "
            f"{report.dim}; load a new version with --cf-dim {report.dim} (or use another --field)")
    report.updated -= plan.missing
    return plan


def _count_missing(client: Any, index: str, ids: list[str], plan: UpdatePlan) -> None:
    docs = client.mget(index=index, body={"ids": ids}, _source=False)["docs"]
    absent = [d["_id"] for d in docs if not d.get("found")]
    plan.missing += len(absent)
    plan.missing_examples.extend(absent[: max(0, 5 - len(plan.missing_examples))])


def failure_rejects(report: UpdateReport, source: str | Path) -> list[Reject]:
    """The documents the cluster refused to update, as rejects (the documents exist; their vector does not)."""
    return [
        Reject(
            failure.row,
            failure.id,
            f"{report.field} update failed: HTTP {failure.status} {failure.reason}",
            report.field,
            stage="update",
            source=str(source),
            kind="cluster_refused",
        )
        for failure in report.failed
    ]


def _chain(
    first: tuple[int, str, np.ndarray], rest: Iterator[tuple[int, str, np.ndarray]]
) -> Iterator[tuple[int, str, np.ndarray]]:
    yield first
    yield from rest


def _valid_rows(
    rows: Iterator[tuple[int, str | None, Any]],
    source: str,
    report: UpdateReport,
    on_reject: Callable[[Reject], None] | None,
    normalize: bool,
) -> Iterator[tuple[int, str, np.ndarray]]:
    for row, doc_id, value in rows:
        report.rows_read += 1
        vector, problem = _parse_vector(doc_id, value)
        if problem is not None or vector is None or doc_id is None:
            kind, fld, reason = problem or ("bad_vector", "vector", "bad vector")
            report.rejected += 1
            if on_reject is not None:
                on_reject(Reject(row, doc_id, reason, fld, source=source, kind=kind))
            continue
        if normalize:
            norm = float(np.linalg.norm(vector))
            vector = vector / norm if norm > 0 else vector
        yield row, doc_id.strip(), vector


def _parse_vector(
    doc_id: str | None, value: Any
) -> tuple[np.ndarray | None, tuple[str, str | None, str] | None]:
    """(vector, None) or (None, (kind, field, reason))."""
    if doc_id is None and isinstance(value, str):  # the row itself could not be read
        return None, ("invalid_json", None, value)
    if doc_id is None or not doc_id.strip():
        return None, ("missing_id", "id", "missing id (columns tried: id, item_id, doc_id)")
    if value is None or isinstance(value, str):
        return None, ("bad_vector", "vector", "missing vector (column 'vector' or the field name)")
    try:
        vector = np.asarray(value, dtype=np.float32).ravel()
    except (TypeError, ValueError):
        return None, ("bad_vector", "vector", "vector is not a list of numbers")
    if vector.size == 0 or not np.isfinite(vector).all():
        return None, ("bad_vector", "vector", "vector is empty or has NaN/inf values")
    return vector, None


def prepare_vector_field(client: Any, target: str, field_name: str, spec: VectorSpec,
                         dialect: VectorDialect = OPENSEARCH) -> tuple[str, bool]:
    """The concrete index behind ``target`` (an alias with one index, or an index), with ``field_name`` mapped
    as a ``knn_vector`` of ``spec.dim``: added when missing, an error naming both dimensions when mapped
    otherwise. Returns ``(index, mapping_added)``; for writers that build their own update actions (the
    ``profiles`` CLI) and send them with :func:`indexer.bulk.bulk_write`."""
    index = _concrete_index(client, target)
    return index, _ensure_mapping(client, index, field_name, spec, dialect)


def _concrete_index(client: Any, target: str) -> str:
    indices = live_indices(client, target)
    if len(indices) > 1:
        raise ClusterStateError(
            f"alias '{target}' points at several indices ({', '.join(indices)}); pass one index"
        )
    if indices:
        return indices[0]
    if client.indices.exists(index=target):
        return target
    raise ClusterStateError(
        f"'{target}' is neither an alias nor an index; load the catalogue first "
        f"(`mmltr index load CATALOG --alias {target}`)"
    )


def _ensure_mapping(client: Any, index: str, field_name: str, spec: VectorSpec,
                    dialect: VectorDialect = OPENSEARCH) -> bool:
    existing = field_mappings(client, index).get(field_name)
    if existing is not None:
        if dialect.mapped_dimension(existing) != spec.dim:
            raise ClusterStateError(
                f"{index}: field '{field_name}' is mapped as {existing.get('type')} with dimension "
                f"{existing.get('dimension', existing.get('dims'))}, but the vectors have {spec.dim}; load a new "
                f"version with --cf-dim {spec.dim} (or use another --field)"
            )
        return False
    client.indices.put_mapping(index=index, body=vector_field_mapping(field_name, spec, dialect))
    log.info("%s: added mapping for %s (%d-d %s)", index, field_name, spec.dim, spec.space_type)
    return True
