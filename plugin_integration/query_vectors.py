"""Query vectors the cluster supplies: the query's image-space vector when the image encoder has no text tower.

DESIGN §5: ``knn_image`` compares a document's image vector with the query's image-space vector. A joint encoder
(CLIP) embeds the query text into that space; an image-only encoder cannot, so the query's vector is the mean
image vector of its top first-stage hits (pseudo-relevance feedback), normalized to unit length.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .cluster_info import detect
from .errors import translated
from .queries import first_stage

DEFAULT_FEEDBACK_HITS = 10


def mean_hit_vector(client: Any, alias: str, keywords: str, text_vector: Sequence[float] | None, field: str,
                    k: int = DEFAULT_FEEDBACK_HITS) -> tuple[float, ...] | None:
    """The unit mean of ``field`` over the top ``k`` first-stage hits that have it; None when none has."""
    body = {"size": k, "query": first_stage(keywords, text_vector, k=k, flavour=detect(client).flavour),
            "_source": [field]}
    with translated(f"check the alias {alias!r}"):
        response = client.search(index=alias, body=body)
    response = getattr(response, "body", response)
    vectors = [h["_source"][field] for h in response["hits"]["hits"] if (h.get("_source") or {}).get(field)]
    if not vectors:
        return None
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm == 0.0:
        return None
    return tuple(float(x) for x in (mean / norm).astype(np.float32))
