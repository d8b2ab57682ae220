"""Which engine the node emulates: OpenSearch (with the LTR and k-NN plugins) or Elasticsearch (with the o19s LTR
plugin). One :class:`Distribution` value per engine says what differs: the mounted plugins, the default version,
the root endpoint's body, the ``_cat/plugins`` rows and the headers every response carries. The node picks one
when it is built (:func:`distribution_for`) and the REST layer asks it; nothing else branches on the engine.
"""
from __future__ import annotations

from .base import Distribution, DistributionMismatch
from .elasticsearch import ELASTICSEARCH
from .opensearch import OPENSEARCH

DISTRIBUTIONS: dict[str, Distribution] = {d.name: d for d in (OPENSEARCH, ELASTICSEARCH)}


def distribution_for(name: str) -> Distribution:
    """The distribution called ``name`` (``opensearch`` or ``elasticsearch``); a clear error for anything else."""
    found = DISTRIBUTIONS.get(str(name).lower())
    if found is None:
        raise ValueError(f"unknown distribution {name!r}: use one of {', '.join(sorted(DISTRIBUTIONS))}")
    return found


__all__ = ["DISTRIBUTIONS", "Distribution", "DistributionMismatch", "distribution_for"]
