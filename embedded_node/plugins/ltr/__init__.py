"""The Learning-to-Rank plugin inside the embedded node.

A Python re-implementation of ``opensearch-learning-to-rank-base`` (and the o19s Elasticsearch plugin, which
shares its REST API and query DSL): the feature store (``_ltr`` endpoints), feature templates, model parsers
and evaluators, the ``sltr`` query and the ``ltr_log`` search extension. Behaviour that changed between plugin
releases (missing-feature handling above all) follows the node's emulated version, see :mod:`.versions`.

The node mounts it as one :class:`~embedded_node.plugins.base.Plugin` value (:mod:`.ltr_plugin`): the ``sltr``
query (:mod:`.queries`), the ``ltr_log`` extension and its fetch sub-phase (:mod:`.logging_ext`), the routes
(:mod:`.rest`) and its per-node state (:mod:`.plugin`). Nothing here imports mmltr's ``ltr/`` or ``indexer/`` packages: models are evaluated from their
JSON or text, exactly as the plugin does.
"""
from __future__ import annotations
