"""The saved objects of ``mmltr dashboards export``, validated as the import APIs read them.

Shapes checked per type (OpenSearch Dashboards 2.x and Kibana 8, which both import the 7.10 object shape):
``index-pattern`` (``title``, ``timeFieldName`` a date field, ``fields`` a JSON list; Kibana 8 data views also
``name``), ``visualization`` (``visState`` JSON whose title matches, known vis type, aggs with id/enabled/type/
schema/params, ``uiStateJSON``, ``searchSourceJSON`` with an ``indexRefName`` that a reference names) and
``dashboard`` (``panelsJSON`` panels with ``gridData`` and a ``panelRefName`` that a reference names). Every
reference resolves to an object in the file, and every field a chart aggregates or filters on is in the
mapping mmltr writes for that index, with a type the aggregation accepts.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from plugin_integration.cli import main
from plugin_integration.dashboards_objects import (CHARTS, ID_PREFIX, MARKER, PATTERNS, SEARCH_INDEX_REF,
                                                   mapped_fields, saved_objects)

FLAVOURS = ["opensearch", "kibana"]
VIS_TYPES = {"line", "histogram", "horizontal_bar", "table", "pie", "metric", "area"}
SCHEMAS = {"line": {"metric", "segment", "group"}, "histogram": {"metric", "segment", "group"},
           "horizontal_bar": {"metric", "segment", "group"}, "table": {"metric", "bucket", "split"},
           "pie": {"metric", "segment", "split"}}
NUMERIC = {"float", "double", "integer", "long", "half_float", "scaled_float", "short"}
# The attributes the saved-object types map (the .kibana index maps them strictly: an unknown attribute of a
# visualization or dashboard fails the import), as in Kibana 7.10 / OpenSearch Dashboards and Kibana 8.
VIS_ATTRIBUTES = {"title", "visState", "uiStateJSON", "description", "version", "kibanaSavedObjectMeta",
                  "savedSearchRefName"}
DASHBOARD_ATTRIBUTES = {"title", "hits", "description", "panelsJSON", "optionsJSON", "version", "timeRestore",
                        "timeTo", "timeFrom", "refreshInterval", "kibanaSavedObjectMeta"}
FIELD_TYPES = {"avg": NUMERIC, "sum": NUMERIC, "min": NUMERIC | {"date"}, "max": NUMERIC | {"date"},
               "percentiles": NUMERIC, "date_histogram": {"date"}, "terms": {"keyword", "boolean"} | NUMERIC}


def export(tmp_path: Path, flavour: str) -> list[dict[str, Any]]:
    out = tmp_path / f"{flavour}.ndjson"
    result = CliRunner().invoke(main, ["dashboards", "export", "-o", str(out), "--flavour", flavour])
    assert result.exit_code == 0, result.output
    assert "wrote 11 saved objects" in result.output and "4 index-pattern, 6 visualization, 1 dashboard" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]  # NDJSON: one complete JSON object per line


@pytest.fixture(params=FLAVOURS)
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> list[dict[str, Any]]:
    return export(tmp_path, request.param)


def by_key(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["type"], o["id"]): o for o in objects}


def pattern_mappings() -> dict[str, dict[str, str]]:
    return {p.id: mapped_fields(p.mapping()) for p in PATTERNS}


def test_every_object_has_an_mmltr_id_and_references_only_objects_in_the_file(objects: list[dict[str, Any]]) -> None:
    keys = by_key(objects)
    assert len(keys) == len(objects) == 11  # ids are unique per type
    seen: set[tuple[str, str]] = set()
    for o in objects:
        assert set(o) == {"type", "id", "attributes", "references"}
        assert o["id"].startswith(ID_PREFIX) and o["type"] in {"index-pattern", "visualization", "dashboard"}
        for ref in o["references"]:
            assert set(ref) == {"name", "type", "id"}
            assert (ref["type"], ref["id"]) in keys, f"{o['id']}: dangling reference {ref}"
            assert (ref["type"], ref["id"]) in seen, f"{o['id']} comes before {ref['id']}"  # import order
        seen.add((o["type"], o["id"]))


def test_index_patterns_match_the_mappings_mmltr_writes(objects: list[dict[str, Any]], request: pytest.FixtureRequest) -> None:
    flavour = request.node.callspec.params["objects"]
    mappings = pattern_mappings()
    patterns = [o for o in objects if o["type"] == "index-pattern"]
    assert {p["attributes"]["title"] for p in patterns} == {"items", "mmltr-evals", "mmltr-evals-details", "mmltr-features"}
    for p in patterns:
        a = p["attributes"]
        assert ("name" in a) == (flavour == "kibana")  # Kibana 8 data views carry a display name
        fields = json.loads(a["fields"])
        if flavour == "kibana":  # Kibana 8 data views read their fields from the cluster; exports hold "[]"
            assert fields == [] and json.loads(a["fieldAttrs"]) == {} and json.loads(a["typeMeta"]) == {}
            if "timeFieldName" in a:
                assert mappings[p["id"]][a["timeFieldName"]] == "date"
            assert json.loads(a["sourceFilters"]) == [] and json.loads(a["runtimeFieldMap"]) == {}
            continue
        names = {f["name"] for f in fields}
        assert set(mappings[p["id"]]) <= names and {"_id", "_index", "_source"} <= names
        for f in fields:
            assert {"name", "type", "esTypes", "searchable", "aggregatable"} <= set(f)
            if f["name"] in mappings[p["id"]]:
                assert f["esTypes"] == [mappings[p["id"]][f["name"]]]
                assert f["aggregatable"] == (f["esTypes"] != ["text"])
        if "timeFieldName" in a:
            assert mappings[p["id"]][a["timeFieldName"]] == "date"


def _kql_fields(query: str) -> list[str]:
    return re.findall(r"([A-Za-z_@0-9.]+):", query)


def test_visualizations_are_valid_and_read_only_mapped_fields(objects: list[dict[str, Any]]) -> None:
    mappings = pattern_mappings()
    charted: dict[str, set[str]] = {}
    for o in [o for o in objects if o["type"] == "visualization"]:
        a = o["attributes"]
        assert set(a) <= VIS_ATTRIBUTES and set(a["kibanaSavedObjectMeta"]) == {"searchSourceJSON"}
        assert MARKER in a["description"] and a["version"] == 1 and json.loads(a["uiStateJSON"]) == {}
        vis = json.loads(a["visState"])
        assert vis["title"] == a["title"] and vis["type"] in VIS_TYPES and vis["params"]
        source = json.loads(a["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert source["indexRefName"] == SEARCH_INDEX_REF and source["filter"] == []
        assert source["query"]["language"] == "kuery"
        (ref,) = [r for r in o["references"] if r["name"] == source["indexRefName"]]
        assert ref["type"] == "index-pattern"
        fields = mappings[ref["id"]]
        ids = [agg["id"] for agg in vis["aggs"]]
        assert len(set(ids)) == len(ids)
        metrics = [agg for agg in vis["aggs"] if agg["schema"] == "metric"]
        assert metrics
        for agg in vis["aggs"]:
            assert set(agg) == {"id", "enabled", "type", "schema", "params"} and agg["enabled"] is True
            assert agg["schema"] in SCHEMAS[vis["type"]], (o["id"], agg)
            if "field" in agg["params"]:
                name = agg["params"]["field"]
                assert name in fields, f"{o['id']}: {name} is not mapped in {ref['id']}"
                assert fields[name] in FIELD_TYPES[agg["type"]], (o["id"], name, agg["type"])
                charted.setdefault(ref["id"], set()).add(name)
            else:
                assert agg["type"] == "count"
            order_by = agg["params"].get("orderBy")
            if order_by is not None:
                assert order_by == "_key" or order_by in ids
        for name in _kql_fields(source["query"]["query"]):
            assert name in fields, f"{o['id']}: the query filters on unmapped {name}"
        if vis["type"] in ("line", "histogram", "horizontal_bar"):
            assert [s["data"]["id"] for s in vis["params"]["seriesParams"]] == [m["id"] for m in metrics]
    # the charts cover what the issue asks: NDCG over time, importance, distributions, per-query outcomes
    assert {"timestamp", "ndcg@10", "ndcg@10_diff", "model"} <= charted["mmltr-index-pattern-evals"]
    assert {"gain_share", "feature", "outcome", "qid", "ndcg@10_diff"} <= charted["mmltr-index-pattern-evals-details"]
    assert {"grade", "bm25_title", "knn_text", "cf_score", "price_fit"} <= charted["mmltr-index-pattern-features"]


def test_dashboard_panels_resolve_to_the_charts(objects: list[dict[str, Any]]) -> None:
    (dash,) = [o for o in objects if o["type"] == "dashboard"]
    a = dash["attributes"]
    assert set(a) <= DASHBOARD_ATTRIBUTES and set(a["refreshInterval"]) <= {"display", "pause", "section", "value"}
    assert MARKER in a["description"] and a["timeRestore"] is True and a["timeFrom"] == "now-90d"
    json.loads(a["optionsJSON"])
    json.loads(a["kibanaSavedObjectMeta"]["searchSourceJSON"])
    panels = json.loads(a["panelsJSON"])
    refs = {r["name"]: r for r in dash["references"]}
    assert [refs[p["panelRefName"]]["id"] for p in panels] == [c.id for c in CHARTS]
    cells: set[tuple[int, int]] = set()
    for p in panels:
        g = p["gridData"]
        assert g["i"] == p["panelIndex"] and 0 <= g["x"] and g["x"] + g["w"] <= 48 and g["h"] > 0
        area = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & area, f"panel {p['panelIndex']} overlaps another"
        cells |= area


def test_flavours_differ_only_where_the_products_do(tmp_path: Path) -> None:
    osd, kibana = export(tmp_path, "opensearch"), export(tmp_path, "kibana")
    assert [(o["type"], o["id"]) for o in osd] == [(o["type"], o["id"]) for o in kibana]
    for a, b in zip(osd, kibana):
        if a["type"] == "index-pattern":
            kibana_only = {"name", "fieldAttrs", "runtimeFieldMap", "sourceFilters", "typeMeta"}
            assert set(b["attributes"]) - set(a["attributes"]) == kibana_only
            assert {k: v for k, v in b["attributes"].items() if k not in kibana_only | {"fields"}} == \
                {k: v for k, v in a["attributes"].items() if k != "fields"}
        else:
            assert a == b


def test_export_refuses_an_unknown_flavour(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["dashboards", "export", "-o", str(tmp_path / "x"), "--flavour", "grafana"])
    assert result.exit_code == 2 and "grafana" in result.output and "kibana" in result.output
    assert not (tmp_path / "x").exists()
