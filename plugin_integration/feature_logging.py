"""Feature logging through the plugin (``sltr`` + ``ltr_log``), batched through ``_msearch``.

One search per query context (its judged ids in an ``ids`` filter, ``size`` = the number of ids), many searches
per ``_msearch``. The values are the ones the cluster computes at query time, so training sees what serving
scores. A feature that does not match a document is logged without a value: it becomes NaN (what tree models
on current plugins see, ``ClusterInfo.ltr_missing_behaviour``), or 0.0 with ``missing_as_zero``.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from .errors import ClusterError, from_body, translated
from .featuresets import FeatureSet, fetch
from .ltr_api import is_opensearch_client
from .params import QueryContext, missing_params, to_params
from .queries import LOG_NAME, logging_search

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32  # searches per _msearch
DEFAULT_MAX_IDS = 1000  # ids per search; more are split over several searches

Progress = Callable[[int, int], None]  # (searches done, searches total)


@dataclass(frozen=True)
class FeatureRow:
    """The logged feature values of one (query, document): ``values`` in the featureset's order."""

    qid: str
    doc_id: str
    values: tuple[float, ...]


@dataclass
class LoggedFeatures:
    """The rows (in the order of the requested ids per qid), the feature names, and the ids not found."""

    feature_names: tuple[str, ...]
    rows: list[FeatureRow] = field(default_factory=list)
    not_found: dict[str, list[str]] = field(default_factory=dict)

    @property
    def missing_count(self) -> int:
        return sum(len(v) for v in self.not_found.values())


@dataclass(frozen=True)
class _Search:
    qid: str
    doc_ids: tuple[str, ...]
    body: dict[str, Any]


def log_features(client: Any, index: str, featureset: str | FeatureSet, contexts: Mapping[str, QueryContext],
                 doc_ids: Mapping[str, Sequence[str]], store: str | None = None, missing_as_zero: bool = False,
                 batch_size: int = DEFAULT_BATCH_SIZE, max_ids: int = DEFAULT_MAX_IDS,
                 progress: Progress | None = None) -> LoggedFeatures:
    """Log ``featureset`` for ``doc_ids[qid]`` under ``contexts[qid]`` on ``index``.

    Parameters
    ----------
    featureset:
        The stored set's name (fetched once, for its feature names and params) or the set itself.
    contexts / doc_ids:
        Per qid, the query context (params come from :func:`params.to_params`) and the ids to log.
    missing_as_zero:
        Log 0.0 instead of leaving missing features out (then this function has no NaN either). Match the
        model's / plugin's behaviour (``ClusterInfo.ltr_missing_behaviour``).
    progress:
        Called with (searches done, searches total) after each ``_msearch``.

    Ids that the index does not hold are reported in ``not_found``, never silently dropped.
    """
    if batch_size < 1 or max_ids < 1:
        raise ValueError("batch_size and max_ids must be at least 1")
    unknown = sorted(set(doc_ids) - set(contexts))
    if unknown:
        raise ValueError(f"doc ids given for qids without a query context: {', '.join(unknown[:10])}")
    fs = featureset if isinstance(featureset, FeatureSet) else fetch(client, featureset, store)
    searches = list(_searches(fs, contexts, doc_ids, store, missing_as_zero, max_ids))
    result = LoggedFeatures(feature_names=fs.feature_names)
    found: dict[tuple[str, str], tuple[float, ...]] = {}
    for start in range(0, len(searches), batch_size):
        batch = searches[start:start + batch_size]
        with _collector_paused():
            responses = _msearch(client, index, batch)
            for search, response in zip(batch, responses):
                found.update(((search.qid, doc_id), values)
                             for doc_id, values in _parse(response, search, fs.feature_names, missing_as_zero))
            del responses
        if progress is not None:
            progress(min(start + batch_size, len(searches)), len(searches))
    for qid, ids in doc_ids.items():
        for doc_id in dict.fromkeys(str(d) for d in ids):
            values = found.get((qid, doc_id))
            if values is None:
                result.not_found.setdefault(qid, []).append(doc_id)
            else:
                result.rows.append(FeatureRow(qid, doc_id, values))
    if result.not_found:
        log.warning("%d judged document(s) not found in %s", result.missing_count, index)
    return result


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while one ``_msearch`` response is decoded and parsed.

    The response is a tree of ~100k short-lived, acyclic containers (one log entry per feature per hit): the
    collections its allocation triggers walk everything the process holds. The response is released before the
    collector is re-enabled, so the next collection only sees the (few) rows kept. Concurrent callers are safe:
    only a caller that found the collector enabled re-enables it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _searches(fs: FeatureSet, contexts: Mapping[str, QueryContext], doc_ids: Mapping[str, Sequence[str]],
              store: str | None, missing_as_zero: bool, max_ids: int) -> Iterator[_Search]:
    for qid, context in contexts.items():
        ids = list(dict.fromkeys(str(d) for d in doc_ids.get(qid, ())))
        if not ids:
            continue
        params = to_params(context)
        missing = missing_params(params, fs.params)
        if missing:
            raise ValueError(f"query {qid!r}: featureset {fs.name!r} needs param(s) {', '.join(missing)} that its "
                             "QueryContext does not supply (add the vector / user profile, or use a neutral one)")
        for start in range(0, len(ids), max_ids):
            chunk = tuple(ids[start:start + max_ids])
            body = logging_search(fs.name, params, chunk, store=store, missing_as_zero=missing_as_zero)
            yield _Search(qid, chunk, body)


def _msearch(client: Any, index: str, batch: Sequence[_Search]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for search in batch:
        lines.extend(({"index": index}, search.body))
    with translated("check the index name and that the featureset's templates run on it"):
        if is_opensearch_client(client):
            response = client.msearch(body=lines)
        else:
            response = client.msearch(searches=lines)
    responses = getattr(response, "body", response).get("responses") or []
    if len(responses) != len(batch):
        raise ClusterError("N/A", "msearch_mismatch",
                           f"_msearch answered {len(responses)} responses for {len(batch)} searches")
    return responses


def _parse(response: Mapping[str, Any], search: _Search, names: Sequence[str],
           missing_as_zero: bool) -> Iterator[tuple[str, tuple[float, ...]]]:
    if "error" in response:
        raise from_body(response.get("status", "N/A"), response,
                        hint=f"logging query {search.qid!r} failed; check its params and the featureset's templates")
    fill = 0.0 if missing_as_zero else math.nan
    for hit in (response.get("hits") or {}).get("hits") or []:
        entries = _log_entries(hit)
        if entries is None:
            raise ClusterError("N/A", "ltr_log_missing",
                               f"hit {hit.get('_id')!r} of query {search.qid!r} has no fields._ltrlog.{LOG_NAME}",
                               "the cluster ignored ext.ltr_log: is the LTR plugin installed (`_cat/plugins`)?")
        if len(entries) == len(names) and all(type(e) is dict and e.get("name") == n for e, n in zip(entries, names)):
            # the plugin logs in featureset order: read the values in place
            yield str(hit["_id"]), tuple(fill if (v := e.get("value")) is None else float(v) for e in entries)
            continue
        # parsed JSON: entries are dicts (typing.Mapping's isinstance check cost more than the rest of the parse)
        by_name = {e.get("name"): e.get("value") for e in entries if isinstance(e, dict)}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ClusterError("N/A", "ltr_log_mismatch",
                               f"the log of {hit.get('_id')!r} lacks feature(s) {', '.join(unknown)}",
                               "the stored featureset differs from the one given; fetch it again")
        yield str(hit["_id"]), tuple(fill if by_name[n] is None else float(by_name[n]) for n in names)


def _log_entries(hit: Mapping[str, Any]) -> list[Any] | None:
    logs = (hit.get("fields") or {}).get("_ltrlog")
    if not isinstance(logs, list) or not logs or not isinstance(logs[0], Mapping):
        return None
    entries = logs[0].get(LOG_NAME)
    return entries if isinstance(entries, list) else None
