"""What both neighbour backends (exact.py in C, gpu.py in TensorFlow) share: the block sizes,
the prepared vectors, the block pairs of a chunk, and the top-k lists they fill and merge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embedlab.neighbors import _topk

Metric = Literal["cosine", "euclidean"]
BLOCK = 2048


SEED_BLOCK = 512


ROWS = 65536  # rows per step of the row-wise passes (norms), so no N x d temporary is made


NO_INDEX = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Prepared:
    """Vectors ready for the blocked product, and the per-word key offsets `h`."""

    x: np.ndarray  # float32 [n, d]: unit rows (cosine) or raw rows (euclidean)
    h: np.ndarray  # float32 [n]: 0 (cosine) or |x|^2 / 2 (euclidean)
    metric: Metric

    @property
    def n(self) -> int:
        return len(self.x)


def sq_norms(x: np.ndarray) -> np.ndarray:
    """float64 |x|^2 of every row, ROWS rows at a time (the same bits for any slice of the
    store that starts at a multiple of ROWS, so the merge can stream the store)."""
    out = np.empty(len(x), dtype=np.float64)
    for r0 in range(0, len(x), ROWS):
        part = np.asarray(x[r0 : r0 + ROWS], dtype=np.float32)
        out[r0 : r0 + len(part)] = np.einsum("ij,ij->i", part, part, dtype=np.float64)
    return out


def prepare(
    vectors: np.ndarray, metric: Metric, max_words: int | None = None, inplace: bool = False
) -> Prepared:
    """Cosine ranks by the dot product of unit vectors; Euclidean ranks by the key
    a.b - |b|^2/2, whose largest value is the smallest |a - b| (so both are a 'largest key').

    With `inplace` a float32 C-contiguous `vectors` is normalised where it is (a chunk job holds
    one copy of the store, not two); rows are scaled exactly as `vectors.unit_rows` does."""
    if metric not in ("cosine", "euclidean"):
        raise ValueError(f"unknown metric {metric!r}: use 'cosine' or 'euclidean'")
    x = vectors[:max_words] if max_words else vectors
    if not (inplace and isinstance(x, np.ndarray) and x.dtype == np.float32):
        x = np.array(x, dtype=np.float32)
    x = np.ascontiguousarray(x)
    if metric == "euclidean":
        return Prepared(x, (sq_norms(x) / 2).astype(np.float32), metric)
    for r0 in range(0, len(x), ROWS):
        part = x[r0 : r0 + ROWS]
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        np.divide(part, np.where(norms == 0, 1, norms), out=part)
    return Prepared(x, np.zeros(len(x), dtype=np.float32), metric)


def block_pairs(n: int, block: int = BLOCK) -> list[tuple[int, int]]:
    """All block pairs (I, J), I <= J, as block numbers, row by row."""
    nb = (n + block - 1) // block
    return [(i, j) for i in range(nb) for j in range(i, nb)]


def chunk_pairs(n: int, chunks: int, chunk: int, block: int = BLOCK) -> list[tuple[int, int]]:
    """The block pairs chunk `chunk` of `chunks` owns: a contiguous, cost-balanced share.

    Diagonal pairs cost half a full pair, so shares are cut by accumulated cost, not count."""
    if not 0 <= chunk < chunks:
        raise ValueError(f"chunk {chunk} outside 0..{chunks - 1}")
    pairs = block_pairs(n, block)
    cost = np.cumsum([0.5 if i == j else 1.0 for i, j in pairs])
    edges = np.searchsorted(cost, np.linspace(0, cost[-1], chunks + 1)[1:-1], side="right")
    bounds = [0, *edges.tolist(), len(pairs)]
    return pairs[bounds[chunk] : bounds[chunk + 1]]


def empty_topk(n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    score = np.full((n, k), -np.inf, dtype=np.float32)
    index = np.full((n, k), NO_INDEX, dtype=np.int32)
    return score, index, score[:, -1].copy()


def check_k(k: int, n: int) -> None:
    if not 0 < k < n:
        raise ValueError(f"k={k} must be between 1 and {n - 1} (the number of other words)")


def merge_topk(
    scores: Sequence[np.ndarray], indices: Sequence[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best k of several disjoint partial lists per word, by (score desc, index asc); each list
    is sorted that way (as every list here is). A linear merge in C, one list at a time."""
    score = np.array(scores[0][:, :k], dtype=np.float32, order="C")
    index = np.array(indices[0][:, :k], dtype=np.int32, order="C")
    for s, ix in zip(scores[1:], indices[1:], strict=True):
        _topk.merge_into(score, index, np.ascontiguousarray(s), np.ascontiguousarray(ix))
    return score, index


def finish(
    metric: Metric, keys: np.ndarray, index: np.ndarray, sqnorm: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Reported scores: cosine similarity, or the Euclidean distance recovered from the keys
    (key = a.b - |b|^2/2, so |a - b|^2 = |a|^2 - 2 key; `sqnorm` = `sq_norms` of the vectors)."""
    if np.any(index == NO_INDEX):
        raise RuntimeError("incomplete neighbour lists: not every chunk was merged")
    if metric == "cosine":
        return keys, index
    assert sqnorm is not None, "euclidean scores need the squared norms"
    d2 = sqnorm[:, None] - 2 * keys.astype(np.float64)
    return np.sqrt(np.maximum(d2, 0)).astype(np.float32), index
