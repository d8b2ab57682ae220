"""A create whose answer is lost (the connection drops after the cluster ran it) and that opensearch-py retries
is recognised as our own, for the LTR calls that are not idempotent by themselves (issue 14)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pi_engine_samples import engine_featureset, engine_model, load_products

from embedded_node.rest.faults import ENV, FaultPlan
from plugin_integration import featuresets, models, store
from plugin_integration.errors import ClusterError
from plugin_integration.client import make_client


def test_a_model_upload_whose_answer_was_lost_succeeds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, json.dumps({"rules": [{"path": "/none", "503": 1.0}]}))
    client = make_client(None, tmp_path / "node")
    monkeypatch.delenv(ENV)
    injector = client.transport.get_connection().router
    try:
        load_products(client)
        store.ensure_store(client)
        featuresets.push(client, engine_featureset())
        injector.set_plan(FaultPlan.parse({"rules": [{"path": "*/_createmodel", "drop_after": 1.0,
                                                      "max_faults": 1}]}))
        models.upload_model(client, "mm_test", "m1", engine_model())
        assert injector.injected["drop_after"] == 1  # the first try stored it; the retry was refused
        assert [m.name for m in models.list_models(client)] == ["m1"]
        with pytest.raises(ClusterError) as again:  # a second upload under the name is still refused
            models.upload_model(client, "mm_test", "m1", engine_model())
        assert "immutable" in again.value.hint
    finally:
        client.close()
