"""Fault injection: the embedded node answering like a cluster under stress, on purpose and reproducibly.

Off by default. ``MMLTR_FAULTS`` (JSON text, or ``@path`` to a JSON file) turns it on for every node the
process opens, through both doors (the in-process transport and ``mmltr serve``), so the product's retry and
accounting code can be tested and demonstrated against the real node rather than a mock::

    MMLTR_FAULTS='{"seed": 7, "rules": [{"path": "*/_bulk", "429": 0.1, "503": 0.05, "drop": 0.02,
                   "drop_after": 0.02, "slow": 0.1, "slow_s": 0.2, "bulk_item": 0.05}]}'

Each rule matches requests by ``method`` and ``path`` (fnmatch patterns; ``*`` by default) and gives the
probability of each fault; the first matching rule that is not spent (``max_faults``) applies. Per request, one seeded draw picks at most one of:

* ``429`` / ``503``: OpenSearch's error body (``rejected_execution_exception``,
  ``unavailable_shards_exception``) without reaching the node;
* ``drop``: the connection is dropped before the node sees the request;
* ``drop_after``: the node executes the request, then the connection is dropped before the answer (the case
  that makes a client's retry a second execution: idempotence is what survives it);

and independently ``slow`` delays the answer by ``slow_s`` seconds. ``max_faults`` retires a rule after that
many request faults, and later rules apply instead (``"drop_after": 1, "max_faults": 1``: exactly one lost
answer, for tests). ``bulk_item`` fails each ``_bulk`` item
with that probability (status ``bulk_item_status``, 429 by default): the item is cut out before the node sees
it and an OpenSearch-shaped error item is put in its place. The draws come from one ``random.Random(seed)``,
so a single-threaded client sees the same faults on every run. :attr:`FaultInjector.injected` counts them.
"""
from __future__ import annotations

import fnmatch
import json
import logging
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import errors
from .router import RestResponse, Router

log = logging.getLogger(__name__)

ENV = "MMLTR_FAULTS"
_ERROR_TYPES = {429: "rejected_execution_exception", 500: "exception", 502: "bad_gateway_exception",
                503: "unavailable_shards_exception", 504: "timeout_exception"}
_REQUEST_FAULTS = ("429", "503", "drop", "drop_after")


class DroppedConnection(ConnectionError):
    """An injected dropped connection: the transport turns it into opensearch-py's ``ConnectionError``, the
    HTTP server closes the socket without an answer."""


@dataclass(frozen=True)
class FaultRule:
    method: str = "*"
    path: str = "*"
    rates: dict[str, float] = field(default_factory=dict)  # "429", "503", "drop", "drop_after", "slow", "bulk_item"
    slow_s: float = 0.05
    bulk_item_status: int = 429
    max_faults: int | None = None  # the rule stops injecting request faults after this many

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method, self.method.upper()) and fnmatch.fnmatchcase(path, self.path)


@dataclass(frozen=True)
class FaultPlan:
    seed: int = 0
    rules: tuple[FaultRule, ...] = ()

    @classmethod
    def parse(cls, spec: Any, source: str = ENV) -> FaultPlan:
        """Validate a plan given as a dict (or JSON text); errors name ``source`` and the bad key."""
        if isinstance(spec, (str, bytes)):
            try:
                spec = json.loads(spec)
            except ValueError as exc:
                raise ValueError(f"{source}: not valid JSON ({exc})") from None
        if not isinstance(spec, dict) or not isinstance(spec.get("rules", []), list):
            raise ValueError(f'{source}: expected {{"seed": N, "rules": [{{"path": "*/_bulk", "503": 0.1}}]}}')
        rules = []
        for i, raw in enumerate(spec.get("rules", [])):
            if not isinstance(raw, dict):
                raise ValueError(f"{source}: rules[{i}] must be an object")
            known = {"method", "path", "slow_s", "bulk_item_status", "max_faults", "slow", "bulk_item",
                     *_REQUEST_FAULTS}
            unknown = sorted(set(raw) - known)
            if unknown:
                raise ValueError(f"{source}: rules[{i}] has unknown key(s) {unknown}; use {sorted(known)}")
            rates = {k: float(raw[k]) for k in (*_REQUEST_FAULTS, "slow", "bulk_item") if k in raw}
            if any(not 0.0 <= r <= 1.0 for r in rates.values()) or sum(
                    rates.get(k, 0.0) for k in _REQUEST_FAULTS) > 1.0:
                raise ValueError(f"{source}: rules[{i}]: rates are probabilities (0..1) and 429+503+drop+"
                                 "drop_after must not exceed 1")
            max_faults = raw.get("max_faults")
            rules.append(FaultRule(str(raw.get("method", "*")), str(raw.get("path", "*")), rates,
                                   float(raw.get("slow_s", 0.05)), int(raw.get("bulk_item_status", 429)),
                                   None if max_faults is None else int(max_faults)))
        return cls(int(spec.get("seed", 0)), tuple(rules))

    @classmethod
    def from_environment(cls) -> FaultPlan | None:
        text = os.environ.get(ENV, "").strip()
        if not text:
            return None
        if text.startswith("@"):
            path = Path(text[1:])
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ValueError(f"{ENV}: cannot read {path}: {exc}") from None
        return cls.parse(text)


class FaultInjector:
    """A :class:`Router` in front of the real one: same routes, same answers, plus the plan's faults."""

    def __init__(self, router: Router, plan: FaultPlan) -> None:
        self.router = router
        self.plan = plan
        self.injected: Counter[str] = Counter()
        self._by_rule: Counter[int] = Counter()
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def set_plan(self, plan: FaultPlan) -> None:
        """Change the faults of a running node (tests turn them on and off between commands)."""
        with self._lock:
            self.plan = plan
            self._by_rule = Counter()
            self._random = random.Random(plan.seed)

    def __getattr__(self, name: str) -> Any:  # add, add_routes, route...: the real router's
        return getattr(self.router, name)

    def dispatch(self, node: Any, method: str, path: str, params: dict[str, Any] | None,
                 body: bytes | None) -> RestResponse:
        method = method.upper()
        bare = path.split("?", 1)[0]
        number = next((i for i, r in enumerate(self.plan.rules) if r.matches(method, bare) and not self._spent(i)),
                      None)
        if number is None:
            return self.router.dispatch(node, method, path, params, body)
        rule = self.plan.rules[number]
        fault, slow = self._draw(rule, number)
        if slow:
            time.sleep(rule.slow_s)
        if fault in ("429", "503"):
            status = int(fault)
            err = errors.EngineError(_ERROR_TYPES[status], f"injected fault: [{method} {bare}] rejected", status)
            return RestResponse(status, err.to_body())
        if fault == "drop":
            raise DroppedConnection(f"injected fault: connection dropped before [{method} {bare}]")
        if rule.rates.get("bulk_item") and body and bare.rstrip("/").endswith("/_bulk") and method in ("POST",
                                                                                                        "PUT"):
            response = self._bulk_with_item_faults(node, method, path, params, body, rule)
        else:
            response = self.router.dispatch(node, method, path, params, body)
        if fault == "drop_after":
            raise DroppedConnection(f"injected fault: connection dropped after [{method} {bare}] ran")
        return response

    def _spent(self, number: int) -> bool:
        limit = self.plan.rules[number].max_faults
        return limit is not None and self._by_rule[number] >= limit

    def _draw(self, rule: FaultRule, number: int) -> tuple[str | None, bool]:
        with self._lock:
            x, y = self._random.random(), self._random.random()
            fault, edge = None, 0.0
            for name in () if self._spent(number) else _REQUEST_FAULTS:
                edge += rule.rates.get(name, 0.0)
                if x < edge:
                    fault = name
                    break
            slow = y < rule.rates.get("slow", 0.0)
            if fault:
                self.injected[fault] += 1
                self._by_rule[number] += 1
            if slow:
                self.injected["slow"] += 1
        return fault, slow

    def _bulk_with_item_faults(self, node: Any, method: str, path: str, params: dict[str, Any] | None,
                               body: bytes, rule: FaultRule) -> RestResponse:
        """Cut the failed items out, let the node run the rest, splice error items in at their places."""
        operations = split_bulk(body)
        if operations is None:  # malformed: the node gives its own answer
            return self.router.dispatch(node, method, path, params, body)
        with self._lock:
            failed = {i for i in range(len(operations)) if self._random.random() < rule.rates["bulk_item"]}
            self.injected["bulk_item"] += len(failed)
        if not failed:
            return self.router.dispatch(node, method, path, params, body)
        kept = [line for i, (_, _, lines) in enumerate(operations) if i not in failed for line in lines]
        real: list[Any] = []
        took = 0
        if kept:
            response = self.router.dispatch(node, method, path, params, b"\n".join(kept) + b"\n")
            if not isinstance(response.body, dict) or "items" not in response.body:
                return response  # a request-level error: the node's own answer
            real, took = list(response.body["items"]), response.body.get("took", 0)
        answers = iter(real)
        status = rule.bulk_item_status
        parts = [p for p in path.split("?", 1)[0].split("/") if p]
        default_index = parts[0] if len(parts) == 2 else None
        items = []
        for i, (kind, meta, _) in enumerate(operations):
            if i not in failed:
                items.append(next(answers))
                continue
            err = errors.EngineError(_ERROR_TYPES.get(status, "exception"),
                                     f"injected fault: bulk item [{meta.get('_id')}] rejected", status)
            items.append({kind: {"_index": meta.get("_index", default_index), "_id": meta.get("_id"), "status": status,
                                 "error": err.cause_body()}})
        return RestResponse(200, {"took": took, "errors": True, "items": items})


def split_bulk(body: bytes) -> list[tuple[str, dict[str, Any], list[bytes]]] | None:
    """The operations of an NDJSON bulk body: (action, metadata, its raw lines), or None when malformed."""
    lines = [line for line in body.split(b"\n") if line.strip()]
    operations: list[tuple[str, dict[str, Any], list[bytes]]] = []
    i = 0
    while i < len(lines):
        try:
            action = json.loads(lines[i])
            ((kind, meta),) = action.items()
        except (ValueError, AttributeError):
            return None
        width = 1 if kind == "delete" else 2
        if not isinstance(meta, dict) or i + width > len(lines):
            return None
        operations.append((kind, meta, lines[i:i + width]))
        i += width
    return operations


def with_faults(router: Router) -> Router:
    """The hook: ``router`` itself unless ``MMLTR_FAULTS`` asks for faults (then a :class:`FaultInjector`)."""
    plan = FaultPlan.from_environment()
    if plan is None or not plan.rules:
        return router
    log.warning("fault injection is ON (%s): %d rule(s), seed %d", ENV, len(plan.rules), plan.seed)
    return FaultInjector(router, plan)  # type: ignore[return-value]
