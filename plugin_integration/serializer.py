"""A faster JSON serializer for opensearch-py (orjson), used for every client mmltr builds.

Bulk requests carry hundreds of 384-float vectors per document; the standard library encoder spends more time
on them than the cluster spends indexing. Semantics match opensearch-py's ``JSONSerializer`` (strings pass
through, numpy/pandas values serialize, errors raise ``SerializationError``).
"""
from __future__ import annotations

from typing import Any

import orjson
from opensearchpy.exceptions import SerializationError
from opensearchpy.serializer import JSONSerializer

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class OrjsonSerializer(JSONSerializer):
    def dumps(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data, default=self.default, option=_OPTIONS).decode("utf-8")
        except (TypeError, ValueError, orjson.JSONEncodeError) as exc:
            raise SerializationError(data, exc)

    def loads(self, s: str) -> Any:
        try:
            return orjson.loads(s)
        except (ValueError, TypeError) as exc:
            raise SerializationError(s, exc)
