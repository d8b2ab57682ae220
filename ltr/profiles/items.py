"""What profiles need to know about items: category, brand, price and the text and image vectors.

Read from any table with an ``id`` column (a catalogue file, or documents scanned from the item index); every
other column is optional, and a profile built without one leaves that part neutral.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ItemAttributes:
    item_ids: tuple[str, ...]
    category: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    text_vectors: np.ndarray | None = None
    image_vectors: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.item_ids)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, text_field: str = "text_vector",
                   image_field: str = "image_vector") -> ItemAttributes:
        """Columns ``id`` (required), ``category``, ``brand``, ``price``, and vector columns if present."""
        if "id" not in frame.columns:
            raise ValueError("item attributes need an 'id' column (the catalogue's product id)")
        n = len(frame)

        def text(name: str) -> np.ndarray:
            if name not in frame.columns:
                return np.full(n, None, dtype=object)
            values = frame[name].astype(object).to_numpy()
            return np.array([v if isinstance(v, str) and v else None for v in values], dtype=object)

        price = pd.to_numeric(frame["price"], errors="coerce").to_numpy(dtype=float, copy=True) \
            if "price" in frame else np.full(n, np.nan)
        price[~(price > 0)] = np.nan
        return cls(tuple(str(i) for i in frame["id"]), text("category"), text("brand"), price,
                   _vectors(frame, text_field), _vectors(frame, image_field))

    def rows_for(self, item_ids: Sequence[str]) -> np.ndarray:
        """Row of each id in this table, ``-1`` for items it does not describe."""
        return np.asarray(pd.Index(self.item_ids).get_indexer(list(item_ids)), dtype=np.int64)


def _vectors(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    """A ``[n, d]`` float32 matrix (NaN rows: no well-formed vector), or None without the column."""
    if name not in frame.columns:
        return None
    values = frame[name].to_list()
    dim = next((len(v) for v in values if v is not None and not _scalar_na(v) and len(v)), 0)
    if dim == 0:
        return None
    out = np.full((len(values), dim), np.nan, dtype=np.float32)
    for i, v in enumerate(values):
        if v is not None and not _scalar_na(v) and len(v) == dim:
            out[i] = np.asarray(v, dtype=np.float32)
    return out


def _scalar_na(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)
