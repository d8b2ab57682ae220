"""Carry vectors a load does not compute (CF vectors set by ``update-vectors``) over from the live version.

A reload writes a fresh ``<alias>-v<N+1>`` from the catalogue. Vectors that were added to the live version
later, by ``mmltr index update-vectors`` (CF item vectors from the profiles step, or any other field), are not
in the catalogue, so without this step a reload would silently drop them and every ``cf_vector`` feature would
fall to its missing value after the swap.

Each such ``knn_vector`` field is mapped in the new version exactly as in the live one, and its values are
merged into the documents while they are built: one ``_mget`` of the live version per batch, so every
document is written once (a later partial ``update`` would re-index every document a second time; measured
about 2x slower for the whole reload). Items that left the catalogue are counted as dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ClusterStateError
from .mappings import field_mappings
from .versions import live_indices

log = logging.getLogger(__name__)



#: OpenSearch's ``knn_vector`` (``dimension``) and Elasticsearch's ``dense_vector`` (``dims``).
VECTOR_TYPES = ("knn_vector", "dense_vector")


def _dims(mapping: dict[str, Any]) -> Any:
    return mapping.get("dimension", mapping.get("dims"))

@dataclass(frozen=True)
class CarryReport:
    source: str | None = None
    fields: tuple[str, ...] = ()
    copied: int = 0  # documents of the new version that got carried vectors
    dropped: int = 0  # documents of the live version with such vectors that are not in the new catalogue


class Carrier:
    """Merges the carried fields of the live version into documents, batch by batch (thread-safe)."""

    def __init__(self, client: Any, source: str, mappings: dict[str, dict[str, Any]]) -> None:
        self.client = client
        self.source = source
        self.mappings = mappings
        self.fields = tuple(sorted(mappings))
        self.available = int(client.count(index=source, body={"query": _has_any(self.fields)})["count"])
        self._copied = 0
        self._lock = threading.Lock()

    def map_into(self, index: str) -> None:
        """Map the carried fields in ``index`` as in the source (before any document is written).

        A field the new version already maps (``--cf-dim``) must have the source's dimension; otherwise the
        old vectors cannot go into it, and that is an error that says how to choose.
        """
        present = field_mappings(self.client, index)
        for name, body in self.mappings.items():
            mapped = present.get(name)
            if mapped is not None and _dims(mapped) != _dims(body):
                raise ClusterStateError(
                    f"{index} maps '{name}' with dimension {_dims(mapped)}, but the live version "
                    f"{self.source} holds {_dims(body)}-d vectors to carry over; pass --cf-vectors "
                    f"with the new vectors, or --no-carry-vectors to load without them"
                )
        missing = {name: body for name, body in self.mappings.items() if name not in present}
        if missing:
            self.client.indices.put_mapping(index=index, body={"properties": missing})

    def merge(self, docs: list[dict[str, Any]]) -> None:
        """Add the carried fields to the documents (by their ``id``) that have them in the live version."""
        if not docs or not self.available:
            return
        try:
            response = self.client.mget(
                index=self.source,
                body={"ids": [doc["id"] for doc in docs]},
                _source_includes=list(self.fields),
            )
        except Exception as exc:
            raise ClusterStateError(
                f"could not read {', '.join(self.fields)} from {self.source} to carry them over ({exc}); "
                f"run the load again, or pass --no-carry-vectors to load without them"
            ) from exc
        found = {hit["_id"]: hit.get("_source") or {} for hit in response["docs"] if hit.get("found")}
        copied = 0
        for doc in docs:
            carried = found.get(doc["id"])
            if carried:
                doc.update((name, value) for name, value in carried.items() if name in self.mappings)
                copied += 1
        with self._lock:
            self._copied += copied

    def report(self) -> CarryReport:
        return CarryReport(self.source, self.fields, self._copied, max(0, self.available - self._copied))


def plan_carry(client: Any, alias: str, *, written: Iterable[str]) -> Carrier | None:
    """A :class:`Carrier` for the live version's ``knn_vector`` fields not in ``written``, or None.

    ``written`` names the vector fields this load fills itself (they are never carried). None before the first
    load (no live version), when the alias points at several indices, or when there is nothing to carry.
    """
    live = live_indices(client, alias)
    if len(live) != 1:
        if len(live) > 1:
            log.warning("alias '%s' points at %s; not carrying vectors over", alias, ", ".join(live))
        return None
    source = live[0]
    skip = set(written)
    carried = {
        name: body
        for name, body in field_mappings(client, source).items()
        if body.get("type") in VECTOR_TYPES and name not in skip
    }
    if not carried:
        return None
    log.info("carrying %s over from %s", ", ".join(sorted(carried)), source)
    return Carrier(client, source, carried)


def _has_any(fields: tuple[str, ...]) -> dict[str, Any]:
    return {"bool": {"should": [{"exists": {"field": name}} for name in fields], "minimum_should_match": 1}}
