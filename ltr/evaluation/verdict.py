"""The verdict in plain words, and the exit code ``mmltr evaluate`` ends with.

* :data:`EXIT_OK` (0): ``ltr``'s mean on the primary metric is above the best baseline's. The text says whether
  the difference is significant (paired randomization test, ``p < alpha``) or may be noise.
* :data:`EXIT_NOT_BETTER` (4): ``ltr``'s mean is not above the best baseline's (equal or below; "significantly
  worse" when ``p < alpha``): "ltr is not better than <best>". Serving the model would not improve search.

Codes 1-3 are the CLI's own (failed, usage, rejected rows: ``plugin_integration.cli_support``).
"""
from __future__ import annotations

from dataclasses import dataclass

from .results import Evaluation

EXIT_OK = 0
EXIT_NOT_BETTER = 4
ALPHA = 0.05
_EQUAL = 1e-12


@dataclass(frozen=True)
class Verdict:
    text: str
    exit_code: int
    better: bool       # mean above the best baseline's
    significant: bool  # p < alpha (in either direction)


def verdict(evaluation: Evaluation, ranker: str = "ltr", *, metric: str | None = None,
            alpha: float = ALPHA) -> Verdict:
    """``ranker`` against the best baseline on ``metric`` (default: the primary metric)."""
    metric = metric or evaluation.settings.primary
    best = evaluation.best_baseline
    if best is None:
        raise ValueError("no baseline was evaluated, so there is nothing to compare with")
    found = evaluation.comparison(ranker, metric)
    if found is None:
        raise ValueError(f"{ranker!r} was not compared on {metric!r} (rankers: {', '.join(evaluation.rankers)})")
    t = found.test
    diffs = evaluation.differences(ranker, best, metric)
    wins, losses = int((diffs > _EQUAL).sum()), int((diffs < -_EQUAL).sum())
    ties = len(diffs) - wins - losses
    numbers = (f"{metric} {found.ranker_mean:.3f} vs {found.baseline_mean:.3f} ({t.mean_diff:+.3f}, "
               f"{evaluation.settings.confidence:.0%} CI [{t.ci_low:+.3f}, {t.ci_high:+.3f}], p = {t.p_value:.3g}; "
               f"{wins} queries better, {losses} worse, {ties} tied, of {len(diffs)})")
    significant = t.p_value < alpha
    if t.mean_diff > _EQUAL:
        how = "significantly" if significant else "but not significantly (the difference may be noise)"
        return Verdict(f"{ranker} is better than {best}, the best baseline, {how}: {numbers}.",
                       EXIT_OK, True, significant)
    worse = "significantly worse; " if significant and t.mean_diff < -_EQUAL else ""
    return Verdict(f"{ranker} is not better than {best}, the best baseline ({worse}{numbers}). Serving it would "
                   f"not improve search: serve {best}, or give the model new signal.",
                   EXIT_NOT_BETTER, False, significant)
