"""The k-NN plugin as the node mounts it (``KNNPlugin``): one :class:`~..base.Plugin` value.

``MapperPlugin``: the ``knn_vector`` field type; ``SearchPlugin``: the ``knn`` query; ``ScriptPlugin``: the
``knn`` script engine (``knn_score``); ``getSettings``: ``index.knn`` and its tuning settings; the codec hook:
building the graphs of a large segment when a refresh or merge writes it (:func:`.ann.prepare_graphs`).
"""
from __future__ import annotations

from ... import errors
from ..base import Plugin, Setting
from .ann import prepare_graphs
from .mapper import KNN_VECTOR
from .queries import parse_knn
from .script import compile_knn_script


def _boolean(key: str, value: str) -> None:
    if value not in ("true", "false"):
        raise errors.illegal_argument(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")


KNN_PLUGIN = Plugin(
    name="opensearch-knn",
    description="k-NN",
    queries=(("knn", parse_knn),),
    field_types=(("knn_vector", KNN_VECTOR),),
    script_engines=(("knn", compile_knn_script),),
    settings=(Setting("index.knn", _boolean), Setting("index.knn.algo_param.ef_search"),
              Setting("index.knn.advanced.approximate_threshold"),
              Setting("index.embedded.ann_threshold")),  # the embedded node's own graph threshold (see .ann)
    segment_listeners=(prepare_graphs,),
)
