"""``mmltr dashboards install`` against a real OpenSearch Dashboards or Kibana (``docker/``), for people who
have one: ``MMLTR_TEST_DASHBOARDS=http://localhost:5601 pytest -m cluster``. Skipped otherwise (our machines
cannot run Dashboards). The target must be disposable: the test installs mmltr's objects into it."""
from __future__ import annotations

import os

import pytest
import requests
from click.testing import CliRunner

from plugin_integration.cli import main
from plugin_integration.dashboards_objects import DASHBOARD_ID, saved_objects

URL = os.environ.get("MMLTR_TEST_DASHBOARDS")
pytestmark = [pytest.mark.cluster,
              pytest.mark.skipif(not URL, reason="set MMLTR_TEST_DASHBOARDS=http://... to test a real Dashboards")]


def test_install_twice_into_a_real_dashboards() -> None:
    for _ in range(2):  # the second install replaces mmltr's own objects
        result = CliRunner().invoke(main, ["dashboards", "install", "--url", str(URL)])
        assert result.exit_code == 0, result.output
    status = requests.get(f"{URL}/api/status", timeout=30)
    flavour = "opensearch" if "osd-name" in status.headers else "kibana"
    xsrf = {"osd-xsrf" if flavour == "opensearch" else "kbn-xsrf": "true"}
    wanted = [{"type": t, "id": i} for t, i in saved_objects(flavour).ids()]
    got = requests.post(f"{URL}/api/saved_objects/_bulk_get", json=wanted, headers=xsrf, timeout=30).json()
    assert [o.get("error") for o in got["saved_objects"]] == [None] * len(wanted)
    (dashboard,) = [o for o in got["saved_objects"] if o["id"] == DASHBOARD_ID]
    assert len(dashboard["references"]) == 6
