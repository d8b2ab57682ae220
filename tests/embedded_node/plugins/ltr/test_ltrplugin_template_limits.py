"""Bounds on feature templates (issue 14: template sizes bounded with settings): a stored template over
``script.max_size_in_bytes`` (OpenSearch's limit for stored scripts, 65,535 bytes by default) is refused at
upload, and a rendering that a long list param would blow up (a section repeated per item) is refused with a 400
at search time instead of rendering gigabytes."""
from __future__ import annotations

from typing import Any

import pytest
from ltrplugin_helpers import PRODUCTS, create_products
from opensearchpy import RequestError

from embedded_node.plugins.ltr.elements import MAX_TEMPLATE_BYTES
from embedded_node.plugins.ltr.mustache import MAX_RENDERED_CHARS


def _feature(name: str, template: Any, params: list[str]) -> dict[str, Any]:
    return {"name": name, "params": params, "template_language": "mustache", "template": template}


def _put(client: Any, name: str, features: list[dict[str, Any]]) -> Any:
    return client.transport.perform_request("PUT", f"/_ltr/_featureset/{name}",
                                            body={"featureset": {"features": features}})


def test_a_template_over_the_size_limit_is_refused_at_upload(inproc_client: Any, monkeypatch) -> None:
    inproc_client.plugins.ltr.create_default_store()
    filler = "x" * (MAX_TEMPLATE_BYTES - 40)
    small = _feature("ok", {"match": {"title": "{{keywords}}"}}, ["keywords"])
    assert _put(inproc_client, "fits", [small, _feature("big_ok", {"term": {"brand": filler[:1000]}}, [])])
    with pytest.raises(RequestError) as err:
        _put(inproc_client, "too_big", [small, _feature("big", {"term": {"brand": filler + "y" * 100}}, [])])
    assert err.value.status_code == 400
    assert "the template of feature [big] is" in str(err.value.info)
    assert "script.max_size_in_bytes" in str(err.value.info)
    monkeypatch.setenv("MMLTR_NODE_SETTINGS", '{"script.max_size_in_bytes": 200}')
    with pytest.raises(RequestError):
        _put(inproc_client, "smaller_limit", [small, _feature("mid", {"term": {"brand": "z" * 300}}, [])])


def test_a_rendering_blown_up_by_a_list_param_is_a_400(inproc_client: Any) -> None:
    create_products(inproc_client)
    inproc_client.plugins.ltr.create_default_store()
    section = '{"bool": {"should": [{{#terms}}{"term": {"brand": "{{.}}"}},{{/terms}}{"match_all": {}}]}}'
    _put(inproc_client, "listy", [_feature("brands", section, ["terms"])])
    search = {"query": {"bool": {"filter": [{"sltr": {"featureset": "listy",
                                                     "params": {"terms": ["acme", "zeta"]}}}]}}}
    assert len(inproc_client.search(index=PRODUCTS, body=search)["hits"]["hits"]) == 5
    items = MAX_RENDERED_CHARS // 20  # each item renders to ~30 characters: past the limit
    search["query"]["bool"]["filter"][0]["sltr"]["params"]["terms"] = ["acme"] * items
    with pytest.raises(RequestError) as err:
        inproc_client.search(index=PRODUCTS, body=search)
    assert err.value.status_code == 400 and "renders to more than" in str(err.value.info)
