"""Installing mmltr's saved objects through the saved-objects import API of OpenSearch Dashboards or Kibana.

``POST <url>/api/saved_objects/_import?overwrite=true`` with the NDJSON as the multipart field ``file``, and
the XSRF header the product requires on every write (``osd-xsrf`` for OpenSearch Dashboards, ``kbn-xsrf`` for
Kibana; a request without it is refused with 400). ``overwrite=true`` replaces objects with the same type and
id, and every id mmltr writes starts with ``mmltr-``; before importing, :func:`install` also reads the objects
that already hold those ids (``_bulk_get``) and refuses to replace one mmltr did not write (a chart or a
dashboard without :data:`~.dashboards_objects.MARKER`, an index pattern over another index).

The product is recognised by the header its API answers with (``osd-name`` / ``kbn-name``), so ``--flavour``
is only needed behind a proxy that strips it.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import requests

from .credentials import Credentials, client_options, with_url_credentials
from .dashboards_objects import FLAVOURS, MARKER, SavedObjects

log = logging.getLogger(__name__)

TIMEOUT_S = 30


class DashboardsError(RuntimeError):
    """Dashboards/Kibana refused or could not be reached; the message names the URL and the fix."""


@dataclass(frozen=True)
class Connection:
    """Where Dashboards/Kibana listens, and how to authenticate: the cluster's credentials
    (:mod:`.credentials`: basic auth or an API key, a CA bundle, client certificates), as requests options."""

    url: str
    auth: tuple[str, str] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    verify: bool | str = True
    cert: str | tuple[str, str] | None = None

    @classmethod
    def from_credentials(cls, url: str, creds: Credentials) -> Connection:
        """``url`` (a ``user:password@`` in it is taken out, with a warning) and the cluster's credentials."""
        url, creds = with_url_credentials(creds, url)
        if creds.method == "aws_sigv4":
            raise DashboardsError("AWS SigV4 is not supported for Dashboards here; sign in with basic auth "
                                  "(MMLTR_USERNAME/MMLTR_PASSWORD) or import the file from mmltr dashboards export "
                                  "in the Dashboards UI (Management > Saved objects > Import)")
        options = client_options(url, creds)
        cert = options.get("client_cert")
        if "client_key" in options:
            cert = (options["client_cert"], options["client_key"])
        verify: bool | str = options.get("ca_certs") or options.get("verify_certs", True)
        return cls(url, auth=options.get("http_auth"), headers=dict(options.get("headers") or {}), verify=verify,
                   cert=cert)

    def session(self) -> requests.Session:
        s = requests.Session()
        s.auth = self.auth
        s.headers.update(self.headers)
        s.verify = self.verify
        s.cert = self.cert
        return s

    def endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path


@dataclass
class ImportResult:
    """What the import API answered: objects written, and the per-object errors."""

    success: bool
    success_count: int
    errors: list[dict[str, Any]] = field(default_factory=list)


def _request(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        return session.request(method, url, timeout=TIMEOUT_S, **kwargs)
    except requests.exceptions.SSLError as exc:
        raise DashboardsError(f"TLS failed for {url}: {exc}; set MMLTR_CA_CERTS to the CA bundle that signed "
                              "the server's certificate") from exc
    except requests.exceptions.RequestException as exc:
        raise DashboardsError(f"cannot reach {url}: {exc.__class__.__name__}; start Dashboards/Kibana (docker "
                              "compose -f docker/opensearch.compose.yml up -d) or check --url") from exc


def _check(response: requests.Response, what: str) -> Any:
    if response.status_code in (401, 403):
        raise DashboardsError(f"{what}: {response.status_code} from {response.url}; set MMLTR_USERNAME and "
                              "MMLTR_PASSWORD (or MMLTR_API_KEY, or --credentials FILE) for a user allowed to "
                              "manage saved objects")
    if response.status_code == 404:
        raise DashboardsError(f"{what}: {response.url} does not exist; --url must be the OpenSearch Dashboards "
                              "or Kibana address (e.g. http://localhost:5601), not the cluster's")
    if response.status_code >= 400:
        raise DashboardsError(f"{what}: {response.status_code} from {response.url}: {response.text[:500]}")
    try:
        return response.json()
    except ValueError as exc:
        raise DashboardsError(f"{what}: {response.url} answered {response.status_code} with no JSON; is --url "
                              "OpenSearch Dashboards or Kibana?") from exc


def detect_flavour(conn: Connection, session: requests.Session | None = None) -> str:
    """``opensearch`` or ``kibana``, from the header ``GET /api/status`` answers with."""
    session = session or conn.session()
    response = _request(session, "GET", conn.endpoint("/api/status"))
    if response.status_code in (400, 404) and "no handler found for uri" in response.text:
        raise DashboardsError(f"{conn.url} answers like a search cluster (OpenSearch, Elasticsearch or mmltr serve), "
                              "not like Dashboards/Kibana: --url must be Dashboards or Kibana (e.g. "
                              "http://localhost:5601); the embedded node cannot serve Dashboards, start docker/ "
                              "(docs/clusters.md)")
    _check(response, "reading the status")
    if "osd-name" in response.headers:
        return "opensearch"
    if "kbn-name" in response.headers:
        return "kibana"
    raise DashboardsError(f"{conn.url} answered /api/status without an osd-name or kbn-name header: it is not "
                          "OpenSearch Dashboards or Kibana, or a proxy strips the header; pass --flavour")


@dataclass
class Existing:
    """What the target holds under mmltr's ids: absent (``new``), written by mmltr (``replaced`` by an install)
    or written by someone else (``foreign``: an install refuses to touch them). Entries are ``type:id``."""

    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def existing_objects(conn: Connection, objects: SavedObjects, session: requests.Session) -> Existing:
    """Sort ``objects`` by what the target already holds under their ids (one ``_bulk_get``)."""
    wanted = [{"type": o["type"], "id": o["id"]} for o in objects.objects]
    response = _request(session, "POST", conn.endpoint("/api/saved_objects/_bulk_get"), json=wanted,
                        headers={objects.flavour.xsrf_header: "true"})
    found = _check(response, "reading the existing objects").get("saved_objects", [])
    held = {(e.get("type"), e.get("id")): e for e in found if not e.get("error")}
    out = Existing()
    for o in objects.objects:
        key, name = (o["type"], o["id"]), f"{o['type']}:{o['id']}"
        if key not in held:
            out.new.append(name)
            continue
        attributes = held[key].get("attributes") or {}
        if o["type"] == "index-pattern":
            mine = attributes.get("title") == o["attributes"]["title"]
        else:
            mine = MARKER in str(attributes.get("description", ""))
        (out.replaced if mine else out.foreign).append(name)
    return out


def import_objects(conn: Connection, objects: SavedObjects, session: requests.Session) -> ImportResult:
    """One ``_import?overwrite=true`` of the NDJSON."""
    files = {"file": ("mmltr.ndjson", objects.ndjson().encode("utf-8"), "application/ndjson")}
    response = _request(session, "POST", conn.endpoint("/api/saved_objects/_import"), params={"overwrite": "true"},
                        files=files, headers={objects.flavour.xsrf_header: "true"})
    body = _check(response, "importing the saved objects")
    return ImportResult(bool(body.get("success")), int(body.get("successCount", 0)), list(body.get("errors") or []))


def install(conn: Connection, objects_for: Callable[[str], SavedObjects], flavour: str | None = None,
            dry_run: bool = False) -> tuple[SavedObjects, Existing, ImportResult | None]:
    """Import mmltr's objects into Dashboards/Kibana at ``conn``; ``objects_for(flavour)`` builds them
    (:func:`.dashboards_objects.saved_objects`). Raises :class:`DashboardsError` when an object with one of our
    ids was not written by mmltr, or when the import reports errors. ``dry_run``: check and sort, import
    nothing (the result is then ``None``)."""
    session = conn.session()
    chosen = flavour or detect_flavour(conn, session)
    if chosen not in FLAVOURS:
        raise DashboardsError(f"unknown flavour {chosen!r}: use one of {', '.join(FLAVOURS)}")
    objects: SavedObjects = objects_for(chosen)
    existing = existing_objects(conn, objects, session)
    if existing.foreign:
        raise DashboardsError(f"{conn.url} already has objects with mmltr's ids that mmltr did not write: "
                              f"{', '.join(existing.foreign)}; rename or delete them (Stack Management > Saved "
                              "objects) and run mmltr dashboards install again")
    if dry_run:
        return objects, existing, None
    result = import_objects(conn, objects, session)
    if not result.success or result.errors:
        details = "; ".join(f"{e.get('type')}:{e.get('id')}: {json.dumps(e.get('error'))}" for e in result.errors)
        raise DashboardsError(f"{objects.flavour.product} at {conn.url} imported {result.success_count} of "
                              f"{len(objects.objects)} objects: {details or 'no details'}")
    log.info("imported %d saved objects into %s", result.success_count, conn.url)
    return objects, existing, result
