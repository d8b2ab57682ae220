"""Comparing click models on held-out sessions: fit on a training log (the earlier sessions of one log, or a
whole log), score a test log (the later sessions, or a separate log). The position-only baselines
(:data:`~ltr.clickmodels.POSITION_BASELINES`) are rows too, scored the same way."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..sessions import SessionLog
from . import COMPARABLE_MODELS, POSITION_BASELINES, FittedModel, Perplexity, fit_click_model
from .base import EmptyLogError


@dataclass(frozen=True)
class ModelComparison:
    """One model's held-out scores; ``perplexity.overall`` is the primary metric (lower is better)."""

    name: str
    model: FittedModel
    log_likelihood: float
    perplexity: Perplexity


def compare_models(train: SessionLog, test: SessionLog, names: Sequence[str] = COMPARABLE_MODELS,
                   baselines: Sequence[str] = tuple(POSITION_BASELINES), *, max_iterations: int | None = None,
                   tolerance: float | None = None) -> list[ModelComparison]:
    """Fit each model (and each baseline) on ``train`` and evaluate on ``test``; sorted best (lowest
    perplexity) first. ``max_iterations`` and ``tolerance`` go to the EM models."""
    if len(train) == 0 or len(test) == 0:
        raise EmptyLogError(f"comparing click models needs training and test sessions; got {len(train)} and "
                            f"{len(test)} (the log is too small or the split put everything on one side)")
    results = []
    for name in names:
        model = fit_click_model(name, train, max_iterations=max_iterations, tolerance=tolerance)
        results.append(ModelComparison(name, model, model.log_likelihood(test), model.perplexity(test)))
    for name in baselines:
        if name not in POSITION_BASELINES:
            raise KeyError(f"unknown baseline {name!r}; known: {', '.join(POSITION_BASELINES)}")
        model = POSITION_BASELINES[name](train)
        results.append(ModelComparison(name, model, model.log_likelihood(test), model.perplexity(test)))
    return sorted(results, key=lambda r: r.perplexity.overall)
