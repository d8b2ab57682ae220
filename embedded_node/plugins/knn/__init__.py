"""The k-NN plugin of the embedded node: exact vector scores, the ``knn`` query and the ``knn_score`` script.

* :mod:`.scoring`: per-``space_type`` raw distances and the score translations of the k-NN plugin and Lucene.
* :mod:`.ann`: per-segment nearest-neighbour search (numpy brute force below a size threshold, faiss HNSW above).
* :mod:`.script`: the ``knn`` script engine and its ``knn_score`` script, used by ``script_score`` and
  ``function_score``.
* :mod:`.queries`: the ``knn`` query.
* :mod:`.mapper`: the ``knn_vector`` field type.
* :mod:`.knn_plugin`: the plugin as the node mounts it (one :class:`~embedded_node.plugins.base.Plugin`).
"""
