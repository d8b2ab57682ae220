"""Comparing click models on the same log: fit on the earlier sessions, score the later ones."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..sessions import SessionLog
from . import COMPARABLE_MODELS, FittedModel, Perplexity, fit_click_model
from .base import EmptyLogError


@dataclass(frozen=True)
class ModelComparison:
    """One model's held-out scores; ``perplexity.overall`` is the primary metric (lower is better)."""

    name: str
    model: FittedModel
    log_likelihood: float
    perplexity: Perplexity


def compare_models(train: SessionLog, test: SessionLog,
                   names: Sequence[str] = COMPARABLE_MODELS) -> list[ModelComparison]:
    """Fit each model on ``train`` and evaluate on ``test``; sorted best (lowest perplexity) first."""
    if len(train) == 0 or len(test) == 0:
        raise EmptyLogError(f"comparing click models needs training and test sessions; got {len(train)} and "
                            f"{len(test)} (the log is too small or the split put everything on one side)")
    results = []
    for name in names:
        model = fit_click_model(name, train)
        results.append(ModelComparison(name, model, model.log_likelihood(test), model.perplexity(test)))
    return sorted(results, key=lambda r: r.perplexity.overall)
