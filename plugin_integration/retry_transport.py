"""opensearch-py's ``Transport`` with a pause before each retry it decides to make.

The transport's retry policy (``max_retries``, ``retry_on_status``, ``retry_on_timeout``) is opensearch-py's,
and so is the retry loop; but the sync transport retries at once, which hammers a cluster that just answered
503 or dropped a connection under load. The transport calls :meth:`Transport.mark_dead` exactly when it is
about to retry ("only mark as dead if we are retrying"), so that is where this subclass waits:
``retry_backoff * 2**n`` seconds before the n-th retry of a request, at most ``retry_backoff_max``.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from opensearchpy import Transport


class BackoffTransport(Transport):
    """``Transport`` + exponential backoff between its retries (per request, per thread)."""

    def __init__(self, *args: Any, retry_backoff: float = 0.5, retry_backoff_max: float = 10.0,
                 **kwargs: Any) -> None:
        self.retry_backoff = retry_backoff
        self.retry_backoff_max = retry_backoff_max
        self._local = threading.local()
        super().__init__(*args, **kwargs)

    def perform_request(self, *args: Any, **kwargs: Any) -> Any:
        self._local.retries = 0
        return super().perform_request(*args, **kwargs)

    def mark_dead(self, connection: Any) -> None:
        super().mark_dead(connection)
        retries = getattr(self._local, "retries", 0)
        self._local.retries = retries + 1
        if retries >= self.max_retries:  # the last failure: the transport raises now, no retry to wait for
            return
        delay = min(self.retry_backoff_max, self.retry_backoff * 2 ** retries)
        if delay > 0:
            time.sleep(delay)
