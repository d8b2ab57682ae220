"""The HTTP server's settings: size limits, timeouts, the worker pool, and who may talk to it.

Named after OpenSearch's ``http.*`` node settings where one exists (``http.max_content_length``,
``http.read_timeout``...). Defaults are sized for a node on a laptop or a CI runner: enough workers and a deep
enough listen backlog for a burst of clients, while a slow or half-sent request is dropped after a bounded time
instead of holding a thread forever.
"""
from __future__ import annotations

import hmac
import os
import ssl
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

MIB = 1024 * 1024

# Host names a loopback-bound node answers to; anything else is refused, which stops DNS rebinding (a page on
# evil.example whose name later resolves to 127.0.0.1 still sends ``Host: evil.example``).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "localhost.localdomain"})


@dataclass(frozen=True)
class BasicAuthUsers:
    """``user -> password`` for HTTP basic authentication (compared in constant time)."""

    users: Mapping[str, str]

    def check(self, user: str, password: str) -> bool:
        expected = self.users.get(user)
        # compare against something even for an unknown user, so timing does not reveal which names exist
        return hmac.compare_digest((expected or "\0").encode(), password.encode()) and expected is not None


@dataclass(frozen=True)
class HttpSettings:
    """Limits and policies of ``mmltr serve``'s HTTP server (see the module docstring)."""

    max_content_length: int = 100 * MIB  # http.max_content_length: the body as sent
    max_decompressed_length: int = 100 * MIB  # the body after Content-Encoding: gzip/deflate
    read_timeout_s: float = 30.0  # a started request must arrive completely within this time (http.read_timeout)
    idle_timeout_s: float = 120.0  # a keep-alive connection with no new request is closed after this
    workers: int = 32  # requests handled at once
    max_pending: int = 512  # accepted connections waiting for a worker; beyond it: 429 at once
    backlog: int = 1024  # listen(2) backlog: connections the kernel queues before accept
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)  # Host names accepted besides loopback
    allowed_origins: frozenset[str] = field(default_factory=frozenset)  # browser origins accepted (CORS-less)
    auth: BasicAuthUsers | None = None

    def with_(self, **changes: Any) -> "HttpSettings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "HttpSettings":
        """Defaults, overridden by ``MMLTR_HTTP_ALLOWED_HOSTS`` / ``MMLTR_HTTP_ALLOWED_ORIGINS`` (comma lists)."""
        hosts = _csv(environ.get("MMLTR_HTTP_ALLOWED_HOSTS", ""))
        origins = _csv(environ.get("MMLTR_HTTP_ALLOWED_ORIGINS", ""))
        return cls(allowed_hosts=frozenset(h.lower() for h in hosts), allowed_origins=frozenset(origins))


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def read_users_file(path: str) -> BasicAuthUsers:
    """``user:password`` per line (``#`` comments); a malformed line names the file and line."""
    users: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            user, sep, password = text.partition(":")
            if not sep or not user or not password:
                raise ValueError(f"{path}:{number}: expected 'user:password'")
            users[user] = password
    if not users:
        raise ValueError(f"{path}: no 'user:password' line found")
    return BasicAuthUsers(users)


PASSWORD_ENV = "MMLTR_SERVE_PASSWORD"


def serve_security(users_file: str | None = None, user: str | None = None, cert: str | None = None,
                   key: str | None = None, environ: Mapping[str, str] = os.environ,
                   base: HttpSettings | None = None) -> tuple[HttpSettings, ssl.SSLContext | None]:
    """``mmltr serve``'s authentication and TLS: users from ``users_file`` and/or ``user`` (whose password is
    read from ``MMLTR_SERVE_PASSWORD``, never from a flag that ``ps`` shows), a server certificate and key.
    Every mistake is a ``ValueError`` naming the option and the fix."""
    settings = base or HttpSettings.from_env(environ)
    users: dict[str, str] = {}
    if users_file:
        try:
            users.update(read_users_file(users_file).users)
        except OSError as exc:
            raise ValueError(f"--users-file {users_file}: {exc.strerror or exc}") from None
    if user:
        password = environ.get(PASSWORD_ENV)
        if not password:
            raise ValueError(f"--user {user} needs its password in the environment variable {PASSWORD_ENV} "
                             "(never on the command line, where ps shows it)")
        users[user] = password
    if users:
        settings = settings.with_(auth=BasicAuthUsers(users))
    if bool(cert) != bool(key):
        raise ValueError("TLS needs both --tls-cert and --tls-key (PEM files)")
    context = None
    if cert and key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load the TLS certificate [{cert}] and key [{key}]: {exc}") from None
    return settings, context
