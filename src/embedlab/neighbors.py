"""Exact k-nearest neighbours of every word over the whole vocabulary, split into chunk jobs.

The similarity matrix is symmetric, so each pair of row blocks (I, J) with I <= J is computed once
and feeds both the rows of I and the rows of J. The C kernel `_topk.fused_update` accumulates the
block product in registers and keeps running top-k lists, so no block is ever written to memory.
A chunk job owns a share of the block pairs and writes partial top-k lists for the whole
vocabulary; the merge job combines them. Every pair of words belongs to exactly one block pair,
so partial lists never overlap and the result does not depend on the number of chunks or threads.

Order is deterministic: best score first, ties broken by the lower row index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from embedlab import _topk
from embedlab.vectors import unit_rows

Metric = Literal["cosine", "euclidean"]
BLOCK = 2048
SEED_BLOCK = 512
NO_INDEX = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Prepared:
    """Vectors ready for the blocked product, and the per-word key offsets `h`."""

    x: np.ndarray  # float32 [n, d]: unit rows (cosine) or raw rows (euclidean)
    h: np.ndarray  # float32 [n]: 0 (cosine) or |x|^2 / 2 (euclidean)
    sqnorm: np.ndarray  # float64 [n]: |x|^2, to turn Euclidean keys back into distances
    metric: Metric

    @property
    def n(self) -> int:
        return len(self.x)


def prepare(vectors: np.ndarray, metric: Metric, max_words: int | None = None) -> Prepared:
    """Cosine ranks by the dot product of unit vectors; Euclidean ranks by the key
    a.b - |b|^2/2, whose largest value is the smallest |a - b| (so both are a 'largest key')."""
    x = np.asarray(vectors[:max_words] if max_words else vectors, dtype=np.float32)
    if metric == "cosine":
        x = unit_rows(x)
        h = np.zeros(len(x), dtype=np.float32)
    elif metric == "euclidean":
        x = np.ascontiguousarray(x)
        h = (np.einsum("ij,ij->i", x, x, dtype=np.float64) / 2).astype(np.float32)
    else:
        raise ValueError(f"unknown metric {metric!r}: use 'cosine' or 'euclidean'")
    sq = np.einsum("ij,ij->i", x, x, dtype=np.float64)
    return Prepared(x, h, sq, metric)


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


def _feed(prep: Prepared, lists: tuple[np.ndarray, np.ndarray, np.ndarray], i0, i1, j0, j1) -> None:
    score, index, thr = lists
    _topk.fused_update(prep.x, prep.x.shape[1], prep.h, i0, i1, j0, j1, score, index, thr)


def seed_bounds(prep: Prepared, k: int, seed_block: int = SEED_BLOCK) -> np.ndarray:
    """A lower bound of every word's final k-th best key: its k-th best within its own small
    block of neighbouring rows. Starting the thresholds there (instead of at -inf) lets the scan
    reject almost every value from the first block pair on; it costs ~1% of the full search."""
    lists = empty_topk(prep.n, k)
    size = max(seed_block, k + 1)
    for b0 in range(0, prep.n, size):
        b1 = min(prep.n, b0 + size)
        if b1 - b0 > k:
            _feed(prep, lists, b0, b1, b0, b1)
    return lists[2]


def partial_topk(
    prep: Prepared,
    k: int,
    pairs: Sequence[tuple[int, int]],
    block: int = BLOCK,
    threads: int = 1,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k keys and indices for all words from the given block pairs only.

    Lists may hold fewer than k entries (index NO_INDEX) for words whose best candidates live in
    other chunks; merging all chunks fills them. Each of `threads` workers keeps private lists
    (no locks in the hot loop); they are merged at the end."""
    n = prep.n
    if not 0 < k < n:
        raise ValueError(f"k={k} must be between 1 and {n - 1} (the number of other words)")
    bound = seed_bounds(prep, k)
    workers: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for _ in range(threads):
        score, index, _ = empty_topk(n, k)
        workers.append((score, index, bound.copy()))
    lock = threading.Lock()

    def work(t: int) -> None:
        for i, j in pairs[t::threads]:
            _feed(prep, workers[t], i * block, min(n, (i + 1) * block), j * block,
                  min(n, (j + 1) * block))  # fmt: skip
            if progress:
                with lock:
                    progress(1)

    if threads == 1:
        work(0)
    else:
        pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    return merge_topk([w[0] for w in workers], [w[1] for w in workers], k)


def merge_topk(
    scores: Sequence[np.ndarray], indices: Sequence[np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best k of several disjoint partial lists per word, by (score desc, index asc)."""
    if len(scores) == 1:
        return scores[0], indices[0]
    s = np.concatenate(scores, axis=1)
    ix = np.concatenate(indices, axis=1)
    order = np.lexsort((ix, -s), axis=1)[:, :k]  # the last key is the primary one
    return np.take_along_axis(s, order, axis=1), np.take_along_axis(ix, order, axis=1)


def finish(prep: Prepared, keys: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reported scores: cosine similarity, or the Euclidean distance recovered from the keys
    (key = a.b - |b|^2/2, so |a - b|^2 = |a|^2 - 2 key)."""
    if np.any(index == NO_INDEX):
        raise RuntimeError("incomplete neighbour lists: not every chunk was merged")
    if prep.metric == "cosine":
        return keys, index
    d2 = prep.sqnorm[:, None] - 2 * keys.astype(np.float64)
    return np.sqrt(np.maximum(d2, 0)).astype(np.float32), index


def exact_neighbors(
    vectors: np.ndarray,
    k: int,
    metric: Metric = "cosine",
    max_words: int | None = None,
    chunks: int = 1,
    threads: int = 1,
    block: int = BLOCK,
) -> tuple[np.ndarray, np.ndarray]:
    """All chunks in one process, one after the other, then merged: what the jobs compute."""
    prep = prepare(vectors, metric, max_words)
    parts = [
        partial_topk(prep, k, chunk_pairs(prep.n, chunks, c, block), block, threads)
        for c in range(chunks)
    ]
    keys, index = merge_topk([p[0] for p in parts], [p[1] for p in parts], k)
    return finish(prep, keys, index)


def query(
    vectors: np.ndarray, row: int, k: int, metric: Metric = "cosine"
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours of one word (the CLI): one pass over the vocabulary, same ordering rules.

    The word itself is never among them, so k must be between 1 and n - 1."""
    prep = prepare(vectors, metric)
    if not 0 < k < prep.n:
        raise ValueError(f"k={k} must be between 1 and {prep.n - 1} (the number of other words)")
    key = prep.x @ prep.x[row] - prep.h
    others = np.delete(np.arange(prep.n), row)
    top = others[np.lexsort((others, -key[others]))[:k]]
    return finish(prep, key[top][None, :], top[None, :].astype(np.int32))[0][0], top
