"""Who may call a served node: Host and Origin (cross-site and DNS rebinding), JSON content types only (406 as
OpenSearch), optional basic authentication and TLS.

The probe: a page open in the user's browser could delete indices on localhost:9200 with ``Content-Type:
text/plain`` and ``Origin: http://evil.example`` (``POST /_aliases`` with ``remove_index``: 200)."""
from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess

import pytest
from opensearchpy import AuthenticationException, OpenSearch

from embedded_node.rest.http_settings import BasicAuthUsers, HttpSettings, read_users_file
from support.http_raw import request, served

REMOVE = json.dumps({"actions": [{"remove_index": {"index": "items"}}]}).encode()


@pytest.fixture
def node_port(tmp_path):
    with served(tmp_path / "node") as (node, server):
        node.index_doc("items", "1", None, {"title": "kept"}, refresh=True)
        yield node, server.server_address[1]


def test_the_cross_site_remove_index_of_the_probe_is_refused_and_the_index_kept(node_port):
    node, port = node_port
    status, _, body = request(port, "POST", "/_aliases", REMOVE,
                              {"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert status == 403 and body["error"]["type"] == "security_exception"
    status, _, body = request(port, "POST", "/_aliases", REMOVE, {"Content-Type": "text/plain"})
    assert status == 406 and body == {"error": "Content-Type header [text/plain] is not supported", "status": 406}
    assert "items" in node.indices


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/yaml", None])
def test_a_body_that_is_not_json_is_a_406(node_port, content_type):
    _, port = node_port
    status, _, body = request(port, "POST", "/items/_search", b"{}", {"Content-Type": content_type})
    assert status == 406 and body["status"] == 406 and "Content-Type header" in body["error"]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=UTF-8",
                                          "application/x-ndjson", "application/vnd.opensearch+json"])
def test_json_content_types_are_accepted(node_port, content_type):
    _, port = node_port
    assert request(port, "POST", "/items/_search", b"{}", {"Content-Type": content_type})[0] == 200


def test_a_bodyless_request_needs_no_content_type(node_port):
    _, port = node_port
    assert request(port, "GET", "/items/_search", headers={"Content-Type": None})[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:9200", "localhost.evil.example", "127.0.0.1.nip.io"])
def test_a_foreign_host_name_is_refused_as_dns_rebinding(node_port, host):
    _, port = node_port
    status, _, body = request(port, "GET", "/", headers={"Host": host})
    assert status == 403 and "DNS-rebinding" in body["error"]["reason"]


@pytest.mark.parametrize("host", ["localhost", "localhost:9200", "127.0.0.1:9200", "[::1]:9200", "10.1.2.3"])
def test_loopback_names_and_ip_literals_are_accepted(node_port, host):
    _, port = node_port
    assert request(port, "GET", "/", headers={"Host": host})[0] == 200


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Sec-Fetch-Site": "cross-site"}])
def test_browser_cross_origin_requests_are_refused(node_port, headers):
    _, port = node_port
    assert request(port, "GET", "/", headers=headers)[0] == 403


def test_allowed_hosts_and_origins_are_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("MMLTR_HTTP_ALLOWED_HOSTS", "search.internal")
    monkeypatch.setenv("MMLTR_HTTP_ALLOWED_ORIGINS", "http://localhost:5601")
    with served(tmp_path / "node", HttpSettings.from_env()) as (_, server):
        port = server.server_address[1]
        assert request(port, "GET", "/", headers={"Host": "search.internal:9200"})[0] == 200
        status, headers, _ = request(port, "GET", "/", headers={"Origin": "http://localhost:5601"})
        assert status == 200 and headers["access-control-allow-origin"] == "http://localhost:5601"
        status, headers, _ = request(port, "OPTIONS", "/items/_search", headers={
            "Origin": "http://localhost:5601", "Access-Control-Request-Method": "POST"})  # a browser's preflight
        assert status == 200 and "POST" in headers["access-control-allow-methods"]
        assert "Content-Type" in headers["access-control-allow-headers"]
        status, headers, _ = request(port, "GET", "/", headers={"Origin": "http://localhost:5602"})
        assert status == 403 and "access-control-allow-origin" not in headers


def test_basic_auth_when_configured(tmp_path):
    users = tmp_path / "users"
    users.write_text("# the node's users\nalice:s3cret:with:colons\n")
    settings = HttpSettings(auth=read_users_file(str(users)))
    with served(tmp_path / "node", settings) as (_, server):
        port = server.server_address[1]
        status, headers, body = request(port, "GET", "/")
        assert status == 401 and headers["www-authenticate"].startswith("Basic")
        assert body["error"]["type"] == "security_exception"
        bad = base64.b64encode(b"alice:wrong").decode()
        assert request(port, "GET", "/", headers={"Authorization": f"Basic {bad}"})[0] == 401
        assert request(port, "GET", "/", headers={"Authorization": "Basic !!!"})[0] == 401
        client = OpenSearch(hosts=[f"http://127.0.0.1:{port}"], http_auth=("alice", "s3cret:with:colons"))
        assert client.info()["version"]["distribution"] == "opensearch"
        with pytest.raises(AuthenticationException):
            OpenSearch(hosts=[f"http://127.0.0.1:{port}"], http_auth=("bob", "s3cret:with:colons")).info()


def test_a_malformed_users_file_names_the_line(tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:pw\nbob\n")
    with pytest.raises(ValueError, match=r"users:2: expected 'user:password'"):
        read_users_file(str(users))
    assert BasicAuthUsers({"a": "b"}).check("a", "b") and not BasicAuthUsers({"a": "b"}).check("x", "b")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    with served(tmp_path / "node", HttpSettings(read_timeout_s=2.0), ssl_context=context) as (_, server):
        port = server.server_address[1]
        client = OpenSearch(hosts=[f"https://localhost:{port}"], ca_certs=str(cert), verify_certs=True)
        assert client.info()["cluster_name"]
        assert request(port, "GET", "/", timeout=5)[0] is None  # plain HTTP to a TLS port: no HTTP reply


def test_serve_security_reads_users_password_env_and_tls_files(tmp_path):
    from embedded_node.rest.http_settings import serve_security

    users = tmp_path / "users"
    users.write_text("alice:pw1\n")
    settings, context = serve_security(str(users), "bob", environ={"MMLTR_SERVE_PASSWORD": "pw2"})
    assert settings.auth is not None and settings.auth.check("alice", "pw1") and settings.auth.check("bob", "pw2")
    assert context is None
    with pytest.raises(ValueError, match="MMLTR_SERVE_PASSWORD"):
        serve_security(user="bob", environ={})
    with pytest.raises(ValueError, match="both --tls-cert and --tls-key"):
        serve_security(cert=str(users), environ={})
    with pytest.raises(ValueError, match="cannot load the TLS certificate"):
        serve_security(cert=str(users), key=str(users), environ={})
    with pytest.raises(ValueError, match="--users-file .*missing"):
        serve_security(users_file=str(tmp_path / "missing"), environ={})
    assert serve_security(environ={})[0].auth is None  # nothing asked: no authentication, as before
