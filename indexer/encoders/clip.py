"""CLIP through transformers: an image tower for ``image_vector`` and a text tower in the same space.

``clip:<path-or-name>`` accepts a Hugging Face CLIP folder (``config.json`` + weights + tokenizer), a
sentence-transformers CLIP folder (the model lives in ``0_CLIPModel/``), or a name in the local Hugging
Face cache. Both towers of one spec share a single loaded model. The image tower's ``query_encoder()`` is
the text tower, so a query string can be scored against image vectors (the ``knn_image`` feature).

Preprocessing is Pillow + numpy (shorter side to the model's size, centre crop, CLIP mean/std, overridable
by the folder's ``preprocessor_config.json``), so torchvision is never needed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import Encoder, EncoderRequest, fingerprint_path, l2_normalize, resolve_device, uses_fp16
from .images import to_model_input

log = logging.getLogger(__name__)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
_LOADED: dict[tuple[str, str], ClipModel] = {}
_LOCK = threading.Lock()


class ClipModel:
    """The loaded model, tokenizer and preprocessing constants, shared by both towers."""

    def __init__(self, spec: str, device: str) -> None:
        import torch
        from transformers import AutoTokenizer, CLIPModel

        self.torch = torch
        self.device = device
        source, subfolder, fingerprint = _locate(spec)
        kwargs: dict[str, Any] = {"subfolder": subfolder} if subfolder else {}
        try:
            self.model = CLIPModel.from_pretrained(source, **kwargs)
            self.tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        except Exception as exc:  # OSError / ValueError / hub errors, depending on what is missing
            raise EncoderError(
                f"clip:{spec}: cannot load a CLIP model ({_one_line(exc)}). Pass a folder with config.json, "
                f"weights and tokenizer files (a Hugging Face or sentence-transformers CLIP), or a name "
                f"in the local Hugging Face cache; downloads are off on offline machines"
            ) from exc
        self.model.eval().to(device)
        if uses_fp16(device):
            self.model.half()
        self.name = f"clip:{spec}#{fingerprint}"
        self.dim = int(self.model.config.projection_dim)
        vision = self.model.config.vision_config
        self.image_size, self.mean, self.std = _preprocessing(source, subfolder, int(vision.image_size))
        text_config = self.model.config.text_config
        self.max_length = min(
            int(getattr(self.tokenizer, "model_max_length", 77) or 77),
            int(text_config.max_position_embeddings),
        )

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        inputs = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        inputs = {k: v.to(self.device) for k, v in inputs.items() if k in ("input_ids", "attention_mask")}
        with self.torch.inference_mode():
            return _features(self.model.get_text_features(**inputs))

    def embed_images(self, images: Sequence[Any]) -> np.ndarray:
        pixels = self.torch.from_numpy(to_model_input(images, self.image_size, self.mean, self.std))
        pixels = pixels.to(self.device, dtype=next(self.model.parameters()).dtype)
        with self.torch.inference_mode():
            return _features(self.model.get_image_features(pixel_values=pixels))


class ClipTextEncoder(Encoder):
    modality = "text"

    def __init__(self, clip: ClipModel, batch_size: int) -> None:
        self.clip, self.batch_size = clip, batch_size
        self.name, self.dim = f"{clip.name}/text", clip.dim

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        parts = [
            self.clip.embed_texts([str(t) for t in batch[i : i + self.batch_size]])
            for i in range(0, len(batch), self.batch_size)
        ]
        return l2_normalize(np.concatenate(parts)) if parts else np.zeros((0, self.dim), np.float32)


class ClipImageEncoder(Encoder):
    modality = "image"

    def __init__(self, clip: ClipModel, batch_size: int) -> None:
        self.clip, self.batch_size = clip, batch_size
        self.name, self.dim = f"{clip.name}/image", clip.dim
        self.input_size = clip.image_size
        self._text = ClipTextEncoder(clip, batch_size)

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        parts = [
            self.clip.embed_images(batch[i : i + self.batch_size])
            for i in range(0, len(batch), self.batch_size)
        ]
        return l2_normalize(np.concatenate(parts)) if parts else np.zeros((0, self.dim), np.float32)

    def query_encoder(self) -> Encoder:
        return self._text


def load_clip(request: EncoderRequest) -> Encoder:
    device = resolve_device(request.device)
    with _LOCK:
        key = (request.arg, device)
        if key not in _LOADED:
            try:
                _LOADED[key] = ClipModel(request.arg, device)
            except ImportError as exc:
                raise EncoderError(
                    "clip: needs torch and transformers: pip install torch==2.13.0 " "'mmltr[image]'"
                ) from exc
        clip = _LOADED[key]
    if request.modality == "text":
        return ClipTextEncoder(clip, request.batch_size)
    return ClipImageEncoder(clip, request.batch_size)


def _locate(spec: str) -> tuple[str, str | None, str]:
    """(source, subfolder, fingerprint) for a folder, a sentence-transformers folder, or a cached name."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if (path / "config.json").is_file() and not (path / "0_CLIPModel").is_dir():
            return str(path), None, fingerprint_path(path)
        if (path / "0_CLIPModel" / "config.json").is_file():
            return str(path), "0_CLIPModel", fingerprint_path(path / "0_CLIPModel")
        raise EncoderError(
            f"clip:{spec}: the folder has no config.json (nor 0_CLIPModel/config.json); point at a "
            f"saved CLIP model folder"
        )
    return spec, None, "hub"


def _preprocessing(
    source: str, subfolder: str | None, default_size: int
) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    config_path = Path(source) / (subfolder or "") / "preprocessor_config.json"
    size, mean, std = default_size, CLIP_MEAN, CLIP_STD
    if config_path.is_file():
        config = json.loads(config_path.read_text(encoding="utf-8"))
        crop = config.get("crop_size", size)
        size = int(crop.get("height", size) if isinstance(crop, dict) else crop)
        mean = tuple(config.get("image_mean", mean))
        std = tuple(config.get("image_std", std))
    return size, mean, std


def _features(output: Any) -> np.ndarray:
    """transformers 4 returns a tensor; transformers 5 a model output whose ``pooler_output`` is projected."""
    tensor = output if hasattr(output, "float") else output.pooler_output
    return tensor.float().cpu().numpy()


def _one_line(exc: BaseException) -> str:
    """Library errors span lines; our message is one line."""
    return " ".join(str(exc).split())
