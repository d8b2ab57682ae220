"""Encoders: the ``Encoder`` contract, the spec registry, and the built-in text and image encoders.

Only the contract and registry are imported here; each encoder module (and torch) loads when it is asked for.
"""

from __future__ import annotations

from .base import Encoder, EncoderRequest, l2_normalize, load_encoder, register_encoder, resolve_device

__all__ = ["Encoder", "EncoderRequest", "l2_normalize", "load_encoder", "register_encoder", "resolve_device"]
