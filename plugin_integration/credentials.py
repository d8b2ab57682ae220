"""How mmltr authenticates to a real cluster: where credentials come from and how they become client options.

Secrets never travel as command-line flags (``ps`` and shell history show those to every user of the machine):
they come from environment variables or from a credentials file (TOML, ``--credentials FILE`` or
``MMLTR_CREDENTIALS``), and a password written into ``--cluster https://user:pass@host`` still works but is
moved out of the URL and warned about. One auth method per cluster: basic auth, an API key
(``Authorization: ApiKey``, OpenSearch >= 3.7 and Elasticsearch), or AWS SigV4 through opensearch-py's signer.
TLS certificates are verified unless the user turns it off, and a secret over plain ``http://`` is warned
about. :class:`Credentials` never shows a secret in its ``repr``; :func:`redact_url` is what logs and messages
print.

======================  =====================  ==================================================================
file key                environment variable   meaning
======================  =====================  ==================================================================
``username``            ``MMLTR_USERNAME``     basic auth user (``MMLTR_USER`` also works)
``password``            ``MMLTR_PASSWORD``     basic auth password
``api_key``             ``MMLTR_API_KEY``      API key: the token as issued, or ``id:key`` (base64-encoded here)
``aws_region``          ``MMLTR_AWS_REGION``   sign requests with SigV4 for this region (credentials: boto3's
                                               chain: ``AWS_*`` variables, ``~/.aws``, instance roles)
``aws_service``         ``MMLTR_AWS_SERVICE``  ``es`` (managed OpenSearch, default) or ``aoss`` (Serverless)
``ca_certs``            ``MMLTR_CA_CERTS``     CA bundle (PEM) that signed the cluster's certificate
``client_cert``         ``MMLTR_CLIENT_CERT``  client certificate (PEM) for mutual TLS
``client_key``          ``MMLTR_CLIENT_KEY``   its private key, when not in ``client_cert``
``verify_certs``        ``MMLTR_VERIFY_CERTS`` ``false`` only for a test cluster with a self-signed certificate
======================  =====================  ==================================================================

Environment variables override the file, key by key.
"""
from __future__ import annotations

import base64
import logging
import os
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

from opensearchpy import Urllib3AWSV4SignerAuth

log = logging.getLogger(__name__)

ENV_PREFIX = "MMLTR_"
CREDENTIALS_FILE_ENV = "MMLTR_CREDENTIALS"
SECRET_KEYS = ("password", "api_key")
AWS_SERVICES = ("es", "aoss")
#: ``MMLTR_USER`` is what ``mmltr dashboards`` reads; both name the same user.
ENV_ALIASES = {"username": ("MMLTR_USERNAME", "MMLTR_USER")}


class CredentialsError(ValueError):
    """Credentials that cannot be used as given; the message names the source and the fix (never the secret)."""


@dataclass(frozen=True)
class Credentials:
    """Everything needed to authenticate to one cluster. ``repr`` hides secrets (it may end up in a log)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    aws_region: str | None = None
    aws_service: str = "es"
    ca_certs: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify_certs: bool = True
    sources: tuple[str, ...] = ()  # where each value came from, for messages: "MMLTR_PASSWORD", "creds.toml"

    @property
    def method(self) -> str:
        """``basic``, ``api_key``, ``aws_sigv4`` or ``none``."""
        if self.aws_region:
            return "aws_sigv4"
        if self.api_key:
            return "api_key"
        if self.username or self.password:
            return "basic"
        return "none"

    def secrets(self) -> tuple[str, ...]:
        """The secret values, so tests and log filters can check none of them is ever shown."""
        return tuple(v for v in (self.password, self.api_key) if v)


def redact_url(url: str) -> str:
    """``https://user:secret@host:9200/`` -> ``https://user:***@host:9200/`` (what logs and messages show)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def split_url(url: str) -> tuple[str, str | None, str | None]:
    """The URL without its ``user:password@`` part, and the (percent-decoded) user and password from it."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    host = parts.netloc.rsplit("@", 1)[1]
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return urlunsplit(parts._replace(netloc=host)), user, password


def load_credentials(credentials_file: str | os.PathLike[str] | None = None,
                     environ: Mapping[str, str] | None = None) -> Credentials:
    """Merge the credentials file (if any) and the ``MMLTR_*`` environment variables (which win)."""
    environ = os.environ if environ is None else environ
    path = credentials_file or environ.get(CREDENTIALS_FILE_ENV) or None
    values: dict[str, Any] = {}
    sources: list[str] = []
    if path:
        values.update(_read_file(Path(path)))
        sources.append(str(path))
    for f in fields(Credentials):
        if f.name == "sources":
            continue
        for name in ENV_ALIASES.get(f.name, (ENV_PREFIX + f.name.upper(),)):
            if environ.get(name):
                values[f.name] = environ[name]
                sources.append(name)
                break
    if "verify_certs" in values:
        values["verify_certs"] = _boolean(values["verify_certs"], "verify_certs")
    return _checked(Credentials(**values, sources=tuple(sources)))


def _read_file(path: Path) -> dict[str, Any]:
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {path} not found; check --credentials / "
                               f"{CREDENTIALS_FILE_ENV}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"cannot read the credentials file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:  # the message quotes positions, not values
        raise CredentialsError(f"credentials file {path} is not valid TOML ({exc}); write key = \"value\" "
                               "lines") from None
    known = {f.name for f in fields(Credentials)} - {"sources"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise CredentialsError(f"credentials file {path}: unknown key(s) {', '.join(unknown)}; use "
                               f"{', '.join(sorted(known))}")
    for key, value in data.items():
        if key != "verify_certs" and not isinstance(value, str):
            raise CredentialsError(f"credentials file {path}: {key} must be a string")
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and any(k in data for k in SECRET_KEYS):
        log.warning("credentials file %s is readable by other users; run chmod 600 %s", path, path)
    return dict(data)


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise CredentialsError(f"{name} must be true or false, got {value!r}")


def _checked(creds: Credentials) -> Credentials:
    methods = [m for m, on in (("basic auth", bool(creds.username or creds.password)),
                               ("an API key", bool(creds.api_key)),
                               ("AWS SigV4", bool(creds.aws_region))) if on]
    where = ", ".join(creds.sources) or "nowhere"
    if len(methods) > 1:
        raise CredentialsError(f"credentials from {where} set {' and '.join(methods)}; keep one auth method")
    if bool(creds.username) != bool(creds.password):
        missing = "MMLTR_PASSWORD (or password in the credentials file)" if creds.username else \
            "MMLTR_USERNAME (or username in the credentials file)"
        raise CredentialsError(f"basic auth needs a user and a password; set {missing}")
    if creds.aws_service not in AWS_SERVICES:
        raise CredentialsError(f"aws_service {creds.aws_service!r}: use es (managed OpenSearch) or aoss "
                               "(OpenSearch Serverless)")
    for name in ("ca_certs", "client_cert", "client_key"):
        value = getattr(creds, name)
        if value and not Path(value).is_file():
            raise CredentialsError(f"{name} {value}: file not found (from {where})")
    if creds.client_key and not creds.client_cert:
        raise CredentialsError("client_key is set without client_cert; set both (or a client_cert that "
                               "holds the key)")
    return creds


def with_url_credentials(creds: Credentials, url: str) -> tuple[str, Credentials]:
    """Take ``user:password@`` out of a cluster URL (warning: it shows in ``ps`` and shell history) unless
    credentials are already configured; returns the bare URL and the credentials to use."""
    bare, user, password = split_url(url)
    if user is None and password is None:
        return url, creds
    log.warning("the cluster URL %s holds a password, which other users can see in ps and your shell "
                "history; set MMLTR_USERNAME and MMLTR_PASSWORD or use --credentials FILE instead",
                redact_url(url))
    if creds.method != "none":
        raise CredentialsError(f"the cluster URL {redact_url(url)} holds credentials and "
                               f"{', '.join(creds.sources)} set {creds.method}; keep one")
    return bare, _checked(replace(creds, username=user, password=password or "",
                                  sources=creds.sources + ("the --cluster URL",)))


def client_options(url: str, creds: Credentials) -> dict[str, Any]:
    """opensearch-py keyword arguments for ``url`` (already without ``user:password@``) and ``creds``."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise CredentialsError(f"cluster URL {redact_url(url)}: use http:// or https://")
    options: dict[str, Any] = {}
    if creds.method in ("basic", "api_key") and scheme == "http":
        log.warning("sending %s to %s over plain http: anyone on the network can read it; use https://",
                    "a password" if creds.method == "basic" else "an API key", redact_url(url))
    if creds.method == "basic":
        options["http_auth"] = (creds.username, creds.password)
    elif creds.method == "api_key":
        options["headers"] = {"authorization": f"ApiKey {_api_key_token(creds.api_key or '')}"}
    elif creds.method == "aws_sigv4":
        options["http_auth"] = _aws_signer(creds.aws_region or "", creds.aws_service)
    if scheme == "https":
        options["verify_certs"] = creds.verify_certs
        if not creds.verify_certs:
            log.warning("TLS certificate verification is OFF for %s (verify_certs = false): anyone on the "
                        "path can impersonate the cluster; pass its CA with MMLTR_CA_CERTS instead",
                        redact_url(url))
            options["ssl_show_warn"] = False  # warned once here, not on every request
        for name in ("ca_certs", "client_cert", "client_key"):
            if getattr(creds, name):
                options[name] = getattr(creds, name)
    elif creds.ca_certs or creds.client_cert:
        log.warning("a CA bundle or client certificate is set but %s is plain http; they are not used",
                    redact_url(url))
    return options


def _api_key_token(value: str) -> str:
    """OpenSearch's tokens and Elasticsearch's ``encoded`` keys go as they are; ``id:key`` is base64-encoded
    as Elasticsearch expects."""
    value = value.strip()
    if ":" in value:
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    return value


def _aws_signer(region: str, service: str) -> Any:
    """opensearch-py's SigV4 signer for the default urllib3 connection, with boto3's credential chain."""
    try:
        import boto3  # deferred: an optional dependency (the aws extra), needed only for SigV4
    except ImportError:
        raise CredentialsError("AWS SigV4 (aws_region / MMLTR_AWS_REGION) needs boto3: pip install "
                               "'mmltr[aws]'") from None
    aws = boto3.Session(region_name=region).get_credentials()
    if aws is None:
        raise CredentialsError("AWS SigV4: boto3 found no AWS credentials; set AWS_ACCESS_KEY_ID and "
                               "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run where an instance role applies")
    return Urllib3AWSV4SignerAuth(aws, region, service)
