"""Saved objects for OpenSearch Dashboards 2.x and Kibana 8: index patterns, visualizations, one dashboard.

Why aggregation-based ``visualization`` objects (not Kibana's ``lens``): they are the one chart format both
products import (OpenSearch Dashboards forked Kibana 7.10, and Kibana 8 still imports and renders them), so
one definition serves both flavours; the flavours differ only where the products do (Kibana 8 data views carry
a ``name`` and no stored field list; the import API's XSRF header, :mod:`.dashboards_import`). No
``migrationVersion`` is written (OpenSearch Dashboards' own sample objects carry an empty one): the objects
have the 7.10 shape, which both products' saved-object migrations start from.

Every object id starts with ``mmltr-`` (:data:`ID_PREFIX`) and every chart and the dashboard carry
:data:`MARKER` in their description, so an import overwrites mmltr's own objects and nothing else.
The charts read only fields mmltr maps itself: the items index (:mod:`indexer.mappings`), ``mmltr-evals``
and ``mmltr-evals-details`` (:mod:`.eval_records`) and ``mmltr-features`` (:mod:`.feature_records`);
:func:`index_pattern_fields` turns those mappings into the field list an index pattern stores.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from indexer.mappings import MappingOptions, build_mappings

from . import eval_records, feature_records

ID_PREFIX = "mmltr-"
MARKER = "Managed by mmltr (mmltr dashboards install overwrites it)."
SEARCH_INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


@dataclass(frozen=True)
class Flavour:
    """The product the objects are written for."""

    key: str
    product: str
    xsrf_header: str


FLAVOURS: dict[str, Flavour] = {
    "opensearch": Flavour("opensearch", "OpenSearch Dashboards", "osd-xsrf"),
    "kibana": Flavour("kibana", "Kibana", "kbn-xsrf"),
}


@dataclass(frozen=True)
class IndexPattern:
    """An index pattern (a data view in Kibana 8) over an index whose mapping mmltr writes."""

    id: str
    title: str
    time_field: str | None
    mapping: Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Chart:
    """One aggregation-based visualization over one index pattern, filtered by a KQL query."""

    id: str
    title: str
    pattern: str
    vis_type: str
    aggs: tuple[dict[str, Any], ...]
    params: dict[str, Any]
    query: str = ""
    width: int = 24
    height: int = 15


def _items_mapping() -> Mapping[str, Any]:
    return build_mappings(MappingOptions())


PATTERNS: tuple[IndexPattern, ...] = (
    IndexPattern("mmltr-index-pattern-items", "items", None, _items_mapping),
    IndexPattern("mmltr-index-pattern-evals", eval_records.EVALS_INDEX, "timestamp", eval_records.mapping),
    IndexPattern("mmltr-index-pattern-evals-details", eval_records.DETAILS_INDEX, "timestamp", eval_records.mapping),
    IndexPattern("mmltr-index-pattern-features", feature_records.FEATURES_INDEX, "timestamp",
                 feature_records.mapping),
)

_ES_TYPES = {"text": "string", "keyword": "string", "float": "number", "double": "number", "half_float": "number",
             "scaled_float": "number", "integer": "number", "long": "number", "short": "number", "byte": "number",
             "date": "date", "boolean": "boolean"}
_META_FIELDS = (("_id", "string", True), ("_index", "string", True), ("_score", "number", False),
                ("_source", "_source", False))


def mapped_fields(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> mapping type, multi-fields as ``parent.sub`` (objects and vectors are not charted)."""
    out: dict[str, str] = {}
    for name, spec in (mapping.get("properties") or {}).items():
        if spec.get("type") in _ES_TYPES:
            out[name] = spec["type"]
        for sub, sub_spec in (spec.get("fields") or {}).items():
            if sub_spec.get("type") in _ES_TYPES:
                out[f"{name}.{sub}"] = sub_spec["type"]
    return out


def index_pattern_fields(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``fields`` list of an index pattern for ``mapping`` (what the products would read from the
    cluster), so the charts work before anyone refreshes the pattern."""
    fields = [{"name": n, "type": t, "esTypes": [n], "count": 0, "scripted": False, "searchable": t != "_source",
               "aggregatable": agg, "readFromDocValues": False} for n, t, agg in _META_FIELDS]
    for name, es_type in mapped_fields(mapping).items():
        entry: dict[str, Any] = {"name": name, "type": _ES_TYPES[es_type], "esTypes": [es_type], "count": 0,
                                 "scripted": False, "searchable": True, "aggregatable": es_type != "text",
                                 "readFromDocValues": es_type != "text"}
        if "." in name:
            entry["subType"] = {"multi": {"parent": name.split(".")[0]}}
        fields.append(entry)
    return fields


# --- aggregations (the 7.10 visState shape) ---------------------------------------------------------------

def _metric(agg_id: str, kind: str, field_name: str | None = None, label: str | None = None,
            **params: Any) -> dict[str, Any]:
    p: dict[str, Any] = dict(params)
    if field_name:
        p["field"] = field_name
    if label:
        p["customLabel"] = label
    return {"id": agg_id, "enabled": True, "type": kind, "schema": "metric", "params": p}


def _terms(agg_id: str, schema: str, field_name: str, size: int, order_by: str = "1", order: str = "desc",
           label: str | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {"field": field_name, "orderBy": order_by, "order": order, "size": size,
                         "otherBucket": False, "otherBucketLabel": "Other", "missingBucket": False,
                         "missingBucketLabel": "Missing"}
    if label:
        p["customLabel"] = label
    return {"id": agg_id, "enabled": True, "type": "terms", "schema": schema, "params": p}


def _date_histogram(agg_id: str, field_name: str) -> dict[str, Any]:
    return {"id": agg_id, "enabled": True, "type": "date_histogram", "schema": "segment",
            "params": {"field": field_name, "interval": "auto", "min_doc_count": 1, "extended_bounds": {},
                       "drop_partials": False}}


def _point_series(kind: str, metrics: list[tuple[str, str]], y_title: str, horizontal: bool = False,
                  mode: str = "normal") -> dict[str, Any]:
    """Params of a line/histogram/horizontal_bar chart with one series per metric agg (``(id, label)``)."""
    position, value_position = ("left", "bottom") if horizontal else ("bottom", "left")
    return {
        "type": kind, "addTooltip": True, "addLegend": True, "legendPosition": "right", "times": [],
        "addTimeMarker": False, "grid": {"categoryLines": False},
        "categoryAxes": [{"id": "CategoryAxis-1", "type": "category", "position": position, "show": True,
                          "style": {}, "scale": {"type": "linear"},
                          "labels": {"show": True, "filter": not horizontal, "truncate": 100}, "title": {}}],
        "valueAxes": [{"id": "ValueAxis-1", "name": "LeftAxis-1", "type": "value", "position": value_position,
                       "show": True, "style": {}, "scale": {"type": "linear", "mode": "normal"},
                       "labels": {"show": True, "rotate": 0, "filter": False, "truncate": 100},
                       "title": {"text": y_title}}],
        "seriesParams": [{"show": True, "type": "line" if kind == "line" else "histogram", "mode": mode,
                          "data": {"id": agg_id, "label": label}, "valueAxis": "ValueAxis-1",
                          "drawLinesBetweenPoints": True, "showCircles": True, "interpolate": "linear",
                          "lineWidth": 2} for agg_id, label in metrics],
    }


_TABLE = {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False,
          "sort": {"columnIndex": None, "direction": None}, "showTotal": False, "totalFunc": "sum",
          "percentageCol": ""}
_PIE = {"type": "pie", "addTooltip": True, "addLegend": True, "legendPosition": "right", "isDonut": True,
        "labels": {"show": True, "values": True, "last_level": True, "truncate": 100}}

P = eval_records.PRIMARY
_FEATURE_METRICS = [(str(i + 1), name) for i, name in enumerate(feature_records.FUSED_FEATURES)]

CHARTS: tuple[Chart, ...] = (
    Chart("mmltr-vis-ndcg-over-time", f"mmltr: {P} per ranker over time", "mmltr-index-pattern-evals", "line",
          (_metric("1", "avg", P, P), _date_histogram("2", "timestamp"), _terms("3", "group", "ranker", 10)),
          _point_series("line", [("1", P)], P), query=f"record:{eval_records.RANKER}", width=32),
    Chart("mmltr-vis-model-versions", f"mmltr: {P} per model version", "mmltr-index-pattern-evals", "table",
          (_metric("1", "avg", P, P), _metric("2", "avg", f"{P}_diff", "gain over best baseline"),
           _metric("3", "max", "timestamp", "last run"),
           _terms("4", "bucket", "model", 20, order_by="3", label="model"),
           _terms("5", "bucket", "protocol", 2, label="protocol")),
          dict(_TABLE), query=f"record:{eval_records.RANKER} and is_candidate:true", width=16),
    Chart("mmltr-vis-feature-importance", "mmltr: feature importance (share of the model's gain)",
          "mmltr-index-pattern-evals-details", "horizontal_bar",
          (_metric("1", "avg", "gain_share", "share of gain"), _terms("2", "segment", "feature", 30)),
          _point_series("histogram", [("1", "share of gain")], "share of gain", horizontal=True),
          query=f"record:{eval_records.FEATURE}"),
    Chart("mmltr-vis-query-outcomes", f"mmltr: per-query wins and losses on {P} vs the best baseline",
          "mmltr-index-pattern-evals-details", "pie",
          (_metric("1", "count"), _terms("2", "segment", "outcome", 3)), dict(_PIE),
          query=f"record:{eval_records.QUERY}"),
    Chart("mmltr-vis-query-losses", f"mmltr: queries that lose most {P} vs the best baseline",
          "mmltr-index-pattern-evals-details", "table",
          (_metric("1", "avg", f"{P}_diff", "change"), _metric("2", "avg", P, P),
           _metric("3", "avg", f"{P}_baseline", "best baseline"),
           _terms("4", "bucket", "qid", 25, order="asc", label="query id")),
          dict(_TABLE), query=f"record:{eval_records.QUERY}"),
    Chart("mmltr-vis-feature-distributions", "mmltr: mean logged feature value per grade",
          "mmltr-index-pattern-features", "histogram",
          (*(_metric(i, "avg", name, name) for i, name in _FEATURE_METRICS),
           _terms(str(len(_FEATURE_METRICS) + 1), "segment", "grade", 5, order_by="_key", order="asc",
                  label="grade")),
          _point_series("histogram", _FEATURE_METRICS, "mean value", mode="normal"), width=48, height=18),
)

DASHBOARD_ID = "mmltr-dashboard"


@dataclass
class SavedObjects:
    """The objects of one flavour, in import order (referenced objects first)."""

    flavour: Flavour
    objects: list[dict[str, Any]] = field(default_factory=list)

    def ndjson(self) -> str:
        return "".join(json.dumps(o, sort_keys=True, ensure_ascii=False) + "\n" for o in self.objects)

    def ids(self) -> list[tuple[str, str]]:
        return [(o["type"], o["id"]) for o in self.objects]


def _index_pattern(pattern: IndexPattern, flavour: Flavour) -> dict[str, Any]:
    """OpenSearch Dashboards stores the field list with the pattern (7.10 behaviour); Kibana 8 data views store
    ``fields: "[]"`` and read the fields from the cluster each time, and carry a display ``name`` and their
    other attributes as Kibana 8 exports them."""
    attributes: dict[str, Any] = {"title": pattern.title, "fieldFormatMap": "{}"}
    if flavour.key == "kibana":
        attributes |= {"name": f"mmltr {pattern.title}", "fields": "[]", "fieldAttrs": "{}",
                       "runtimeFieldMap": "{}", "sourceFilters": "[]", "typeMeta": "{}"}
    else:
        attributes["fields"] = json.dumps(index_pattern_fields(pattern.mapping()))
    if pattern.time_field:
        attributes["timeFieldName"] = pattern.time_field
    return {"type": "index-pattern", "id": pattern.id, "attributes": attributes, "references": []}


def _search_source(query: str) -> str:
    return json.dumps({"query": {"query": query, "language": "kuery"}, "filter": [],
                       "indexRefName": SEARCH_INDEX_REF})


def _visualization(chart: Chart) -> dict[str, Any]:
    vis_state = {"title": chart.title, "type": chart.vis_type, "params": chart.params, "aggs": list(chart.aggs)}
    return {"type": "visualization", "id": chart.id,
            "attributes": {"title": chart.title, "visState": json.dumps(vis_state), "uiStateJSON": "{}",
                           "description": MARKER, "version": 1,
                           "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(chart.query)}},
            "references": [{"name": SEARCH_INDEX_REF, "type": "index-pattern", "id": chart.pattern}]}


def _layout(charts: tuple[Chart, ...]) -> Iterator[tuple[Chart, dict[str, int]]]:
    """Left to right on the 48-column grid, wrapping to a new row when a chart does not fit."""
    x = y = row_height = 0
    for chart in charts:
        if x + chart.width > 48:
            x, y, row_height = 0, y + row_height, 0
        yield chart, {"x": x, "y": y, "w": chart.width, "h": chart.height}
        x += chart.width
        row_height = max(row_height, chart.height)


def _dashboard(charts: tuple[Chart, ...]) -> dict[str, Any]:
    panels, references = [], []
    for n, (chart, grid) in enumerate(_layout(charts)):
        index = str(n + 1)
        panels.append({"version": "7.10.2", "type": "visualization", "gridData": {**grid, "i": index},
                       "panelIndex": index, "embeddableConfig": {}, "panelRefName": f"panel_{n}"})
        references.append({"name": f"panel_{n}", "type": "visualization", "id": chart.id})
    return {"type": "dashboard", "id": DASHBOARD_ID,
            "attributes": {"title": "mmltr: ranking quality", "description": MARKER, "hits": 0,
                           "panelsJSON": json.dumps(panels),
                           "optionsJSON": json.dumps({"hidePanelTitles": False, "useMargins": True}),
                           "version": 1, "timeRestore": True, "timeFrom": "now-90d", "timeTo": "now",
                           "refreshInterval": {"pause": True, "value": 0},
                           "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps(
                               {"query": {"query": "", "language": "kuery"}, "filter": []})}},
            "references": references}


def saved_objects(flavour: str = "opensearch") -> SavedObjects:
    """Every object of ``flavour`` (``opensearch`` or ``kibana``): index patterns, charts, the dashboard."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r}: use one of {', '.join(FLAVOURS)}")
    f = FLAVOURS[flavour]
    out = SavedObjects(f)
    out.objects += [_index_pattern(p, f) for p in PATTERNS]
    out.objects += [_visualization(c) for c in CHARTS]
    out.objects.append(_dashboard(CHARTS))
    return out
