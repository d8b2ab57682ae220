"""The LTR plugin as the node mounts it (``LtrQueryParserPlugin``): one :class:`~..base.Plugin` value.

``SearchPlugin``: the ``sltr``, ``match_explorer`` and ``term_stat`` queries, the ``ltr_log`` search extension
and its fetch sub-phase;
``ActionPlugin``: the ``_ltr`` store, element, cache and stats endpoints; per-node state: caches, counters and
the emulated plugin version's semantics (:class:`.plugin.LtrPlugin`).
"""
from __future__ import annotations

from ..base import Plugin
from .explorer import parse_match_explorer
from .logging_ext import log_features, parse_ltr_log
from .plugin import NAME, LtrPlugin
from .queries import parse_sltr
from .rest import rest_routes
from .term_stat import parse_term_stat

LTR_PLUGIN = Plugin(
    name=NAME,
    description="learning-to-rank",
    rest_routes=rest_routes(),
    queries=(("sltr", parse_sltr), ("match_explorer", parse_match_explorer), ("term_stat", parse_term_stat)),
    search_exts=(("ltr_log", parse_ltr_log),),
    fetch_sub_phases=(log_features,),
    node_state=LtrPlugin,
)
