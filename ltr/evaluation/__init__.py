"""Evaluation of rankers on judged queries: pure (no cluster I/O), so ``mmltr evaluate`` composes it with the
runs it fetched.

A caller builds one :class:`Run` per ranker and the :class:`Qrels`, then::

    per_query = {name: evaluate_run(run, qrels, protocol="retrieval") for name, run in runs.items()}
    evaluation = summarize(per_query, protocol="retrieval", folds=5)
    v = verdict(evaluation)                       # plain words + EXIT_OK / EXIT_NOT_BETTER
    write_outputs(report_dir, evaluation, v, feature_gain=gain, features=feature_table)
    sys.exit(v.exit_code)

Modules: :mod:`.runs` (values, tie rule), :mod:`.folds` (the qid-digest fold rule), :mod:`.metrics` (ranx,
conventions), :mod:`.stats` (bootstrap, randomization), :mod:`.results` (summary, ``metrics.json``),
:mod:`.verdict`, :mod:`.plots`, :mod:`.html_report`, :mod:`.outputs`.
"""
from __future__ import annotations

from .folds import fold_of, held_out_queries, splits
from .html_report import render_html, write_report_html
from .metrics import DEFAULT_THRESHOLD, JUDGED_AT, METRICS, PROTOCOLS, evaluate_run, long_table, metric_names
from .outputs import eval_record, write_metrics_json, write_outputs, write_per_query_csv
from .results import CANDIDATES, Comparison, Evaluation, Settings, summarize
from .runs import Qrels, Run, rank
from .stats import Interval, PairedTest, bootstrap_ci, randomization_p, randomization_test
from .verdict import ALPHA, EXIT_NOT_BETTER, EXIT_OK, Verdict, verdict

__all__ = [
    "ALPHA", "CANDIDATES", "DEFAULT_THRESHOLD", "EXIT_NOT_BETTER", "EXIT_OK", "JUDGED_AT", "METRICS", "PROTOCOLS",
    "Comparison", "Evaluation", "Interval", "PairedTest", "Qrels", "Run", "Settings", "Verdict", "bootstrap_ci",
    "eval_record", "evaluate_run", "fold_of", "held_out_queries", "long_table", "metric_names", "randomization_p",
    "randomization_test", "rank", "render_html", "splits", "summarize", "verdict", "write_metrics_json",
    "write_outputs", "write_per_query_csv", "write_report_html",
]
