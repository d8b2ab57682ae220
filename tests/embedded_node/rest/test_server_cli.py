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
