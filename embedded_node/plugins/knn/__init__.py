"""The k-NN plugin of the embedded node: exact vector scores, the ``knn`` query and the ``knn_score`` script.

* :mod:`.scoring`: per-``space_type`` raw distances and the score translations of the k-NN plugin and Lucene.
* :mod:`.ann`: per-segment nearest-neighbour search (numpy brute force below a size threshold, faiss HNSW above).
* :mod:`.script`: the ``knn_score`` script (``lang: knn``) used by ``script_score`` and ``function_score``.
* :mod:`.queries`: the ``knn`` query and the ``script_score`` query (registered in the query DSL).
"""
