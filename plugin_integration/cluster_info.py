"""What the cluster is: flavour, version, plugins, and the LTR plugin behaviours that depend on them.

Detected once per client (``GET /`` and ``_cat/plugins``) so that conversion, logging and upload can match the
plugin that will actually score the model. The missing-value behaviour is the important one (ltr-plugin.md
§1.7): a model trained with NaN for missing features but served by a plugin that feeds 0.0 (or that ignores the
``missing`` pointer) ranks differently offline and online.
"""
from __future__ import annotations

import logging
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Literal

from indexer.vector_dialect import VectorDialect, dialect_for

from .errors import ClusterError, translated

log = logging.getLogger(__name__)

Flavour = Literal["opensearch", "elasticsearch"]
MissingBehaviour = Literal["zero", "nan_to_no", "nan_to_missing"]

#: ``_cat/plugins`` component names of the LTR plugin: the bundled OpenSearch plugin, and the o19s plugin
#: (its descriptor name is ``ltr``; older OpenSearch community builds used the same name).
LTR_COMPONENTS = ("opensearch-ltr", "ltr", "opensearch-learning-to-rank-base")
KNN_COMPONENTS = ("opensearch-knn", "opendistro-knn")

#: XGBoost objectives every supported plugin version accepts; ``rank:ndcg``/``rank:map`` came later
#: (o19s #479, OpenSearch #211 in 3.2.0).
BASE_OBJECTIVES = ("binary:logitraw", "rank:pairwise", "reg:linear", "binary:logistic", "reg:logistic")
RANKING_OBJECTIVES = ("rank:ndcg", "rank:map")

Version = tuple[int, int, int]


def parse_version(text: str | None) -> Version | None:
    """``"2.19.0"``, ``"2.19.0.0"``, ``"8.11.4-SNAPSHOT"``, ``"1.5.9-es8.11.4"`` → the first three numbers."""
    if not text:
        return None
    match = re.match(r"\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    if not match:
        return None
    return tuple(int(g or 0) for g in match.groups())  # type: ignore[return-value]


@dataclass(frozen=True)
class ClusterInfo:
    """The cluster's flavour and version, its plugins, and the LTR plugin capabilities derived from them."""

    flavour: Flavour
    version_text: str
    plugins: dict[str, str] = field(default_factory=dict)  # component -> version
    cluster_name: str = ""

    @property
    def version(self) -> Version:
        return parse_version(self.version_text) or (0, 0, 0)

    # -- plugins ---------------------------------------------------------------------------------------------------

    @property
    def ltr_component(self) -> str | None:
        return next((c for c in LTR_COMPONENTS if c in self.plugins), None)

    @property
    def has_ltr(self) -> bool:
        return self.ltr_component is not None

    @property
    def ltr_version_text(self) -> str | None:
        component = self.ltr_component
        return self.plugins.get(component) if component else None

    @property
    def has_knn(self) -> bool:
        """OpenSearch needs the k-NN plugin; Elasticsearch has ``dense_vector`` built in."""
        if self.flavour == "elasticsearch":
            return True
        return any(c in self.plugins for c in KNN_COMPONENTS)

    @property
    def vectors(self) -> VectorDialect:
        """How this cluster spells vector fields, the first stage's ``knn`` clause and exact vector scores."""
        return dialect_for(self.flavour)

    def require_ltr(self) -> ClusterInfo:
        if not self.has_ltr:
            raise ClusterError(
                "N/A", "ltr_plugin_missing",
                f"the {self.flavour} {self.version_text} cluster has no Learning-to-Rank plugin "
                f"(plugins: {', '.join(sorted(self.plugins)) or 'none'})",
                "OpenSearch bundles opensearch-ltr from 2.19; on Elasticsearch install the o19s plugin build "
                "matching the exact version (docker/elasticsearch/Dockerfile), or omit --cluster to use the "
                "embedded node")
        return self

    def require_knn(self) -> ClusterInfo:
        if not self.has_knn:
            raise ClusterError(
                "N/A", "knn_plugin_missing",
                f"the {self.flavour} {self.version_text} cluster has no k-NN plugin "
                f"(plugins: {', '.join(sorted(self.plugins)) or 'none'})",
                "install opensearch-knn (bundled in the standard OpenSearch distribution, not in the -min one)")
        return self

    # -- LTR behaviours that depend on the plugin version ----------------------------------------------------------

    @property
    def _ltr_version(self) -> Version:
        """The LTR plugin's own version: o19s numbers its releases (1.5.9-es8.11.4); OpenSearch's follows the
        cluster."""
        if self.flavour == "opensearch":
            return self.version
        parsed = parse_version(self.ltr_version_text)
        if parsed is not None and parsed[0] < 5:  # an o19s release number, not an ES version
            return parsed
        return _o19s_release_for_es(self.version)

    @property
    def ltr_missing_behaviour(self) -> MissingBehaviour:
        """What a tree model sees for a feature that does not match a document (ltr-plugin.md §1.7).

        ``zero``: the feature is 0.0 (OpenSearch LTR < 3.2, o19s < 1.5.9); ``nan_to_no``: NaN, always routed
        to the ``no`` branch (OpenSearch 3.2–3.7, bug #378); ``nan_to_missing``: NaN, routed by the node's
        ``missing`` pointer as XGBoost/LightGBM do (OpenSearch ≥ 3.8, o19s ≥ 1.5.9 / ES ≥ 8.11.4).
        """
        version = self._ltr_version
        if self.flavour == "opensearch":
            if version < (3, 2, 0):
                return "zero"
            return "nan_to_no" if version < (3, 8, 0) else "nan_to_missing"
        return "zero" if version < (1, 5, 9) else "nan_to_missing"

    @property
    def log_missing_as_zero(self) -> bool:
        """Whether feature logging should write 0.0 for a missing feature, to train on what the plugin feeds
        tree models: True only where it feeds 0.0 (``zero``). Elsewhere log NaN; on ``nan_to_no`` the plugin
        ignores the ``missing`` pointer, so only featuresets whose features match every document (DESIGN §5)
        are scored as trained."""
        return self.ltr_missing_behaviour == "zero"

    @property
    def supports_raw_parser(self) -> bool:
        """``model/xgboost+json+raw`` (``Booster.save_model`` JSON): o19s ≥ 1.5.10, OpenSearch ≥ 3.0."""
        version = self._ltr_version
        return version >= (3, 0, 0) if self.flavour == "opensearch" else version >= (1, 5, 10)

    @property
    def raw_parser_honours_default_left(self) -> bool:
        """The raw parser routed missing values right until o19s #518 (1.5.12) / OpenSearch #379 (3.8.0)."""
        version = self._ltr_version
        return version >= (3, 8, 0) if self.flavour == "opensearch" else version >= (1, 5, 12)

    @property
    def supports_missing_as_zero_model(self) -> bool:
        """The ``"missing_as_zero": true`` flag in an xgboost+json definition: OpenSearch after 3.8.0 (#389)."""
        return self.flavour == "opensearch" and self._ltr_version > (3, 8, 0)

    @property
    def supports_mustache_partials(self) -> bool:
        """OpenSearch 3.8 disabled mustache partials (#386)."""
        return not (self.flavour == "opensearch" and self._ltr_version >= (3, 8, 0))

    @property
    def accepted_objectives(self) -> tuple[str, ...]:
        version = self._ltr_version
        newer = version >= (3, 2, 0) if self.flavour == "opensearch" else version >= (1, 5, 9)
        return BASE_OBJECTIVES + (RANKING_OBJECTIVES if newer else ())

    @property
    def ltr_stats_path(self) -> str:
        return "/_plugins/_ltr/stats" if self.flavour == "opensearch" else "/_ltr/_stats"

    def describe(self) -> str:
        ltr = f"{self.ltr_component} {self.ltr_version_text}" if self.has_ltr else "no LTR plugin"
        return (f"{self.flavour} {self.version_text} ({ltr}; missing features: {self.ltr_missing_behaviour}; "
                f"k-NN: {'yes' if self.has_knn else 'no'})")


def _o19s_release_for_es(es_version: Version) -> Version:
    """When the plugin version cannot be read, infer the o19s release from the first ES build that had it:
    1.5.9 with ES 8.11.4 (#482), 1.5.10 with 8.17.2 (#500/#508), 1.5.12 with 9.0.8 (#518)."""
    for es_first, release in (((9, 0, 8), (1, 5, 12)), ((8, 17, 2), (1, 5, 10)), ((8, 11, 4), (1, 5, 9))):
        if es_version >= es_first:
            return release
    return (1, 5, 8)


def from_responses(root: dict[str, Any], cat_plugins: list[dict[str, Any]] | None) -> ClusterInfo:
    """Build a :class:`ClusterInfo` from the bodies of ``GET /`` and ``GET _cat/plugins?format=json``."""
    version = root.get("version") or {}
    distribution = str(version.get("distribution", "")).lower()
    flavour: Flavour = "opensearch" if distribution == "opensearch" else "elasticsearch"
    plugins: dict[str, str] = {}
    for row in cat_plugins or []:
        component = row.get("component")
        if component:
            plugins[str(component)] = str(row.get("version", ""))
    return ClusterInfo(flavour=flavour, version_text=str(version.get("number", "0.0.0")), plugins=plugins,
                       cluster_name=str(root.get("cluster_name", "")))


_DETECTED: weakref.WeakKeyDictionary[Any, ClusterInfo] = weakref.WeakKeyDictionary()


def detect(client: Any, *, require_ltr: bool = False, require_knn: bool = False,
           refresh: bool = False) -> ClusterInfo:
    """Ask the cluster (``GET /``, ``_cat/plugins``) and describe it; once per client unless ``refresh``.

    ``require_ltr`` / ``require_knn`` raise a :class:`ClusterError` with an install hint when the plugin is
    absent, so commands fail before sending requests that would end in ``no [query] registered for [sltr]``.
    """
    info = None if refresh else _DETECTED.get(client)
    if info is None:
        with translated("check that the cluster is up and the URL points at it"):
            root = _body(client.info())
            cat = _body(client.cat.plugins(format="json"))
        info = from_responses(root, cat if isinstance(cat, list) else [])
        _DETECTED[client] = info
        log.debug("cluster: %s", info.describe())
    if require_ltr:
        info.require_ltr()
    if require_knn:
        info.require_knn()
    return info


def _body(response: Any) -> Any:
    """opensearch-py returns plain bodies; the elasticsearch client wraps them in an ``ApiResponse``."""
    return getattr(response, "body", response)
