"""Parsing a ``_search`` body (plus URL parameters) into a validated :class:`SearchRequest`.

Everything we do not support fails with a clear ``parsing_exception``/``illegal_argument_exception`` naming the
key, rather than being ignored: a silently dropped ``aggs`` or ``highlight`` would return wrong results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import errors
from .dsl import DslParser
from .limits import DEFAULT_LIMITS, SearchLimits
from .parse_utils import as_float
from .query import Query

if TYPE_CHECKING:
    from ..plugins_service import PluginsService

_SUPPORTED = {"query", "size", "from", "_source", "sort", "track_total_hits", "explain", "rescore", "min_score",
              "post_filter", "ext", "version", "seq_no_primary_term", "track_scores", "timeout", "stored_fields",
              "search_after", "terminate_after", "profile", "fields", "docvalue_fields", "stats",
              "include_named_queries_score"}
_UNSUPPORTED = {"aggs": "aggregations", "aggregations": "aggregations", "highlight": "highlighting",
                "suggest": "suggesters", "collapse": "field collapsing", "script_fields": "script fields",
                "indices_boost": "indices_boost", "slice": "sliced scroll", "pit": "point in time",
                "knn": "top-level [knn] (use the [knn] query inside [query])"}


@dataclass
class SortSpec:
    field: str  # "_score", "_doc" or a field path
    order: str  # "asc" | "desc"
    missing: Any = "_last"
    mode: str | None = None
    unmapped_type: str | None = None


@dataclass
class Rescore:
    window_size: int
    query: Query
    query_weight: float = 1.0
    rescore_query_weight: float = 1.0
    score_mode: str = "total"


@dataclass
class SourceFilter:
    enabled: bool = True
    includes: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)


@dataclass
class SearchRequest:
    query: Query
    size: int = 10
    from_: int = 0
    sort: list[SortSpec] = field(default_factory=list)
    source: SourceFilter = field(default_factory=SourceFilter)
    track_total_hits: bool | int = 10000
    explain: bool = False
    rescore: list[Rescore] = field(default_factory=list)
    min_score: float | None = None
    post_filter: Query | None = None
    ext: dict[str, Any] = field(default_factory=dict)
    version: bool = False
    seq_no_primary_term: bool = False
    track_scores: bool = False
    search_after: list[Any] | None = None
    terminate_after: int | None = None
    include_named_queries_score: bool = False
    rest_total_hits_as_int: bool = False
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def sorts_by_score_only(self) -> bool:
        return not self.sort or (len(self.sort) == 1 and self.sort[0].field == "_score"
                                 and self.sort[0].order == "desc")


def parse_search_request(body: Any, params: dict[str, Any] | None, plugins: "PluginsService",
                         limits: SearchLimits = DEFAULT_LIMITS) -> SearchRequest:
    """Parse with the node's registries: its query parsers and its plugins' search extensions (``ext``)."""
    params = params or {}
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise errors.parsing("request body or source parameter is required" if body == "" else
                             "Expected [START_OBJECT] but found a value for the search request")
    sections = [key for key in body if key in plugins.search_sections]  # e.g. Elasticsearch's top-level knn
    for key in sections:
        body = {**{k: v for k, v in body.items() if k != key},
                "query": plugins.search_sections[key](body[key], body)}
    for key in body:
        if key in _UNSUPPORTED:
            raise errors.illegal_argument(f"[{key}] ({_UNSUPPORTED[key]}) is not supported by the embedded node")
        if key not in _SUPPORTED:
            raise errors.parsing(f"Unknown key for a START_OBJECT in [{key}].", line=1, col=1)
    if body.get("profile"):
        raise errors.illegal_argument("[profile] is not supported by the embedded node")
    if "q" in params:
        raise errors.illegal_argument("the [q] query-string parameter is not supported by the embedded node; "
                                      "send a query in the request body")
    parser = DslParser(plugins.queries, limits)
    query = parser.parse(body["query"]) if "query" in body else parser.parse({"match_all": {}})
    req = SearchRequest(query=query, raw=body)
    req.size = _int(params.get("size", body.get("size", 10)), "size")
    req.from_ = _int(params.get("from", body.get("from", 0)), "from")
    if req.size < 0:
        raise errors.illegal_argument(f"[size] parameter cannot be negative, found [{req.size}]")
    if req.from_ < 0:
        raise errors.illegal_argument(f"[from] parameter cannot be negative, found [{req.from_}]")
    req.sort = _parse_sort(params.get("sort") if "sort" in params else body.get("sort"))
    req.source = _parse_source(body.get("_source", True), params)
    tth = params.get("track_total_hits", body.get("track_total_hits", 10000))
    req.track_total_hits = _parse_track_total_hits(tth)
    req.explain = _bool(params.get("explain", body.get("explain", False)))
    req.version = _bool(params.get("version", body.get("version", False)))
    req.seq_no_primary_term = _bool(params.get("seq_no_primary_term", body.get("seq_no_primary_term", False)))
    req.track_scores = _bool(params.get("track_scores", body.get("track_scores", False)))
    req.include_named_queries_score = _bool(params.get("include_named_queries_score",
                                                       body.get("include_named_queries_score", False)))
    req.rest_total_hits_as_int = _bool(params.get("rest_total_hits_as_int", False))
    if "min_score" in body:
        req.min_score = as_float(body["min_score"], "search", "min_score")
    if "post_filter" in body:
        req.post_filter = parser.parse(body["post_filter"])
    if "terminate_after" in body or "terminate_after" in params:
        req.terminate_after = _int(params.get("terminate_after", body.get("terminate_after")), "terminate_after")
    if "search_after" in body:
        if not isinstance(body["search_after"], list):
            raise errors.parsing("[search_after] must be an array")
        req.search_after = body["search_after"]
    if "rescore" in body:
        req.rescore = _parse_rescore(body["rescore"], parser)
        if req.sort and not req.sorts_by_score_only:
            raise errors.EngineError("action_request_validation_exception",
                                     "Validation Failed: 1: Cannot use [sort] option in conjunction with [rescore].;",
                                     400)
    ext = body.get("ext") or {}
    if not isinstance(ext, dict):
        raise errors.parsing("[ext] must be an object")
    for name, value in ext.items():
        parse_ext = plugins.search_exts.get(name)
        if parse_ext is None:
            raise errors.EngineError("named_object_not_found_exception",
                                     f"[1:1] unknown field [{name}]", 400)
        req.ext[name] = parse_ext(value)
    return req


def _int(value: Any, key: str) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise errors.illegal_argument(f"Failed to parse int parameter [{key}] with value [{value}]") from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", ""):
        return value.lower() != "false"
    raise errors.illegal_argument(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")


def _parse_track_total_hits(value: Any) -> bool | int:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    number = _int(value, "track_total_hits")
    if number < -1:
        raise errors.illegal_argument(f"[track_total_hits] parameter must be positive or equals to -1, got {number}")
    return number


def _parse_sort(value: Any) -> list[SortSpec]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[SortSpec] = []
    for item in items:
        if isinstance(item, str):
            for part in item.split(",") if "," in item else [item]:
                name, _, order = part.partition(":")
                out.append(SortSpec(name, order or ("desc" if name == "_score" else "asc")))
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise errors.parsing("malformed sort format, within the sort array, an object, or an actual string "
                                 "are allowed")
        (name, spec), = item.items()
        if isinstance(spec, str):
            spec = {"order": spec}
        if not isinstance(spec, dict):
            raise errors.parsing(f"malformed sort for [{name}]")
        unknown = set(spec) - {"order", "missing", "mode", "unmapped_type", "numeric_type", "format"}
        if unknown:
            raise errors.parsing(f"[{name}] unknown sort option [{sorted(unknown)[0]}]")
        order = str(spec.get("order", "desc" if name == "_score" else "asc")).lower()
        if order not in ("asc", "desc"):
            raise errors.illegal_argument(f"Unknown SortOrder [{order}]")
        out.append(SortSpec(name, order, spec.get("missing", "_last"), spec.get("mode"), spec.get("unmapped_type")))
    return out


def _parse_source(value: Any, params: dict[str, Any]) -> SourceFilter:
    if "_source" in params:
        raw = params["_source"]
        if str(raw).lower() in ("true", "false"):
            value = str(raw).lower() == "true"
        else:
            value = str(raw).split(",")
    out = SourceFilter()
    if value is False:
        out.enabled = False
    elif value is True or value is None:
        pass
    elif isinstance(value, str):
        out.includes = [value]
    elif isinstance(value, list):
        out.includes = _source_patterns(value, "_source")
    elif isinstance(value, dict):
        unknown = set(value) - {"includes", "excludes", "include", "exclude"}
        if unknown:
            raise errors.parsing(f"Unknown key for a START_OBJECT in [{sorted(unknown)[0]}] in [_source]")
        inc = value.get("includes", value.get("include", []))
        exc = value.get("excludes", value.get("exclude", []))
        out.includes = _source_patterns(inc, "includes")
        out.excludes = _source_patterns(exc, "excludes")
    else:
        raise errors.parsing("[_source] must be a boolean, a string, an array or an object")
    if "_source_includes" in params:
        out.includes = str(params["_source_includes"]).split(",")
    if "_source_excludes" in params:
        out.excludes = str(params["_source_excludes"]).split(",")
    return out


def _source_patterns(value: Any, key: str) -> list[str]:
    """``FetchSourceContext.fromXContent``: a string or an array of strings; anything else is a parsing error."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise errors.parsing(f"[_source] [{key}] must be a string or an array of strings, found [{value}]")
    return list(items)


def _parse_rescore(value: Any, parser: DslParser) -> list[Rescore]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise errors.parsing("[rescore] must hold objects")
        unknown = set(item) - {"window_size", "query"}
        if unknown:
            raise errors.parsing(f"rescore doesn't support [{sorted(unknown)[0]}]")
        if "query" not in item:
            raise errors.parsing("missing rescore type")
        spec = item["query"]
        if not isinstance(spec, dict) or "rescore_query" not in spec:
            raise errors.parsing("[query] rescore requires [rescore_query]")
        unknown = set(spec) - {"rescore_query", "query_weight", "rescore_query_weight", "score_mode"}
        if unknown:
            raise errors.parsing(f"[query] unknown field [{sorted(unknown)[0]}]")
        mode = str(spec.get("score_mode", "total")).lower()
        if mode not in ("total", "multiply", "avg", "max", "min"):
            raise errors.illegal_argument(f"illegal score_mode [{mode}]")
        window = _int(item.get("window_size", 10), "window_size")
        if window < 0:
            raise errors.illegal_argument("[window_size] must be greater than or equal to 0")
        out.append(Rescore(window, parser.parse(spec["rescore_query"]),
                           as_float(spec.get("query_weight", 1.0), "rescore", "query_weight"),
                           as_float(spec.get("rescore_query_weight", 1.0), "rescore", "rescore_query_weight"),
                           mode))
    return out
