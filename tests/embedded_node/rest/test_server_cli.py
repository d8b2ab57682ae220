"""``mmltr serve``: loopback by default, remote binds refused unless asked; a real subprocess over HTTP."""
from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from opensearchpy import OpenSearch

from plugin_integration.cli import main
from embedded_node.rest.server import RemoteBindRefused, check_bind_host


def test_check_bind_host():
    check_bind_host("127.0.0.1", False)
    check_bind_host("localhost", False)
    with pytest.raises(RemoteBindRefused):
        check_bind_host("0.0.0.0", False)
    check_bind_host("0.0.0.0", True)


def test_serve_refuses_remote_host_without_flag(tmp_path):
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code != 0
    assert "not a loopback address" in result.output and "--allow-remote" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_subprocess_then_in_process_client_sees_the_data(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "plugin_integration", "--data-dir", str(tmp_path), "serve",
                             "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        client = OpenSearch(hosts=[f"http://127.0.0.1:{port}"])
        for _ in range(100):
            try:
                client.info()
                break
            except Exception:
                time.sleep(0.1)
        client.index(index="served", id="1", body={"title": "over http"}, refresh=True)
        assert client.search(index="served")["hits"]["total"]["value"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    from plugin_integration.client import make_client

    local = make_client(None, tmp_path)
    try:
        assert local.get(index="served", id="1")["_source"] == {"title": "over http"}
    finally:
        local.close()


def test_serve_with_basic_auth_and_tls_in_a_subprocess(tmp_path):
    """``mmltr serve --user alice --tls-cert ... --tls-key ...`` (password from MMLTR_SERVE_PASSWORD): HTTPS,
    and requests without the password are refused."""
    import os
    import shutil

    from opensearchpy import AuthenticationException

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    port = _free_port()
    env = {**os.environ, "MMLTR_SERVE_PASSWORD": "pw-from-env"}
    proc = subprocess.Popen([sys.executable, "-m", "plugin_integration", "--data-dir", str(tmp_path / "d"), "serve",
                             "--port", str(port), "--user", "alice", "--tls-cert", str(cert), "--tls-key", str(key)],
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        client = OpenSearch(hosts=[f"https://localhost:{port}"], ca_certs=str(cert), http_auth=("alice", "pw-from-env"))
        for _ in range(100):
            try:
                info = client.info()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        assert info["version"]["number"]
        with pytest.raises(AuthenticationException):
            OpenSearch(hosts=[f"https://localhost:{port}"], ca_certs=str(cert), http_auth=("alice", "wrong")).info()
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert f"https://127.0.0.1:{port}" in stderr and "pw-from-env" not in stderr


def test_serve_refuses_a_user_without_a_password_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MMLTR_SERVE_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "serve", "--port", "0", "--user", "alice"])
    assert result.exit_code != 0 and "MMLTR_SERVE_PASSWORD" in result.output


def test_serve_warns_when_remote_and_unauthenticated(tmp_path, monkeypatch):
    """The bind itself is stubbed out (no server starts): only the warning is under test."""
    import plugin_integration.cli_serve as cli_serve

    def refuse(*args, **kwargs):
        raise RemoteBindRefused("stop here")

    monkeypatch.setattr(cli_serve, "serve_embedded_node", refuse)
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0", "--allow-remote"])
    assert "no authentication" in result.output and result.exit_code != 0
