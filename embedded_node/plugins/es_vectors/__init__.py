"""Elasticsearch's built-in vector search, as the embedded node's Elasticsearch distribution mounts it.

Elasticsearch has no k-NN plugin: ``dense_vector`` is a core field type, ``knn`` is both a top-level search section
and a query, and the vector functions (``cosineSimilarity``, ``dotProduct``, ``l1norm``, ``l2norm``) are painless
whitelist methods. The node mounts this package (:data:`.plugin.ES_VECTORS`) instead of the OpenSearch k-NN plugin
when it emulates Elasticsearch (``distribution="elasticsearch"``).
"""
