"""Index-name rules (``MetadataCreateIndexService.validateIndexOrAliasName``), checked before an index exists."""
from __future__ import annotations

from .. import errors

INVALID_CHARS = frozenset('\\/*?"<>| ,#:')


def validate_index_name(name: str) -> None:
    if not name:
        raise errors.invalid_index_name(name, "must not be empty")
    if name != name.lower():
        raise errors.invalid_index_name(name, "must be lowercase")
    bad = sorted(ch for ch in set(name) if ch in INVALID_CHARS)
    if bad:
        raise errors.invalid_index_name(name, f"must not contain the following characters {sorted(INVALID_CHARS)}")
    if name[0] in "_-+":
        raise errors.invalid_index_name(name, "must not start with '_', '-', or '+'")
    if name in (".", ".."):
        raise errors.invalid_index_name(name, "must not be '.' or '..'")
    if len(name.encode()) > 255:
        raise errors.invalid_index_name(name, "index name is too long, (" + str(len(name.encode())) + " > 255)")
