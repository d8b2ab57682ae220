"""Score comparison helpers."""
from __future__ import annotations

import numpy as np


def as_f32(value: float) -> float:
    """A JSON score (a Java float, written as its shortest decimal) as the exact float32 value it stands for."""
    return float(np.float32(value))
