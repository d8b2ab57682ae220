"""docker/: the compose files validate against the Compose Specification's JSON schema, carry the settings mmltr
relies on, wait for the plugins mmltr needs, and pin plugin builds that exist for their image versions.

Our machines have no Docker engine, so this is what can be checked without one: the schema (the compose-spec
schema that check-jsonschema ships), the structure, and the version pairs against the releases on record.
"""
from __future__ import annotations

import importlib.resources
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from embedded_node.node import open_node, release_node
from embedded_node.rest.server import make_server

DOCKER = Path(__file__).resolve().parents[1] / "docker"
COMPOSE_FILES = ["opensearch.compose.yml", "elasticsearch.compose.yml"]

#: o19s LTR releases (plugin version, exact Elasticsearch version) on record, and where each is recorded.
#: The plugin is built per exact ES version; a pair that is not released fails `docker compose build`.
LTR_RELEASES = {
    ("1.5.10", "8.15.3"): "release asset v1.5.10-es8.15.3/ltr-plugin-v1.5.10-es8.15.3.zip (o19s #502)",
    ("1.5.10", "8.17.2"): "o19s #509 'update to ES version 8.17.2'; shared/reference/ltr-plugin.md (v1.5.10-es8.17.2+)",
}
#: The LTR plugin is bundled in the OpenSearch distribution from 2.19.0 (opensearch-ltr); k-NN long before.
OPENSEARCH_LTR_BUNDLED = (2, 19, 0)
#: OpenSearch (and OpenSearch Dashboards, released in step) versions on record: 2.19.1 (OpenSearch #17469 release
#: notes), 2.19.2 (deployments updated to it), 2.19.3 (opensearch-build #5655), 2.19.6 (documentation version history).
OPENSEARCH_RELEASES = {"2.19.0", "2.19.1", "2.19.2", "2.19.3", "2.19.6"}


def compose(name: str) -> dict[str, Any]:
    return yaml.safe_load((DOCKER / name).read_text(encoding="utf-8"))


def default(value: str) -> str:
    """``${VAR:-default}`` -> ``default`` (what compose uses when VAR is unset)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def env(service: dict[str, Any]) -> dict[str, str]:
    items = service.get("environment") or []
    if isinstance(items, dict):
        return {k: str(v) for k, v in items.items()}
    return dict(item.split("=", 1) for item in items)


def version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_file_validates_against_the_compose_spec(name: str) -> None:
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose(name))]
    assert errors == []
    # the validator is not vacuous: a typo in a key is an error
    broken = compose(name)
    next(iter(broken["services"].values()))["helthcheck"] = {}
    assert list(validator.iter_errors(broken))


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_ports_bind_loopback_and_services_wait_for_healthy_dependencies(name: str) -> None:
    services = compose(name)["services"]
    for service_name, service in services.items():
        for port in service.get("ports", []):
            assert default(port).startswith("127.0.0.1:"), f"{name}/{service_name} publishes {port} beyond loopback"
        hc = service["healthcheck"]
        assert hc["test"][0] == "CMD-SHELL" and hc["retries"] >= 10
        for dependency in (service.get("depends_on") or {}).values():
            assert dependency == {"condition": "service_healthy"}


def test_opensearch_stack_has_the_settings_and_plugins_mmltr_needs() -> None:
    services = compose("opensearch.compose.yml")["services"]
    node, dashboards = services["opensearch"], services["dashboards"]
    node_version = default(node["image"]).split(":")[1]
    assert version(node_version) >= OPENSEARCH_LTR_BUNDLED  # LTR bundled: no plugin download to pin
    assert node_version in OPENSEARCH_RELEASES
    assert default(dashboards["image"]).split(":")[1] == node_version  # Dashboards must match the cluster version
    e = env(node)
    assert e["discovery.type"] == "single-node" and e["DISABLE_SECURITY_PLUGIN"] == "true"
    assert e["DISABLE_INSTALL_DEMO_CONFIG"] == "true"  # else 2.12+ refuses to start without an admin password
    assert default(node["ports"][0]) == "127.0.0.1:9200:9200"  # the documented mmltr --cluster http://localhost:9200
    check = node["healthcheck"]["test"][1]
    assert "wait_for_status=yellow" in check
    assert "^opensearch-ltr[[:space:]]*$$" in check and "^opensearch-knn[[:space:]]*$$" in check  # both plugins
    assert json.loads(env(dashboards)["OPENSEARCH_HOSTS"]) == ["http://opensearch:9200"]
    assert env(dashboards)["DISABLE_SECURITY_DASHBOARDS_PLUGIN"] == "true"
    assert default(dashboards["ports"][0]) == "127.0.0.1:5601:5601"


def test_elasticsearch_stack_pins_an_existing_plugin_build_by_checksum() -> None:
    services = compose("elasticsearch.compose.yml")["services"]
    node, kibana = services["elasticsearch"], services["kibana"]
    args = {k: default(str(v)) for k, v in node["build"]["args"].items()}
    pair = (args["LTR_VERSION"], args["ES_VERSION"])
    assert pair in LTR_RELEASES, f"no o19s release on record for {pair}"
    assert default(kibana["image"]).split(":")[1] == args["ES_VERSION"]  # Kibana must match Elasticsearch
    assert node["build"]["args"]["LTR_PLUGIN_SHA512"] == "${LTR_PLUGIN_SHA512:-}"
    e = env(node)
    assert e["discovery.type"] == "single-node" and e["xpack.security.enabled"] == "false"
    assert "grep -qE '^ltr[[:space:]]*$$'" in node["healthcheck"]["test"][1]
    assert env(kibana)["ELASTICSEARCH_HOSTS"] == "http://elasticsearch:9200"

    dockerfile = (DOCKER / node["build"]["context"] / "Dockerfile").read_text(encoding="utf-8")
    arg_defaults = dict(re.findall(r"^ARG (\w+)=(\S*)$", dockerfile, re.M))
    assert (arg_defaults["LTR_VERSION"], arg_defaults["ES_VERSION"]) == pair  # Dockerfile and compose agree
    steps = dockerfile.split("RUN", 1)[1]
    verify, install = steps.index("sha512sum -c"), steps.index("elasticsearch-plugin install")
    assert verify < install, "the zip must be verified before it is installed"
    assert 'install --batch "file:///tmp/' in steps  # installs the verified file, never the URL again
    assert 'if [ -z "${LTR_PLUGIN_SHA512}" ]' in steps and "exit 1" in steps  # no checksum, no build
    assert 'zip="ltr-plugin-v${LTR_VERSION}-es${ES_VERSION}.zip"' in steps
    assert "/releases/download/v${LTR_VERSION}-es${ES_VERSION}/${zip}" in steps  # the release of this ES version


def test_readme_documents_the_checksum_and_the_demo_path() -> None:
    readme = (DOCKER / "README.md").read_text(encoding="utf-8")
    assert "LTR_PLUGIN_SHA512" in readme and "sha512sum" in readme
    assert "mmltr --cluster http://localhost:9200 demo" in readme
    assert "mmltr dashboards install --url http://localhost:5601" in readme


def _healthcheck(name: str, service: str, port: int, tmp_path: Path) -> int:
    """Run the service's health check (compose's ``$$`` -> ``$``) against localhost:``port``; its exit code."""
    command = compose(name)["services"][service]["healthcheck"]["test"][1]
    command = command.replace("$$", "$").replace("localhost:9200", f"localhost:{port}")
    command = command.replace("/tmp/plugins", str(tmp_path / "plugins"))
    return subprocess.run(["sh", "-c", command], timeout=30).returncode


@pytest.mark.skipif(shutil.which("curl") is None, reason="the health checks run curl")
@pytest.mark.parametrize("distribution", ["opensearch", "elasticsearch"])
def test_health_checks_pass_only_where_the_plugins_are(distribution: str, tmp_path: Path) -> None:
    """The exact health-check commands, run against the embedded node emulating each engine (it answers
    ``_cluster/health`` and ``_cat/plugins`` as the engine does): each passes on its own engine, and the
    OpenSearch check fails on Elasticsearch, which has no opensearch-ltr / opensearch-knn."""
    node = open_node(str(tmp_path / "node"), distribution=distribution)
    server = make_server(node, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        own = "opensearch" if distribution == "opensearch" else "elasticsearch"
        assert _healthcheck(f"{own}.compose.yml", own, port, tmp_path) == 0
        if distribution == "elasticsearch":
            assert _healthcheck("opensearch.compose.yml", "opensearch", port, tmp_path) != 0
        else:  # the Elasticsearch check wants the o19s component name exactly, not opensearch-ltr
            assert _healthcheck("elasticsearch.compose.yml", "elasticsearch", port, tmp_path) != 0
    finally:
        server.shutdown()
        server.server_close()
        release_node(node)
