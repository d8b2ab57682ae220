"""The ``Encoder`` contract, and the registry that turns a spec (``minilm``, ``clip:/models/x``) into one.

An encoder has a ``name`` (stable identity, used as the embedding-cache namespace, so it must change
whenever the vectors would), a ``dim``, a ``modality`` (``text`` or ``image``) and ``encode(batch)``
returning float32 rows of unit L2 norm. Image encoders whose space also embeds text (CLIP) return that text
tower from ``query_encoder()``, which is how a query string is compared with image vectors.

The registry maps names and ``prefix:`` specs to factories given as import paths, so ``import indexer``
never imports torch; a factory module is imported only when its encoder is asked for.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import EncoderError

log = logging.getLogger(__name__)

MODALITIES = ("text", "image")


class Encoder(ABC):
    """Text or image -> float32 unit vectors."""

    name: str
    dim: int
    modality: str

    @abstractmethod
    def encode(self, batch: Sequence[Any]) -> np.ndarray:
        """Embed a batch (strings for text encoders, PIL images for image ones) -> ``(len(batch), dim)``."""

    def query_encoder(self) -> Encoder | None:
        """The encoder that maps a query string into this encoder's space (itself for text encoders)."""
        return self if self.modality == "text" else None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={self.dim} {self.modality}>"


@dataclass(frozen=True)
class EncoderRequest:
    """What a factory receives: the part of the spec after the prefix, and the runtime options."""

    arg: str
    modality: str
    device: str | None = None
    batch_size: int = 64


Factory = Callable[[EncoderRequest], Encoder]
_NAMES: dict[str, Factory | str] = {
    "minilm": "indexer.encoders.text:load_minilm",
    "efficientnet-lite0": "indexer.encoders.efficientnet:load_efficientnet_lite0",
    "classical": "indexer.encoders.classical:load_classical",
    "hashing": "indexer.encoders.hashing:load_hashing",
}
_PREFIXES: dict[str, Factory | str] = {
    "st": "indexer.encoders.text:load_sentence_transformer",
    "clip": "indexer.encoders.clip:load_clip",
    "hashing": "indexer.encoders.hashing:load_hashing",
}
_DEFAULT_TEXT: Factory | str = "indexer.encoders.text:load_sentence_transformer"


def register_encoder(name: str, factory: Factory | str, *, prefix: bool = False) -> None:
    """Register ``name`` (or ``name:`` as a prefix) -> factory; the way tests add a cheap fake encoder."""
    (_PREFIXES if prefix else _NAMES)[name] = factory


def load_encoder(
    spec: str, *, modality: str = "text", device: str | None = None, batch_size: int = 64
) -> Encoder:
    """Resolve an encoder spec.

    ``minilm`` | ``efficientnet-lite0`` | ``classical`` | ``hashing[:dim]`` | ``clip:<path-or-name>`` |
    ``st:<name-or-path>``; any other text-encoder spec is taken as a sentence-transformers name or path.
    """
    if modality not in MODALITIES:
        raise EncoderError(f"unknown modality {modality!r}; use one of {MODALITIES}")
    spec = spec.strip()
    if not spec:
        raise EncoderError(f"empty {modality} encoder spec; use e.g. 'minilm' or 'clip:/path/to/clip'")
    prefix, _, arg = spec.partition(":")
    if spec in _NAMES:
        factory, arg = _NAMES[spec], ""
    elif arg and prefix in _PREFIXES and not Path(spec).exists():
        factory = _PREFIXES[prefix]
    elif modality == "text":
        factory, arg = _DEFAULT_TEXT, spec
    else:
        known = sorted([*_NAMES, *(f"{p}:..." for p in _PREFIXES)])
        raise EncoderError(f"unknown image encoder {spec!r}; use one of: {', '.join(known)}")
    encoder = _resolve(factory)(EncoderRequest(arg, modality, device, batch_size))
    if encoder.modality != modality:
        raise EncoderError(
            f"encoder {spec!r} is {encoder.modality}-only; it cannot be the {modality} encoder"
        )
    log.info("loaded %s", encoder)
    return encoder


def _resolve(factory: Factory | str) -> Factory:
    if not isinstance(factory, str):
        return factory
    module_name, _, attr = factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EncoderError(
            f"{module_name} needs a package that is not installed ({exc.name}); install the extra: "
            f"pip install 'mmltr[text,image]' (torch first: pip install torch==2.13.0)"
        ) from exc
    return getattr(module, attr)  # type: ignore[no-any-return]


def l2_normalize(vectors: Any) -> np.ndarray:
    """Rows scaled to unit length, as float32. A zero row stays zero (callers avoid producing one)."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array.astype(np.float64), axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return (array / norms).astype(np.float32)


def resolve_device(device: str | None) -> str:
    """``auto``/``None`` -> ``cuda`` when a GPU is visible, else ``mps`` on Apple silicon, else ``cpu``.

    An explicit device that torch cannot use is refused here, with the fix, rather than surfacing later as a
    model-loading failure with a misleading hint.
    """
    import torch

    if device and device != "auto":
        kind, _, number = device.partition(":")
        if kind == "cuda":
            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if count == 0 or (number.isdigit() and int(number) >= count):
                why = ("this torch build has no CUDA support" if not torch.backends.cuda.is_built()
                       else f"torch sees {count} CUDA device(s)")
                raise EncoderError(f"--device {device}: {why} (torch {torch.__version__}); "
                                   f"use --device cpu, or auto to take a GPU when there is one")
        elif kind == "mps":
            mps = getattr(torch.backends, "mps", None)
            if mps is None or not mps.is_available():
                raise EncoderError(f"--device {device}: Apple's MPS is not available here; use --device cpu")
        elif kind != "cpu":
            raise EncoderError(f"--device {device}: unknown device; use auto, cpu, cuda, cuda:N or mps")
        return device

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def uses_fp16(device: str) -> bool:
    """Half precision on GPU only: it doubles throughput there and is slower or unsupported on CPU."""
    return device.startswith("cuda")


def fingerprint_path(path: Path) -> str:
    """Digest of a model folder's file names, sizes and mtimes: retrained weights get a new cache space."""
    digest = hashlib.blake2b(digest_size=4)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        stat = file.stat()
        relative = file.relative_to(path) if file != path else file.name
        digest.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns};".encode("utf-8"))
    return digest.hexdigest()


def quiet_model_loading() -> None:
    """No progress bars while models load (``--no-progress``): transformers' "Loading weights" bar and the
    Hugging Face hub's download bars. Their modules are imported here only if an encoder will need them anyway
    (the caller asks only when it loads a model)."""
    for module, function in (("transformers.utils.logging", "disable_progress_bar"),
                             ("huggingface_hub.utils", "disable_progress_bars")):
        try:
            getattr(importlib.import_module(module), function)()
        except (ImportError, AttributeError):  # the library is not installed (hashing encoder only): no bars
            continue
