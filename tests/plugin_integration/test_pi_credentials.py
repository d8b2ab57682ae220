"""Credentials for real clusters (issue 14): environment variables or a credentials file, never a flag; API keys,
CA bundles, client certificates and AWS SigV4 become opensearch-py options; TLS verification is on by default;
warnings for a password in the URL and for secrets over plain http; no secret in any repr, message or log.
"""
from __future__ import annotations

import base64
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearchpy import Urllib3AWSV4SignerAuth

from embedded_node.node import open_node, release_node
from embedded_node.rest.http_settings import BasicAuthUsers, HttpSettings
from embedded_node.rest.server import make_server
from plugin_integration.cli import main
from plugin_integration.client import make_client
from plugin_integration.credentials import (
    Credentials,
    CredentialsError,
    client_options,
    load_credentials,
    redact_url,
    with_url_credentials,
)

SECRET = "s3cr3t-Pa55"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def _connection(client):  # the single urllib3 connection of a one-host client
    return client.transport.get_connection()


def test_basic_auth_from_the_environment_becomes_an_authorization_header() -> None:
    creds = load_credentials(environ={"MMLTR_USERNAME": "ann", "MMLTR_PASSWORD": SECRET})
    assert creds.method == "basic" and creds.sources == ("MMLTR_USERNAME", "MMLTR_PASSWORD")
    client = make_client("https://search.example:9200", credentials=creds)
    expected = "Basic " + base64.b64encode(f"ann:{SECRET}".encode()).decode()
    assert _connection(client).headers["authorization"] == expected
    assert SECRET not in repr(creds) and SECRET not in repr(client.transport.hosts)


def test_mmltr_user_is_read_like_mmltr_dashboards_reads_it() -> None:
    assert load_credentials(environ={"MMLTR_USER": "ann", "MMLTR_PASSWORD": "x"}).username == "ann"


def test_a_password_in_the_url_is_moved_out_of_it_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        url, creds = with_url_credentials(Credentials(), f"https://ann:{SECRET}@search.example:9200/")
    assert url == "https://search.example:9200/" and (creds.username, creds.password) == ("ann", SECRET)
    assert "ps" in caplog.text and "MMLTR_PASSWORD" in caplog.text
    assert "https://ann:***@search.example:9200/" in caplog.text and SECRET not in caplog.text
    with pytest.raises(CredentialsError, match="keep one") as both:
        with_url_credentials(Credentials(api_key="k", sources=("MMLTR_API_KEY",)), f"https://a:{SECRET}@h")
    assert SECRET not in str(both.value)


def test_percent_encoded_url_passwords_are_decoded_and_redacted() -> None:
    url, creds = with_url_credentials(Credentials(), "https://ann:p%40ss%3Aword@h:9200")
    assert url == "https://h:9200" and creds.password == "p@ss:word"
    assert redact_url("https://ann:p%40ss@h:9200/x") == "https://ann:***@h:9200/x"
    assert redact_url("https://h:9200") == "https://h:9200"


def test_secrets_over_plain_http_are_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        client_options("http://h:9200", Credentials(username="a", password=SECRET))
        client_options("http://h:9200", Credentials(api_key=SECRET))
        client_options("https://h:9200", Credentials(username="a", password=SECRET))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and "a password" in warnings[0] and "an API key" in warnings[1]
    assert all("plain http" in w and SECRET not in w for w in warnings)


def test_tls_is_verified_by_default_with_a_ca_bundle_and_client_certificate(tmp_path: Path) -> None:
    ca, cert, key = (tmp_path / n for n in ("ca.pem", "client.pem", "client.key"))
    for path in (ca, cert, key):
        path.write_text(PEM)
    default = make_client("https://h:9200", credentials=Credentials())
    assert _connection(default).pool.cert_reqs == "CERT_REQUIRED"
    creds = load_credentials(environ={"MMLTR_CA_CERTS": str(ca), "MMLTR_CLIENT_CERT": str(cert),
                                      "MMLTR_CLIENT_KEY": str(key)})
    pool = _connection(make_client("https://h:9200", credentials=creds)).pool
    assert (pool.ca_certs, pool.cert_file, pool.key_file, pool.cert_reqs) == (str(ca), str(cert), str(key),
                                                                               "CERT_REQUIRED")


def test_turning_verification_off_is_explicit_and_warned(caplog: pytest.LogCaptureFixture) -> None:
    creds = load_credentials(environ={"MMLTR_VERIFY_CERTS": "false"})
    with caplog.at_level(logging.WARNING):
        client = make_client("https://h:9200", credentials=creds)
    assert _connection(client).pool.cert_reqs == "CERT_NONE"
    assert "verification is OFF" in caplog.text
    with pytest.raises(CredentialsError, match="true or false"):
        load_credentials(environ={"MMLTR_VERIFY_CERTS": "maybe"})


@pytest.mark.parametrize("given, sent", [
    ("os_abcdef123", "os_abcdef123"),  # an OpenSearch (>= 3.7) token, or an Elasticsearch "encoded" key
    ("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw", base64.b64encode(
        b"VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").decode()),  # Elasticsearch id:api_key
])
def test_api_keys_go_in_an_apikey_authorization_header(given: str, sent: str) -> None:
    client = make_client("https://h:9200", credentials=load_credentials(environ={"MMLTR_API_KEY": given}))
    assert _connection(client).headers["authorization"] == f"ApiKey {sent}"


def test_a_credentials_file_is_read_and_the_environment_overrides_it(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "creds.toml"
    path.write_text(f'username = "ann"\npassword = "{SECRET}"\nverify_certs = true\n')
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING):
        creds = load_credentials(path, environ={})
    assert (creds.username, creds.password, creds.sources) == ("ann", SECRET, (str(path),))
    assert caplog.records == []
    override = load_credentials(path, environ={"MMLTR_PASSWORD": "other"})
    assert override.password == "other" and override.sources == (str(path), "MMLTR_PASSWORD")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        load_credentials(path, environ={})
    assert "readable by other users" in caplog.text and "chmod 600" in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize("content, message", [
    ('usr = "ann"\n', "unknown key"),
    ('password = "x"\n', "needs a user and a password"),
    ('username = "a"\npassword = "b"\napi_key = "c"\n', "keep one auth method"),
    ('aws_region = "eu-west-1"\naws_service = "s3"\n', "aoss"),
    ('ca_certs = "/nowhere/ca.pem"\n', "file not found"),
    (f'password = "{SECRET}\n', "not valid TOML"),
])
def test_bad_credentials_files_name_the_problem_never_the_secret(tmp_path: Path, content: str,
                                                                 message: str) -> None:
    path = tmp_path / "creds.toml"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match=message) as err:
        load_credentials(path, environ={})
    assert SECRET not in str(err.value)
    with pytest.raises(CredentialsError, match="not found"):
        load_credentials(tmp_path / "missing.toml", environ={})


def test_aws_sigv4_signs_with_opensearch_py_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    creds = load_credentials(environ={"MMLTR_AWS_REGION": "eu-west-1", "MMLTR_AWS_SERVICE": "aoss"})
    client = make_client("https://abc.eu-west-1.aoss.amazonaws.com", credentials=creds)
    signer = _connection(client).http_auth
    assert isinstance(signer, Urllib3AWSV4SignerAuth) and signer.service == "aoss"
    headers = signer("GET", "https://abc.eu-west-1.aoss.amazonaws.com/_cat/indices", b"", {})
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/aoss/aws4_request" in headers["Authorization"]
    assert SECRET not in repr(headers)


def test_aws_sigv4_without_boto3_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if it were not installed
    with pytest.raises(CredentialsError, match=r"needs boto3: pip install 'mmltr\[aws\]'"):
        make_client("https://h", credentials=Credentials(aws_region="eu-west-1"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``mmltr serve``'s HTTP server in a thread on a free port, requiring basic auth as ann / SECRET."""
    node = open_node(str(tmp_path / "served"))
    settings = HttpSettings.from_env({}).with_(auth=BasicAuthUsers({"ann": SECRET}))
    server = make_server(node, "127.0.0.1", 0, settings=settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        release_node(node)


@pytest.mark.parametrize("where", ["environment", "file", "url"])
def test_no_secret_is_printed_or_logged_by_the_cli_at_debug_level(
    served, tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    url = served
    args = ["-vv", "--cluster", url]
    if where == "environment":
        monkeypatch.setenv("MMLTR_USERNAME", "ann")
        monkeypatch.setenv("MMLTR_PASSWORD", SECRET)
    elif where == "file":
        creds = tmp_path / "creds.toml"
        creds.write_text(f'username = "ann"\npassword = "{SECRET}"\n')
        creds.chmod(0o600)
        args += ["--credentials", str(creds)]
    else:
        args = ["-vv", "--cluster", url.replace("http://", f"http://ann:{SECRET}@")]
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(main, [*args, "index", "status"])
        failing = CliRunner().invoke(main, [*args, "index", "swap", "--alias", "missing", "--version", "previous"])
    assert result.exit_code == 0, result.output  # the server requires ann's password: it was sent
    assert failing.exit_code != 0  # an error path prints messages too
    expected = "Basic " + base64.b64encode(f"ann:{SECRET}".encode()).decode()
    monkeypatch.delenv("MMLTR_PASSWORD", raising=False)
    monkeypatch.delenv("MMLTR_USERNAME", raising=False)
    anonymous = CliRunner().invoke(main, ["--cluster", url, "index", "status"])
    assert anonymous.exit_code == 1 and "401" in anonymous.output  # and without it nothing is answered
    shown = result.output + failing.output + caplog.text + "".join(
        str(r.args) + str(r.exc_info) for r in caplog.records)
    assert "plain http" in shown  # basic auth over http:// is warned about
    assert SECRET not in shown and expected.split()[1] not in shown
