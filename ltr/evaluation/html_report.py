"""``report.html``: one self-contained page (figures embedded as PNG data URIs, inline CSS, no script, no
external resource), readable offline and safe to attach to a ticket.

Sections: the verdict, metrics per ranker with intervals, comparisons with the best baseline, the figures of
:mod:`ltr.evaluation.plots` (metric bars; per-query wins and losses of ``ltr``; feature importance by gain and
feature distributions when given), and the conventions used (gain, relevance threshold, seeds, resamples).
"""
from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from . import plots
from .results import Evaluation
from .verdict import Verdict

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}.verdict{font-size:1.1em;padding:.8em;border-radius:4px}
.ok{background:#e6f4ea}.bad{background:#fce8e6}img{max-width:100%;display:block;margin:1em 0}
code{background:#f3f3f3;padding:0 .2em}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></figure>'


def _metrics_table(evaluation: Evaluation) -> str:
    head = "".join(f"<th>{html.escape(m)}</th>" for m in evaluation.metrics)
    rows = []
    for name in evaluation.rankers:
        cells = "".join(f"<td>{iv.mean:.4f} <small>[{iv.ci_low:.4f}, {iv.ci_high:.4f}]</small></td>"
                        for iv in (evaluation.summary[name][m] for m in evaluation.metrics))
        mark = " (best baseline)" if name == evaluation.best_baseline else ""
        rows.append(f"<tr><td>{html.escape(name)}{mark}</td>{cells}</tr>")
    return f"<table><tr><th>ranker</th>{head}</tr>{''.join(rows)}</table>"


def _comparisons_table(evaluation: Evaluation) -> str:
    if not evaluation.comparisons:
        return "<p>No comparison: no candidate ranker, or no baseline.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(c.ranker)} vs {html.escape(c.baseline)}</td><td>{html.escape(c.metric)}</td>"
        f"<td>{c.ranker_mean:.4f}</td><td>{c.baseline_mean:.4f}</td><td>{c.test.mean_diff:+.4f}</td>"
        f"<td>[{c.test.ci_low:+.4f}, {c.test.ci_high:+.4f}]</td><td>{c.test.p_value:.4g}</td></tr>"
        for c in evaluation.comparisons)
    return ("<table><tr><th>comparison</th><th>metric</th><th>ranker</th><th>baseline</th><th>difference</th>"
            f"<th>{evaluation.settings.confidence:.0%} CI</th><th>p</th></tr>{rows}</table>")


def _conventions(evaluation: Evaluation) -> str:
    s = evaluation.settings
    folds = f"{evaluation.folds}-fold cross-validation" if evaluation.folds else "a given model (no folds)"
    return (
        "<ul>"
        f"<li>Protocol <code>{html.escape(evaluation.protocol)}</code>; {folds} (folds: qids sorted by the sha256 "
        "hex digest of their UTF-8 bytes, the i-th in fold i mod K).</li>"
        f"<li>{evaluation.queries} queries: those with a document graded &ge; {s.threshold}.</li>"
        "<li>NDCG with linear gains (gain = grade, discount log2(rank + 1)); MRR, MAP, recall with relevant = "
        f"grade &ge; {s.threshold}; unjudged documents are not relevant; ties broken by document id.</li>"
        f"<li>{s.confidence:.0%} percentile-bootstrap intervals over queries ({s.n_resamples:,} resamples); "
        f"paired sign-flip randomization tests ({s.n_permutations:,} permutations, two-sided); seed {s.seed}.</li>"
        "</ul>")


def render_html(evaluation: Evaluation, verdict: Verdict | None = None, *, ranker: str = "ltr",
                feature_gain: Mapping[str, float] | None = None, features: pd.DataFrame | None = None,
                title: str = "mmltr evaluation") -> str:
    """The page as a string. ``feature_gain``: feature -> total gain of the model; ``features``: a feature
    table (``ltr.feature_table``: ``grade`` plus one numeric column per feature)."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if verdict is not None:
        cls = "ok" if verdict.exit_code == 0 else "bad"
        parts.append(f'<p class="verdict {cls}">{html.escape(verdict.text)} (exit code {verdict.exit_code})</p>')
    parts += ["<h2>Metrics per ranker</h2>", _metrics_table(evaluation),
              _img(plots.metric_bars(evaluation), "metric bars with confidence intervals per ranker"),
              "<h2>Comparisons with the best baseline</h2>", _comparisons_table(evaluation)]
    best, metric = evaluation.best_baseline, evaluation.settings.primary
    if best is not None and ranker in evaluation.per_query and ranker != best:
        parts += [f"<h2>Per-query wins and losses of {html.escape(ranker)}</h2>",
                  _img(plots.wins_losses(evaluation.differences(ranker, best, metric), ranker, best, metric),
                       f"per-query {metric} of {ranker} minus {best}")]
    if feature_gain:
        parts += ["<h2>Feature importance</h2>", _img(plots.feature_importance(feature_gain), "feature importance")]
    if features is not None:
        order = sorted(feature_gain, key=lambda f: -float(feature_gain[f])) if feature_gain else None
        names = [f for f in order if f in features.columns] if order else None
        parts += ["<h2>Feature distributions, relevant vs non-relevant</h2>",
                  _img(plots.feature_distributions(features, threshold=evaluation.settings.threshold,
                                                   features=names), "feature distributions")]
    parts += ["<h2>How these numbers were made</h2>", _conventions(evaluation)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def write_report_html(path: str | Path, evaluation: Evaluation, verdict: Verdict | None = None,
                      **kwargs: object) -> Path:
    out = Path(path)
    out.write_text(render_html(evaluation, verdict, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return out
