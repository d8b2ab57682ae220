"""What an evaluation leaves in its report directory, and the record for the ``mmltr-evals`` index.

* ``metrics.json``: :meth:`Evaluation.metrics_json` (layout in :mod:`ltr.evaluation.results`).
* ``per_query.csv``: one row per (qid, ranker), one column per metric (header ``qid,ranker,ndcg@5,...``).
* ``report.html``: :func:`ltr.evaluation.html_report.render_html`.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .html_report import write_report_html
from .metrics import long_table
from .results import Evaluation
from .verdict import Verdict

METRICS_JSON, PER_QUERY_CSV, REPORT_HTML = "metrics.json", "per_query.csv", "report.html"


def write_metrics_json(path: str | Path, evaluation: Evaluation) -> Path:
    out = Path(path)
    out.write_text(json.dumps(evaluation.metrics_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return out


def write_per_query_csv(path: str | Path, evaluation: Evaluation) -> Path:
    out = Path(path)
    long_table(evaluation.per_query).to_csv(out, index=False, float_format="%.6g")
    return out


def write_outputs(directory: str | Path, evaluation: Evaluation, verdict: Verdict | None = None, *,
                  feature_gain: Mapping[str, float] | None = None, features: pd.DataFrame | None = None,
                  title: str = "mmltr evaluation") -> dict[str, Path]:
    """Write the three files into ``directory`` (created if absent); returns their paths by file name."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    return {METRICS_JSON: write_metrics_json(out / METRICS_JSON, evaluation),
            PER_QUERY_CSV: write_per_query_csv(out / PER_QUERY_CSV, evaluation),
            REPORT_HTML: write_report_html(out / REPORT_HTML, evaluation, verdict, feature_gain=feature_gain,
                                           features=features, title=title)}


def eval_record(evaluation: Evaluation, verdict: Verdict | None = None, **extra: Any) -> dict[str, Any]:
    """One document for the ``mmltr-evals`` index: ``metrics.json`` plus the best baseline, the verdict and
    whatever the caller adds (timestamp, alias, featureset, model, judgments file)."""
    record = evaluation.metrics_json() | {"best_baseline": evaluation.best_baseline}
    if verdict is not None:
        record |= {"verdict": verdict.text, "exit_code": verdict.exit_code, "better": verdict.better,
                   "significant": verdict.significant}
    return record | extra
