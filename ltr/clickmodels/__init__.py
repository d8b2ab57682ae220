"""Click models behind one registry: name -> ``fit(sessions, **options) -> FittedModel``.

Each model is a small pure module (hello-ltr's layout): ``ctr`` (document CTR, the baseline), ``coec``
(position-normalized CTR), ``pbm`` (EM), ``sdbn`` (closed form), ``dbn`` (EM) and ``conversion`` (purchase >
add-to-cart > click grade mix). All share the contract in :mod:`ltr.clickmodels.base`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..sessions import SessionLog
from .base import EmptyLogError, FitReport, FittedModel, PairTable, Perplexity
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


def fit_click_model(name: str, sessions: SessionLog, **options: Any) -> FittedModel:
    """Fit the registered model ``name`` (``KeyError`` naming the known models otherwise)."""
    try:
        fit = CLICK_MODELS[name]
    except KeyError:
        raise KeyError(f"unknown click model {name!r}; known: {', '.join(CLICK_MODELS)}") from None
    return fit(sessions, **options)


__all__ = ["CLICK_MODELS", "COMPARABLE_MODELS", "ConversionWeights", "EmptyLogError", "FitReport",
           "FittedModel", "PairTable", "Perplexity", "fit_click_model"]
