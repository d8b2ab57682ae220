"""Who may send a request, and in what format: Host, Origin, credentials, Content-Type.

A node on ``localhost:9200`` is reachable from every web page the user has open. Browsers send cross-site
"simple" requests (``text/plain`` bodies, no preflight) without asking, and DNS rebinding lets a page's own host
name resolve to 127.0.0.1. So, before routing:

- ``Host`` must name loopback (``localhost``, ``127.0.0.1``, ``[::1]``), be an IP literal, or be listed in
  ``allowed_hosts``: a rebinding page still sends its own name.
- a request carrying ``Origin`` (only browsers send it) must come from ``allowed_origins``; those get OpenSearch's
  CORS headers (``http.cors.*`` defaults), every other origin a 403 before anything runs.
- with basic authentication configured, ``Authorization`` must name a user and password from the users file.
- a body must be JSON (``application/json``, ``application/x-ndjson``, ``+json`` types): OpenSearch answers
  406 to anything else, including the ``text/plain`` a cross-site form or ``fetch`` can send.
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
from typing import Any, Iterable

from .. import errors
from .http_settings import LOOPBACK_HOSTS, HttpSettings

_JSON_TYPES = frozenset({"application/json", "application/x-ndjson"})


class Headers:
    """Request headers by lower-case name (several values of one name are joined with ``, `` as RFC 9110
    allows, except that callers who must refuse duplicates can ask :meth:`get_all`)."""

    def __init__(self, pairs: Iterable[tuple[bytes, bytes]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))

    def get(self, name: str) -> str | None:
        values = self._values.get(name.lower())
        return ", ".join(values) if values else None

    def get_all(self, name: str) -> list[str]:
        return list(self._values.get(name.lower(), []))


class Refused(Exception):
    """A request refused before routing: status, body (JSON-able) and extra headers to send."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def check_sender(headers: Headers, path: str, settings: HttpSettings) -> None:
    """Raise :class:`Refused` unless Host, Origin and credentials allow the request (before its body is read)."""
    hosts = headers.get_all("host")
    if len(hosts) > 1:
        raise Refused(400, errors.illegal_argument("a request must have one Host header").to_body())
    _check_host(hosts[0] if hosts else None, settings)
    _check_origin(headers, settings)
    if settings.auth is not None:
        _check_auth(headers.get("authorization"), path, settings)


def host_name(host_header: str) -> str:
    """``example.com:9200`` -> ``example.com``; ``[::1]:9200`` -> ``::1`` (lower case)."""
    text = host_header.strip().lower()
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _check_host(host_header: str | None, settings: HttpSettings) -> None:
    if host_header is None:  # HTTP/1.0 clients; browsers always send Host
        return
    name = host_name(host_header)
    if name in LOOPBACK_HOSTS or _is_ip(name) or name in settings.allowed_hosts:
        return
    raise Refused(403, errors.EngineError(
        "security_exception",
        f"Host [{host_header}] is not allowed: the node answers to loopback names and IP addresses only (a "
        "DNS-rebinding defence); add the name to MMLTR_HTTP_ALLOWED_HOSTS to allow it", 403).to_body())


def _check_origin(headers: Headers, settings: HttpSettings) -> None:
    origin = headers.get("Origin")
    fetch_site = (headers.get("Sec-Fetch-Site") or "").lower()
    if origin is None and fetch_site not in ("cross-site", "same-site"):
        return
    if origin is not None and origin in settings.allowed_origins:
        return
    raise Refused(403, errors.EngineError(
        "security_exception",
        f"cross-origin request from [{origin or fetch_site}] refused: browsers may not call the node from other "
        "sites; list trusted origins in MMLTR_HTTP_ALLOWED_ORIGINS", 403).to_body())


def _check_auth(header: str | None, path: str, settings: HttpSettings) -> None:
    assert settings.auth is not None
    challenge = {"WWW-Authenticate": 'Basic realm="security" charset="UTF-8"'}
    if not header or not header.lower().startswith("basic "):
        raise Refused(401, errors.EngineError(
            "security_exception", f"missing authentication credentials for REST request [{path}]", 401).to_body(),
            challenge)
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, sep, password = "", "", ""
    if not sep or not settings.auth.check(user, password):
        raise Refused(401, errors.EngineError(
            "security_exception", f"unable to authenticate user [{user}] for REST request [{path}]", 401).to_body(),
            challenge)


def check_content_type(content_type: str | None) -> None:
    """OpenSearch's 406 for a body it cannot parse; the body shape (``error`` as a string) is OpenSearch's."""
    if content_type is None:
        raise Refused(406, {"error": "Content-Type header is missing", "status": 406})
    media = content_type.split(";", 1)[0].strip().lower()
    # vendor types such as elasticsearch-py's application/vnd.elasticsearch+json and +x-ndjson (bulk, msearch)
    if media in _JSON_TYPES or (media.startswith("application/") and media.endswith(("+json", "+x-ndjson"))):
        return
    raise Refused(406, {"error": f"Content-Type header [{content_type}] is not supported", "status": 406})


def cors_headers(origin: str, preflight: bool) -> dict[str, str]:
    """OpenSearch's CORS answer for an allowed origin (``http.cors.allow-methods``/``-headers``/``max-age``
    defaults); credentials are not allowed (``http.cors.allow-credentials: false``)."""
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers.update({"Access-Control-Allow-Methods": "OPTIONS,HEAD,GET,POST,PUT,DELETE",
                        "Access-Control-Allow-Headers": "X-Requested-With,Content-Type,Content-Length",
                        "Access-Control-Max-Age": "1728000"})
    return headers
