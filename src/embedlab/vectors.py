"""Row-wise operations on embedding matrices shared by the word and image sides."""

from __future__ import annotations

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 C-contiguous copy of `vectors` with every row scaled to unit length; an all-zero
    row stays zero (its cosine with anything is 0, not NaN)."""
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.where(norms == 0, 1, norms), dtype=np.float32)
