"""The only module that sends ``_ltr`` requests: thin, typed calls over the LTR plugin's REST API.

With an opensearch-py client each call goes through ``client.plugins.ltr`` (its ``LtrClient`` verbs are the
names used here); where ``LtrClient`` lacks a call, ``client.transport.perform_request`` sends the identical
path. With an ``elasticsearch`` client (the o19s plugin) the same ``/_ltr/...`` paths go through
``client.perform_request``; only the stats path differs (``/_ltr/_stats``).

Every call is wrapped in :func:`errors.translated`: errors arrive as :class:`ClusterError` with the plugin's
reason and a hint chosen for the call and the reason. Policy (idempotence, replace-or-fail, naming) lives in
``store``, ``featuresets`` and ``models``; bodies are built there from value objects.
"""
from __future__ import annotations

import logging
from typing import Any, Mapping
from urllib.parse import quote

from opensearchpy import OpenSearch

from .errors import ClusterError, translated

log = logging.getLogger(__name__)

_STORE_MISSING = ("initialise the feature store first: `mmltr store init` (add --store NAME for a named store)")
_FEATURESET_MISSING = "push the featureset first: `mmltr featureset push FILE` (check the name and --store)"
_MODEL_IMMUTABLE = ("models are immutable: upload under a new name (without --name, `mmltr model upload` "
                    "generates <featureset>__<yyyymmdd-hhmmss>) and switch the rescore query to it")

#: Hints chosen by fragments of ``"<type> <reason>"`` (lowercase, all must occur); the first match wins over
#: the call's own hint. Matching the reason only picks a hint: the reason itself is shown as the plugin wrote it.
_REASON_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("not a valid xgboost objective",),
     "set \"objective\" to rank:pairwise (no transform) or binary:logistic; reg:squarederror is not accepted, "
     "and rank:ndcg/rank:map need OpenSearch >= 3.2 or o19s >= 1.5.9"),
    (("unknown featureset",), _FEATURESET_MISSING),
    (("unknown feature",), "every `split` / weight name must be a feature of the featureset, spelled exactly; "
                           "see `mmltr featureset show NAME`"),
    (("missing required param",), "supply every param the featureset declares (QueryContext -> params builds "
                                  "them)"),
    (("error while parsing model",), "check --type and the definition (model/xgboost+json: nodeid, depth, split, "
                                     "split_condition, yes, no, missing, children; no gain/cover)"),
    (("feature set", "does not exist"), _FEATURESET_MISSING),
    (("index_not_found", "ltrstore"), _STORE_MISSING),
    (("store", "does not exist"), _STORE_MISSING),
    (("model", "already exists"), _MODEL_IMMUTABLE),
    (("not updatable",), _MODEL_IMMUTABLE),
    (("featurestore name",), "pick a store name that is not feature(s), featureset(s) or model(s)"),
    (("no [query] registered for [sltr]",), "the cluster has no LTR plugin; check `_cat/plugins`"),
    (("mustache",), "a feature template does not render to a valid query; check quotes and {{#toJson}} for "
                    "vectors"),
)


def _path(*parts: str | None) -> str:
    """The URL path of ``parts`` (``None`` skipped), quoted as opensearch-py does for its own calls."""
    return "/" + "/".join(quote(str(p), safe=",*") for p in parts if p not in (None, ""))


def is_opensearch_client(client: Any) -> bool:
    return isinstance(client, OpenSearch)


def _choose_hint(exc: ClusterError, default: str | None) -> str:
    text = f"{exc.type} {exc.reason}".lower()
    for fragments, hint in _REASON_HINTS:
        if all(f in text for f in fragments):
            return hint
    return default or exc.hint


def _send(client: Any, method: str, path: str, *, call: str | None = None, call_kwargs: Mapping[str, Any] | None = None,
          params: Mapping[str, Any] | None = None, body: Any = None, hint: str | None = None) -> Any:
    """Send one request: ``client.plugins.ltr.<call>`` when it exists, else ``perform_request(method, path)``."""
    params = {k: v for k, v in (params or {}).items() if v is not None}
    try:
        with translated():
            if is_opensearch_client(client):
                ltr = getattr(getattr(client, "plugins", None), "ltr", None)
                fn = getattr(ltr, call, None) if call else None
                if fn is not None:
                    kwargs = dict(call_kwargs or {})
                    if body is not None:
                        kwargs["body"] = body
                    return fn(params=params, **kwargs)
                return client.transport.perform_request(method, path, params=params or None, body=body)
            headers = {"accept": "application/json"}
            if body is not None:
                headers["content-type"] = "application/json"
            response = client.perform_request(method, path, params=params or None, headers=headers, body=body)
            return getattr(response, "body", response)
    except ClusterError as exc:
        exc.hint = _choose_hint(exc, hint)
        raise


def _with_store(store: str | None, **kwargs: Any) -> dict[str, Any]:
    return {"store": store, **kwargs} if store else kwargs


# -- stores ------------------------------------------------------------------------------------------------------


def create_store(client: Any, store: str | None = None) -> dict[str, Any]:
    """``PUT /_ltr[/{store}]``: create the store index (``.ltrstore`` or ``.ltrstore_<store>``)."""
    if store:
        return _send(client, "PUT", _path("_ltr", store), call="create_store", call_kwargs={"store": store},
                     hint="store names are lowercase index-name fragments; feature(s)/model(s)/feature_set(s) "
                          "are reserved")
    return _send(client, "PUT", _path("_ltr"), call="create_default_store")


def delete_store(client: Any, store: str | None = None) -> dict[str, Any]:
    """``DELETE /_ltr[/{store}]``: drop the store index and everything in it."""
    if store:
        return _send(client, "DELETE", _path("_ltr", store), call="delete_store", call_kwargs={"store": store},
                     hint="there is no such store; `mmltr store list` shows them")
    return _send(client, "DELETE", _path("_ltr"), call="delete_default_store",
                 hint="the default store does not exist; `mmltr store list` shows the stores")


def get_store(client: Any, store: str) -> dict[str, Any]:
    """``GET /_ltr/{store}``: ``{"exists": true}`` or a 404 (named stores only; the default has no name)."""
    return _send(client, "GET", _path("_ltr", store), call="get_store", call_kwargs={"store": store})


def list_stores(client: Any) -> dict[str, Any]:
    """``GET /_ltr``: ``{"stores": {name: {"store", "index", "version", "counts"}}}``."""
    return _send(client, "GET", _path("_ltr"), call="list_stores")


# -- featuresets -------------------------------------------------------------------------------------------------


def create_featureset(client: Any, name: str, body: Mapping[str, Any], store: str | None = None) -> dict[str, Any]:
    """``PUT /_ltr[/{store}]/_featureset/{name}``: create; a conflict if it exists."""
    return _send(client, "PUT", _path("_ltr", store, "_featureset", name), call="create_featureset",
                 call_kwargs=_with_store(store, id=name), body=body,
                 hint="the featureset exists: push with --replace to update it (models keep their own copy), "
                      "or use a new name")


def update_featureset(client: Any, name: str, body: Mapping[str, Any], store: str | None = None) -> dict[str, Any]:
    """``POST /_ltr[/{store}]/_featureset/{name}``: create or update."""
    return _send(client, "POST", _path("_ltr", store, "_featureset", name), call="update_featureset",
                 call_kwargs=_with_store(store, id=name), body=body)


def get_featureset(client: Any, name: str, store: str | None = None) -> dict[str, Any]:
    return _send(client, "GET", _path("_ltr", store, "_featureset", name), call="get_featureset",
                 call_kwargs=_with_store(store, id=name), hint=_FEATURESET_MISSING)


def delete_featureset(client: Any, name: str, store: str | None = None) -> dict[str, Any]:
    return _send(client, "DELETE", _path("_ltr", store, "_featureset", name), call="delete_featureset",
                 call_kwargs=_with_store(store, id=name), hint=_FEATURESET_MISSING)


def search_featuresets(client: Any, store: str | None = None, prefix: str | None = None, from_: int = 0,
                       size: int = 20) -> dict[str, Any]:
    """``GET /_ltr[/{store}]/_featureset?prefix=&from=&size=``: a search response over the store."""
    return _send(client, "GET", _path("_ltr", store, "_featureset"), call="search_featuresets",
                 call_kwargs=_with_store(store), params={"prefix": prefix, "from": from_, "size": size})


def add_features_to_set(client: Any, name: str, body: Mapping[str, Any], store: str | None = None,
                        merge: bool = False) -> dict[str, Any]:
    """``POST /_ltr[/{store}]/_featureset/{name}/_addfeatures[?merge=true]``: append (or merge) features."""
    return _send(client, "POST", _path("_ltr", store, "_featureset", name, "_addfeatures"),
                 call="add_features_to_set", call_kwargs=_with_store(store, name=name), body=body,
                 params={"merge": "true" if merge else None})


# -- models ------------------------------------------------------------------------------------------------------


def create_model_from_set(client: Any, featureset: str, body: Mapping[str, Any], store: str | None = None,
                          version: int | None = None) -> dict[str, Any]:
    """``POST /_ltr[/{store}]/_featureset/{featureset}/_createmodel[?version=N]``: the set is copied into the
    model; with ``version`` the call fails unless the set is still at that version."""
    return _send(client, "POST", _path("_ltr", store, "_featureset", featureset, "_createmodel"),
                 call="create_model_from_set", call_kwargs=_with_store(store, name=featureset), body=body,
                 params={"version": version}, hint=_MODEL_IMMUTABLE)


def get_model(client: Any, name: str, store: str | None = None) -> dict[str, Any]:
    return _send(client, "GET", _path("_ltr", store, "_model", name), call="get_model",
                 call_kwargs=_with_store(store, id=name), hint="no such model; `mmltr model list` shows them")


def delete_model(client: Any, name: str, store: str | None = None) -> dict[str, Any]:
    return _send(client, "DELETE", _path("_ltr", store, "_model", name), call="delete_model",
                 call_kwargs=_with_store(store, id=name), hint="no such model; `mmltr model list` shows them")


def search_models(client: Any, store: str | None = None, prefix: str | None = None, from_: int = 0,
                  size: int = 20) -> dict[str, Any]:
    """``GET /_ltr[/{store}]/_model?prefix=&from=&size=``."""
    return _send(client, "GET", _path("_ltr", store, "_model"), call="search_models",
                 call_kwargs=_with_store(store), params={"prefix": prefix, "from": from_, "size": size})


def search_all(client: Any, kind: str, store: str | None = None, prefix: str | None = None,
               page_size: int = 100) -> list[dict[str, Any]]:
    """Every hit of the ``_featureset`` or ``_model`` listing (``kind``), page by page.

    Stops on a short page, on the reported total, or on a page with nothing new (a server that ignores
    ``from`` must not loop forever).
    """
    search = {"featureset": search_featuresets, "model": search_models}[kind]
    out: list[dict[str, Any]] = []
    seen: set[Any] = set()
    while True:
        response = search(client, store, prefix=prefix, from_=len(out), size=page_size) or {}
        hits = (response.get("hits") or {}).get("hits") or []
        new = [h for h in hits if _hit_key(h) not in seen]
        seen.update(_hit_key(h) for h in new)
        out.extend(new)
        total = (response.get("hits") or {}).get("total")
        total = total.get("value") if isinstance(total, dict) else total
        if len(hits) < page_size or not new or (isinstance(total, int) and len(out) >= total):
            return out


def _hit_key(hit: Mapping[str, Any]) -> Any:
    return hit.get("_id") or (hit.get("_source") or {}).get("name")


# -- caches and stats --------------------------------------------------------------------------------------------


def clear_cache(client: Any, store: str | None = None) -> dict[str, Any]:
    return _send(client, "POST", _path("_ltr", store, "_clearcache"), call="clear_cache",
                 call_kwargs=_with_store(store))


def cache_stats(client: Any) -> dict[str, Any]:
    return _send(client, "GET", _path("_ltr", "_cachestats"), call="cache_stats")


def stats(client: Any) -> dict[str, Any]:
    """Plugin stats: ``/_plugins/_ltr/stats`` on OpenSearch, ``/_ltr/_stats`` with the o19s plugin."""
    if is_opensearch_client(client):
        return _send(client, "GET", _path("_plugins", "_ltr", "stats"), call="stats")
    return _send(client, "GET", _path("_ltr", "_stats"))
