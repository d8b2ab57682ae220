"""Click models behind one registry: name -> ``fit(sessions, **options) -> FittedModel``.

Each model is a small pure module (hello-ltr's layout): ``ctr`` (document CTR, the baseline), ``coec``
(position-normalized CTR), ``pbm`` (EM), ``sdbn`` (closed form), ``dbn`` (EM) and ``conversion`` (purchase >
add-to-cart > click grade mix). All share the contract in :mod:`ltr.clickmodels.base`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..sessions import SessionLog
from .base import (DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE, EmptyLogError, FitReport, FittedModel, PairTable,
                   Perplexity)
from .baselines import fit_global_ctr, fit_rank_ctr
from .coec import fit_coec
from .conversion import ConversionWeights, fit_conversion
from .ctr import fit_ctr
from .dbn import fit_dbn
from .pbm import fit_pbm
from .sdbn import fit_sdbn

ClickModelFit = Callable[..., FittedModel]

CLICK_MODELS: dict[str, ClickModelFit] = {
    "ctr": fit_ctr,
    "coec": fit_coec,
    "pbm": fit_pbm,
    "sdbn": fit_sdbn,
    "dbn": fit_dbn,
    "conversion": fit_conversion,
}

#: Models that predict clicks in their own way (``conversion`` predicts clicks as ``coec`` does).
COMPARABLE_MODELS: tuple[str, ...] = ("ctr", "coec", "pbm", "sdbn", "dbn")

#: Models fitted by EM: they take ``max_iterations`` and ``tolerance`` and report convergence.
EM_MODELS: tuple[str, ...] = ("pbm", "dbn")

#: Position-only baselines, comparison rows of ``clickmodel compare`` (they grade nothing).
POSITION_BASELINES: dict[str, Callable[[SessionLog], FittedModel]] = {
    "global_ctr": fit_global_ctr,
    "rank_ctr": fit_rank_ctr,
}


def fit_click_model(name: str, sessions: SessionLog, *, max_iterations: int | None = None,
                    tolerance: float | None = None, **options: Any) -> FittedModel:
    """Fit the registered model ``name`` (``KeyError`` naming the known models otherwise).

    ``max_iterations`` and ``tolerance`` set the EM stop of the :data:`EM_MODELS` (defaults
    :data:`DEFAULT_MAX_ITERATIONS`, :data:`DEFAULT_TOLERANCE`); closed-form models ignore them."""
    try:
        fit = CLICK_MODELS[name]
    except KeyError:
        raise KeyError(f"unknown click model {name!r}; known: {', '.join(CLICK_MODELS)}") from None
    if name in EM_MODELS:
        if max_iterations is not None:
            options["iterations"] = max_iterations
        if tolerance is not None:
            options["tol"] = tolerance
    return fit(sessions, **options)


__all__ = ["CLICK_MODELS", "COMPARABLE_MODELS", "DEFAULT_MAX_ITERATIONS", "DEFAULT_TOLERANCE", "EM_MODELS",
           "POSITION_BASELINES", "ConversionWeights", "EmptyLogError", "FitReport", "FittedModel", "PairTable",
           "Perplexity", "fit_click_model", "fit_global_ctr", "fit_rank_ctr"]
