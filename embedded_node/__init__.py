"""The embedded node: a single-node, OpenSearch-compatible search engine in Python.

It speaks the subset of OpenSearch's REST API that mmltr uses, with the Learning-to-Rank and k-NN plugins
mounted (:mod:`.plugins`), computes BM25 bit for bit as Lucene does, and persists to a data directory. Its
layout mirrors the engine it emulates: :mod:`.rest` (routing, handlers, HTTP server, in-process transport),
:mod:`.search` (request, query DSL, query phase, rescore, fetch, scroll), :mod:`.index` (mappings, documents,
segments, merges, storage, recovery), :mod:`.analysis` and :mod:`.similarity`.

It imports nothing of mmltr's product packages (``ltr``, ``indexer``, ``plugin_integration``): models are
evaluated from their JSON, as the plugin does. Only ``plugin_integration.client`` (and tests) import it.
"""
