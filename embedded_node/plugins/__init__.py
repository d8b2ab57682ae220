"""The node's plugins: the interface (:mod:`.base`), the LTR (:mod:`.ltr`) and k-NN (:mod:`.knn`) plugins, and
the one list the node mounts (:data:`PLUGINS`, from :mod:`.registry`).
"""
from __future__ import annotations

from .registry import PLUGINS

__all__ = ["PLUGINS"]
