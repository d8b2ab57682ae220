"""Bulk-indexing the records Dashboards charts (``mmltr-evals``, ``mmltr-evals-details``, ``mmltr-features``).

One ``streaming_bulk`` per write, then a refresh so the charts see the records at once. A rejected record
raises :class:`~.errors.ClusterError` with the cluster's reason and the record's id: nothing is dropped
silently.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from opensearchpy.helpers import streaming_bulk

from .errors import ClusterError, from_body, translated


def index_records(client: Any, index: str, records: Iterable[tuple[str, Mapping[str, Any]]],
                  chunk_size: int = 500) -> int:
    """Index ``(id, document)`` pairs into ``index`` and refresh it; returns how many were written."""

    def actions() -> Iterator[dict[str, Any]]:
        for doc_id, doc in records:
            yield {"_index": index, "_id": doc_id, "_source": dict(doc)}

    written = 0
    with translated(f"could not write records to {index!r}"):
        for ok, item in streaming_bulk(client, actions(), chunk_size=chunk_size, raise_on_error=False,
                                       max_retries=3):
            if not ok:
                result = next(iter(item.values()))
                error = from_body(result.get("status", 500), {"error": result.get("error")})
                raise ClusterError(error.status, error.type, f"record {result.get('_id')}: {error.reason}",
                                   f"check the mapping of {index} (mmltr creates it with dynamic: false)")
            written += 1
        client.indices.refresh(index=index)
    return written
