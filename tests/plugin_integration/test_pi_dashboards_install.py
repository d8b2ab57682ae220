"""``mmltr dashboards install``: the import request (XSRF header, multipart ``file``, ``overwrite=true``),
credentials, refusing to replace objects mmltr did not write, and the errors users meet.

Runs against :mod:`pi_dashboards_standin` (our machines cannot run Dashboards or Kibana)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pi_dashboards_standin import Standin, start

from embedded_node.node import open_node, release_node
from embedded_node.rest.server import make_server
from plugin_integration.cli import main
from plugin_integration.dashboards_objects import saved_objects


@pytest.fixture
def standin(request: pytest.FixtureRequest) -> Iterator[Standin]:
    product, credentials = getattr(request, "param", ("opensearch", None))
    state = Standin(product, credentials)
    server, thread = start(state)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def install(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["dashboards", "install", "--url", url, *args], env=env or {})


def imports(state: Standin) -> list[tuple[str, str, dict[str, str]]]:
    return [r for r in state.requests if r[1].startswith("/api/saved_objects/_import")]


def test_install_into_opensearch_dashboards(standin: Standin) -> None:
    result = install(standin.url)
    assert result.exit_code == 0, result.output
    assert "imported 11 saved objects into OpenSearch Dashboards" in result.output
    assert f"{standin.url}/app/dashboards#/view/mmltr-dashboard" in result.output
    (request,) = imports(standin)
    assert request[1] == "/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in request[2].items()}
    assert headers["osd-xsrf"] == "true" and "kbn-xsrf" not in headers
    assert headers["content-type"].startswith("multipart/form-data")
    assert sorted(standin.store) == sorted(saved_objects("opensearch").ids())
    assert "name" not in standin.store[("index-pattern", "mmltr-index-pattern-evals")]["attributes"]


@pytest.mark.parametrize("standin", [("kibana", ("elastic", "s3cret"))], indirect=True)
def test_install_into_kibana_with_credentials_from_the_environment(standin: Standin) -> None:
    result = install(standin.url, env={"MMLTR_USER": "elastic", "MMLTR_PASSWORD": "s3cret"})
    assert result.exit_code == 0, result.output
    assert "imported 11 saved objects into Kibana" in result.output
    headers = {k.lower(): v for k, v in imports(standin)[0][2].items()}
    assert headers["kbn-xsrf"] == "true"
    assert standin.store[("index-pattern", "mmltr-index-pattern-evals")]["attributes"]["name"] == "mmltr mmltr-evals"


@pytest.mark.parametrize("standin", [("kibana", ("elastic", "s3cret"))], indirect=True)
def test_wrong_credentials_name_the_options(standin: Standin) -> None:
    result = install(standin.url, env={"MMLTR_USERNAME": "elastic", "MMLTR_PASSWORD": "wrong"})
    assert result.exit_code == 1 and "401" in result.output and "MMLTR_USERNAME and MMLTR_PASSWORD" in result.output
    assert "Traceback" not in result.output and "wrong" not in result.output and not standin.store


@pytest.mark.parametrize("standin", [("opensearch", ("admin", "pw from file"))], indirect=True)
def test_credentials_file_as_for_clusters(standin: Standin, tmp_path: Path) -> None:
    creds = tmp_path / "creds.toml"
    creds.write_text('username = "admin"\npassword = "pw from file"\n', encoding="utf-8")
    creds.chmod(0o600)
    result = CliRunner().invoke(main, ["--credentials", str(creds), "dashboards", "install", "--url", standin.url],
                                env={})
    assert result.exit_code == 0, result.output
    assert len(standin.store) == 11 and "pw from file" not in result.output


def test_reinstall_replaces_mmltr_objects_and_nothing_else(standin: Standin) -> None:
    mine = {"type": "visualization", "id": "my-own-chart", "attributes": {"title": "mine", "description": ""},
            "references": []}
    standin.store[("visualization", "my-own-chart")] = mine
    first = install(standin.url)
    assert first.exit_code == 0 and "(11 new, 0 replacing mmltr's own)" in first.output
    standin.store[("visualization", "mmltr-vis-ndcg-over-time")]["attributes"]["title"] = "edited in the UI"
    result = install(standin.url, "--flavour", "opensearch")
    assert result.exit_code == 0, result.output
    assert "(0 new, 11 replacing mmltr's own)" in result.output
    assert standin.store[("visualization", "mmltr-vis-ndcg-over-time")]["attributes"]["title"].startswith("mmltr: ")
    assert standin.store[("visualization", "my-own-chart")] is mine
    assert len(standin.store) == 12


def test_an_object_mmltr_did_not_write_is_never_replaced(standin: Standin) -> None:
    theirs: dict[str, Any] = {"type": "dashboard", "id": "mmltr-dashboard",
                              "attributes": {"title": "someone else's", "description": "hand made"}, "references": []}
    standin.store[("dashboard", "mmltr-dashboard")] = theirs
    result = install(standin.url)
    assert result.exit_code == 1
    assert "dashboard:mmltr-dashboard" in result.output and "rename or delete them" in result.output
    assert not imports(standin) and standin.store == {("dashboard", "mmltr-dashboard"): theirs}


def test_import_errors_are_reported_per_object(standin: Standin, monkeypatch: pytest.MonkeyPatch) -> None:
    from plugin_integration import dashboards_objects

    def without_patterns(flavour: str) -> dashboards_objects.SavedObjects:
        objects = saved_objects(flavour)
        objects.objects = [o for o in objects.objects if o["type"] != "index-pattern"]
        return objects

    monkeypatch.setattr("plugin_integration.cli_dashboards.saved_objects", without_patterns)
    result = install(standin.url)
    assert result.exit_code == 1
    assert "imported 1 of 7 objects" in result.output and "missing_references" in result.output
    assert "visualization:mmltr-vis-ndcg-over-time" in result.output


def test_unreachable_or_wrong_urls_say_what_to_do(standin: Standin) -> None:
    closed = install("http://127.0.0.1:9")
    assert closed.exit_code == 1 and "cannot reach http://127.0.0.1:9" in closed.output and "docker" in closed.output
    not_http = install("localhost:5601")
    assert not_http.exit_code == 2 and "http(s) URL" in not_http.output
    wrong_path = install(standin.url + "/nothing-here")
    assert wrong_path.exit_code == 1 and "does not exist" in wrong_path.output and "not the cluster's" in wrong_path.output


def test_pointing_install_at_the_embedded_node_says_it_is_a_cluster(tmp_path: Path) -> None:
    """``mmltr serve``'s HTTP server (the real one) is a cluster, not Dashboards: the message says so."""
    node = open_node(str(tmp_path / "node"))
    server = make_server(node, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        result = install(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        release_node(node)
    assert result.exit_code == 1 and "answers like a search cluster" in result.output
    assert "http://localhost:5601" in result.output and "docker/" in result.output


def test_the_wrong_flavour_is_refused_by_the_xsrf_check(standin: Standin) -> None:
    """Kibana's objects sent to OpenSearch Dashboards carry kbn-xsrf, which Dashboards does not accept."""
    result = install(standin.url, "--flavour", "kibana")
    assert result.exit_code == 1 and "Request must contain the osd-xsrf header" in result.output
    assert not standin.store


def test_dry_run_checks_and_counts_but_imports_nothing(standin: Standin) -> None:
    standin.store[("dashboard", "mmltr-dashboard")] = saved_objects("opensearch").objects[-1]
    result = install(standin.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would import 11 saved objects into OpenSearch Dashboards" in result.output
    assert "(10 new, 1 replacing mmltr's own); nothing changed (--dry-run)" in result.output
    assert not imports(standin) and len(standin.store) == 1
    standin.store[("dashboard", "mmltr-dashboard")] = {"type": "dashboard", "id": "mmltr-dashboard",
                                                       "attributes": {"title": "theirs"}, "references": []}
    refused = install(standin.url, "--dry-run")
    assert refused.exit_code == 1 and "dashboard:mmltr-dashboard" in refused.output
