"""``_ltr`` element endpoints: features, featuresets and models (``RestFeatureManager``,
``RestSearchStoreElements``, ``RestAddFeatureToSet``, ``RestCreateModelFromSet``).

Writes follow ``TransportFeatureStoreAction``: the store must exist (no auto-create), the element is compiled
(and validated when a ``validation`` block is given), then indexed with ``op_type=create`` for PUT and as an
upsert for POST (features and featuresets only; models are immutable, so POST on ``_model`` parses the body
and then answers 405 "Element of type [model] are not updatable"), and the
element's cache entry is evicted. Responses are the index/get/delete responses of the store document.
"""
from __future__ import annotations

from typing import Any

from . import elements, ltr_errors, store
from .elements import FEATURE, FEATURESET, MODEL
from .plugin import plugin
from .validation import precheck, validate
from ... import errors
from ...rest.documents import write_body
from ...rest.router import RestRequest, RestResponse, RestRoute


def register(routes: list[RestRoute]) -> None:
    """Append this module's routes (``getRestHandlers``) to ``routes``."""
    for prefix in ("/_ltr", "/_ltr/{store}"):
        for kind in (FEATURE, FEATURESET, MODEL):
            path = f"{prefix}/_{kind}/{{name}}"
            routes.append(RestRoute("PUT", path, _writer(kind, create=True)))
            routes.append(RestRoute("POST", path, _writer(kind, create=False)))
            routes.append(RestRoute("GET", path, _getter(kind)))
            routes.append(RestRoute("HEAD", path, _getter(kind)))
            routes.append(RestRoute("DELETE", path, _deleter(kind)))
            routes.append(RestRoute("GET", f"{prefix}/_{kind}", _lister(kind)))
        routes.append(RestRoute("POST", f"{prefix}/_featureset/{{name}}/_addfeatures", add_features))
        routes.append(RestRoute("POST", f"{prefix}/_featureset/{{name}}/_addfeatures/{{query}}", add_features))
        routes.append(RestRoute("POST", f"{prefix}/_featureset/{{name}}/_createmodel", create_model_from_set))


def _index(req: RestRequest) -> str:
    return store.index_name(req.path_params.get("store"))


def _write(req: RestRequest, index: str, element: elements.Element, validation: dict | None,
           create: bool) -> RestResponse:
    node = req.node
    store.require_store(node, index)
    state = plugin(node)
    compiled = precheck(element, state.semantics)
    if validation is not None:
        validate(node, compiled, validation)
    kind = elements.element_type(element)
    result = store.write_element(node, index, kind, element.name, element.to_source(), create)
    state.caches.evict(kind, index, element.name)
    return RestResponse(201 if result.result == "created" else 200, write_body(index, result, True))


def _writer(kind: str, create: bool) -> Any:
    def handler(req: RestRequest) -> RestResponse:
        element, validation = elements.parse_request(req.json(required=True), kind, req.path_params["name"])
        if not create and kind == MODEL:
            # RestFeatureManager.addOrUpdate: the body is parsed first, then POST on a model is a 405
            raise ltr_errors.model_not_updatable()
        return _write(req, _index(req), element, validation, create)

    return handler


def _getter(kind: str) -> Any:
    def handler(req: RestRequest) -> RestResponse:
        index, name = _index(req), req.path_params["name"]
        hit = store.get_element(req.node, index, kind, name)
        doc_id = store.element_id(kind, name)
        if hit is None:
            return RestResponse(404, {"_index": index, "_id": doc_id, "found": False})
        source, seq_no, version = hit
        return RestResponse(200, {"_index": index, "_id": doc_id, "_version": version, "_seq_no": seq_no,
                                  "_primary_term": 1, "found": True, "_source": source})

    return handler


def _deleter(kind: str) -> Any:
    def handler(req: RestRequest) -> RestResponse:
        index, name = _index(req), req.path_params["name"]
        result = store.delete_element(req.node, index, kind, name)
        plugin(req.node).caches.evict(kind, index, name)
        return RestResponse(200 if result.result == "deleted" else 404, write_body(index, result, True))

    return handler


def _lister(kind: str) -> Any:
    def handler(req: RestRequest) -> RestResponse:
        from_ = _int_param(req, "from", 0)
        size = _int_param(req, "size", 20)
        body = store.search_elements(req.node, _index(req), kind, req.param("prefix"), from_, size)
        return RestResponse(200, body)

    return handler


def _int_param(req: RestRequest, name: str, default: int) -> int:
    raw = req.param(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.illegal_argument(f"Failed to parse int parameter [{name}] with value [{raw}]") from None
    if value < 0:
        raise errors.illegal_argument(f"[{name}] parameter cannot be negative, found [{value}]")
    return value


def _stored_set(node: Any, index: str, name: str) -> tuple[elements.StoredFeatureSet, int] | None:
    hit = store.get_element(node, index, FEATURESET, name)
    if hit is None:
        return None
    return elements.element_from_source(FEATURESET, hit[0]), hit[2]  # type: ignore[return-value]


def add_features(req: RestRequest) -> RestResponse:
    """``RestAddFeatureToSet`` + ``TransportAddFeatureToSetAction``."""
    node, index, set_name = req.node, _index(req), req.path_params["name"]
    query = req.path_params.get("query")
    body = req.json()
    features: list[elements.StoredFeature] = []
    validation = None
    if body is not None:
        if not isinstance(body, dict):
            raise errors.parsing("[features] request body must be an object")
        for key in body:
            if key not in ("features", "validation"):
                raise errors.parsing(f"[features] unknown field [{key}]")
        features = elements.parse_features(body.get("features", []), "features")
        validation = elements.parse_validation(body.get("validation"))
    if query is None and not features:
        raise errors.illegal_argument("features must be provided as a query for the feature store or in the "
                                      "body, none provided")
    if query is not None and features:
        raise errors.illegal_argument("features must be provided as a query for the feature store or "
                                      "directly in the body not both")
    store.require_store(node, index)
    if query is not None:
        features = _features_by_query(node, index, query)
    current = _stored_set(node, index, set_name)
    expected = req.param("version")
    if expected is not None and (current is None or str(current[1]) != str(expected)):
        found = "no set" if current is None else f"version [{current[1]}]"
        doc_id = store.element_id(FEATURESET, set_name)
        raise errors.EngineError("version_conflict_engine_exception", f"[{doc_id}]: version conflict, "
                                 f"required version [{expected}], found {found}", 409, index=index)
    base = current[0] if current is not None else elements.StoredFeatureSet(set_name, [])
    updated = base.append(features, merge=req.flag("merge"))
    return _write(req, index, updated, validation, create=current is None)


def _features_by_query(node: Any, index: str, query: str) -> list[elements.StoredFeature]:
    """``name*`` = prefix, ``*`` = all, otherwise the exact name."""
    found = []
    for _, source in store.iter_elements(node, index, FEATURE):
        name = str(source.get("name", ""))
        if (query.endswith("*") and name.startswith(query[:-1])) or name == query:
            found.append(elements.element_from_source(FEATURE, source))
    if not found:
        raise errors.illegal_argument(f"Query [{query}] on index [{index}] returned no features")
    return found  # type: ignore[return-value]


def create_model_from_set(req: RestRequest) -> RestResponse:
    """``RestCreateModelFromSet``: the stored set is copied into a new, immutable model."""
    node, index, set_name = req.node, _index(req), req.path_params["name"]
    body = req.json(required=True)
    if not isinstance(body, dict):
        raise errors.parsing("request body must be an object")
    for key in body:
        if key not in ("model", "validation"):
            raise errors.parsing(f"[create_model] unknown field [{key}]")
    if "model" not in body:
        raise errors.parsing("Missing required field [model]")
    validation = elements.parse_validation(body.get("validation"))
    store.require_store(node, index)
    current = _stored_set(node, index, set_name)
    if current is None:
        raise errors.illegal_argument(f"Stored feature set [{set_name}] does not exist")
    expected = req.param("version")
    if expected is not None and str(current[1]) != str(expected):
        raise errors.illegal_argument(f"Stored feature set [{set_name}] has version [{current[1]}] but "
                                      f"[{expected}] was expected.")
    model = elements.parse_model(body["model"], None, current[0])
    if store.get_element(node, index, MODEL, model.name) is not None:
        raise ltr_errors.model_not_updatable()
    return _write(req, index, model, validation, create=True)
