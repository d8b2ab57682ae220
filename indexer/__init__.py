"""mmltr indexer: catalogue -> items -> text/image vectors -> documents -> versioned index behind an alias.

The package receives an opensearch-py client and never builds one. Importing it is cheap: torch and the
model libraries load only when an encoder is asked for (``indexer.encoders.load_encoder``).
"""

from __future__ import annotations

from .catalog import CatalogStats, Limits, read_catalog
from .errors import BulkFailure, CatalogError, ClusterStateError, EncoderError, IndexerError
from .items import Item, Reject

__all__ = [
    "BulkFailure",
    "CatalogError",
    "CatalogStats",
    "ClusterStateError",
    "EncoderError",
    "IndexerError",
    "Item",
    "Limits",
    "Reject",
    "read_catalog",
]
