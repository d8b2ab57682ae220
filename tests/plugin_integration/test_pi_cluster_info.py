"""Cluster detection: flavour, version, plugins, and the LTR behaviours derived from them."""
from __future__ import annotations

from typing import Any

import pytest
from pi_recording import Responder

from plugin_integration.cluster_info import ClusterInfo, detect, from_responses, parse_version
from plugin_integration.errors import ClusterError


def _os(version: str, plugins: tuple[str, ...] = ("opensearch-ltr", "opensearch-knn")) -> ClusterInfo:
    return from_responses({"version": {"distribution": "opensearch", "number": version}},
                          [{"name": "n1", "component": c, "version": version + ".0"} for c in plugins])


def _es(version: str, ltr_version: str | None) -> ClusterInfo:
    rows = [{"name": "n1", "component": "ltr", "version": ltr_version}] if ltr_version else []
    return from_responses({"version": {"number": version, "build_flavor": "default"}}, rows)


@pytest.mark.parametrize("version,behaviour", [
    ("2.19.0", "zero"), ("3.1.0", "zero"), ("3.2.0", "nan_to_no"), ("3.7.1", "nan_to_no"),
    ("3.8.0", "nan_to_missing"), ("3.9.0", "nan_to_missing"),
])
def test_opensearch_missing_behaviour(version: str, behaviour: str) -> None:
    assert _os(version).ltr_missing_behaviour == behaviour
    assert _os(version).log_missing_as_zero is (behaviour == "zero")


@pytest.mark.parametrize("es,plugin,behaviour", [
    ("8.11.3", "1.5.8-es8.11.3", "zero"), ("8.11.4", "1.5.9-es8.11.4", "nan_to_missing"),
    ("8.17.2", "1.5.10-es8.17.2", "nan_to_missing"), ("7.17.0", "1.5.8-es7.17.0", "zero"),
    ("8.12.0", "8.12.0", "nan_to_missing"), ("8.10.0", "8.10.0", "zero"),  # unreadable release: from ES version
])
def test_elasticsearch_missing_behaviour(es: str, plugin: str, behaviour: str) -> None:
    assert _es(es, plugin).ltr_missing_behaviour == behaviour


def test_capabilities() -> None:
    assert not _os("2.19.0").supports_raw_parser and _os("3.0.0").supports_raw_parser
    assert not _os("3.7.0").raw_parser_honours_default_left and _os("3.8.0").raw_parser_honours_default_left
    assert not _os("3.8.0").supports_missing_as_zero_model and _os("3.9.0").supports_missing_as_zero_model
    assert not _es("9.0.8", "1.5.12-es9.0.8").supports_missing_as_zero_model
    assert _es("8.17.2", "1.5.10-es8.17.2").supports_raw_parser
    assert not _es("8.17.2", "1.5.10-es8.17.2").raw_parser_honours_default_left
    assert "rank:ndcg" not in _os("3.1.0").accepted_objectives and "rank:ndcg" in _os("3.2.0").accepted_objectives
    assert _os("3.8.0").ltr_stats_path == "/_plugins/_ltr/stats"
    assert _es("8.17.2", "1.5.10-es8.17.2").ltr_stats_path == "/_ltr/_stats"
    assert _os("3.7.0").supports_mustache_partials and not _os("3.8.0").supports_mustache_partials


def test_missing_plugins_are_clear_errors() -> None:
    info = _os("2.19.0", plugins=("opensearch-knn",))
    with pytest.raises(ClusterError) as caught:
        info.require_ltr()
    assert caught.value.type == "ltr_plugin_missing"
    assert "opensearch-knn" in caught.value.reason and "2.19" in caught.value.hint
    with pytest.raises(ClusterError, match="no k-NN plugin"):
        _os("2.19.0", plugins=("opensearch-ltr",)).require_knn()
    assert _es("8.11.4", "1.5.9-es8.11.4").require_knn().has_knn  # dense_vector is built in
    with pytest.raises(ClusterError, match="no Learning-to-Rank plugin"):
        _es("8.11.4", None).require_ltr()


def test_parse_version() -> None:
    assert parse_version("2.19.0.0") == (2, 19, 0)
    assert parse_version("1.5.9-es8.11.4") == (1, 5, 9)
    assert parse_version("9.0") == (9, 0, 0)
    assert parse_version("") is None


def test_detect_asks_root_and_cat_plugins(any_client: Any, responder: Responder) -> None:
    responder.on("GET", "/", (200, {"cluster_name": "c1", "version": {"distribution": "opensearch",
                                                                      "number": "3.8.0"}}))
    responder.on("GET", "/_cat/plugins", (200, [{"name": "n1", "component": "opensearch-ltr",
                                                 "version": "3.8.0.0"}]))
    info = detect(any_client, require_ltr=True)
    assert (info.flavour, info.version, info.ltr_missing_behaviour) == ("opensearch", (3, 8, 0), "nan_to_missing")
    assert [(c.method, c.path, c.params) for c in responder.calls] == [
        ("GET", "/", {}), ("GET", "/_cat/plugins", {"format": "json"})]
    with pytest.raises(ClusterError, match="k-NN"):
        detect(any_client, require_knn=True)
    assert len(responder.calls) == 2  # detected once per client
    detect(any_client, refresh=True)
    assert len(responder.calls) == 4


@pytest.mark.parametrize("es,raw_default_left", [("8.17.2", False), ("9.0.8", True)])
def test_unreadable_o19s_release_is_inferred_from_the_es_version(es: str, raw_default_left: bool) -> None:
    info = _es(es, es + ".0")
    assert info.supports_raw_parser
    assert info.raw_parser_honours_default_left is raw_default_left
