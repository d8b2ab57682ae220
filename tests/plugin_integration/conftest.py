"""Fixtures of the plugin_integration unit tests: recording clients (opensearch-py and elasticsearch) and a
small featureset shaped like the fused one (DESIGN §5)."""
from __future__ import annotations

from typing import Any

import pytest
from pi_recording import Responder, elasticsearch_client, opensearch_client
from pi_samples import sample_featureset

from plugin_integration.featuresets import FeatureSet


@pytest.fixture
def responder() -> Responder:
    return Responder()


@pytest.fixture
def os_client(responder: Responder) -> Any:
    return opensearch_client(responder)


@pytest.fixture
def es_client(responder: Responder) -> Any:
    return elasticsearch_client(responder)


@pytest.fixture(params=["opensearch", "elasticsearch"])
def any_client(request: pytest.FixtureRequest, responder: Responder) -> Any:
    return opensearch_client(responder) if request.param == "opensearch" else elasticsearch_client(responder)


@pytest.fixture
def featureset() -> FeatureSet:
    return sample_featureset()
