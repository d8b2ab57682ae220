"""The indexer's exceptions: one base class, so the CLI can turn each into a message, not a traceback.

Every message names the input (file, row, field, index) and the fix, because the person reading it is
usually running ``mmltr index load`` on their own catalogue and has no reason to read our code.
"""

from __future__ import annotations


class IndexerError(Exception):
    """Base class of every error the indexer raises on purpose."""


class CatalogError(IndexerError):
    """The catalogue cannot be read, or a row was rejected in ``--strict`` mode."""


class EncoderError(IndexerError):
    """An encoder spec cannot be resolved or loaded (unknown name, missing weights, missing extra)."""


class ClusterStateError(IndexerError):
    """The cluster is not in the state an operation needs (alias name taken by an index, no such version)."""


class BulkFailure(IndexerError):
    """More documents failed to index than the run allows; the new version was not made live."""
