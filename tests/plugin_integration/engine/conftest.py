"""Engine fixtures of the LTR client layer: a small product index and a featureset that runs on it.

``client`` (from ``tests/conftest.py``) is an opensearch-py client on a fresh embedded node, in-process
and over HTTP; these fixtures add the data the LTR calls need.
"""
from __future__ import annotations

from typing import Any

import pytest
from pi_engine_samples import engine_featureset, load_products

from plugin_integration import featuresets, store


@pytest.fixture
def products(client: Any) -> Any:
    """``client`` with the ``products`` index loaded and refreshed."""
    return load_products(client)


@pytest.fixture
def ltr_ready(products: Any) -> Any:
    """``products`` plus the default feature store holding ``engine_featureset()``."""
    store.ensure_store(products)
    featuresets.push(products, engine_featureset())
    return products
