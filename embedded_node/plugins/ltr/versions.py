"""Which plugin release the node emulates, and the behaviours that differ between releases.

The LTR plugin changed how it treats features that did not match a document (``reference/ltr-plugin.md`` §1.7,
``fidelity.md`` §2.2, checked against the plugin's own classes at tags ``2.19.6.0``, ``3.2.0.0`` and
``main``):

* OpenSearch LTR <= 3.1 (every 2.x): ``DenseLtrRanker``, an unmatched feature is 0.0, no NaN check.
* OpenSearch LTR 3.2.0-3.7.x (#206): sparse vectors, an unmatched feature is NaN and NaN always goes ``no``.
* OpenSearch LTR 3.8.0 (#379): NaN goes to the ``missing`` child (``default_left`` for the raw parser).
* OpenSearch after 3.8.0 (#389): the model may say ``"missing_as_zero": true``.
* o19s ES LTR from v1.5.9-es8.11.4 (#482): NaN goes to ``missing`` (the field is effectively required); the
  raw parser sends NaN right until v1.5.12-es9.0.8 (#518).

Only tree models see NaN: linear, ranklib and featureset scoring always use a dense vector (0.0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DENSE = "dense"  # unmatched -> 0.0
NAN_NO = "nan_no"  # unmatched -> NaN, NaN -> "no"/right
NAN_MISSING = "nan_missing"  # unmatched -> NaN, NaN -> "missing" child / default_left


def parse_version(text: str) -> tuple[int, int, int]:
    """``"3.8.0"`` / ``"2.19.0-SNAPSHOT"`` -> ``(3, 8, 0)``."""
    parts = []
    for piece in str(text).split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class PluginSemantics:
    """Version-dependent rules of the emulated plugin, derived once from the node's version/distribution."""

    distribution: str
    version: tuple[int, int, int]

    @classmethod
    def of(cls, node: Any) -> "PluginSemantics":
        return cls(str(getattr(node, "distribution", "opensearch") or "opensearch").lower(),
                   parse_version(getattr(node, "version", "2.19.0")))

    @property
    def is_o19s(self) -> bool:
        return self.distribution == "elasticsearch"

    @property
    def tree_missing(self) -> str:
        """How ``NaiveAdditiveDecisionTree`` (``model/xgboost+json``) sees an unmatched feature."""
        if self.is_o19s:
            return NAN_MISSING if self.version >= (8, 11, 4) else DENSE
        if self.version >= (3, 8, 0):
            return NAN_MISSING
        if self.version >= (3, 2, 0):
            return NAN_NO
        return DENSE

    @property
    def raw_tree_missing(self) -> str:
        """Same for ``model/xgboost+json+raw``, whose ``default_left`` was honoured later on o19s (#518)."""
        mode = self.tree_missing
        if mode == NAN_MISSING and self.is_o19s and self.version < (9, 0, 8):
            return NAN_NO
        return mode

    @property
    def logging_fill(self) -> float:
        """What an unmatched feature reads as in the logging vector (``LogLtrRanker.VectorWrapper``), which a
        derived feature sees while logging: dense 0.0 before sparse vectors arrived, NaN after."""
        return 0.0 if self.tree_missing == DENSE else float("nan")

    @property
    def model_missing_as_zero(self) -> bool:
        """``"missing_as_zero"`` in an xgboost definition: OpenSearch after 3.8.0 only (#389)."""
        return not self.is_o19s and self.version > (3, 8, 0)

    @property
    def ranking_objectives(self) -> bool:
        """``rank:ndcg`` / ``rank:map``: o19s #479 (ES 8.11+ builds) and OpenSearch LTR 3.2.0 (#211)."""
        return self.is_o19s or self.version >= (3, 2, 0)

    @property
    def xgboost_missing_required(self) -> bool:
        """o19s unboxes a null ``missing`` into ``Split(..., int missingNodeId)``: splits without it fail."""
        return self.is_o19s and self.tree_missing != DENSE

    @property
    def xgboost_missing_validated(self) -> bool:
        """OpenSearch >= 3.8 checks that ``missing`` (when present) is ``yes`` or ``no``."""
        return not self.is_o19s and self.version >= (3, 8, 0)

    @property
    def partials_disabled(self) -> bool:
        """OpenSearch 3.8 disabled mustache partials (#386); before that a partial finds no template."""
        return not self.is_o19s and self.version >= (3, 8, 0)

    @property
    def opensearch_stats(self) -> bool:
        """``/_plugins/_ltr/stats`` (OpenSearch) vs ``/_ltr/_stats`` (o19s)."""
        return not self.is_o19s
