"""The report's figures as PNG bytes (matplotlib, Agg; no display and no global pyplot state).

* :func:`metric_bars`: each metric's mean per ranker with its confidence interval as an error bar.
* :func:`wins_losses`: per-query difference of a ranker against a baseline, sorted (wins above zero).
* :func:`feature_importance`: total gain per feature, largest first.
* :func:`feature_distributions`: each feature's histogram for relevant (grade >= threshold) and non-relevant
  documents, as densities so both are comparable whatever the class sizes; missing values (NaN) are counted in
  each panel's title, not drawn.
"""
from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..feature_table import RESERVED
from .results import Evaluation

DPI = 100
WIN, LOSS, REL, NONREL = "#2a9d4a", "#c8433a", "#2a6fbd", "#9a9a9a"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # deferred: the eval extra; Figure renders with Agg without pyplot

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def metric_bars(evaluation: Evaluation) -> bytes:
    metrics, rankers = evaluation.metrics, evaluation.rankers
    fig = _figure(max(6.0, 1.3 * len(metrics) * max(1, len(rankers)) / 2), 4.0)
    ax = fig.add_subplot()
    width = 0.8 / len(rankers)
    x = np.arange(len(metrics))
    for i, name in enumerate(rankers):
        ivs = [evaluation.summary[name][m] for m in metrics]
        means = np.array([iv.mean for iv in ivs])
        err = np.array([[iv.mean - iv.ci_low for iv in ivs], [iv.ci_high - iv.mean for iv in ivs]])
        ax.bar(x + (i - (len(rankers) - 1) / 2) * width, means, width, yerr=np.clip(err, 0, None), capsize=2,
               label=name)
    ax.set_xticks(x, metrics)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"mean over {evaluation.queries} queries ({evaluation.settings.confidence:.0%} CI)")
    ax.legend(loc="lower right", fontsize="small", ncols=min(len(rankers), 3))
    ax.set_title(f"{evaluation.protocol}: metrics per ranker")
    return _png(fig)


def wins_losses(differences: pd.Series, ranker: str, baseline: str, metric: str) -> bytes:
    d = np.sort(differences.to_numpy(np.float64))[::-1]
    fig = _figure(8.0, 3.5)
    ax = fig.add_subplot()
    colors = [WIN if v > 0 else LOSS if v < 0 else NONREL for v in d]
    ax.bar(np.arange(d.size), d, width=1.0, color=colors)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlim(-0.5, d.size - 0.5)
    ax.set_xlabel("queries, sorted by difference")
    ax.set_ylabel(f"{metric}: {ranker} - {baseline}")
    ax.set_title(f"{ranker} vs {baseline}: {int((d > 0).sum())} wins, {int((d < 0).sum())} losses, "
                 f"{int((d == 0).sum())} ties")
    return _png(fig)


def feature_importance(gain: Mapping[str, float], top: int = 30) -> bytes:
    items = sorted(gain.items(), key=lambda kv: (-float(kv[1]), kv[0]))[:top][::-1]
    fig = _figure(7.0, max(2.0, 0.28 * len(items) + 1.0))
    ax = fig.add_subplot()
    total = sum(float(v) for v in gain.values()) or 1.0
    ax.barh([k for k, _ in items], [float(v) / total for _, v in items], color=REL)
    ax.set_xlabel("share of total gain")
    ax.set_title("feature importance by gain" + (f" (top {top} of {len(gain)})" if len(gain) > top else ""))
    return _png(fig)


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The feature columns of a feature table: the numeric columns that are not reserved ones."""
    return [c for c in table.columns if c not in RESERVED and pd.api.types.is_numeric_dtype(table[c])]


def feature_distributions(table: pd.DataFrame, *, threshold: int = 2, features: Sequence[str] | None = None,
                          bins: int = 30, columns: int = 4) -> bytes:
    names = list(features) if features is not None else feature_columns(table)
    if not names:
        raise ValueError("the feature table has no numeric feature column")
    relevant = table["grade"].to_numpy() >= threshold
    rows = math.ceil(len(names) / columns)
    fig = _figure(3.0 * min(columns, len(names)), 2.3 * rows)
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, min(columns, len(names)), i + 1)
        values = table[name].to_numpy(np.float64)
        finite = np.isfinite(values)
        shown = values[finite]
        edges = np.histogram_bin_edges(shown, bins=bins) if shown.size else np.linspace(0, 1, bins + 1)
        if np.ptp(edges) == 0:
            edges = np.linspace(edges[0] - 0.5, edges[0] + 0.5, bins + 1)
        for mask, color, label in ((~relevant, NONREL, f"grade < {threshold}"), (relevant, REL,
                                                                               f"grade >= {threshold}")):
            part = values[mask & finite]
            if part.size:
                ax.hist(part, bins=edges, density=True, alpha=0.55, color=color, label=label)
        missing = int((~finite).sum())
        ax.set_title(name + (f" ({missing} missing)" if missing else ""), fontsize="small")
        ax.tick_params(labelsize="x-small")
        if i == 0:
            ax.legend(fontsize="x-small")
    return _png(fig)
