"""Versioned physical indices behind an alias: ``<alias>-v<N>``, atomic alias swaps, and pruning old versions.

A reindex never touches the live index: it writes ``<alias>-v<N+1>`` and then moves the alias in one
``update_aliases`` call (remove + add in the same request), so every search sees either the old or the new
version, never neither. Old versions are deleted only beyond ``keep``, and the live one never.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from opensearchpy.exceptions import NotFoundError, RequestError

from .errors import ClusterStateError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexVersion:
    name: str
    number: int
    live: bool


def version_name(alias: str, number: int) -> str:
    return f"{alias}-v{number}"


def list_versions(client: Any, alias: str) -> list[IndexVersion]:
    """Every ``<alias>-v<N>`` index, oldest first, with whether the alias points at it."""
    try:
        response = client.indices.get_alias(index=f"{alias}-v*")
    except NotFoundError:
        return []
    pattern = re.compile(rf"^{re.escape(alias)}-v(\d+)$")
    versions = []
    for name, body in response.items():
        match = pattern.match(name)
        if match:
            aliases = (body or {}).get("aliases", {}) or {}
            versions.append(IndexVersion(name, int(match.group(1)), alias in aliases))
    return sorted(versions, key=lambda version: version.number)


def live_indices(client: Any, alias: str) -> list[str]:
    """The indices the alias points at now (normally one; none before the first load)."""
    try:
        return sorted(client.indices.get_alias(name=alias))
    except NotFoundError:
        return []


def ensure_alias_name_free(client: Any, alias: str) -> None:
    """Fail early when a concrete index already has the alias's name: an alias cannot be created over it."""
    if live_indices(client, alias):
        return
    if client.indices.exists(index=alias):
        raise ClusterStateError(
            f"'{alias}' is a concrete index, not an alias, so versions cannot be swapped behind it. "
            f"Reindex it into '{alias}-v1' (or delete it) and run the load again, or choose another --alias"
        )


def create_version(client: Any, alias: str, body: dict[str, Any]) -> str:
    """Create the next version ``<alias>-v<max+1>`` with ``body`` (settings + mappings); return its name.

    The create carries a fresh ``_meta.mmltr.load_id``: when the client retries it after a dropped connection
    or a timeout whose first try did create the index, the "already exists" answer is recognised as our own
    index (same id) instead of failing the load; anyone else's index of that name is still refused.
    """
    ensure_alias_name_free(client, alias)
    existing = list_versions(client, alias)
    name = version_name(alias, (existing[-1].number + 1) if existing else 1)
    load_id = uuid.uuid4().hex
    body = {**body, "mappings": {**body.get("mappings", {})}}
    meta = body["mappings"]["_meta"] = dict(body["mappings"].get("_meta") or {})
    meta["mmltr"] = {**(meta.get("mmltr") or {}), "load_id": load_id}
    try:
        client.indices.create(index=name, body=body)
    except RequestError as exc:
        if exc.error != "resource_already_exists_exception" or _load_id(client, name) != load_id:
            raise
        log.info("%s: created by an earlier try of this request (its answer was lost)", name)
    log.info("created %s", name)
    return name


def _load_id(client: Any, index: str) -> str | None:
    mapping = client.indices.get_mapping(index=index).get(index, {}).get("mappings", {})
    return ((mapping.get("_meta") or {}).get("mmltr") or {}).get("load_id")


def finalize_version(client: Any, index: str, settings: dict[str, Any]) -> int:
    """Restore the live settings, refresh, and return the searchable document count.

    A document written twice (a bulk retried after a dropped connection, 429 or 503 whose first try had
    already run) leaves a deleted copy, and deleted copies count in BM25's statistics until a merge
    (docCount, average length): the new version would score differently from the same catalogue loaded
    without faults. So when there are any, the version is merged to one segment (which expunges them all)
    before it goes live; a load without rewrites pays nothing.
    """
    client.indices.put_settings(index=index, body=settings)
    client.indices.refresh(index=index)
    deleted = _deleted_docs(client, index)
    if deleted:
        log.info("%s: %d rewritten document(s) left deleted copies; merging them away", index, deleted)
        client.indices.forcemerge(index=index, max_num_segments=1, request_timeout=3600)
    return int(client.count(index=index)["count"])


def _deleted_docs(client: Any, index: str) -> int:
    stats = client.indices.stats(index=index)
    return int(stats.get("indices", {}).get(index, {}).get("primaries", {}).get("docs", {}).get("deleted", 0))


def swap_alias(client: Any, alias: str, index: str) -> list[str]:
    """Point ``alias`` at ``index`` only, atomically; returns the indices it pointed at before."""
    previous = live_indices(client, alias)
    actions: list[dict[str, Any]] = [
        {"remove": {"index": old, "alias": alias}} for old in previous if old != index
    ]
    if index not in previous:
        actions.append({"add": {"index": index, "alias": alias}})
    if actions:
        try:
            client.indices.update_aliases(body={"actions": actions})
        except NotFoundError:  # a retry whose first try did swap (its answer lost): the removes now miss
            if live_indices(client, alias) != [index]:
                raise
            log.info("alias %s: the swap to %s had already happened (an earlier try's answer was lost)",
                     alias, index)
        log.info("alias %s -> %s (was %s)", alias, index, ", ".join(previous) or "nothing")
    return previous


def resolve_version(client: Any, alias: str, version: str) -> str:
    """``latest``, ``previous`` (the newest version older than the live one), ``<N>`` or a full index name."""
    versions = list_versions(client, alias)
    if not versions:
        raise ClusterStateError(
            f"no versions of '{alias}' exist; run `mmltr index load CATALOG --alias {alias}`"
        )
    names = {v.name for v in versions}
    if version == "latest":
        return versions[-1].name
    if version == "previous":
        live = [v.number for v in versions if v.live]
        older = [v for v in versions if live and v.number < min(live)]
        if not older:
            raise ClusterStateError(f"'{alias}' has no version older than the live one to roll back to")
        return older[-1].name
    name = version_name(alias, int(version)) if version.isdigit() else version
    if name not in names:
        raise ClusterStateError(
            f"'{name}' is not a version of '{alias}'; existing: {', '.join(sorted(names))}"
        )
    return name


def prunable_after_swap(versions: list[IndexVersion], live: str, keep: int) -> list[str]:
    """The versions :func:`prune_versions` would delete once ``live`` is the live one (for ``--dry-run``)."""
    idle = [v.name for v in versions if v.name != live]
    return idle[: max(0, len(idle) - keep)]


def prune_versions(client: Any, alias: str, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions that are not live; returns the deleted names."""
    if keep < 0:
        raise ClusterStateError(f"--keep must be 0 or more, got {keep}")
    idle = [v for v in list_versions(client, alias) if not v.live]
    doomed = idle[: max(0, len(idle) - keep)]
    for version in doomed:
        delete_version(client, version.name)  # a 404 on a retried delete means the first try deleted it
        log.info("deleted old version %s", version.name)
    return [v.name for v in doomed]


def delete_version(client: Any, index: str) -> None:
    """Drop a version that will never go live (an aborted load)."""
    try:
        client.indices.delete(index=index)
    except NotFoundError:
        pass
