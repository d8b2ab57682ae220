"""Random and time-based ids (``org.opensearch.common.UUIDs``): document ids, index uuids, node and cluster ids."""
from __future__ import annotations

import base64
import os
import time
import uuid as uuid_mod


def new_doc_id() -> str:
    """OpenSearch-style auto ids: 20 URL-safe base64 characters, time-ordered prefix."""
    raw = int(time.time() * 1000).to_bytes(6, "big") + os.urandom(9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:20]


def random_base64_uuid() -> str:
    """22 URL-safe base64 characters of a random UUID (``UUIDs.randomBase64UUID``): index and node ids."""
    return base64.urlsafe_b64encode(uuid_mod.uuid4().bytes).decode().rstrip("=")[:22]
