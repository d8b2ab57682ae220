"""Index- and alias-name rules (``MetadataCreateIndexService.validateIndexOrAliasName``, ``AliasValidator``),
checked before an index or alias exists."""
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


def validate_alias_name(name: str) -> None:
    """OpenSearch's alias rules (no lower-case rule), plus one of ours: no control characters (a NUL in a name
    passes OpenSearch's check but breaks every tool that later prints or stores the name)."""
    def invalid(why: str) -> errors.EngineError:
        return errors.EngineError("invalid_alias_name_exception", f"Invalid alias name [{name}], {why}", 400)

    if not isinstance(name, str) or not name.strip():
        raise errors.illegal_argument("alias name is required and must not be empty")
    if any(ch in INVALID_CHARS for ch in name):
        raise invalid(f"must not contain the following characters {sorted(INVALID_CHARS)}")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise invalid("must not contain control characters (such as NUL)")
    if name[0] in "_-+":
        raise invalid("must not start with '_', '-', or '+'")
    if name in (".", ".."):
        raise invalid("must not be '.' or '..'")
    if len(name.encode()) > 255:
        raise invalid(f"alias name is too long, ({len(name.encode())} > 255)")
